"""Recruiters in the admin, in a real browser: the real login form, the search, the status form, the answer
action with its intermediate page, the export; and a recruiter of another organisation who sees nothing."""

import os
import re

import pytest
from django.core import mail

from applications.models import Answer, Application, Outcome, ReplyTemplate
from organisations.models import Membership
from tests import factories as f
from tests.browser.conftest import shoot

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
    # Leaving a page while it still loads (a message's icon) aborts the request, which `problems` records.
    page.wait_for_load_state("networkidle")
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
        assert public.get_by_role("link", name="Postuler en ligne").first.is_visible()
    finally:
        visitor.close()
    assert browsing.problems == []


# Receiving, reading, answering and exporting an application (issue 13, sections 2 to 4) ------------------


def _apply_as_a_candidate(browsing, posting) -> Application:

    from tests.applications.conftest import MINIMAL_PDF

    page = browsing.page
    browsing.goto(f"/offres/{posting.slug}/candidater/")
    page.get_by_label("Prénom").fill("Amina")
    page.get_by_label("Nom*", exact=True).fill("Haidari")
    page.get_by_label("Adresse e-mail").fill("amina.haidari@example.org")
    page.get_by_label("Ville de résidence").fill("Lyon")
    page.get_by_label("Pays de résidence").select_option(label="Afghanistan")
    page.get_by_label("CV").set_input_files(
        {"name": "cv.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}
    )
    page.get_by_label("Lettre de motivation (texte)").fill("J'accompagne des familles depuis deux ans.")
    for select in page.locator("select[name^=language_]").all():
        select.select_option("B2")
    for box in page.get_by_label("Je confirme remplir ces conditions d'éligibilité.").all():
        box.check()
    page.get_by_label(re.compile("J'accepte que mes données")).check()
    page.get_by_role("button", name="Envoyer ma candidature").click()
    page.get_by_role("heading", level=1, name="Votre candidature est envoyée").wait_for()
    return Application.objects.get(email="amina.haidari@example.org")


@pytest.fixture
def reception(backoffice_data):
    org_a = f.make_organisation(name="Organisation A", slug="org-a")
    org_a.reply_to_email = "recrutement@org-a.example"
    org_a.save()
    operator = f.make_organisation(name="Échanges et Partenariats", slug="ep")
    programme = f.make_programme(operator=operator, name="Programme d'échanges", slug="programme-echanges")
    session = f.make_session(programme=programme, name="Session 24", slug="session-24")
    posting = f.published_posting(
        title="Accueil des familles exilées",
        slug="accueil-familles",
        session=session,
        organisations={"host": org_a},
    )
    other_session = f.make_session(programme=programme, name="Session 25", slug="session-25")
    f.make_application(
        posting=f.published_posting(session=other_session, organisations={"host": org_a}), last_name="Autre"
    )
    return {
        "posting": posting,
        "session": session,
        "recruiter": f.make_staff("recruteur-a", organisation=org_a, role=Membership.Role.RECRUITER),
        "coordinator": f.make_staff("coordinatrice", organisation=operator, role=Membership.Role.COORDINATOR),
    }


def test_a_recruiter_receives_reads_answers_with_a_personal_line_and_exports_xlsx(browsing, reception):
    import io

    from openpyxl import load_workbook

    page = browsing.page
    application = _apply_as_a_candidate(browsing, reception["posting"])
    mail.outbox.clear()

    log_in(browsing, "recruteur-a")
    # The dashboard counts it as waiting for an answer, with a readable chart.
    assert page.locator("#unanswered-count").inner_text() == "2"
    assert page.locator(".passerelle-chart-x span").count() == 3
    shoot(browsing, "admin-dashboard")

    search(browsing, application.reference)
    page.locator("#result_list tbody tr").get_by_role("link", name=application.reference).click()
    content = page.locator("#content-main")
    assert "Afghanistan" in content.inner_text()
    assert "Bon niveau (B2)" in content.inner_text()
    assert content.get_by_role("link", name="Accueil des familles exilées").count() == 1
    assert content.get_by_role("link", name="Télécharger le CV").count() == 1
    for raw in ("AF", "fr :", "en :"):
        assert raw not in page.locator(".field-country_name, .field-languages_declared").all_inner_texts()
    shoot(browsing, "admin-application")

    page.get_by_role("link", name="Répondre").click()
    shortlist = ReplyTemplate.objects.get(outcome=Outcome.SHORTLISTED, language="fr")
    page.get_by_label("Modèle de réponse").select_option(str(shortlist.pk))
    page.get_by_label("Paragraphe personnel").fill("Nous vous appellerons jeudi pour fixer un entretien.")
    page.get_by_role("button", name="Voir l’aperçu").click()
    body = page.locator("#preview-body").inner_text()
    assert "Nous vous appellerons jeudi pour fixer un entretien." in body
    assert page.locator("#preview-reply-to").inner_text() == "recrutement@org-a.example"
    shoot(browsing, "admin-reply")
    page.get_by_role("button", name="Envoyer cette réponse").click()

    assert page.locator(".messagelist").inner_text().strip() == "Réponse envoyée à amina.haidari@example.org."
    [sent] = [m for m in mail.outbox if m.to == ["amina.haidari@example.org"]]
    assert sent.reply_to == ["recrutement@org-a.example"]
    assert "Nous vous appellerons jeudi" in sent.body
    application.refresh_from_db()
    assert application.status == Application.Status.SHORTLISTED

    browsing.goto("/admin/applications/application/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter XLSX").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = rows[0]
    row = dict(zip(header, next(r for r in rows[1:] if r[0] == application.reference), strict=True))
    assert row["Pays"] == "Afghanistan"
    assert row["Statut"] == "Présélectionnée"
    assert "Bon niveau (B2)" in row["Langues"]
    # A link that turns into a download: Chromium reports that navigation as aborted.
    assert [p for p in browsing.problems if "/export/?" not in p] == []


def test_a_coordinator_filters_by_session_and_hands_over_the_xlsx(browsing, reception):
    import io

    from django.utils import timezone
    from openpyxl import load_workbook

    page = browsing.page
    application = f.make_application(posting=reception["posting"], first_name="Hélène", last_name="Lefèvre")
    log_in(browsing, "coordinatrice")
    browsing.goto("/admin/applications/application/")
    assert page.locator("#result_list tbody tr").count() == 2
    page.locator("#changelist-filter").get_by_role("link", name=re.compile("Session 24")).click()
    page.wait_for_url("**posting__session__id__exact=*")
    assert page.locator("#result_list tbody tr").count() == 1
    shoot(browsing, "admin-applications-session")

    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter XLSX").click()
    assert (
        download.value.suggested_filename == f"candidatures-session-24-{timezone.localdate():%Y-%m-%d}.xlsx"
    )
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]

    assert rows[0][:4] == ["Référence", "Offre", "Date limite de l'offre", "Session"]
    assert "Conserver pour de futures offres" in rows[0] and "CV (lien)" in rows[0]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["Référence"], row["Prénom"], row["Nom"]) == (application.reference, "Hélène", "Lefèvre")
    assert row["Session"] == "Programme d'échanges – Session 24"
    assert row["Organisation(s) d'accueil"] == "Organisation A"
    assert sheet.freeze_panes == "A2"
    assert [p for p in browsing.problems if "/export/?" not in p] == []


