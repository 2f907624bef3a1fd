"""Erasure requests carried out in the back-office: the "Effacer (demande RGPD)" action, its confirmation page,
who may use it, and what is left afterwards (nothing personal)."""

import logging
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from applications.models import Application, RecruiterNote, StatusChange
from tests import factories as f

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:applications_application_changelist"
ACTION = "erase_on_request"


def erase(client, applications, *, confirm: bool = True, **extra):
    data = {"action": ACTION, "_selected_action": [a.pk for a in applications], **extra}
    if confirm:
        data.update({"apply": "1", "identity_checked": "on"})
    return client.post(reverse(CHANGELIST), data, follow=True)


def exists(application) -> bool:
    return Application.objects.filter(pk=application.pk).exists()


def grant_erasure(user) -> None:
    user.user_permissions.add(Permission.objects.get(codename="delete_application"))


def offers_the_action(client) -> bool:
    return f'value="{ACTION}"' in client.get(reverse(CHANGELIST)).content.decode()


@pytest.mark.parametrize(
    ("persona", "offered"),
    [("superuser", True), ("coordinator", True), ("recruiter_a", False), ("recruiter_b", False)],
)
def test_the_action_is_offered_to_superusers_and_coordinators_only(cast, client, persona, offered):
    f.make_application(posting=cast.posting_a)
    client.force_login(getattr(cast, persona))

    assert offers_the_action(client) is offered


def test_a_recruiter_granted_the_delete_permission_may_erase(cast, client):
    grant_erasure(cast.recruiter_a)
    application = f.make_application(posting=cast.posting_a)
    client.force_login(cast.recruiter_a)

    assert offers_the_action(client)
    erase(client, [application])

    assert not exists(application)


def test_a_recruiter_without_the_permission_cannot_post_the_action(cast, client):
    application = f.make_application(posting=cast.posting_a)
    client.force_login(cast.recruiter_a)

    erase(client, [application])

    assert exists(application)


def test_the_action_first_asks_for_confirmation_and_erases_nothing(cast, client):
    application = f.make_application(posting=cast.posting_a)
    client.force_login(cast.coordinator)

    response = erase(client, [application], confirm=False)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Effacer définitivement" in content
    assert application.reference in content
    assert exists(application)


def test_without_the_identity_check_nothing_is_erased(cast, client):
    application = f.make_application(posting=cast.posting_a)
    client.force_login(cast.coordinator)

    response = erase(client, [application], confirm=False, apply="1")

    assert "Effacer définitivement" in response.content.decode()
    assert exists(application)


def test_an_application_out_of_reach_is_never_erased(cast, client):
    grant_erasure(cast.recruiter_b)
    of_a = f.make_application(posting=cast.posting_a)
    of_b = f.make_application(posting=cast.posting_b)
    client.force_login(cast.recruiter_b)

    erase(client, [of_a, of_b])

    assert exists(of_a)
    assert not exists(of_b)


@pytest.mark.parametrize("persona", ["superuser", "coordinator"])
def test_the_standard_delete_page_is_closed_so_erasure_has_one_path(cast, client, persona):
    application = f.make_application(posting=cast.posting_a)
    client.force_login(getattr(cast, persona))

    url = reverse("admin:applications_application_delete", args=[application.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert "delete_selected" not in client.get(reverse(CHANGELIST)).content.decode()
    assert exists(application)


@pytest.mark.django_db(transaction=True)
def test_an_erasure_leaves_no_personal_data_in_the_database_the_admin_log_nor_the_logs(cast, client, caplog):
    application = f.make_application(
        posting=cast.posting_a,
        first_name="Yasmina",
        last_name="Belkacem",
        email="yasmina.belkacem@example.net",
        phone="+33 6 12 34 56 78",
        letter_file=ContentFile(b"%PDF-1.4 lettre"),
        letter_name="Lettre Yasmina Belkacem.pdf",
    )
    names = application.stored_files()
    client.force_login(cast.superuser)
    # A move and a note through the change page: the admin log now names her and quotes the note.
    change_url = reverse("admin:applications_application_change", args=[application.pk])
    response = client.post(
        change_url,
        {
            "move_to": "in_review",
            "move_note": "Appeler Yasmina lundi",
            "notes-TOTAL_FORMS": "1",
            "notes-INITIAL_FORMS": "0",
            "notes-MIN_NUM_FORMS": "0",
            "notes-MAX_NUM_FORMS": "1000",
            "notes-0-body": "Yasmina parle arabe.",
        },
    )
    assert response.status_code == 302, response.content
    assert StatusChange.objects.filter(application=application, to_status="in_review").exists()
    assert RecruiterNote.objects.filter(application=application).exists()
    assert LogEntry.objects.filter(object_repr__contains="Yasmina").exists()

    # The superuser throughout: a transactional test may run after another one flushed the groups (and their
    # permissions) the migrations created. Coordinators' use of the action is tested above.
    with caplog.at_level(logging.DEBUG):
        response = erase(client, [application])

    assert f"1 candidature effacée avec ses documents : {application.reference}." in response.content.decode()
    assert not exists(application)
    assert not any(default_storage.exists(name) for name in names)
    dump = StringIO()
    call_command("dumpdata", stdout=dump)
    for personal in ("Yasmina", "Belkacem", "example.net", "12 34 56 78", "arabe"):
        assert personal not in dump.getvalue()
        assert personal not in caplog.text
    assert f"Application {application.reference} deleted (erasure request, by user #{cast.superuser.pk})" in (
        caplog.text
    )
