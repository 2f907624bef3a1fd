"""axe-core (WCAG 2.2 AA) finds nothing on the public pages, which also fit a 360 px phone without sideways
scrolling and load their CSS and scripts under the strict CSP."""

import pytest

from postings.models import Posting, PostingOrganisation
from tests import factories as f
from tests.browser.conftest import STRUCTURE_RULES, page_width, run_axe
from tests.postings.full_posting import full_posting

pytestmark = pytest.mark.browser


@pytest.fixture
def catalogue(transactional_db):
    """A full posting in Belgium, an internship in France, a closed one, and an application to the first."""
    posting = full_posting(slug="villes-accueillantes", themes=[f.make_theme("Migrations")])
    host = posting.organisation_roles.get(role=PostingOrganisation.Role.HOST).organisation
    internship = f.published_posting(
        title="Stage plaidoyer frontières",
        slug="stage-plaidoyer",
        kind=Posting.Kind.INTERNSHIP,
        scheme=Posting.Scheme.INTERNSHIP_AGREEMENT,
        country="FR",
        city="Marseille",
        session=posting.session,
        organisations={"host": host},
    )
    f.closed_posting(title="Mission terminée", slug="mission-terminee", session=posting.session)
    application = f.make_application(posting=posting, first_name="Amina", last_name="Diallo")
    return {"posting": posting, "internship": internship, "host": host, "application": application}


def _apply_with_errors(browsing, catalogue):
    browsing.goto(f"/offres/{catalogue['posting'].slug}/candidater/")
    browsing.page.get_by_role("button", name="Envoyer ma candidature").click()
    browsing.page.wait_for_selector("#error-summary")


PAGES = {
    "listing": lambda b, c: b.goto("/"),
    "listing-filtered": lambda b, c: b.goto("/?country=FR&kind=internship"),
    "listing-empty": lambda b, c: b.goto("/?q=zzzzzz"),
    "listing-all": lambda b, c: b.goto("/?closed=1"),
    "detail": lambda b, c: b.goto(c["posting"].get_absolute_url()),
    "apply": lambda b, c: b.goto(f"/offres/{c['posting'].slug}/candidater/"),
    "apply-errors": _apply_with_errors,
    "confirmation": lambda b, c: b.goto(f"/candidature/{c['application'].uuid}/confirmation/"),
    "status": lambda b, c: b.goto(c["application"].get_private_url()),
    "organisation": lambda b, c: b.goto(c["host"].get_absolute_url()),
    "session": lambda b, c: b.goto(c["posting"].session.get_absolute_url()),
    "privacy": lambda b, c: b.goto("/confidentialite/"),
}


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_wcag_violation_on_desktop(name, browsing, catalogue):
    PAGES[name](browsing, catalogue)

    assert run_axe(browsing.page) == []
    assert run_axe(browsing.page, rules=STRUCTURE_RULES) == []
    assert browsing.problems == []


@pytest.mark.parametrize("name", PAGES)
def test_page_fits_a_phone_without_sideways_scrolling(name, phone, catalogue):
    PAGES[name](phone, catalogue)

    assert page_width(phone.page) <= 360
    assert run_axe(phone.page) == []
    assert phone.problems == []


def test_css_and_scripts_load_under_the_strict_csp(browsing, catalogue):
    response = browsing.goto("/")

    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    # Bootstrap's CSS applied (the primary button colour) and its JavaScript ran (the collapse plugin).
    assert browsing.page.evaluate("getComputedStyle(document.body).display") == "flex"
    assert browsing.page.evaluate("typeof bootstrap !== 'undefined' && !!bootstrap.Collapse")
    assert browsing.problems == []


def test_the_filter_panel_opens_on_a_phone(phone, catalogue):
    phone.goto("/")
    form = phone.page.locator("#filters")
    assert not form.is_visible()

    phone.page.get_by_role("button", name="Afficher les filtres").click()

    form.wait_for(state="visible")
    assert (
        phone.page.get_by_role("button", name="Afficher les filtres").get_attribute("aria-expanded") == "true"
    )
