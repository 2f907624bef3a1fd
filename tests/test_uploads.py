import io
import random

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile, TemporaryUploadedFile
from django.test import RequestFactory
from django.test.client import encode_multipart

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
