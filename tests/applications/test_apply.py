import re
import uuid

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from applications.models import Application, OutgoingEmail, StatusChange
from postings.models import Posting, PostingLanguage
from tests import factories as f
from tests.applications.conftest import (
    docx_upload,
    form_data,
    odt_upload,
    pdf_upload,
    run_queued_tasks,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_rate_window(settings):
    """django-ratelimit counts in fixed windows: a week-long one so that no test straddles two."""
    settings.APPLY_RATE_WINDOW = 7 * 24 * 3600


def apply_url(posting) -> str:
    return reverse("applications:apply", kwargs={"slug": posting.slug})


def test_the_form_shows_one_level_field_per_language_the_posting_asks_for(client):
    posting = f.published_posting(languages={"fr": "B2", "en": "B1"})

    response = client.get(apply_url(posting))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="language_fr"' in content
    assert 'name="language_en"' in content
    assert "Je ne parle pas cette langue" in content
    assert 'name="submission_token"' in content
    assert reverse("applications:privacy") in content


def test_the_form_shows_a_language_added_to_the_posting_at_once(client):
    posting = f.published_posting(languages={"fr": "B2"})
    assert 'name="language_en"' not in client.get(apply_url(posting)).content.decode()

    PostingLanguage.objects.create(posting=posting, language="en", level="B1")

    assert 'name="language_en"' in client.get(apply_url(posting)).content.decode()


def test_each_language_gets_its_own_form(client):
    posting = f.published_posting()
    french = client.get(apply_url(posting)).content.decode()

    with translation.override("en"):
        english = client.get(apply_url(posting)).content.decode()

    assert "Pays de résidence" in french
    assert "Country of residence" in english
    assert "Pays de résidence" not in english


def test_a_form_sent_back_with_errors_shows_them_after_the_blank_form_was_served(client):
    posting = f.published_posting()
    assert "is-invalid" not in client.get(apply_url(posting)).content.decode()

    response = client.post(apply_url(posting), form_data(posting, email="pas-une-adresse"))

    content = response.content.decode()
    assert 'class="emailinput form-control is-invalid"' in content
    assert 'value="Camille"' in content
    assert "choisissez à nouveau vos fichiers" in content.lower()


def test_the_form_reads_the_posting_and_its_languages_only(client, django_assert_num_queries):
    posting = f.published_posting(languages={"fr": "B2", "en": "B1"})

    with django_assert_num_queries(2):
        response = client.get(apply_url(posting))

    assert response.status_code == 200


def test_the_form_asks_for_nothing_a_recruitment_may_not_ask(client):
    posting = f.published_posting()

    response = client.get(apply_url(posting))

    form_fields = set(response.context["form"].fields)
    for forbidden in ("birth", "nationality", "photo", "family", "social", "iban", "bank"):
        assert not any(forbidden in name for name in form_fields)


def test_service_civique_lists_age_bounds_and_residence_rule_with_one_box(client):
    posting = f.published_posting(
        scheme=Posting.Scheme.SERVICE_CIVIQUE, min_age=16, max_age=25, max_age_with_disability=30
    )

    response = client.get(apply_url(posting))

    content = response.content.decode()
    assert (
        "Avoir l&#x27;âge demandé au début de la mission : de 16 à 25 ans, "
        "jusqu&#x27;à 30 ans pour les personnes en situation de handicap." in content
    )
    assert "titre de séjour" in content
    assert content.count('name="eligibility_confirmed"') == 1


def test_erasmus_shows_the_eligibility_text_and_a_box(client):
    posting = f.published_posting(
        scheme=Posting.Scheme.ERASMUS_TRAINEE,
        eligibility="Sont éligibles les jeunes diplômé-es de moins d'un an.",
    )

    response = client.get(apply_url(posting))

    assert "jeunes diplômé-es de moins d&#x27;un an" in response.content.decode()
    assert "eligibility_confirmed" in response.context["form"].fields


def test_a_job_with_nothing_to_confirm_has_no_eligibility_box(client):
    posting = f.published_posting(kind=Posting.Kind.JOB, scheme=Posting.Scheme.FIXED_TERM)

    response = client.get(apply_url(posting))

    assert "eligibility_confirmed" not in response.context["form"].fields


@pytest.mark.parametrize(
    ("cv", "letter", "cv_name", "letter_name"),
    [
        (pdf_upload, docx_upload, "cv.pdf", "lettre.docx"),
        (lambda: docx_upload("Mon CV.docx"), odt_upload, "Mon CV.docx", "lettre.odt"),
        (lambda: odt_upload("cv.odt"), pdf_upload, "cv.odt", "cv.pdf"),
    ],
)
def test_a_candidate_applies_with_real_pdf_docx_and_odt(client, settings, cv, letter, cv_name, letter_name):
    posting = f.published_posting(languages={"fr": "B2", "en": "B1"})

    response = client.post(apply_url(posting), form_data(posting, cv=cv(), letter_file=letter()))

    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:sent", kwargs={"slug": posting.slug})
    assert application.posting == posting
    assert application.email_normalised == "camille.martin@example.org"
    assert application.reference == f"PA-{application.submitted_at.astimezone().year}-{application.pk:06d}"
    assert application.cv_name == cv_name
    assert application.letter_name == letter_name
    assert application.languages == {"fr": "B2", "en": "B2"}
    assert application.eligibility_confirmed
    assert application.status == Application.Status.RECEIVED
    assert application.language == "fr"
    assert not application.keep_for_future
    assert len(stored_files(settings)) == 2
    # Random names in storage, never the candidate's.
    assert cv_name not in application.cv.name
    assert list(application.status_changes.values_list("from_status", "to_status")) == [("", "received")]
    run_queued_tasks()
    assert set(OutgoingEmail.objects.values_list("kind", flat=True)) == {"receipt", "notification"}

    confirmation = client.get(response["Location"])
    assert "Votre candidature est envoyée" in confirmation.content.decode()
    # The reference and the private link reach the candidate by e-mail only (the page is the same for an
    # address that had already applied).
    receipt = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.RECEIPT)
    assert application.reference in receipt.body
    assert application.get_private_url() in receipt.body


