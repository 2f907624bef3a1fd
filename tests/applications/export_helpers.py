"""Helpers shared by the export tests (not a conftest, so that other branches' fixtures merge cleanly)."""

import csv
import io
import zipfile

import pytest
from django.contrib.auth.models import Permission
from openpyxl import load_workbook

IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def grant_view_applications(*users) -> None:
    """Give staff users the admin's view permission on applications (the real groups come from elsewhere)."""
    permission = Permission.objects.get(codename="view_application", content_type__app_label="applications")
    for user in users:
        user.user_permissions.add(permission)


def content_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(data: bytes) -> list[list[str]]:
    """Parse an export's CSV after checking and stripping its UTF-8 byte order mark."""
    assert data.startswith(b"\xef\xbb\xbf"), "the CSV must start with a UTF-8 BOM for Excel"
    text = data[3:].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def xlsx_sheet(data: bytes):
    workbook = load_workbook(io.BytesIO(data))
    return workbook.worksheets[0]


def xlsx_rows(data: bytes) -> list[list]:
    return [list(row) for row in xlsx_sheet(data).iter_rows(values_only=True)]


def xlsx_has_formula(data: bytes) -> bool:
    """True if any cell of the workbook is stored as a formula (an <f> element in a sheet's XML)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return any(
            b"<f>" in archive.read(name) or b"<f " in archive.read(name)
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
        )


@pytest.fixture
def fast_password_hashing(settings):
    """The cast's five users are hashed with the production hasher (~0.7 s each); these tests log in with
    force_login and never check a password, so a cheap hasher keeps them quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
