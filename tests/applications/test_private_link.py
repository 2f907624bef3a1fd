import uuid

import pytest
from django.urls import reverse

from applications.models import Application, StatusChange
from tests import factories as f
from tests.applications.conftest import form_data, stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(client):
    posting = f.published_posting(title="Observatoire des droits")
    response = client.post(reverse("applications:apply", kwargs={"slug": posting.slug}), form_data(posting))
    assert response.status_code == 302
    return Application.objects.get()


def test_the_private_link_shows_status_posting_date_and_what_was_sent(client, application):
    response = client.get(application.get_private_url())

    content = response.content.decode()
    assert response.status_code == 200
    assert "Reçue" in content
    assert "Observatoire des droits" in content
    assert application.reference in content
    assert "cv.pdf" in content
    assert "lettre.docx" in content
    assert "Bon niveau (B2)" in content


def test_an_unknown_link_is_a_404(client, db):
    assert client.get(reverse("applications:status", kwargs={"uuid": uuid.uuid4()})).status_code == 404


def test_withdrawing_asks_for_confirmation_and_changes_nothing_on_get(client, application):
    response = client.get(reverse("applications:withdraw", kwargs={"uuid": application.uuid}))

    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.RECEIVED


def test_the_candidate_withdraws_from_the_private_link(client, application):
    response = client.post(reverse("applications:withdraw", kwargs={"uuid": application.uuid}))

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    change = StatusChange.objects.filter(application=application).last()
    assert (change.from_status, change.to_status) == ("received", "withdrawn")
    page = client.get(application.get_private_url()).content.decode()
    assert "Retirée" in page
    assert "Retirer ma candidature" not in page


def test_a_withdrawn_application_cannot_be_withdrawn_twice(client, application):
    url = reverse("applications:withdraw", kwargs={"uuid": application.uuid})
    client.post(url)

    client.post(url)

    assert application.status_changes.filter(to_status="withdrawn").count() == 1


def test_deleting_asks_for_confirmation_and_deletes_nothing_on_get(client, settings, application):
    response = client.get(reverse("applications:delete", kwargs={"uuid": application.uuid}))

    assert response.status_code == 200
    assert Application.objects.count() == 1
    assert len(stored_files(settings)) == 2


def test_the_candidate_deletes_the_application_and_its_files(
    client, settings, application, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("applications:delete", kwargs={"uuid": application.uuid}))

    assert response.status_code == 302
    assert response["Location"] == reverse("applications:deleted")
    assert Application.objects.count() == 0
    assert StatusChange.objects.count() == 0
    assert stored_files(settings) == []
    assert client.get(application.get_private_url()).status_code == 404


def test_after_deleting_the_candidate_may_apply_again(
    client, application, django_capture_on_commit_callbacks
):
    posting = application.posting
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("applications:delete", kwargs={"uuid": application.uuid}))

    response = client.post(reverse("applications:apply", kwargs={"slug": posting.slug}), form_data(posting))

    assert response.status_code == 302
    assert Application.objects.count() == 1


@pytest.mark.parametrize("page", ["confirmation", "status", "withdraw", "delete"])
def test_every_page_behind_the_private_link_asks_search_engines_not_to_index_it(client, application, page):
    """They show the candidate's e-mail and reference (docs/security.md)."""
    response = client.get(reverse(f"applications:{page}", kwargs={"uuid": application.uuid}))

    assert response.status_code == 200
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_each_candidate_page_answers_only_the_methods_it_declares(client, application):
    def url(name):
        return reverse(f"applications:{name}", kwargs={"uuid": application.uuid})

    read_only = [
        url("confirmation"),
        url("status"),
        url("my-data"),
        reverse("applications:deleted"),
        reverse("applications:privacy"),
    ]
    asks_then_acts = [url("withdraw"), url("delete")]

    refused = {u: client.post(u).status_code for u in read_only}
    refused |= {u: client.put(u).status_code for u in read_only + asks_then_acts}

    assert refused == dict.fromkeys(read_only + asks_then_acts, 405)
    application.refresh_from_db()
    assert application.status == Application.Status.RECEIVED