def test_an_application_takes_ten_queries_and_renders_no_email(client, django_assert_num_queries):
    from django.db import connection

    posting = f.published_posting(languages={"fr": "B2", "en": "B1"})
    data = form_data(posting)

    # The posting and its languages; then, in one transaction: the posting's lock, the one lookup of a
    # replay or a duplicate, the INSERT with its reference (drawn from the sequence first on PostgreSQL,
    # written after it on SQLite), the history row and the task that sends the emails.
    with django_assert_num_queries(10) as captured:
        response = client.post(apply_url(posting), data)

    assert response.status_code == 302
    statements = [query["sql"] for query in captured.captured_queries]
    assert sum('FROM "postings_posting"' in sql for sql in statements) == 2  # read once, then locked
    assert sum(sql.startswith("SELECT") and '"applications_application"' in sql for sql in statements) == 1
    assert not any("applications_outgoingemail" in sql for sql in statements)
    updates = [sql for sql in statements if sql.startswith("UPDATE")]
    assert len(updates) == (0 if connection.vendor == "postgresql" else 1)


def test_the_emails_are_queued_in_the_applications_transaction_and_built_by_the_worker(
    client, django_capture_on_commit_callbacks
):
    posting = f.published_posting()

    with django_capture_on_commit_callbacks() as callbacks:
        client.post(apply_url(posting), form_data(posting))

    # The task's row is written with the application (committed or rolled back with it), nothing after commit,
    # and the request renders no email.
    assert callbacks == []
    application = Application.objects.get()
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.args_kwargs["args"]) == (
        "applications.tasks.send_application_emails",
        [application.pk],
    )
    assert not OutgoingEmail.objects.exists()

    run_queued_tasks()

    assert sorted(OutgoingEmail.objects.values_list("kind", "status")) == [
        ("notification", "sent"),
        ("receipt", "sent"),
    ]
    assert len(mail.outbox) == 2


