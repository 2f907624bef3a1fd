"""When the database cannot be reached, pages answer 503 with a static page; service resumes by itself."""

from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError, connection
from django.test import Client
from django.urls import path

from config import urls as project_urls
from tests.test_security_headers import assert_header_trio, assert_strict_csp


def _buggy_view(request):
    raise ValueError("a bug, not an outage")


def _integrity_error_view(request):
    raise IntegrityError("duplicate key value violates unique constraint")


urlpatterns = [
    path("boom/bug/", _buggy_view),
    path("boom/integrity/", _integrity_error_view),
    *project_urls.urlpatterns,
]


@contextmanager
def database_unreachable(error=OperationalError):
    """Every new query fails as it does when the server is down: connecting raises."""
    message = 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
    with mock.patch.object(connection, "ensure_connection", side_effect=error(message)):
        yield


@pytest.fixture
def logged_in_client(client, cast):
    # The admin reads the session and the user from the database on every request.
    client.force_login(cast.superuser)
    return client


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_page_answers_503_when_the_database_is_unreachable(logged_in_client, error):
    with database_unreachable(error):
        response = logged_in_client.get("/admin/")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    page = response.content.decode()
    assert "Service momentanément indisponible" in page
    assert "Vos données sont intactes" in page
    assert '<html lang="fr">' in page


def test_the_503_page_carries_the_security_headers(logged_in_client):
    with database_unreachable():
        response = logged_in_client.get("/admin/auth/user/")

    assert response.status_code == 503
    assert_strict_csp(response)
    assert_header_trio(response)


def test_the_503_page_follows_the_language_of_the_url(logged_in_client):
    with database_unreachable():
        response = logged_in_client.get("/en/admin/")

    assert response.status_code == 503
    assert '<html lang="en">' in response.content.decode()


def test_a_login_post_answers_503_when_the_database_is_unreachable(client, cast):
    with database_unreachable():
        response = client.post(
            "/admin/login/", {"username": "admin", "password": "correct-horse-battery-staple"}
        )

    assert response.status_code == 503


def test_service_resumes_when_the_database_is_back(logged_in_client):
    with database_unreachable():
        assert logged_in_client.get("/admin/").status_code == 503

    assert logged_in_client.get("/admin/").status_code == 200


@pytest.mark.parametrize("url", ["/boom/bug/", "/boom/integrity/"])
def test_other_errors_are_not_disguised_as_an_outage(db, settings, url):
    settings.ROOT_URLCONF = __name__

    response = Client(raise_request_exception=False).get(url)

    assert response.status_code == 500


def test_the_health_probe_does_not_need_the_database(client, db):
    with database_unreachable():
        assert client.get("/healthz").status_code == 200


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_real_postgresql_outage_answers_503_then_recovers(client, django_user_model, settings):
    """The server really cannot be reached: the connection points at a closed port, then back."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = django_user_model.objects.create_user("admin", password="x", is_staff=True, is_superuser=True)
    client.force_login(user)
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        response = client.get("/admin/")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert client.get("/admin/").status_code == 200


def test_the_listing_answers_503_when_the_database_is_unreachable_and_recovers(client, db):
    from tests import factories as f

    f.published_posting(title="Observatoire des frontières")

    with database_unreachable():
        response = client.get("/?country=BE")

    assert response.status_code == 503
    assert "Service momentanément indisponible" in response.content.decode()
    assert "Observatoire des frontières" in client.get("/").content.decode()
