"""/healthz says the process is alive; /readyz says whether this server can serve candidates now."""

from unittest import mock

import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


def test_readiness_reports_an_unreachable_database_with_503(client):
    with mock.patch.object(
        connection, "ensure_connection", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"ready": False, "database": "unavailable", "cache": "ok", "storage": "ok"}


def test_liveness_does_not_depend_on_the_database(client):
    with mock.patch.object(
        connection, "ensure_connection", side_effect=OperationalError("connection refused")
    ):
        assert client.get("/healthz").content == b"ok"


def test_readiness_is_never_cached_and_needs_no_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/readyz")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_readiness_reports_an_unreachable_local_storage(client, settings, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    def broken(self, name):
        raise PermissionError("the mount is gone")

    monkeypatch.setattr(FileSystemStorage, "exists", broken)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["storage"] == "unavailable"