def test_a_typed_letter_is_enough(client):
    posting = f.published_posting()

    response = client.post(
        apply_url(posting), form_data(posting, letter_file=None, letter_text="Je souhaite m'engager.")
    )

    assert response.status_code == 302
    application = Application.objects.get()
    assert application.letter_text == "Je souhaite m'engager."
    assert not application.letter_file


def test_the_stored_name_follows_the_content_not_the_extension(client):
    posting = f.published_posting()

    client.post(apply_url(posting), form_data(posting, cv=docx_upload("cv.pdf")))

    application = Application.objects.get()
    assert application.cv.name.endswith(".docx")
    assert application.cv_name == "cv.docx"


def test_a_hostile_file_name_is_sanitised_for_display(client):
    posting = f.published_posting()

    client.post(apply_url(posting), form_data(posting, cv=pdf_upload("..\\..\\etc\\pass\x07wd\u202e.pdf")))

    assert Application.objects.get().cv_name == "passwd.pdf"


def refused(response, field: str) -> str:
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    return " ".join(errors[field])


@pytest.mark.parametrize(
    ("field", "file", "message"),
    [
        ("cv", lambda: upload("cv.pdf", b"\x89PNG\r\n\x1a\n not a pdf"), "doit être un PDF, DOCX ou ODT"),
        ("cv", lambda: upload("cv.pdf", b"Plain text renamed"), "doit être un PDF, DOCX ou ODT"),
        (
            "cv",
            lambda: upload("cv.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024)),
            "de 5 Mo au plus : celui-ci fait 5,1 Mo",
        ),
        ("letter_file", lambda: docx_upload("lettre.docx", macros=True), "contient des macros"),
        ("letter_file", lambda: odt_upload("lettre.odt", macros=True), "contient des macros"),
        (
            "cv",
            lambda: upload(
                "cv.docx", __import__("tests.applications.conftest").applications.conftest.zip_bomb_docx()
            ),
            "structure anormale",
        ),
        ("cv", lambda: upload("cv.docx", b"PK\x03\x04 truncated archive"), "endommagé"),
        ("cv", lambda: upload("cv.pdf", b""), "vide"),
    ],
    ids=[
        "png-renamed-pdf",
        "text-renamed-pdf",
        "oversize",
        "macro-docx",
        "macro-odt",
        "zip-bomb",
        "broken-zip",
        "empty",
    ],
)
def test_it_refuses_each_bad_file_saying_why(client, settings, field, file, message):
    posting = f.published_posting()

    response = client.post(apply_url(posting), form_data(posting, **{field: file()}))

    assert message in refused(response, field)
    assert Application.objects.count() == 0
    assert stored_files(settings) == []


def test_it_refuses_an_application_without_a_cover_letter(client):
    posting = f.published_posting()

    response = client.post(apply_url(posting), form_data(posting, letter_file=None, letter_text="  "))

    assert "lettre de motivation" in refused(response, "letter_file")
    assert Application.objects.count() == 0


def test_it_refuses_an_application_without_consent(client):
    posting = f.published_posting()

    response = client.post(apply_url(posting), form_data(posting, consent=None))

    refused(response, "consent")
    assert Application.objects.count() == 0


def test_errors_are_summarised_with_links_and_typed_answers_are_kept(client):
    posting = f.published_posting()

    response = client.post(apply_url(posting), form_data(posting, consent=None, email="pas-une-adresse"))

    content = response.content.decode()
    assert 'id="error-summary"' in content
    assert 'href="#id_email"' in content
    assert 'href="#id_consent"' in content
    assert 'value="Camille"' in content
    assert "choisissez à nouveau" in content.lower()


@pytest.mark.parametrize("factory", [f.closed_posting, f.expired_posting])
def test_it_refuses_a_closed_or_expired_posting_with_a_clear_page(client, factory):
    posting = factory()

    shown = client.get(apply_url(posting))
    sent = client.post(apply_url(posting), form_data(posting))

    assert shown.status_code == 410
    assert sent.status_code == 410
    assert "ne reçoit plus de candidatures" in sent.content.decode()
    assert Application.objects.count() == 0


def test_a_draft_posting_does_not_exist_for_candidates(client):
    posting = f.draft_posting()

    assert client.get(apply_url(posting)).status_code == 404


def test_a_form_opened_before_the_deadline_and_sent_after_is_refused(client, settings, monkeypatch):
    posting = f.published_posting()
    data = form_data(posting)
    # The view's early check passes; the deadline falls while the request is being handled.
    real_is_open = Posting.is_open
    calls = []

    def closes_after_first_check(self, now=None):
        calls.append(self.pk)
        return real_is_open(self, now) if len(calls) == 1 else False

    monkeypatch.setattr(Posting, "is_open", closes_after_first_check)

    response = client.post(apply_url(posting), data)

    assert response.status_code == 410
    assert Application.objects.count() == 0
    assert stored_files(settings) == []


def without_nonces(response) -> str:
    """The page as the visitor reads it: the CSP nonce changes on every response by design."""
    return re.sub(r'nonce="[^"]*"', "", response.content.decode())


def test_applying_again_with_the_same_address_answers_as_a_new_application(client):
    posting = f.published_posting()
    client.post(apply_url(posting), form_data(posting))

    again = client.post(apply_url(posting), form_data(posting, email="  Camille.MARTIN@example.org "))
    fresh = client.post(apply_url(posting), form_data(posting, email="someone.else@example.org"))

    # Nobody learns from the answer whether an address had applied: same status, same page.
    assert (
        (again.status_code, again["Location"])
        == (fresh.status_code, fresh["Location"])
        == (302, fresh["Location"])
    )
    assert without_nonces(client.get(again["Location"])) == without_nonces(client.get(fresh["Location"]))
    assert Application.objects.filter(email_normalised="camille.martin@example.org").count() == 1
    assert Application.objects.count() == 2


def test_the_owner_of_the_address_is_told_of_the_second_attempt_by_email(
    client, immediate_tasks, django_capture_on_commit_callbacks
):
    posting = f.published_posting()
    client.post(apply_url(posting), form_data(posting))
    first = Application.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            apply_url(posting), form_data(posting, email="CAMILLE.martin@example.org", first_name="Eve")
        )

    notice = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.DUPLICATE_NOTICE)
    assert notice.to == [
        "camille.martin@example.org"
    ]  # the address of the first application, as it was typed
    assert notice.application == first
    assert "Bonjour Camille," in notice.body
    assert first.reference in notice.body and first.get_private_url() in notice.body
    assert "n'a donc pas été enregistrée" in notice.body
    sent = [message for message in mail.outbox if message.subject == notice.subject]
    assert [message.to for message in sent] == [["camille.martin@example.org"]]


