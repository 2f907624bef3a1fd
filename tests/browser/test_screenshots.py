"""The screenshots in docs/screenshots/, taken from the real pages at desktop and phone width.

Run `PASSERELLE_SCREENSHOTS=1 make test PYTEST_ARGS="tests/browser/test_screenshots.py"` to rewrite them; the
suite leaves them alone otherwise, so CI never changes tracked files.
"""

import os
from decimal import Decimal
from pathlib import Path

import pytest

from organisations.models import Membership
from postings.models import Posting
from tests import factories as f
from tests.browser.conftest import DESKTOP, PHONE, Browsing, page_width
from tests.postings.full_posting import full_posting

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        os.environ.get("PASSERELLE_SCREENSHOTS") != "1",
        reason="set PASSERELLE_SCREENSHOTS=1 to rewrite docs/screenshots/",
    ),
]


def _catalogue():
    posting = full_posting(slug="villes-accueillantes", themes=[f.make_theme("Migrations")])
    f.published_posting(
        title="Stage plaidoyer aux frontières",
        slug="stage-plaidoyer",
        kind=Posting.Kind.INTERNSHIP,
        scheme=Posting.Scheme.INTERNSHIP_AGREEMENT,
        theme_label="Accès aux droits",
        monthly_pay=Decimal("600.60"),
        country="FR",
        city="Marseille",
        organisations={"host": f.make_organisation(name="Anafé", city="Marseille")},
    )
    f.published_posting(
        title="Chargé·e de projet accueil des exilé·es",
        slug="charge-projet",
        kind=Posting.Kind.JOB,
        scheme=Posting.Scheme.FIXED_TERM,
        theme_label="Hébergement solidaire",
        monthly_pay=Decimal("2150.00"),
        country="BE",
        city="Liège",
        organisations={
            "host": f.make_organisation(name="Hébergement Citoyen Liège", country="BE", city="Liège")
        },
    )
    f.published_posting(
        title="Observatoire des droits des personnes exilées",
        slug="observatoire",
        theme_label="Droits des étrangers",
        country="FR",
        city="Calais",
        organisations={"host": f.make_organisation(name="Observatoire des frontières", city="Calais")},
    )
    host = posting.organisation_roles.get(role="host").organisation
    people = [("Amina", "Diallo"), ("Lucas", "Peeters"), ("Sofia", "Benali"), ("Jonas", "Martin")]
    applications = [
        f.make_application(posting=posting, first_name=first, last_name=last, city="Lyon")
        for first, last in people
    ]
    f.make_staff("recruteur", organisation=host, role=Membership.Role.RECRUITER)
    return posting, applications[0]


def _shoot(browsing, name: str, suffix: str) -> None:
    path = SCREENSHOTS / f"{name}-{suffix}.png"
    browsing.page.screenshot(path=path)
    assert path.stat().st_size > 10_000


def test_screenshots_of_the_main_pages(browser, live_server, backoffice_data):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    posting, application = _catalogue()
    for viewport, suffix in ((DESKTOP, "desktop"), (PHONE, "phone")):
        browsing = Browsing(browser, live_server, viewport)
        try:
            page = browsing.page
            for name, path in (
                ("listing", "/"),
                ("detail", posting.get_absolute_url()),
                ("apply", f"/offres/{posting.slug}/candidater/"),
                ("confirmation", f"/offres/{posting.slug}/candidater/confirmation/"),
            ):
                browsing.goto(path)
                assert page_width(page) <= viewport["width"]
                _shoot(browsing, name, suffix)
            browsing.goto("/admin/")
            page.locator("#id_username").fill("recruteur")
            page.locator("#id_password").fill("correct-horse-battery-staple")
            page.locator("#id_password").press("Enter")
            page.wait_for_selector("#user-tools")
            browsing.goto("/admin/applications/application/")
            _shoot(browsing, "admin-applications", suffix)
        finally:
            browsing.close()
