"""Recruiters in the admin, in a real browser: the real login form, the search, the status form, the answer
action with its intermediate page, the export; and a recruiter of another organisation who sees nothing."""

import os

import pytest
from django.core import mail

from applications.models import Answer, Application, Outcome
from organisations.models import Membership
from tests import factories as f

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery-staple"  # tests/factories.make_user's default


@pytest.fixture
def recruitment(backoffice_data):
    org_a = f.make_organisation(name="Organisation A", slug="org-a")
    org_b = f.make_organisation(name="Organisation B", slug="org-b", country="BE", city="Liège")
    posting = f.published_posting(title="Mission A", slug="mission-a", organisations={"host": org_a})
    f.make_application(posting=f.published_posting(organisations={"host": org_a}), last_name="Autre")
    application = f.make_application(posting=posting, first_name="Amina", last_name="Diallo")
    return {
        "application": application,
        "recruiter_a": f.make_staff("recruteur-a", organisation=org_a, role=Membership.Role.RECRUITER),
        "recruiter_b": f.make_staff("recruteur-b", organisation=org_b, role=Membership.Role.RECRUITER),
    }


def log_in(browsing, username: str) -> None:
    page = browsing.page
    browsing.goto("/admin/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_selector("#user-tools")


def search(browsing, reference: str) -> None:
    page = browsing.page
    browsing.goto("/admin/applications/application/")
    page.locator("#searchbar").fill(reference)
    page.locator("#searchbar").press("Enter")
    page.wait_for_url(f"**?q={reference}")


def test_a_recruiter_finds_moves_answers_and_exports_an_application(browsing, recruitment):
    page = browsing.page
    application = recruitment["application"]
    log_in(browsing, "recruteur-a")

    search(browsing, application.reference)
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    rows.get_by_role("link", name=application.reference).click()

    page.locator("#id_move_to").select_option(Application.Status.IN_REVIEW.value)
    page.locator("#id_move_note").fill("Profil solide, à voir en entretien.")
    page.locator("input[name=_save]").click()
    page.wait_for_selector(".messagelist")
    application.refresh_from_db()
    assert application.status == Application.Status.IN_REVIEW
    assert application.status_changes.last().note == "Profil solide, à voir en entretien."

    search(browsing, application.reference)
    page.locator("#result_list tbody tr input.action-select").check()
    page.locator("select[name=action]").select_option("answer_candidates")
    page.locator("button[name=index]").click()
    # The intermediate page: which answer, then confirm.
    page.get_by_role("heading", name="1 élément sélectionné").wait_for()
    page.get_by_label("Réponse").select_option(Outcome.SHORTLISTED.value)
    page.get_by_role("button", name="Envoyer les réponses").click()

    assert page.locator(".messagelist").inner_text().strip().startswith("1 réponse envoyée.")
    application.refresh_from_db()
    assert application.status == Application.Status.SHORTLISTED
    assert Answer.objects.filter(application=application, outcome=Outcome.SHORTLISTED).count() == 1
    assert any(m.to == [application.email] for m in mail.outbox)

    search(browsing, application.reference)
    page.locator("#result_list tbody tr input.action-select").check()
    page.locator("select[name=action]").select_option("export_csv")
    with page.expect_download() as download:
        page.locator("button[name=index]").click()
    content = download.value.path().read_text(encoding="utf-8-sig")
    assert application.reference in content
    assert "Autre" not in content  # only the selected row
    # The form's navigation turns into a download: Chromium reports that navigation as aborted.
    changelist = f"/admin/applications/application/?q={application.reference}"
    assert [p for p in browsing.problems if not p.endswith(changelist)] == []


def test_a_recruiter_of_another_organisation_sees_nothing_of_it(browsing, recruitment):
    page = browsing.page
    application = recruitment["application"]
    log_in(browsing, "recruteur-b")

    search(browsing, application.reference)
    assert page.locator("#result_list tbody tr").count() == 0
    assert "Diallo" not in page.content()  # the reference itself is echoed in the search box

    response = browsing.goto(f"/admin/applications/application/{application.pk}/change/")
    assert response.status == 404
    assert "Diallo" not in page.content()


# A posting from nothing to the public site (issue 13, first half of the journey) -------------------------

DEMO_PASSWORD = "passerelle-demo-2026"  # organisations/management/commands/create_demo_recruiter.py


@pytest.fixture
def demo_recruiter(backoffice_data):
    """The demonstration set and its recruiter, exactly as `make run` creates them."""
    from django.core.management import call_command

    call_command("load_reference_data", verbosity=0)
    call_command(
        "create_demo_recruiter", verbosity=0, stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w")
    )
    return "recruteur-demo"


def fill_posting_essentials(page, *, title: str) -> None:
    """The open part of the add form only: the collapsed sections stay closed."""
    from datetime import timedelta

    from django.utils import timezone

    deadline = timezone.localdate() + timedelta(days=30)
    start = deadline + timedelta(days=30)
    page.get_by_label("Intitulé de l'offre").fill(title)
    page.get_by_label("Type d'offre").select_option(label="Mission de volontariat")
    page.get_by_label("Dispositif / statut").select_option(label="Service Civique")
    page.locator("#id_organisation_roles-0-organisation").select_option(label="CNCD-11.11.11 (démo)")
    page.locator("#id_organisation_roles-0-role").select_option(label="Organisation d'accueil")
    page.locator("#id_locations-0-country").select_option(value="BE")
    page.locator("#id_locations-0-city").fill("Bruxelles")
    page.get_by_label("Date de début").fill(start.strftime("%d/%m/%Y"))
    page.locator("#id_deadline_0").fill(deadline.strftime("%d/%m/%Y"))
    page.locator("#id_deadline_1").fill("12:00:00")
    page.locator("#id_summary").fill("Accueillir et orienter les personnes exilées à Bruxelles.")
    page.locator("#id_how_to_apply").fill("CV et lettre de motivation, en ligne.")


def test_a_recruiter_creates_previews_and_publishes_a_posting(browsing, demo_recruiter):
    from postings.models import Posting

    page = browsing.page
    title = "Accueil des personnes exilées à Bruxelles"
    browsing.goto("/admin/")
    page.locator("#id_username").fill(demo_recruiter)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_selector("#user-tools")

    browsing.goto("/admin/postings/posting/add/")
    assert page.locator("details[open]").count() == 0  # everything beyond the essentials is collapsed
    fill_posting_essentials(page, title=title)
    page.locator("input[name=_continue]").click()
    page.wait_for_selector(".messagelist")
    posting = Posting.objects.get(title=title)
    assert (posting.slug, posting.status) == (
        "accueil-des-personnes-exilees-a-bruxelles",
        Posting.Status.DRAFT,
    )
    assert page.locator(".posting-state").inner_text().startswith("État de publication : Brouillon")

    # The draft has no public page yet; the preview shows it as candidates will see it.
    assert browsing.goto(f"/offres/{posting.slug}/").status == 404
    browsing.goto(f"/admin/postings/posting/{posting.pk}/change/")
    page.get_by_role("link", name="Aperçu", exact=True).click()
    page.wait_for_selector("#preview-banner")
    assert "n'est pas publiée" in page.locator("#preview-banner").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == title
    page.get_by_role("link", name="Retour au formulaire").click()

    page.get_by_role("button", name="Publier").click()
    page.wait_for_selector(".messagelist")
    assert "Publiée" in page.locator(".messagelist").inner_text()
    posting.refresh_from_db()
    assert posting.status == Posting.Status.PUBLISHED
    assert posting.publication_changes.get().changed_by.username == demo_recruiter

    # A visitor sees it on the public site.
    visitor = browsing.context.browser.new_context(locale="fr-FR")
    try:
        public = visitor.new_page()
        public.goto(browsing.url("/?q=exilées Bruxelles"))
        public.get_by_role("link", name=title).click()
        assert public.get_by_role("heading", level=1).inner_text() == title
        assert public.get_by_role("link", name="Postuler en ligne").is_visible()
    finally:
        visitor.close()
    assert browsing.problems == []