def test_repeated_attempts_send_one_notice_a_day(client):
    posting = f.published_posting()
    client.post(apply_url(posting), form_data(posting))

    for _ in range(3):
        assert client.post(apply_url(posting), form_data(posting)).status_code == 302

    assert OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.DUPLICATE_NOTICE).count() == 1


def test_the_notice_is_written_in_the_language_of_the_first_application(client):
    posting = f.published_posting()
    with translation.override("en"):
        client.post(apply_url(posting), form_data(posting))

    client.post(apply_url(posting), form_data(posting))

    notice = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.DUPLICATE_NOTICE)
    assert notice.language == "en"
    assert "Hello Camille," in notice.body


def test_the_same_email_may_apply_to_another_posting(client):
    first, second = f.published_posting(), f.published_posting()
    client.post(apply_url(first), form_data(first))

    response = client.post(apply_url(second), form_data(second))

    assert response.status_code == 302
    assert Application.objects.count() == 2


def test_a_double_submit_creates_one_application_and_the_same_confirmation(client):
    posting = f.published_posting()
    token = str(uuid.uuid4())

    first = client.post(apply_url(posting), form_data(posting, submission_token=token))
    second = client.post(apply_url(posting), form_data(posting, submission_token=token))

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Application.objects.count() == 1


def test_a_form_sent_again_without_its_files_after_it_was_taken_gets_the_same_answer(client, settings):
    posting = f.published_posting()
    token = str(uuid.uuid4())
    first = client.post(apply_url(posting), form_data(posting, submission_token=token))

    # Back and resend: the browser kept the answers but not the files.
    again = client.post(
        apply_url(posting), form_data(posting, submission_token=token, cv=None, letter_file=None)
    )

    assert (
        (again.status_code, again["Location"])
        == (first.status_code, first["Location"])
        == (302, first["Location"])
    )
    assert Application.objects.count() == 1
    assert len(stored_files(settings)) == 2


