"""Every response carries the security headers; every HTML page lives within the Content-Security-Policy.

`HTML_PAGES` is the matrix of pages checked: add a row for each new kind of page (public pages, apply form,
back-office screens). A row is (id, persona, method, path, expected status); persona is None for anonymous or
an attribute of the `cast` fixture.
"""

from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.test import Client
from django.urls import path

from config import urls as project_urls

# Views that fail on purpose, so that the headers of Django's own error pages (handler403/404/500 and the
# 400 of a SuspiciousOperation) are checked on real error responses. Mounted by the `error_urls` fixture.


def _raise_permission_denied(request):
    raise PermissionDenied


def _raise_not_found(request):
    raise Http404


def _raise_suspicious(request):
    raise SuspiciousOperation("a test of the 400 page")


def _raise_error(request):
    raise RuntimeError("a test of the 500 page")


urlpatterns = [
    path("boom/403/", _raise_permission_denied),
    path("boom/404/", _raise_not_found),
    path("boom/400/", _raise_suspicious),
    path("boom/500/", _raise_error),
    *project_urls.urlpatterns,
]

HTML_PAGES = [
    ("admin-login", None, "get", "/admin/login/", 200),
    ("admin-login-en", None, "get", "/en/admin/login/", 200),
    ("admin-login-failed", None, "post", "/admin/login/", 200),
    ("admin-index-superuser", "superuser", "get", "/admin/", 200),
    ("admin-user-list", "superuser", "get", "/admin/auth/user/", 200),
    ("admin-user-add", "superuser", "get", "/admin/auth/user/add/", 200),
    ("admin-password-change", "superuser", "get", "/admin/password_change/", 200),
    ("admin-totp-devices", "superuser", "get", "/admin/otp_totp/totpdevice/add/", 200),
    ("admin-login-attempts", "superuser", "get", "/admin/axes/accessattempt/", 200),
    ("admin-two-factor", "recruiter_a", "get", "/admin/double-authentification/", 200),
    ("admin-index-anonymous-redirect", None, "get", "/admin/", 302),
    ("not-found", None, "get", "/aucune-page-ici/", 404),
    ("not-found-admin", "superuser", "get", "/admin/auth/user/999999/change/", 302),
]

ERROR_PAGES = [
    ("handler-400", "/boom/400/", 400),
    ("handler-403", "/boom/403/", 403),
    ("handler-404", "/boom/404/", 404),
    ("handler-500", "/boom/500/", 500),
]

DIRECTIVES_REQUIRED = {
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
}


def parse_csp(header: str) -> dict[str, list[str]]:
    policy = {}
    for directive in header.split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


