"""The screenshots in docs/screenshots/, taken from the real pages at desktop and phone width.

Run `PASSERELLE_SCREENSHOTS=1 make test PYTEST_ARGS="tests/browser/test_screenshots.py"` to rewrite them; the
suite leaves them alone otherwise, so CI never changes tracked files.
"""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from organisations.models import Membership
from postings.demo import demo_slug
from postings.models import Posting
from tests import factories as f
from tests.browser.conftest import DESKTOP, PHONE, Browsing, page_width

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        os.environ.get("PASSERELLE_SCREENSHOTS") != "1",
        reason="set PASSERELLE_SCREENSHOTS=1 to rewrite docs/screenshots/",
    ),
]


def _catalogue():
    """The shipped data, as `make run` loads it: the five real postings (closed) and their open demo copies."""
    call_command("load_reference_data", stdout=StringIO(), stderr=StringIO())
    real = Posting.objects.get(slug="villes-accueillantes-liege-session-24")
    demo = Posting.objects.get(slug=demo_slug("droits-des-etrangers-bruxelles-session-24"))
    people = [("Amina", "Diallo"), ("Lucas", "Peeters"), ("Sofia", "Benali"), ("Jonas", "Martin")]
    applications = [
        f.make_application(posting=demo, first_name=first, last_name=last, city="Lyon")
        for first, last in people
    ]
    host = demo.organisation_roles.get(role="host").organisation
    f.make_staff("recruteur", organisation=host, role=Membership.Role.RECRUITER)
    return real, demo, applications[0]


def _shoot(browsing, name: str, suffix: str) -> None:
    path = SCREENSHOTS / f"{name}-{suffix}.png"
    browsing.page.screenshot(path=path)
    assert path.stat().st_size > 10_000


def test_screenshots_of_the_main_pages(browser, live_server, backoffice_data):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    real, demo, application = _catalogue()
    for viewport, suffix in ((DESKTOP, "desktop"), (PHONE, "phone")):
        browsing = Browsing(browser, live_server, viewport)
        try:
            page = browsing.page
            for name, path in (
                ("listing", "/"),
                ("detail", real.get_absolute_url()),
                ("apply", f"/offres/{demo.slug}/candidater/"),
                ("confirmation", f"/offres/{demo.slug}/candidater/confirmation/"),
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
