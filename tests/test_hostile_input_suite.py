"""The hostile-input suite: what an attacker can send through the pages a candidate or a recruiter uses, and
where it comes back (pages, admin, emails, downloads). Every row is a parametrised case with an id.

It extends `tests/test_hostile_input.py` (spoofed Host, oversized bodies), `tests/applications/test_files.py`
(content sniffing, macros, zip bombs, every kind of active content, name sanitising as a unit) and `tests/postings/test_rich_text.py` (the
filter as a unit): here the same threats go through the real HTTP path and are checked where they are shown.
Not repeated here: open redirects after login (`tests/test_login_security.py`), spoofed Host headers
(`tests/test_hostile_input.py`), formula injection in exports (exports branch).

Summary (kept in `docs/security.md` too): 67 hostile inputs tried, 67 refused or neutralised —
9 disguised uploads, 9 documents with active content (PDF JavaScript, attachment and launch action, DOCX
remote template, OLE object and DDE field, ODT event listener and remote image, a zip whose sizes lie), 8 hostile file names (each checked in storage, on the status page and as a download
name), 15 script payloads in candidates' fields (5 fields × 3 payloads, each checked on 5 pages and in 2
emails), 10 payloads in recruiters' posting text and title (public page with its JSON-LD, and the feed),
4 email header injections, 9 mass-assignment fields on the apply form, 3 guessed private links.
"""

import re
import uuid
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from applications.models import Application
from tests import factories as f
from tests.applications import hostile_documents as hostile
from tests.applications.conftest import MINIMAL_PDF, form_data, stored_files, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit_in_french():
    """As in the apply tests: every test starts with a clean rate-limit count, in French."""
    cache.clear()
    with translation.override("fr"):
        yield
    cache.clear()


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


RANDOM_STORED_NAME = re.compile(r"^applications/\d{4}/\d{2}/[0-9a-f]{32}\.(pdf|docx|odt)$")
CONTROL = re.compile(r"[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class ActiveContent(HTMLParser):
    """What a browser would run or load from a page beyond what the server put there: a script or style
    without the response's CSP nonce, an event handler, a script or data URL, a frame or an embedded object."""

    def __init__(self, nonce: str | None):
        super().__init__()
        self.nonce = nonce
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        has_nonce = self.nonce is not None and attrs.get("nonce") == self.nonce
        if tag == "script" and not (has_nonce or attrs.get("type") == "application/ld+json"):
            self.found.append(f"<script {attrs}>")
        if tag == "style" and not has_nonce:
            self.found.append("<style>")
        if tag in {"iframe", "object", "embed", "base"}:
            self.found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"{tag} {name}={value}")
            if name in {"href", "src", "action", "formaction", "srcdoc", "xlink:href"} and value:
                if (
                    re.sub(r"[\s\x00-\x1f]", "", value)
                    .lower()
                    .startswith(("javascript:", "data:", "vbscript:"))
                ):
                    self.found.append(f"{tag} {name}={value}")


def active_content(response) -> list[str]:
    """Active content in an HTML response that the server did not put there itself."""
    match = re.search(r"'nonce-([^']+)'", response.get("Content-Security-Policy", ""))
    parser = ActiveContent(match.group(1) if match else None)
    parser.feed(response.content.decode())
    parser.close()
    return parser.found


def apply_url(posting) -> str:
    return reverse("applications:apply", kwargs={"slug": posting.slug})


def post_application(client, to_posting, /, **overrides):
    extra = {"posting": overrides.pop("posting")} if "posting" in overrides else {}
    return client.post(apply_url(to_posting), {**form_data(to_posting, **overrides), **extra})