class _InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts without the nonce, style attributes, <style>
    elements and inline event handlers."""

    def __init__(self, nonce: str | None):
        super().__init__()
        self.nonce = nonce
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src") and attributes.get("nonce") != self.nonce:
            self.problems.append(f"inline <script> without the request's nonce: {attrs}")
        if tag == "style" and attributes.get("nonce") != self.nonce:
            self.problems.append("<style> element")
        if "style" in attributes:
            self.problems.append(f'style="" attribute on <{tag}>')
        self.problems.extend(f"{name} handler on <{tag}>" for name in attributes if name.startswith("on"))


def assert_strict_csp(response) -> None:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.status_code} {response.request['PATH_INFO']}"
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    policy = parse_csp(header)
    for name, value in DIRECTIVES_REQUIRED.items():
        assert policy.get(name) == [value], f"{name} is {policy.get(name)}"
    assert "'self'" in policy["script-src"]
    assert "'self'" in policy["style-src"]
    nonces = [
        v.removeprefix("'nonce-").removesuffix("'") for v in policy["script-src"] if v.startswith("'nonce-")
    ]
    finder = _InlineCodeFinder(nonces[0] if nonces else None)
    finder.feed(response.content.decode())
    assert finder.problems == []


def assert_header_trio(response) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def assert_private_headers(response) -> None:
    """A candidate's private page or a file of personal data: never stored by a cache or the browser, never
    named in a Referer sent elsewhere, never sniffed. A file names no Referer at all; a page sends it to the
    site only, since `no-referrer` makes browsers post its forms with `Origin: null`, which CSRF refuses."""
    directives = {d.strip() for d in response.headers["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives, response.headers["Cache-Control"]
    is_file = response.headers.get("Content-Disposition", "").startswith("attachment")
    assert response.headers["Referrer-Policy"] == ("no-referrer" if is_file else "same-origin")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def error_urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.mark.parametrize(
    ("persona", "method", "url", "status"),
    [row[1:] for row in HTML_PAGES],
    ids=[row[0] for row in HTML_PAGES],
)
def test_html_pages_carry_a_strict_csp_and_respect_it(client, cast, persona, method, url, status):
    if persona:
        client.force_login(getattr(cast, persona))
    response = getattr(client, method)(url)

    assert response.status_code == status
    assert_strict_csp(response)
    assert_header_trio(response)


@pytest.mark.parametrize(
    ("url", "status"), [row[1:] for row in ERROR_PAGES], ids=[row[0] for row in ERROR_PAGES]
)
def test_error_pages_from_djangos_handlers_carry_the_headers(db, error_urls, url, status):
    client = Client(raise_request_exception=False)

    response = client.get(url)

    assert response.status_code == status
    assert_strict_csp(response)
    assert_header_trio(response)


def test_the_admin_nonce_changes_on_every_request(client, cast):
    client.force_login(cast.superuser)

    first = parse_csp(client.get("/admin/").headers["Content-Security-Policy"])["script-src"]
    second = parse_csp(client.get("/admin/").headers["Content-Security-Policy"])["script-src"]

    assert first != second


@pytest.mark.parametrize("url", ["/healthz", "/admin/login/", "/aucune-page-ici/"])
def test_every_response_carries_the_header_trio(client, db, url):
    assert_header_trio(client.get(url))


def test_https_responses_carry_hsts_for_a_year_with_subdomains_and_preload(client, db):
    response = client.get("/healthz", secure=True)

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_plain_http_is_redirected_to_https_with_the_headers(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/admin/login/")

    assert response.status_code == 301
    assert response.headers["Location"] == "https://testserver/admin/login/"
    assert_header_trio(response)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_health_probe_is_exempt_from_the_https_redirect(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200


def test_static_files_carry_the_headers(client, settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True

    response = client.get("/static/css/passerelle.css")

    assert response.status_code == 200
    assert_header_trio(response)
    assert "object-src 'none'" in response.headers["Content-Security-Policy"]


def test_csrf_and_session_cookies_are_host_prefixed_secure_and_work_with_csrf_checks(cast):
    client = Client(enforce_csrf_checks=True)
    login_page = client.get("/admin/login/", secure=True)
    csrf_cookie = login_page.cookies["__Host-csrftoken"]

    assert csrf_cookie["secure"] is True
    assert csrf_cookie["path"] == "/"
    assert csrf_cookie["domain"] == ""

    response = client.post(
        "/admin/login/",
        {
            "username": "admin",
            "password": "correct-horse-battery-staple",
            "csrfmiddlewaretoken": login_page.context["csrf_token"],
            "next": "/admin/",
        },
        secure=True,
        headers={"Origin": "https://testserver"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    session_cookie = response.cookies["__Host-sessionid"]
    assert session_cookie["secure"] is True
    assert session_cookie["httponly"] is True
    assert session_cookie["path"] == "/"
    assert session_cookie["domain"] == ""
    assert client.get("/admin/", secure=True).status_code == 200


def test_a_login_post_without_the_csrf_token_is_refused_with_the_headers(cast):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/admin/login/",
        {"username": "admin", "password": "correct-horse-battery-staple"},
        secure=True,
        headers={"Origin": "https://testserver"},
    )

    assert response.status_code == 403
    assert_strict_csp(response)
    assert_header_trio(response)


PRIVATE_PAGES = [
    ("status", "get", "applications:status"),
    ("confirmation", "get", "applications:confirmation"),
    ("withdraw-confirm", "get", "applications:withdraw"),
    ("withdraw", "post", "applications:withdraw"),
    ("delete-confirm", "get", "applications:delete"),
    ("my-data", "get", "applications:my-data"),
]


@pytest.mark.parametrize(
    ("method", "name"), [row[1:] for row in PRIVATE_PAGES], ids=[r[0] for r in PRIVATE_PAGES]
)
def test_the_candidates_private_pages_and_files_are_never_stored_nor_referred(client, cast, method, name):
    from django.urls import reverse

    from tests import factories as f

    application = f.make_application(posting=cast.posting_a)

    response = getattr(client, method)(reverse(name, kwargs={"uuid": application.uuid}))

    assert response.status_code in (200, 302)
    assert_private_headers(response)


def test_the_staff_download_of_a_document_is_never_stored_nor_referred(client, cast):
    from django.urls import reverse

    from tests import factories as f

    application = f.make_application(posting=cast.posting_a)
    client.force_login(cast.recruiter_a)

    response = client.get(
        reverse("applications:download", kwargs={"uuid": application.uuid, "document": "cv"})
    )

    assert response.status_code == 200
    assert_private_headers(response)


def test_an_export_file_is_never_stored_nor_referred(client, cast):
    from django.core.files.base import ContentFile

    from applications.models import ExportJob

    job = ExportJob.objects.create(
        requested_by=cast.recruiter_a, format=ExportJob.Format.CSV, status=ExportJob.Status.DONE, row_count=1
    )
    job.file.save("export.csv", ContentFile(b"reference\r\n"))
    client.force_login(cast.recruiter_a)

    response = client.get(job.get_download_url())

    assert response.status_code == 200
    assert_private_headers(response)