def test_an_application_in_english_is_recorded_in_english(client, django_capture_on_commit_callbacks):
    posting = f.published_posting()

    with translation.override("en"):
        url = apply_url(posting)
    assert url.startswith("/en/")
    response = client.post(url, form_data(posting))

    assert response.status_code == 302
    application = Application.objects.get()
    assert application.language == "en"
    run_queued_tasks()
    receipt = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.RECEIPT)
    assert receipt.language == "en"
    # The private link was reversed under the English prefix: the email was rendered under override("en").
    assert f"/en/candidature/{application.uuid}/" in receipt.body


def test_the_history_starts_with_received(client):
    posting = f.published_posting()

    client.post(apply_url(posting), form_data(posting))

    change = StatusChange.objects.get()
    assert (change.from_status, change.to_status, change.changed_by) == ("", "received", None)


def test_the_honeypot_stores_nothing_and_answers_politely(client, settings):
    posting = f.published_posting()

    response = client.post(apply_url(posting), form_data(posting, website="http://spam.example"))

    assert response.status_code == 400
    assert "n'a pas pu être traité" in response.content.decode().replace("&#x27;", "'")
    assert Application.objects.count() == 0
    assert stored_files(settings) == []
    assert mail.outbox == []


def test_the_honeypot_is_hidden_by_a_css_class_and_labelled_for_humans(client):
    posting = f.published_posting()

    content = client.get(apply_url(posting)).content.decode()

    assert 'class="hp-field"' in content
    assert "Ne remplissez pas ce champ" in content
    assert "style=" not in content


def test_too_many_posts_from_one_address_get_a_polite_429(client, settings):
    settings.APPLY_RATE_LIMIT = 2
    posting = f.published_posting()

    answers = [
        client.post(apply_url(posting), form_data(posting, email=f"personne{n}@example.org")).status_code
        for n in range(3)
    ]

    assert answers == [302, 302, 429]
    assert Application.objects.count() == 2


def test_the_rate_limit_counts_per_address(client, settings):
    settings.APPLY_RATE_LIMIT = 1
    posting = f.published_posting()

    first = client.post(apply_url(posting), form_data(posting), REMOTE_ADDR="192.0.2.1")
    other = client.post(
        apply_url(posting), form_data(posting, email="b@example.org"), REMOTE_ADDR="192.0.2.2"
    )
    again = client.post(
        apply_url(posting), form_data(posting, email="c@example.org"), REMOTE_ADDR="192.0.2.1"
    )

    # The second address has its own count, and the first address's count holds: the limit is on.
    assert (first.status_code, other.status_code, again.status_code) == (302, 302, 429)
    assert set(Application.objects.values_list("email", flat=True)) == {
        form_data(posting)["email"],
        "b@example.org",
    }


