import io
import random

import pytest
from django import forms
from django.core.files.uploadedfile import InMemoryUploadedFile, TemporaryUploadedFile
from django.test import RequestFactory
from django.test.client import encode_multipart
from django.urls import reverse

from config import uploads


@pytest.mark.parametrize(
    ("size", "kept_as"),
    # Several chunks under FILE_UPLOAD_MAX_MEMORY_SIZE (kept in memory), and over it (spooled to a file).
    [(uploads.CHUNK_SIZE * 3 + 17, InMemoryUploadedFile), (3 * 1024 * 1024 + 5, TemporaryUploadedFile)],
)
def test_an_upload_spanning_several_chunks_arrives_byte_for_byte(size, kept_as):
    content = random.Random(size).randbytes(size)
    boundary = "passerelle-test"
    body = encode_multipart(boundary, {"first_name": "Amina", "cv": _named(content, "cv.pdf")})
    request = RequestFactory().post("/", data=body, content_type=f"multipart/form-data; boundary={boundary}")

    upload = request.FILES["cv"]

    assert isinstance(upload, kept_as)
    assert upload.read() == content
    assert request.POST["first_name"] == "Amina"
    assert {handler.chunk_size for handler in request.upload_handlers} == {uploads.CHUNK_SIZE}


def _named(content: bytes, name: str) -> io.BytesIO:
    stream = io.BytesIO(content)
    stream.name = name
    return stream


# Upload checks: once, in one place (applications/files.py) ----------------------------------------------


def test_every_file_the_apply_form_takes_goes_through_the_document_check():
    from applications.files import DocumentField
    from applications.forms import ApplicationForm

    file_fields = {
        name: field
        for name, field in ApplicationForm.base_fields.items()
        if isinstance(field, forms.FileField)
    }

    assert set(file_fields) == {"cv", "letter_file"}
    assert all(isinstance(field, DocumentField) for field in file_fields.values())


@pytest.mark.django_db
def test_an_application_parses_each_document_once(client, monkeypatch):
    from applications import files
    from applications.models import Application
    from tests import factories as f
    from tests.applications.conftest import form_data

    calls = []
    for name in ("check_pdf", "check_office_document"):
        real = getattr(files, name)
        monkeypatch.setattr(
            files, name, lambda upload, real=real, name=name: calls.append(name) or real(upload)
        )
    posting = f.published_posting()

    response = client.post(reverse("applications:apply", kwargs={"slug": posting.slug}), form_data(posting))

    assert response.status_code == 302
    assert Application.objects.count() == 1
    assert sorted(calls) == ["check_office_document", "check_pdf"]


@pytest.mark.django_db
def test_the_service_refuses_a_file_no_form_has_checked():
    import uuid

    from django.core.exceptions import ValidationError

    from applications import services
    from applications.models import Application
    from tests import factories as f
    from tests.applications import hostile_documents as hostile
    from tests.applications.conftest import upload

    with pytest.raises(ValidationError) as caught:
        services.submit_application(
            posting=f.published_posting(),
            data={"first_name": "Camille", "last_name": "Martin", "email": "c@example.org", "city": "Lyon"},
            files={"cv": upload("cv.pdf", hostile.pdf_open_action_javascript())},
            language="fr",
            token=uuid.uuid4(),
        )

    assert caught.value.code == "active_content"
    assert not Application.objects.exists()
