"""Issue #17 in a real browser: an alert from a filtered listing to its one-click unsubscribe, "Mes
candidatures" through the e-mailed link, the filters on a phone, and no horizontal overflow at 320 px."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from applications.alert_models import Alert
from applications.models import Application
from postings.models import Posting
from tests import factories as f
from tests.browser.conftest import page_width

pytestmark = pytest.mark.browser


@pytest.fixture
def site_on_live_server(settings, live_server):
    """Links in e-mails are built on SITE_URL: point it at the live server so the browser can follow them."""
    settings.SITE_URL = live_server.url


def link(pattern: str, text: str) -> str:
    """The path of the first absolute link matching `pattern` in `text`."""
    return urlsplit(re.search(rf"http://\S+{pattern}\S*", text).group(0)).path


def test_an_alert_from_a_filtered_listing_to_its_one_click_unsubscribe(browsing, site_on_live_server):
    f.published_posting(title="Mission existante", country="BE", city="Liège")
    f.published_posting(title="Stage à Paris", country="FR", city="Paris")
    page = browsing.page
    browsing.goto("/?country=BE")

    page.get_by_role("link", name="Recevoir les nouvelles offres par e-mail").click()
    assert "Pays : Belgique" in page.locator("main").inner_text()
    page.get_by_label("Votre adresse e-mail").fill("camille@example.org")
    page.get_by_label("Chaque jour").check()
    page.get_by_role("button", name="Recevoir les nouvelles offres").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Vérifiez votre boîte e-mail"
    [confirmation] = mail.outbox
    assert Alert.objects.get().query == "country=BE"

    browsing.goto(link("/alertes/.*/confirmer/", confirmation.body))
    page.get_by_role("button", name="Confirmer mon alerte").click()
    assert "Votre alerte est confirmée" in page.locator("main").inner_text()

    f.published_posting(title="Nouvelle mission à Bruxelles", country="BE", published_at=timezone.now())
    f.published_posting(title="Nouveau stage à Lyon", country="FR", city="Lyon", published_at=timezone.now())
    call_command("send_alerts", stdout=None)
    digest = mail.outbox[-1]
    assert digest.subject == "1 nouvelle offre sur Passerelle"
    assert "Nouveau stage à Lyon" not in digest.body and "Mission existante" not in digest.body

    browsing.goto(link("/offres/", digest.body))
    assert page.get_by_role("heading", level=1).inner_text() == "Nouvelle mission à Bruxelles"

    unsubscribe = digest.extra_headers["List-Unsubscribe"].strip("<>")
    browsing.goto(urlsplit(unsubscribe).path)
    page.get_by_role("button", name="Me désabonner").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Désabonnement effectué"
    assert not Alert.objects.exists()
    assert browsing.problems == []


def test_my_applications_through_the_emailed_link(browsing, site_on_live_server):
    first = f.make_application(email="amina@example.org", posting=f.published_posting(title="Mission Liège"))
    f.make_application(email="amina@example.org", posting=f.published_posting(title="Stage Calais"))
    page = browsing.page
    browsing.goto("/")

    page.get_by_role("link", name="Mes candidatures").click()
    page.get_by_label("Votre adresse e-mail").fill("amina@example.org")
    page.get_by_role("button", name="Recevoir mon lien").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Vérifiez votre boîte e-mail"

    browsing.goto(link("/mes-candidatures/connexion/", mail.outbox[-1].body))
    page.get_by_role("button", name="Voir mes candidatures").click()
    items = page.locator(".my-application")
    assert items.count() == 2
    assert "Mission Liège" in page.locator("main").inner_text()

    items.filter(has_text="Mission Liège").get_by_role("link", name="Retirer ma candidature").click()
    with page.expect_navigation():  # the POST, then its redirect to the private page
        page.get_by_role("button", name="Oui, retirer ma candidature").click()
    first.refresh_from_db()
    assert first.status == Application.Status.WITHDRAWN
    assert browsing.problems == []


def test_chips_and_the_city_list_that_follows_the_country_on_a_phone(phone):
    from playwright.sync_api import (
        expect,
    )  # imported here: without playwright the test is skipped, not broken

    f.published_posting(title="Bruxelles", country="BE", city="Bruxelles")
    f.published_posting(title="Liège", country="BE", city="Liège")
    f.published_posting(title="Paris", country="FR", city="Paris")
    page = phone.page
    phone.goto("/")

    toggle = page.locator(".filters-toggle")
    assert toggle.inner_text() == "Afficher les filtres"
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    expect(toggle).to_have_text("Masquer les filtres")
    assert toggle.get_attribute("aria-expanded") == "true"

    page.get_by_label("Pays").select_option(label="Belgique")
    shown = page.eval_on_selector_all("#id_city option", "os => os.filter(o => !o.hidden).map(o => o.value)")
    assert shown == ["", "Bruxelles", "Liège"]
    page.get_by_label("Ville").select_option("Liège")
    page.get_by_role("button", name="Appliquer les filtres").click()

    chips = page.get_by_role("list", name="Filtres choisis")
    texts = [" ".join(text.split()) for text in chips.get_by_role("link").all_inner_texts()]
    assert texts == ["Pays : Belgique × – retirer ce filtre", "Ville : Liège × – retirer ce filtre"], texts
    chips.get_by_role("link", name=re.compile("Ville : Liège")).click()
    assert "city=" not in page.url and "country=BE" in page.url
    assert page.get_by_role("heading", level=2, name=re.compile("offres$")).inner_text().strip() == "2 offres"
    assert phone.problems == []


def test_nothing_overflows_at_320_px(browser, live_server, transactional_db):
    from tests.browser.conftest import Browsing

    posting = f.published_posting(
        title="Chargé·e de plaidoyer et d'accompagnement juridique des personnes exilées à la frontière",
        theme_label="Droits des personnes migrantes, accès aux droits et contentieux administratif",
        kind=max(Posting.Kind, key=lambda kind: len(kind.label)),
        # The longest status badge the site can show.
        scheme=max(Posting.Scheme, key=lambda scheme: len(scheme.label)),
        is_demo=True,
    )
    session = Browsing(browser, live_server, {"width": 320, "height": 640})
    try:
        for path in (
            "/",
            "/?country=BE&q=accompagnement%20juridique%20des%20personnes",
            posting.get_absolute_url(),
            f"/offres/{posting.slug}/candidater/",
            "/alertes/nouvelle/?country=BE",
            "/mes-candidatures/",
            "/confidentialite/",
            posting.organisation_roles.first().organisation.get_absolute_url(),
        ):
            session.goto(path)
            assert page_width(session.page) <= 320, path
        assert session.problems == []
    finally:
        session.close()