def test_the_privacy_page_says_who_what_how_long_rights_and_where_to_complain(client):
    response = client.get(reverse("applications:privacy"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "organisations nommées sur l'offre" in content
    assert "trois mois après la fin de la sélection" in content
    assert "deux ans" in content
    assert "CNIL" in content
    assert "APD/GBA" in content


# The service: nothing half-written ---------------------------------------------------------------------


def submit(posting, *, email="camille.martin@example.org", token=None):
    from applications import services

    return services.submit_application(
        posting=posting,
        data={
            "first_name": "Camille",
            "last_name": "Martin",
            "email": email,
            "city": "Lyon",
            "country": "FR",
            "languages": {"fr": "C2"},
        },
        files={"cv": pdf_upload(), "letter_file": odt_upload()},
        language="fr",
        token=token or uuid.uuid4(),
    )


@pytest.mark.parametrize(
    "breaking_point",
    ["applications.models.StatusChange.objects.create", "applications.services._queue_emails"],
)
def test_a_failure_after_the_files_are_written_leaves_no_row_and_no_file(
    settings, monkeypatch, breaking_point
):
    posting = f.published_posting()
    written = []
    from django.core.files.storage import storages

    engine = type(storages["default"])  # the local folder, or the bucket under PASSERELLE_TEST_STORAGE=s3
    real_save = engine._save

    def record_save(self, name, content):
        written.append(real_save(self, name, content))
        return written[-1]

    def broken(*args, **kwargs):
        raise RuntimeError("disk full, or a bug")

    monkeypatch.setattr(engine, "_save", record_save)
    monkeypatch.setattr(breaking_point, broken)

    with pytest.raises(RuntimeError):
        submit(posting)

    assert len(written) == 2, "the files were written before the failure"
    assert Application.objects.count() == 0
    assert StatusChange.objects.count() == 0
    assert OutgoingEmail.objects.count() == 0
    assert not DBTaskResult.objects.exists()
    assert stored_files(settings) == []


def test_a_failure_after_the_emails_are_queued_leaves_no_task_for_the_worker(settings, monkeypatch):
    from applications import services

    queue_emails = services._queue_emails

    def queued_then_broken(application):
        queue_emails(application)
        assert DBTaskResult.objects.exists()
        raise RuntimeError("a failure before commit")

    monkeypatch.setattr(services, "_queue_emails", queued_then_broken)

    with pytest.raises(RuntimeError):
        submit(f.published_posting())

    assert not DBTaskResult.objects.exists()
    assert Application.objects.count() == 0
    assert stored_files(settings) == []


def test_a_failure_after_the_files_are_written_answers_500_and_leaves_nothing(client, settings, monkeypatch):
    posting = f.published_posting()
    monkeypatch.setattr("applications.services._queue_emails", lambda application: 1 / 0)
    client.raise_request_exception = False

    response = client.post(apply_url(posting), form_data(posting))

    assert response.status_code == 500
    assert Application.objects.count() == 0
    assert stored_files(settings) == []


def test_the_unique_constraint_catches_a_duplicate_the_pre_check_missed(settings, monkeypatch):
    from applications import services

    posting = f.published_posting()
    submit(posting)
    lookup = services._earlier_applications
    calls = []

    def missed_once(*args, **kwargs):
        # The check inside the transaction misses the first application; the one after the refusal finds it.
        calls.append(args)
        return [] if len(calls) == 1 else lookup(*args, **kwargs)

    monkeypatch.setattr(services, "_earlier_applications", missed_once)

    with pytest.raises(services.DuplicateApplication):
        submit(posting, email="CAMILLE.martin@example.org")

    monkeypatch.undo()
    assert Application.objects.count() == 1
    assert len(stored_files(settings)) == 2, "the second attempt's files are deleted"


def test_a_replayed_token_returns_the_first_application_without_writing(settings):
    posting = f.published_posting()
    token = uuid.uuid4()
    first = submit(posting, token=token)

    again = submit(posting, token=token)

    assert again == first
    assert Application.objects.count() == 1
    assert len(stored_files(settings)) == 2


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_of_the_same_candidate_give_one_application(settings):
    import threading

    from django.db import connection

    from applications import services

    if connection.vendor != "postgresql":
        pytest.skip("Row locks and concurrent transactions need PostgreSQL.")
    posting = f.published_posting()
    barrier = threading.Barrier(2)
    outcomes = []

    def candidate():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            outcomes.append(submit(posting))
        except services.DuplicateApplication as refusal:
            outcomes.append(refusal)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=candidate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Application.objects.count() == 1
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Application", "DuplicateApplication"]
    assert len(stored_files(settings)) == 2


def test_behind_the_proxy_the_rate_limit_counts_the_address_the_proxy_saw(client, settings):
    settings.APPLY_RATE_LIMIT = 1
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    posting = f.published_posting()

    first = client.post(
        apply_url(posting), form_data(posting), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    other_candidate = client.post(
        apply_url(posting),
        form_data(posting, email="b@example.org"),
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    forged = client.post(
        apply_url(posting),
        form_data(posting, email="c@example.org"),
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.99, 198.51.100.7",
    )

    assert (first.status_code, other_candidate.status_code, forged.status_code) == (302, 302, 429)


def test_a_rotating_forwarded_for_from_a_client_that_is_no_proxy_does_not_escape_the_limit(client, settings):
    settings.APPLY_RATE_LIMIT = 2
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # BEHIND_TLS_PROXY's default
    posting = f.published_posting()

    answers = [
        client.post(
            apply_url(posting),
            form_data(posting, email=f"personne{n}@example.org"),
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(5)
    ]

    assert answers == [302, 302, 429, 429, 429]
    assert Application.objects.count() == 2


def test_a_client_cannot_pass_for_the_trusted_proxy_by_naming_it_in_the_header(client, settings):
    settings.APPLY_RATE_LIMIT = 1
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    posting = f.published_posting()

    answers = [
        client.post(
            apply_url(posting),
            form_data(posting, email=f"personne{n}@example.org"),
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 10.0.0.{n + 1}",
        ).status_code
        for n in range(2)
    ]

    assert answers == [302, 429]


def test_behind_two_trusted_proxies_the_limit_counts_the_address_the_outer_one_saw(client, settings):
    settings.APPLY_RATE_LIMIT = 1
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.10"]
    posting = f.published_posting()

    def post(n, forwarded):
        return client.post(
            apply_url(posting),
            form_data(posting, email=f"personne{n}@example.org"),
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code

    assert post(1, "198.51.100.7, 192.0.2.10") == 302
    assert (
        post(2, "203.0.113.1, 198.51.100.7, 192.0.2.10, 10.0.0.2") == 429
    )  # the forged left entry is ignored
    assert post(3, "198.51.100.8, 192.0.2.10") == 302


def test_addresses_of_one_ipv6_network_share_a_count(client, settings):
    settings.APPLY_RATE_LIMIT = 1
    posting = f.published_posting()

    first = client.post(apply_url(posting), form_data(posting), REMOTE_ADDR="2001:db8:1:2::10")
    same_network = client.post(
        apply_url(posting), form_data(posting, email="b@example.org"), REMOTE_ADDR="2001:db8:1:2:ffff::99"
    )
    other_network = client.post(
        apply_url(posting), form_data(posting, email="c@example.org"), REMOTE_ADDR="2001:db8:1:3::10"
    )

    assert (first.status_code, same_network.status_code, other_network.status_code) == (302, 429, 302)


def test_the_count_is_kept_in_the_shared_default_cache(client, settings):
    from django.core.cache import caches

    settings.APPLY_RATE_LIMIT = 1
    posting = f.published_posting()
    client.post(apply_url(posting), form_data(posting), REMOTE_ADDR="192.0.2.1")
    assert (
        client.post(
            apply_url(posting), form_data(posting, email="b@example.org"), REMOTE_ADDR="192.0.2.1"
        ).status_code
        == 429
    )

    # Whatever process serves the next request reads the same store (CACHE_URL): emptied, the count restarts.
    caches[settings.RATELIMIT_USE_CACHE].clear()

    assert (
        client.post(
            apply_url(posting), form_data(posting, email="b@example.org"), REMOTE_ADDR="192.0.2.1"
        ).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("value", "outcome"),
    [
        ("", "[]"),
        ("10.0.0.1, 192.168.0.0/16", "['10.0.0.1', '192.168.0.0/16']"),
        ("proxy.local", "not an address"),
    ],
)
def test_trusted_proxies_are_read_from_the_environment_and_checked_at_start_up(value, outcome):
    import os
    import subprocess
    import sys

    script = (
        "import django; from django.conf import settings; django.setup(); print(settings.TRUSTED_PROXIES)"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "TRUSTED_PROXIES": value}

    result = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True)

    assert outcome in result.stdout + result.stderr


def test_it_refuses_a_service_civique_application_without_the_eligibility_box(client):
    posting = f.published_posting(scheme=Posting.Scheme.SERVICE_CIVIQUE, min_age=16, max_age=25)

    response = client.post(apply_url(posting), form_data(posting, eligibility_confirmed=None))

    refused(response, "eligibility_confirmed")
    assert Application.objects.count() == 0


@pytest.mark.parametrize(
    "garbage",
    [
        {"country": "XX"},
        {"language_fr": "expert"},
        {"email": "x" * 300 + "@example.org"},
        {"cv": None},
    ],
)
def test_bad_input_gets_a_form_error_never_a_500(client, garbage):
    posting = f.published_posting()

    response = client.post(apply_url(posting), form_data(posting, **garbage))

    assert response.status_code == 400
    assert response.context["form"].errors
    assert Application.objects.count() == 0


def test_an_empty_post_gets_a_form_error(client):
    posting = f.published_posting()

    response = client.post(apply_url(posting), {})

    assert response.status_code == 400
    assert {"first_name", "email", "cv", "consent"} <= set(response.context["form"].errors)


@pytest.mark.parametrize("token", ["not-a-uuid", None])
def test_a_mangled_submission_token_does_not_stop_a_candidate(client, token):
    posting = f.published_posting()

    response = client.post(apply_url(posting), form_data(posting, submission_token=token))

    assert response.status_code == 302
    assert Application.objects.count() == 1


def test_a_token_spent_on_another_posting_is_not_taken_for_a_replay(settings):
    token = uuid.uuid4()
    first = submit(f.published_posting(), token=token)

    second = submit(f.published_posting(), token=token)

    assert second != first
    assert Application.objects.count() == 2
    assert second.submission_token != token


def test_the_error_summary_never_nests_links(client):
    posting = f.published_posting()

    response = client.post(apply_url(posting), form_data(posting, consent=None))

    content = response.content.decode()
    summary = content[
        content.index('id="error-summary"') : content.index("</ul>", content.index('id="error-summary"'))
    ]
    assert summary.count("<a ") == summary.count("</a>") == 1


def test_the_database_lost_during_an_apply_answers_503_and_leaves_nothing(client, settings, monkeypatch):
    from django.db import OperationalError

    posting = f.published_posting()

    def connection_lost(application):
        raise OperationalError("server closed the connection unexpectedly")

    # Fails after the files are written and the row inserted, inside the submission's transaction.
    monkeypatch.setattr("applications.services._queue_emails", connection_lost)

    response = client.post(apply_url(posting), form_data(posting))

    assert response.status_code == 503
    assert response["Retry-After"]
    assert "Réessayez" in response.content.decode()
    assert Application.objects.count() == 0
    assert stored_files(settings) == []

    monkeypatch.undo()
    assert client.post(apply_url(posting), form_data(posting)).status_code == 302  # back without a restart
    assert Application.objects.count() == 1


def test_the_privacy_notice_reached_from_a_posting_names_its_controllers(client, cast):
    form_page = client.get(apply_url(cast.posting_a)).content.decode()
    privacy_url = f"/confidentialite/?offre={cast.posting_a.slug}"
    assert f'href="{privacy_url}"' in form_page

    notice = client.get(privacy_url).content.decode()

    assert "Organisation A</a> (Organisation d&#x27;accueil)" in notice
    assert "Échanges et Partenariats</a> (Coordination du programme)" in notice
    assert "Organisation B" not in notice


def test_the_privacy_notice_ignores_an_unknown_or_unpublished_posting(client):
    draft = f.draft_posting()

    for slug in (draft.slug, "inconnue", "x" * 5000):
        response = client.get(f"/confidentialite/?offre={slug}")
        assert response.status_code == 200
        assert "les responsables du traitement sont" not in response.content.decode()


def test_the_upload_limit_shown_and_enforced_follows_the_setting(client, settings):
    settings.APPLICATION_MAX_FILE_SIZE = 2 * 1024 * 1024
    posting = f.published_posting()

    page = client.get(apply_url(posting)).content.decode()
    response = client.post(
        apply_url(posting), form_data(posting, cv=upload("cv.txt", b"plain text, not a CV"))
    )

    assert "PDF, DOCX ou ODT, 2 Mo au plus." in page
    assert "5 Mo" not in page
    assert "Le fichier doit être un PDF, DOCX ou ODT de 2 Mo au plus." in response.content.decode()