# Uploads that pretend to be something else ---------------------------------------------------------------

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
SPOOFED = [
    ("exe-renamed-pdf", "cv", "cv.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
    ("exe-renamed-odt-letter", "letter_file", "lettre.odt", b"MZ\x90\x00" + b"\x00" * 64),
    ("html-named-pdf", "cv", "cv.pdf", b"<!doctype html><html><script>alert(1)</script></html>"),
    ("png-html-polyglot", "cv", "cv.pdf", PNG + b"<html><script>alert(1)</script></html>"),
    ("pdf-after-leading-garbage", "cv", "cv.pdf", b"garbage before the header\n" + MINIMAL_PDF),
    ("svg-named-pdf", "cv", "cv.pdf", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ("html-named-docx", "letter_file", "lettre.docx", b"<html><body onload=alert(1)>"),
    ("shell-script-named-pdf", "cv", "cv.pdf", b"#!/bin/sh\nrm -rf /\n"),
]


@pytest.mark.parametrize(
    ("field", "name", "data"), [row[1:] for row in SPOOFED], ids=[row[0] for row in SPOOFED]
)
def test_a_spoofed_upload_is_refused_and_nothing_is_stored(client, settings, field, name, data):
    posting = f.published_posting()

    response = post_application(client, posting, **{field: upload(name, data, "application/pdf")})

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Application.objects.exists()
    assert stored_files(settings) == []


def test_a_pdf_html_polyglot_is_stored_as_a_pdf_and_only_ever_served_as_an_attachment(client, cast):
    """Its content starts as a PDF, so it is one; whatever HTML follows never reaches a browser as HTML."""
    response = post_application(
        client, cast.posting_a, cv=upload("cv.html", MINIMAL_PDF + b"<html><script>alert(1)</script></html>")
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert RANDOM_STORED_NAME.match(application.cv.name) and application.cv.name.endswith(".pdf")
    assert application.cv_name == "cv.pdf"
    client.force_login(cast.recruiter_a)

    download = client.get(
        reverse("applications:download", kwargs={"uuid": application.uuid, "document": "cv"})
    )

    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"


# Documents with active content (issue 14 §4) ------------------------------------------------------------

ACTIVE_DOCUMENTS = [
    ("pdf-javascript-on-opening", "cv", "cv.pdf", hostile.pdf_open_action_javascript, "PDF simple"),
    ("pdf-with-an-attachment", "cv", "cv.pdf", hostile.pdf_embedded_file, "sans pièce jointe"),
    ("pdf-launching-a-program", "letter_file", "lettre.pdf", hostile.pdf_launch_link, "PDF simple"),
    ("docx-remote-template", "cv", "cv.docx", hostile.docx_remote_template, "exportez-le en PDF"),
    ("docx-ole-object", "letter_file", "lettre.docx", hostile.docx_embedded_ole, "Retirez-les"),
    ("docx-dde-field", "cv", "cv.docx", hostile.docx_dde_field, "Exportez-le en PDF"),
    ("odt-event-listener", "letter_file", "lettre.odt", hostile.odt_event_listener, "actions automatiques"),
    ("odt-remote-image", "cv", "cv.odt", hostile.odt_remote_image, "exportez-le en PDF"),
    ("zip-sizes-lie", "cv", "cv.docx", hostile.docx_size_lie_bomb, "tailles annoncées"),
]


@pytest.mark.parametrize(
    ("field", "name", "build", "advice"),
    [row[1:] for row in ACTIVE_DOCUMENTS],
    ids=[row[0] for row in ACTIVE_DOCUMENTS],
)
def test_a_document_with_active_content_is_refused_by_the_apply_form_saying_what_to_do(
    client, settings, field, name, build, advice
):
    posting = f.published_posting()

    response = post_application(client, posting, **{field: upload(name, build(), "application/pdf")})

    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert any(advice in error for error in errors)
    assert advice.replace("'", "&#x27;") in response.content.decode()
    assert not Application.objects.exists()
    assert stored_files(settings) == []


def test_an_ordinary_document_with_links_goes_through_the_apply_form(client, cast):
    response = post_application(
        client,
        cast.posting_a,
        cv=upload("cv.pdf", hostile.pdf_plain_with_links()),
        letter_file=upload("lettre.docx", hostile.docx_local_template_and_links()),
    )

    assert response.status_code == 302
    application = Application.objects.get()
    assert (application.cv_name, application.letter_name) == ("cv.pdf", "lettre.docx")


# Hostile file names ------------------------------------------------------------------------------------

NAMES = [
    ("path-traversal", "../../etc/passwd.pdf", "passwd.pdf"),
    ("windows-traversal", "..\\..\\windows\\system32\\cv.pdf", "cv.pdf"),
    ("nul-byte", "cv\x00.pdf", "cv.pdf"),
    ("crlf", "cv\r\n.pdf", None),
    ("300-chars", "a" * 300 + ".pdf", None),
    ("html-tags", "<script>alert(1)</script>.pdf", None),
    ("rtl-override", "cv\u202efdp.exe", "cvfdp.pdf"),
    ("exe-extension", "cv.pdf.exe", "cv.pdf.pdf"),
]


@pytest.mark.parametrize(("name", "expected"), [row[1:] for row in NAMES], ids=[row[0] for row in NAMES])
def test_a_hostile_file_name_is_neutralised_and_the_stored_name_is_random(client, name, expected):
    posting = f.published_posting()

    response = post_application(client, posting, cv=upload(name, MINIMAL_PDF))

    assert response.status_code == 302
    application = Application.objects.get()
    assert RANDOM_STORED_NAME.match(application.cv.name), application.cv.name
    shown = application.cv_name
    assert "/" not in shown and "\\" not in shown and not CONTROL.search(shown)
    assert 0 < len(shown) <= 100 and shown.endswith(".pdf")
    if expected is not None:
        assert shown == expected
    status_page = client.get(application.get_private_url()).content.decode()
    assert "<script>alert" not in status_page


@pytest.mark.parametrize(("name", "_expected"), [row[1:] for row in NAMES], ids=[row[0] for row in NAMES])
def test_a_hostile_file_name_is_a_safe_download_name(client, cast, name, _expected):
    post_application(client, cast.posting_a, cv=upload(name, MINIMAL_PDF))
    application = Application.objects.get()
    client.force_login(cast.recruiter_a)

    response = client.get(
        reverse("applications:download", kwargs={"uuid": application.uuid, "document": "cv"})
    )

    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition.split(";", 1)[1]


# Script payloads in the candidate's answers -----------------------------------------------------------------

PAYLOADS = {
    "script-tag": "<script>alert(1)</script>",
    "attribute-breakout": '"><img src=x onerror=alert(1)>',
    "javascript-url": "javascript:alert(1)",
}
FIELDS = ["first_name", "last_name", "city", "heard_from", "letter_text"]


def test_the_detector_finds_what_it_looks_for(client, db):
    """The checks below rely on `active_content`: it must see an injected script, handler and URL."""
    response = client.get("/")
    html = '<p><script>alert(1)</script><img src=x onerror=alert(1)><a href=" javascript:x()">a</a></p>'
    response.content = response.content.replace(b"</main>", html.encode() + b"</main>")

    assert len(active_content(response)) == 3
    assert active_content(client.get("/")) == []


def assert_neutralised(response) -> None:
    assert active_content(response) == []


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
@pytest.mark.parametrize("field", FIELDS)
def test_a_script_in_a_candidate_field_is_inert_everywhere_it_comes_back(
    client, cast, immediate_tasks, django_capture_on_commit_callbacks, field, payload
):
    posting = cast.posting_a
    posting.contact_email = "candidatures@example.org"
    posting.save(update_fields=["contact_email"])
    value = payload if field != "letter_text" else f"Ma lettre.\n{payload}\nFin."
    overrides = {field: value}
    if field == "letter_text":
        overrides["letter_file"] = None

    with django_capture_on_commit_callbacks(execute=True):
        response = post_application(client, posting, **overrides)
    assert response.status_code == 302, response.content
    application = Application.objects.get()
    assert getattr(application, field) == value  # stored verbatim: escaping is the output's job

    pages = {
        "confirmation": client.get(response["Location"]),
        "status": client.get(application.get_private_url()),
    }
    client.force_login(cast.recruiter_a)
    pages["admin change"] = client.get(
        reverse("admin:applications_application_change", args=[application.pk])
    )
    pages["admin changelist"] = client.get(reverse("admin:applications_application_changelist"))
    pages["admin search"] = client.get(
        reverse("admin:applications_application_changelist"), {"q": application.last_name}
    )
    for page, page_response in pages.items():
        assert page_response.status_code == 200, page
        assert_neutralised(page_response)
    # The value did reach the back-office page, escaped.
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    assert escaped in pages["admin change"].content.decode()

    # Emails are plain text only: the payload is shown as typed, there is no HTML part to run it.
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert getattr(message, "alternatives", []) == []
        assert message.content_subtype == "plain"
    notification = next(m for m in mail.outbox if m.to == ["candidatures@example.org"])
    assert payload in notification.body
    if field == "first_name":
        receipt = next(m for m in mail.outbox if m.to == [application.email])
        assert payload in receipt.body


# Script payloads in what recruiters write, shown on the public page --------------------------------------------

POSTING_PAYLOADS = [
    ("summary-script", "summary", "<script>alert(1)</script>"),
    ("summary-img-onerror", "summary", "<img src=x onerror=alert(1)>"),
    ("context-markdown-javascript-link", "context", "[clic](javascript:alert(1))"),
    ("context-html-javascript-link", "context", '<a href="javascript:alert(1)">clic</a>'),
    ("missions-iframe", "missions", "<iframe src=https://evil.example></iframe>"),
    ("missions-svg-onload", "missions", "<svg onload=alert(1)>"),
    ("profile-style-breakout", "profile", "</p><style>body{display:none}</style>"),
    ("profile-data-url", "profile", "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
    ("title-script", "title", "Mission </script><script>alert(1)</script>"),
    ("summary-closes-json-ld", "summary", '</script><script>alert("json-ld")</script>'),
]


@pytest.mark.parametrize(
    ("field", "payload"), [row[1:] for row in POSTING_PAYLOADS], ids=[row[0] for row in POSTING_PAYLOADS]
)
def test_a_script_in_a_posting_is_inert_on_the_public_page_and_in_the_feed(client, field, payload):
    posting = f.published_posting(**{field: payload})

    page = client.get(reverse("postings:detail", kwargs={"slug": posting.slug}))
    feed = client.get(reverse("seo:feed-rss") if _has_seo_feed() else "/flux/offres.rss")

    assert page.status_code == 200
    assert active_content(page) == []
    assert feed.status_code == 200
    # In the feed the text is XML character data: escaped, so a reader shows it as text.
    xml = feed.content.decode()
    assert "<script>" not in xml and "<iframe" not in xml and "<svg" not in xml and "<img" not in xml


def _has_seo_feed() -> bool:
    try:
        reverse("seo:feed-rss")
    except Exception:  # noqa: BLE001 - the feed may live under another namespace
        return False
    return True


# Email header injection -----------------------------------------------------------------------------------

INJECTED_NAMES = [
    ("first-name-bcc", {"first_name": "Eve\r\nBcc: victim@example.org"}),
    ("last-name-bcc", {"last_name": "Martin\nBcc: victim@example.org"}),
    ("last-name-subject", {"last_name": "Martin\r\nSubject: Virement urgent"}),
]


@pytest.mark.parametrize(
    "overrides", [row[1] for row in INJECTED_NAMES], ids=[row[0] for row in INJECTED_NAMES]
)
def test_a_newline_in_a_name_is_refused_and_never_becomes_an_email_header(
    client, immediate_tasks, django_capture_on_commit_callbacks, overrides
):
    posting = f.published_posting(contact_email="candidatures@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        response = post_application(client, posting, **overrides)

    # Refused with a message next to the field: a name is one line, and names end up in email headers.
    assert response.status_code == 400
    field = next(iter(overrides))
    assert (
        "Ce champ ne peut contenir ni retour à la ligne ni caractère de contrôle."
        in response.context["form"].errors[field]
    )
    assert not Application.objects.exists()
    assert mail.outbox == []


def test_a_header_in_the_email_address_is_refused_by_the_form(client):
    posting = f.published_posting()

    response = post_application(client, posting, email="camille@example.org\r\nBcc: victim@example.org")

    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    assert not Application.objects.exists()


# Mass assignment ----------------------------------------------------------------------------------------

MASS_ASSIGNMENT = [
    ("status", "accepted"),
    ("posting", "other"),
    ("reference", "PA-0000-999999"),
    ("answered_at", "2020-01-01T00:00:00Z"),
    ("consented_at", "2000-01-01T00:00:00Z"),
    ("uuid", "00000000-0000-0000-0000-000000000001"),
    ("email_normalised", "someone.else@example.org"),
    ("cv_name", "evil.exe"),
    ("status_changed_at", "2000-01-01T00:00:00Z"),
]


@pytest.mark.parametrize(("field", "value"), MASS_ASSIGNMENT, ids=[row[0] for row in MASS_ASSIGNMENT])
def test_extra_fields_in_the_apply_post_are_ignored(client, field, value):
    posting = f.published_posting()
    other = f.published_posting()
    value = str(other.pk) if value == "other" else value

    response = post_application(client, posting, **{field: value})

    assert response.status_code == 302
    application = Application.objects.get()
    assert application.posting_id == posting.pk
    assert application.status == Application.Status.RECEIVED
    assert application.answered_at is None
    assert re.fullmatch(r"PA-\d{4}-\d{6}", application.reference) and application.reference != value
    assert str(application.uuid) != value
    assert application.email_normalised == "camille.martin@example.org"
    assert application.cv_name == "cv.pdf"
    assert application.consented_at.year >= 2025 and application.status_changed_at.year >= 2025
    assert not other.applications.exists()


def test_the_private_link_of_another_candidate_cannot_be_guessed_from_a_reference(client):
    """Not an input the form takes, but the complement of mass assignment: the public identifier is a UUID."""
    posting = f.published_posting()
    post_application(client, posting)
    application = Application.objects.get()
    pages = ["", "confirmation/", "retirer/", "supprimer/", "mes-donnees/"]
    # Well-formed UUIDs reach the views (not only the URL converter): one built from the integer id, random ones.
    guesses = [
        uuid.UUID(int=application.pk),
        uuid.uuid4(),
        uuid.UUID(int=uuid.UUID(str(application.uuid)).int ^ 1),
    ]

    answers = {
        (page, str(guess), method): getattr(client, method)(f"/candidature/{guess}/{page}").status_code
        for page in pages
        for guess in guesses
        for method in ("get", "post")
        if method == "get" or page in ("retirer/", "supprimer/")
    }
    unguessable = {
        (page, str(application.pk)): client.get(f"/candidature/{application.pk}/{page}").status_code
        for page in pages
    }

    assert set(answers.values()) == {404}
    assert set(unguessable.values()) == {404}
    application.refresh_from_db()
    assert application.status == Application.Status.RECEIVED  # no guessed POST withdrew or deleted it
    # The candidate's own link does reach every page: the 404s above are the guesses, not broken pages.
    assert {
        page: client.get(f"/candidature/{application.uuid}/{page}").status_code for page in pages
    } == dict.fromkeys(pages, 200)
