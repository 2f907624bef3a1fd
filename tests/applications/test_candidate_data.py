"""The candidate's own data from the private link: download it all, erase it all (through the one erasure path)."""

import io
import json
import logging
import uuid
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from applications.models import Application, OutgoingEmail, StatusChange
from tests import factories as f
from tests.applications.conftest import (
    MINIMAL_PDF,
    docx_bytes,
    form_data,
    pdf_upload,
    run_queued_tasks,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db


def apply(client, posting, **overrides) -> Application:
    response = client.post(
        reverse("applications:apply", kwargs={"slug": posting.slug}), form_data(posting, **overrides)
    )
    assert response.status_code == 302, response.content
    return Application.objects.get(email_normalised=overrides.get("email", "camille.martin@example.org"))


def data_url(application) -> str:
    return reverse("applications:my-data", kwargs={"uuid": application.uuid})


def test_the_private_page_offers_the_download_of_my_data(client):
    application = apply(client, f.published_posting())

    content = client.get(application.get_private_url()).content.decode()

    assert "Télécharger mes données" in content
    assert data_url(application) in content


def test_my_data_is_a_zip_with_the_answers_and_my_own_documents(client):
    posting = f.published_posting(title="Observatoire des droits")
    application = apply(
        client,
        posting,
        first_name="Yasmina",
        cv=pdf_upload("Mon CV 2026.pdf"),
        letter_file=upload("Lettre motivation.docx", docx_bytes()),
    )

    response = client.get(data_url(application))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="passerelle-{application.reference}.zip"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == [
        "CV - Mon CV 2026.pdf",
        "Lettre - Lettre motivation.docx",
        "donnees.json",
    ]
    assert archive.read("CV - Mon CV 2026.pdf") == MINIMAL_PDF
    assert archive.read("Lettre - Lettre motivation.docx") == docx_bytes()
    data = json.loads(archive.read("donnees.json"))
    assert data["first_name"] == "Yasmina"
    assert data["reference"] == application.reference
    assert data["posting"]["title"] == "Observatoire des droits"
    assert data["status_history"] == [
        {"at": data["submitted_at"], "from": "", "to": Application.Status.RECEIVED}
    ]
    # Access secrets are not data about the person.
    assert str(application.uuid) not in response.content.decode("latin-1")


def test_a_typed_letter_is_in_the_json_and_no_letter_file_is_added(client):
    application = apply(client, f.published_posting(), letter_file=None, letter_text="Ma lettre écrite ici.")

    archive = zipfile.ZipFile(io.BytesIO(client.get(data_url(application)).content))

    assert sorted(archive.namelist()) == ["CV - cv.pdf", "donnees.json"]
    assert json.loads(archive.read("donnees.json"))["letter_text"] == "Ma lettre écrite ici."


def test_entry_names_in_the_zip_cannot_leave_the_folder_it_is_unpacked_in(client):
    application = f.make_application(cv_name="../../..\\Windows\\cv\x1b.pdf")

    archive = zipfile.ZipFile(io.BytesIO(client.get(data_url(application)).content))

    assert sorted(archive.namelist()) == ["CV - cv.pdf", "donnees.json"]


def test_downloading_my_data_changes_nothing_and_only_get_is_allowed(client):
    application = apply(client, f.published_posting())
    before = (Application.objects.get().status, StatusChange.objects.count(), OutgoingEmail.objects.count())

    assert client.post(data_url(application)).status_code == 405
    client.get(data_url(application))

    assert (
        Application.objects.get().status,
        StatusChange.objects.count(),
        OutgoingEmail.objects.count(),
    ) == before


def test_an_unknown_link_has_no_data(client):
    assert client.get(reverse("applications:my-data", kwargs={"uuid": uuid.uuid4()})).status_code == 404


def test_a_document_missing_from_storage_is_a_404_not_a_500(client):
    application = f.make_application()
    application.cv.storage.delete(application.cv.name)

    assert client.get(data_url(application)).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_self_service_erasure_leaves_no_personal_data_in_the_database_nor_the_logs(client, settings, caplog):
    posting = f.published_posting()
    application = apply(
        client,
        posting,
        first_name="Yasmina",
        last_name="Belkacem",
        email="yasmina.belkacem@example.net",
        phone="+33 6 98 76 54 32",
        city="Roubaix",
        cv=pdf_upload("CV Yasmina Belkacem.pdf"),
    )
    run_queued_tasks()
    assert OutgoingEmail.objects.filter(application=application).exists()  # the receipt names her

    with caplog.at_level(logging.DEBUG):
        response = client.post(reverse("applications:delete", kwargs={"uuid": application.uuid}))

    assert response.status_code == 302
    assert stored_files(settings) == []
    assert not StatusChange.objects.exists()
    assert not OutgoingEmail.objects.exists()
    dump = StringIO()
    call_command("dumpdata", stdout=dump)
    for personal in ("Yasmina", "Belkacem", "example.net", "98 76 54 32", "Roubaix"):
        assert personal not in dump.getvalue()
        assert personal not in caplog.text
    # The one erasure path wrote its audit line, by reference only.
    assert f"Application {application.reference} deleted (erasure request)" in caplog.text
