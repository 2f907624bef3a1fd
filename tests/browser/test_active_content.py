"""A candidate sends a CV with active content in a real browser: the form comes back with the advice next to
the CV field, nothing is stored, and the same candidate then succeeds with a plain PDF."""

import os
import re

import pytest

from applications.models import Application
from tests import factories as f
from tests.applications import hostile_documents as hostile
from tests.applications.conftest import MINIMAL_PDF

pytestmark = pytest.mark.browser

# Set to a folder to keep the screenshots of the refusal (360 and 1280 px) for a look.
SHOTS = os.environ.get("PASSERELLE_SCREENSHOTS")


@pytest.mark.parametrize("viewport", ["browsing", "phone"])
def test_a_cv_with_javascript_is_refused_with_what_to_do_then_a_plain_pdf_goes_through(
    request, transactional_db, viewport
):
    session = request.getfixturevalue(viewport)
    page = session.page
    posting = f.published_posting(title="Accueil des personnes exilées", slug="accueil-exiles")
    session.goto(posting.get_absolute_url())
    page.get_by_role("link", name="Postuler en ligne").first.click()

    def fill(cv: bytes) -> None:
        page.get_by_label("Prénom").fill("Camille")
        page.get_by_label("Nom*", exact=True).fill("Martin")
        page.get_by_label("Adresse e-mail").fill("camille.martin@example.org")
        page.get_by_label("Ville de résidence").fill("Lille")
        page.get_by_label("Pays de résidence").select_option(label="France")
        page.get_by_label("CV").set_input_files(
            {"name": "cv.pdf", "mimeType": "application/pdf", "buffer": cv}
        )
        page.get_by_label("Lettre de motivation (texte)").fill("Je souhaite rejoindre l'équipe d'accueil.")
        for language in page.locator("select[name^='language_']").all():
            language.select_option(label="Très bon niveau (C1)")
        eligibility = page.get_by_label("Je confirme remplir ces conditions d'éligibilité.")
        if eligibility.count():
            eligibility.check()
        page.get_by_label(re.compile("J'accepte que mes données")).check()
        page.get_by_role("button", name="Envoyer ma candidature").click()

    fill(hostile.pdf_open_action_javascript())

    refusal = re.compile("Ce PDF contient du code ou des actions automatiques")
    # Once in the summary at the top of the form, once next to the CV field.
    assert page.get_by_role("listitem").filter(has_text=refusal).inner_text().startswith("CV :")
    advice = page.get_by_role("group", name="Vos documents").get_by_text(refusal)
    assert advice.is_visible()
    assert "Exportez à nouveau votre document en PDF simple" in advice.inner_text()
    assert not Application.objects.exists()
    if SHOTS:
        advice.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(SHOTS, f"refused-cv-{viewport}.png"))

    fill(MINIMAL_PDF)

    page.get_by_role("heading", level=1, name="Votre candidature est envoyée").wait_for()
    assert Application.objects.get().cv_name == "cv.pdf"
    assert session.problems == []
