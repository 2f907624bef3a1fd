"""Screenshots of the posting back-office pages (docs/screenshots/admin-posting-*.png) at desktop and phone
width, and the add form's size as documented in docs/backoffice.md.

Run `PASSERELLE_SCREENSHOTS=1 make test PYTEST_ARGS="tests/browser/test_posting_screenshots.py"` to rewrite
them; the suite leaves them alone otherwise, so CI never changes tracked files.
"""

import os
from pathlib import Path

import pytest

from organisations.models import Membership
from tests import factories as f
from tests.browser.conftest import DESKTOP, PHONE, Browsing, page_width

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "correct-horse-battery-staple"  # tests/factories.make_user's default

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        os.environ.get("PASSERELLE_SCREENSHOTS") != "1",
        reason="set PASSERELLE_SCREENSHOTS=1 to rewrite docs/screenshots/",
    ),
]

# The add form's visible fields and height, as a person sees it on arrival (collapsed sections closed).
FORM_SIZE = """() => {
  const form = document.querySelector('#posting_form');
  const visible = [...form.querySelectorAll('input, select, textarea')].filter(
    (el) => !['hidden', 'submit'].includes(el.type) && el.checkVisibility() && !el.closest('.empty-form'));
  return {fields: visible.length, height: document.documentElement.scrollHeight,
          names: visible.map((el) => el.name)};
}"""


def test_screenshots_of_the_posting_pages(browser, live_server, backoffice_data):
    organisation = f.make_organisation(name="Association Accueil Bruxelles", country="BE", city="Bruxelles")
    session = f.make_session(name="Session 31", slug="session-31")
    draft = f.draft_posting(
        title="Accueil des personnes exilées à Bruxelles",
        session=session,
        organisations={"host": organisation},
    )
    f.make_staff("recruteur", organisation=organisation, role=Membership.Role.RECRUITER)
    sizes = {}
    for viewport, suffix in ((DESKTOP, "desktop"), (PHONE, "phone")):
        browsing = Browsing(browser, live_server, viewport)
        try:
            page = browsing.page
            browsing.goto("/admin/")
            page.locator("#id_username").fill("recruteur")
            page.locator("#id_password").fill(PASSWORD)
            page.locator("#id_password").press("Enter")
            page.wait_for_selector("#user-tools")
            for name, path in (
                ("admin-posting-add", "/admin/postings/posting/add/"),
                ("admin-posting-change", f"/admin/postings/posting/{draft.pk}/change/"),
                ("admin-posting-preview", f"/admin/postings/posting/{draft.pk}/apercu/"),
            ):
                browsing.goto(path)
                if name == "admin-posting-add":
                    sizes[suffix] = page.evaluate(FORM_SIZE)
                page.screenshot(
                    path=SCREENSHOTS / f"{name}-{suffix}.png",
                    full_page=suffix == "desktop" and name != "admin-posting-preview",
                )
                if name == "admin-posting-preview":
                    assert page_width(page) <= viewport["width"], name
            assert browsing.problems == []
        finally:
            browsing.close()
    print("posting add form:", sizes)