def test_the_dashboard_and_the_reply_page_fit_a_phone(phone, reception):
    page = phone.page
    application = f.make_application(posting=reception["posting"], status=Application.Status.IN_REVIEW)
    log_in(phone, "recruteur-a")
    # The table scrolls inside its box; its headers never wrap.
    header = page.locator("#open-postings thead th").nth(2)
    assert header.evaluate("th => getComputedStyle(th).whiteSpace") == "nowrap"
    shoot(phone, "admin-dashboard")

    phone.goto(f"/admin/applications/application/{application.pk}/repondre/")
    page.get_by_role("button", name="Voir l’aperçu").click()
    page.locator("#preview-body").wait_for()
    shoot(phone, "admin-reply")
    assert phone.problems == []


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_recruiter_finds_a_posting_by_its_title_in_the_filter_and_sees_its_applications(
    browser, live_server, recruitment, viewport
):
    """The application list's posting filter no longer lists every posting (issue #18): the recruiter types
    part of a title, picks the posting among those it finds, and the list shows that posting's applications."""
    from tests.browser.conftest import DESKTOP, PHONE, Browsing

    org_a = recruitment["application"].posting.organisation_roles.first().organisation
    quiet = f.published_posting(title="Accueil juridique à Grenoble", organisations={"host": org_a})
    f.make_application(posting=quiet, first_name="Yonas", last_name="Tesfaye")
    session = Browsing(browser, live_server, DESKTOP if viewport == "desktop" else PHONE)
    try:
        page = session.page
        log_in(session, "recruteur-a")
        session.goto("/admin/applications/application/")
        page.locator("#posting-filter-title").fill("grenoble")
        page.locator("#posting-filter-title").press("Enter")
        page.get_by_role("link", name="Accueil juridique à Grenoble").click()
        page.wait_for_url(re.compile(r"posting__id__exact="))

        rows = page.locator("#result_list tbody tr")
        assert rows.count() == 1
        assert "Tesfaye" in rows.inner_text()
        shoot(session, "admin-applications-posting-filter")
        assert session.problems == []
    finally:
        session.close()
