"""Real-browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

The live server runs the real settings (strict CSP, secure headers); only the storages (see tests/conftest.py),
the password hasher and the task backend are test ones. Every test here is marked `browser` and skipped, with
the reason, when Chromium or the `playwright` package is missing, so `make test` passes on a bare machine.
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop in the main thread: Django would take every ORM call of the
# test (factories, assertions) for one made from async code. Nothing here is async; say so before Django runs.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium calls home at start-up; the closed network refuses it.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_SOURCE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


def _missing() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the `playwright` package is not installed (pip install -e '.[dev]')"
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; `make browser-deps`)"
    return None


_browser_tests: set[str] = set()
_browser_outcomes: dict[str, int] = {}


def pytest_collection_modifyitems(config, items):
    _browser_tests.update(item.nodeid for item in items if item.get_closest_marker("browser"))
    reason = _missing()
    # CI installs Chromium first (.ci/run, `make browser-deps`): there a missing browser is a failure, not a skip.
    if reason is None or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason=f"browser test skipped: {reason}")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


def pytest_runtest_logreport(report):
    if report.nodeid not in _browser_tests:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _browser_outcomes[report.outcome] = _browser_outcomes.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter):
    """CI shows how many tests really drove a browser, not only that the suite passed."""
    counts = (
        ", ".join(f"{n} {outcome}" for outcome, n in sorted(_browser_outcomes.items())) or "none collected"
    )
    terminalreporter.write_line(f"browser tests (Chromium + Playwright): {counts}")
    if _missing():
        terminalreporter.write_line(f"browser tests skipped because {_missing()}")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _browser_settings(settings):
    """Emails leave after commit through django.tasks: run the task at once so `mail.outbox` has them."""
    from django.core.cache import cache

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    # The apply rate limit counts POSTs per address: every browser test comes from 127.0.0.1.
    cache.clear()
    yield
    cache.clear()


class Browsing:
    """One browser context against the live server, collecting what the page logs as broken."""

    def __init__(self, browser, live_server, viewport):
        self.live_server = live_server
        self.context = browser.new_context(viewport=viewport, locale="fr-FR")
        # A step that cannot happen fails in seconds, not after Playwright's default 30.
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", self._on_request_failed)
        self.page.on("response", self._on_response)

    def _on_console(self, message):
        # A CSP refusal or a script error is reported on the console as an error. "Failed to load resource" is
        # left to the request handlers: it is also logged for pages answered 400 on purpose (a form with
        # errors).
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console: {message.text}")

    def _on_request_failed(self, request):
        # The browser fetches the favicon after the page has loaded and cancels it when the test navigates on:
        # an abort, not an error (a missing favicon is a 404, caught by the response handler).
        if "favicon" in request.url and request.failure == "net::ERR_ABORTED":
            return
        self.problems.append(f"failed: {request.url}")

    def _on_response(self, response):
        # 304: the browser revalidating a file it has cached (a recently modified one is fresh only briefly).
        if response.url.startswith(self.live_server.url + "/static/") and response.status not in (200, 304):
            self.problems.append(f"static {response.status}: {response.url}")
        elif response.status == 404 and "favicon" in response.url:
            self.problems.append(f"static {response.status}: {response.url}")

    def url(self, path: str) -> str:
        return self.live_server.url + path

    def goto(self, path: str):
        response = self.page.goto(self.url(path))
        assert response is not None
        return response

    def close(self):
        self.context.close()


@pytest.fixture
def browsing(browser, live_server, transactional_db):
    session = Browsing(browser, live_server, DESKTOP)
    yield session
    session.close()


@pytest.fixture
def phone(browser, live_server, transactional_db):
    session = Browsing(browser, live_server, PHONE)
    yield session
    session.close()


# Not WCAG success criteria in axe's tagging, but what the pages promise: one main landmark, one h1, headings in
# order, all content inside landmarks, a skip link that leads somewhere.
STRUCTURE_RULES = ["landmark-one-main", "page-has-heading-one", "heading-order", "region", "skip-link"]


@pytest.fixture
def backoffice_data(transactional_db):
    """The back-office groups, their permissions and the reply templates come from data migrations, which the
    flush after any transactional test erases: run those migrations' functions again, on the migration state."""
    from importlib import import_module

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    state_apps = MigrationLoader(connection).project_state().apps
    groups = import_module("organisations.migrations.0002_recruiter_and_coordinator_groups")
    answers = import_module("applications.migrations.0003_backoffice_answers")
    groups.create_groups(state_apps, None)
    answers.grant_permissions(state_apps, None)
    answers.seed_templates(state_apps, None)


def run_axe(page, *, rules: list[str] | None = None) -> list[dict]:
    """axe-core's violations on the current page (WCAG 2.2 A and AA by default, or the given rules), as short
    dicts that say what failed where.

    `page.evaluate` is not subject to the page's CSP (an injected <script> would be refused); the CSP stays on.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    run_only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG_22_AA}
    result = page.evaluate(
        "runOnly => axe.run(document, {runOnly, resultTypes: ['violations']})",
        run_only,
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
            "summary": violation["nodes"][0].get("failureSummary", "") if violation["nodes"] else "",
        }
        for violation in result["violations"]
    ]


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def shoot(browsing, name: str) -> None:
    """Check that the page does not scroll sideways, and write docs/screenshots/<name>-<desktop|phone>.png when
    asked (PASSERELLE_SCREENSHOTS=1), so that CI changes no file."""
    viewport = browsing.page.viewport_size
    assert page_width(browsing.page) <= viewport["width"], f"{name} scrolls sideways"
    if os.environ.get("PASSERELLE_SCREENSHOTS") == "1":
        suffix = "phone" if viewport["width"] < 600 else "desktop"
        folder = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
        browsing.page.screenshot(path=folder / f"{name}-{suffix}.png", full_page=True)
