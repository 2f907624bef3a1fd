"""Hostile requests get a 400 with the site's page, never a 500: spoofed Host, oversized or overfull bodies.

(The security part of the hostile-input matrix; the public pages and the apply form add their own rows.)
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests import factories as f
from tests.test_security_headers import assert_header_trio, assert_strict_csp

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def strict_client():
    """A client that returns 500 pages instead of raising, so that a 500 would show as a 500."""
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "host",
    ["evil.example", "passerelle.example.org.evil.example", "localhost:8000@evil.example", "bad host"],
)
@pytest.mark.parametrize("url", ["/healthz", "/admin/login/", "/aucune-page-ici/"])
def test_a_spoofed_host_gets_the_sites_400_page(db, strict_client, host, url):
    response = strict_client.get(url, HTTP_HOST=host)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Requête invalide" in page
    assert "Passerelle" in page
    assert_header_trio(response)
    assert_strict_csp(response)


def test_a_spoofed_host_is_refused_on_a_login_post(db, strict_client):
    response = strict_client.post(
        "/admin/login/", {"username": "admin", "password": "x"}, HTTP_HOST="evil.example"
    )

    assert response.status_code == 400


def test_a_spoofed_forwarded_host_is_ignored(db, strict_client):
    response = strict_client.get("/admin/", HTTP_X_FORWARDED_HOST="evil.example")

    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_allowed_hosts_come_from_the_environment():
    env = {**os.environ, "ALLOWED_HOSTS": "passerelle.example.org, www.passerelle.example.org"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.ALLOWED_HOSTS)"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == "['passerelle.example.org', 'www.passerelle.example.org']"


def test_an_oversized_body_gets_a_400(db, strict_client):
    too_big = "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = strict_client.post("/admin/login/", {"username": "admin", "password": too_big})

    assert response.status_code == 400
    assert "Requête invalide" in response.content.decode()
    assert_header_trio(response)


def test_an_oversized_raw_body_gets_a_400(db, strict_client):
    body = "username=" + "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = strict_client.post("/admin/login/", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400


def test_too_many_fields_get_a_400(db, strict_client):
    fields = {f"field{i}": "x" for i in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    response = strict_client.post("/admin/login/", {"username": "admin", "password": "x", **fields})

    assert response.status_code == 400
    assert "Requête invalide" in response.content.decode()


def test_a_body_within_the_limits_is_processed(db, strict_client):
    """A long but legal body reaches the login: the right long password logs in, a wrong one is told so."""
    f.make_user("admin", password="x" * 1000, is_staff=True, is_superuser=True)

    wrong = strict_client.post("/admin/login/", {"username": "admin", "password": "y" * 1000})
    right = strict_client.post("/admin/login/", {"username": "admin", "password": "x" * 1000})

    assert wrong.status_code == 200
    assert wrong.context["form"].errors["__all__"]  # the credentials were read and checked, not the page only
    assert right.status_code == 302
    assert right["Location"] == "/admin/"
    assert strict_client.get("/admin/").status_code == 200
