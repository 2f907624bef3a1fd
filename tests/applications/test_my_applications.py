""" "Mes candidatures" (issue #17 §2): a single-use, short-lived sign-in link sent by e-mail, the same answer
for known and unknown addresses, and every application of the address with its actions."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from applications.alert_models import SignInLink
from tests import factories as f

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("immediate_tasks")]

ADDRESS = "Amina.Diallo@example.org"


def ask_for_link(client, email=ADDRESS):
    return client.post("/mes-candidatures/", {"email": email})


def link_in_last_email() -> str:
    return re.search(r"http://\S+/mes-candidatures/connexion/\S+/", mail.outbox[-1].body).group(0)


def path_of(url: str) -> str:
    return urlsplit(url).path


def without_nonce(response) -> str:
    return re.sub(r'nonce="[^"]+"', "", response.content.decode())


def test_known_and_unknown_addresses_get_the_same_answer_and_only_the_known_one_an_email(client):
    f.make_application(email="amina.diallo@example.org")

    known = ask_for_link(client)
    unknown = ask_for_link(client, "nobody@example.org")

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert without_nonce(client.get(known["Location"])) == without_nonce(client.get(unknown["Location"]))
    assert [m.to for m in mail.outbox] == [[ADDRESS]]
    assert SignInLink.objects.count() == 1


def test_the_link_lists_every_application_of_the_address_with_its_actions(client):
    mine = [
        f.make_application(
            email="amina.diallo@example.org", posting=f.published_posting(title="Mission Liège")
        ),
        f.make_application(
            email="AMINA.DIALLO@example.org ", posting=f.published_posting(title="Stage Calais")
        ),
    ]
    someone_else = f.make_application(email="other@example.org", posting=f.published_posting(title="Autre"))
    ask_for_link(client)
    path = path_of(link_in_last_email())

    assert client.get(path).status_code == 200  # a mail scanner's GET spends nothing
    response = client.post(path)
    assert response["Location"] == "/mes-candidatures/liste/"
    page = client.get("/mes-candidatures/liste/").content.decode()

    assert "Mission Liège" in page and "Stage Calais" in page
    assert someone_else.posting.title not in page
    for application in mine:
        assert f"/candidature/{application.uuid}/retirer/" in page
        assert f"/candidature/{application.uuid}/mes-donnees/" in page
        assert f"/candidature/{application.uuid}/supprimer/" in page
    assert "Reçue" in page


def test_the_link_works_once(client):
    f.make_application(email="amina.diallo@example.org")
    ask_for_link(client)
    path = path_of(link_in_last_email())
    client.post(path)

    other_browser = client.__class__()
    assert other_browser.post(path).status_code == 410
    assert other_browser.get("/mes-candidatures/liste/")["Location"] == "/mes-candidatures/"


def test_the_link_expires(client):
    f.make_application(email="amina.diallo@example.org")
    ask_for_link(client)
    path = path_of(link_in_last_email())
    SignInLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.post(path).status_code == 410


def test_the_list_needs_a_sign_in(client):
    f.make_application(email="amina.diallo@example.org")

    assert client.get("/mes-candidatures/liste/")["Location"] == "/mes-candidatures/"


def test_the_stored_link_is_a_hash_not_the_secret(client):
    f.make_application(email="amina.diallo@example.org")
    ask_for_link(client)
    secret = link_in_last_email().rstrip("/").rsplit("/", 1)[1]

    assert not SignInLink.objects.filter(secret_hash=secret).exists()
