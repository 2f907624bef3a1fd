"""A candidate's way through the site in a real browser: filter, open, apply with a PDF, follow the application;
then the same application made with the keyboard alone."""

import re

import pytest
from django.core import mail

from applications.models import Application
from postings.models import Posting
from tests import factories as f
from tests.applications.conftest import MINIMAL_PDF

pytestmark = pytest.mark.browser

CV = {"name": "cv-camille.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}


@pytest.fixture
def postings(transactional_db):
    """A Service Civique mission in Belgium (age conditions to confirm, French required), an internship in
    France and a job in Belgium, so that the filters have something to leave out."""
    mission = f.published_posting(
        title="Observatoire des droits des exilé·es",
        slug="observatoire-droits",
        country="BE",
        city="Bruxelles",
        min_age=18,
        max_age=25,
    )
    f.published_posting(
        title="Stage plaidoyer", slug="stage-plaidoyer", kind=Posting.Kind.INTERNSHIP, country="FR"
    )
    f.published_posting(title="Chargé·e de projet", slug="charge-projet", kind=Posting.Kind.JOB, country="BE")
    return mission


def test_a_candidate_filters_opens_applies_and_follows_the_application(browsing, postings):
    page = browsing.page
    browsing.goto("/")
    filters = page.get_by_role("search", name="Filtrer les offres")
    filters.get_by_label("Pays").select_option(label="Belgique")
    filters.get_by_label("Type d'offre").select_option(label="Mission de volontariat")
    filters.get_by_role("button", name="Appliquer les filtres").click()

    results = page.get_by_role("region", name=re.compile(r"offres?$"))
    assert results.get_by_role("heading", level=2).inner_text().strip() == "1 offre"
    assert "country=BE" in page.url and "kind=volunteer" in page.url
    results.get_by_role("link", name="Observatoire des droits des exilé·es").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Observatoire des droits des exilé·es"
    page.get_by_role("link", name="Postuler en ligne").first.click()

    page.get_by_label("Prénom").fill("Camille")
    page.get_by_label("Nom*", exact=True).fill("Martin")  # required fields end with an asterisk
    page.get_by_label("Adresse e-mail").fill("camille.martin@example.org")
    page.get_by_label("Ville de résidence").fill("Lille")
    page.get_by_label("Pays de résidence").select_option(label="France")
    page.get_by_label("CV").set_input_files(CV)
    page.get_by_label("Lettre de motivation (texte)").fill("Je veux documenter l'accès aux droits.")
    page.get_by_label("Votre niveau en Français").select_option(label="Très bon niveau (C1)")
    page.get_by_label("Je confirme remplir ces conditions d'éligibilité.").check()
    page.get_by_label(re.compile("J'accepte que mes données")).check()
    page.get_by_role("button", name="Envoyer ma candidature").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Votre candidature est envoyée"
    application = Application.objects.get()
    assert application.cv.read() == MINIMAL_PDF
    # The page is the same whether the address had applied or not: the reference and the private link come
    # by e-mail (on the configured site address, not the live server's).
    assert application.reference not in page.content()
    receipt = next(m for m in mail.outbox if m.to == ["camille.martin@example.org"])
    assert application.reference in receipt.body
    private_link = re.search(r"https?://\S+/candidature/\S+/", receipt.body).group(0)
    assert private_link.endswith(application.get_private_url())

    browsing.goto(application.get_private_url())

    assert page.url == browsing.url(application.get_private_url())
    assert application.reference in page.content()
    assert page.get_by_text(application.get_status_display(), exact=True).count() >= 1
    assert browsing.problems == []


def tab_to(page, selector: str, *, backwards: bool = False, limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until the element matching `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{selector} never received the focus with the keyboard")


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.tagName")


def test_a_candidate_applies_with_the_keyboard_alone(browsing, postings):
    page = browsing.page
    browsing.goto(postings.get_absolute_url())

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"  # the skip link first
    page.keyboard.press("Enter")
    assert focused(page) == "main"
    tab_to(page, f'a[href$="{postings.slug}/candidater/"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/candidater/$"))

    tab_to(page, "#id_first_name")
    page.keyboard.type("Camille")
    page.keyboard.press("Tab")
    assert focused(page) == "id_last_name"
    page.keyboard.type("Martin")
    tab_to(page, "#id_email")
    page.keyboard.type("camille.martin@example.org")
    tab_to(page, "#id_city")
    page.keyboard.type("Lille")
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "id_phone"
    tab_to(page, "#id_country")
    page.keyboard.type("France")
    assert page.locator("#id_country").input_value() == "FR"
    tab_to(page, "#id_letter_text")
    page.keyboard.type("Je veux documenter l'accès aux droits.")
    # The CV, the language level and the boxes are left out: the form comes back with its errors.
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    page.wait_for_selector("#error-summary")
    assert focused(page) == "error-summary"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#id_cv"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#id_cv"
    tab_to(page, "#id_cv")
    # An operating-system file dialog cannot be driven: the file is given to the focused input.
    page.locator("#id_cv").set_input_files(CV)
    tab_to(page, "#id_language_fr")
    page.keyboard.type("Très bon")  # a closed select picks the option its label starts with
    assert page.locator("#id_language_fr").input_value() == "C1"
    tab_to(page, "#id_eligibility_confirmed")
    page.keyboard.press("Space")
    tab_to(page, "#id_consent")
    page.keyboard.press("Space")
    assert page.locator("#id_consent").is_checked() and page.locator("#id_eligibility_confirmed").is_checked()
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    # The browser keeps the #id_cv fragment across the redirect.
    page.wait_for_url(re.compile("/confirmation/(#id_cv)?$"))
    application = Application.objects.get()
    assert (application.first_name, application.city, application.country) == ("Camille", "Lille", "FR")
    tab_to(page, f'a[href="{postings.get_absolute_url()}"]')  # "Revenir à l'offre"
    page.keyboard.press("Enter")
    page.wait_for_url(browsing.url(postings.get_absolute_url()))
    assert browsing.problems == []
