"""Retention of candidates' data (CNIL recruitment guide): the purge command, erasure and the data export."""

import json
import logging
from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from applications import retention
from applications.models import Application, RecruiterNote, StatusChange
from tests import factories as f

SELECTION_END = date(2026, 3, 2)
# 90 days after the selection end.
TERM_DAY = date(2026, 5, 31)


def local(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def purge(*args: str, apply: bool = True) -> str:
    """Run the command as the daily cron line does (`--apply`), or as a bare report with `apply=False`."""
    out = StringIO()
    call_command("purge_applications", *args, *(["--apply"] if apply else []), stdout=out)
    return out.getvalue()


def exists(application: Application) -> bool:
    # By reference: deleting an instance sets its pk to None.
    return Application.objects.filter(reference=application.reference).exists()


def test_the_default_term_is_ninety_days_after_the_selection_ends():
    assert SELECTION_END + timedelta(days=90) == TERM_DAY


@pytest.mark.django_db
def test_it_keeps_an_application_until_the_day_before_the_term():
    application = f.make_application(posting=f.closed_posting(selection_ends_on=SELECTION_END))

    purge("--now", local(TERM_DAY - timedelta(days=1), 23, 59).isoformat())

    assert exists(application)


@pytest.mark.django_db
def test_it_deletes_an_application_on_the_day_of_the_term():
    application = f.make_application(posting=f.closed_posting(selection_ends_on=SELECTION_END))

    output = purge("--now", local(TERM_DAY, 0, 1).isoformat())

    assert not exists(application)
    assert application.reference in output


@pytest.mark.django_db
def test_it_counts_from_the_selection_end_rather_than_the_deadline():
    posting = f.closed_posting(selection_ends_on=SELECTION_END, deadline=local(date(2026, 1, 15)))
    application = f.make_application(posting=posting)

    purge("--now", local(TERM_DAY - timedelta(days=1)).isoformat())

    assert exists(application)


@pytest.mark.django_db
def test_without_a_selection_end_it_counts_from_the_local_date_of_the_deadline():
    # 23:30 in Paris is 22:30 UTC the same day: the Paris date counts.
    posting = f.closed_posting(selection_ends_on=None, deadline=local(SELECTION_END, 23, 30))
    application = f.make_application(posting=posting)

    purge("--now", local(TERM_DAY - timedelta(days=1), 23, 59).isoformat())
    assert exists(application)

    purge("--now", local(TERM_DAY, 0, 1).isoformat())
    assert not exists(application)


@pytest.mark.django_db
def test_it_never_deletes_applications_to_a_posting_without_dates_and_reports_them():
    posting = f.closed_posting(selection_ends_on=None, deadline=None)
    application = f.make_application(posting=posting)

    output = purge("--now", local(date(2040, 1, 1)).isoformat())

    assert exists(application)
    assert "1 application(s) kept because their posting has neither a selection end nor a deadline" in output
    assert f"{application.reference}\t{posting.slug}" in output


@pytest.mark.django_db
def test_it_keeps_accepted_applications_and_counts_them():
    posting = f.closed_posting(selection_ends_on=SELECTION_END)
    accepted = f.make_application(posting=posting, status=Application.Status.ACCEPTED)
    rejected = f.make_application(posting=posting, status=Application.Status.REJECTED)

    output = purge("--now", local(date(2040, 1, 1)).isoformat())

    assert exists(accepted)
    assert not exists(rejected)
    assert "1 accepted application(s) out of scope (kept)." in output


@pytest.mark.django_db
def test_it_deletes_applications_still_in_the_pipeline_once_the_term_has_passed():
    posting = f.closed_posting(selection_ends_on=SELECTION_END)
    forgotten = f.make_application(posting=posting, status=Application.Status.IN_REVIEW)

    purge("--now", local(TERM_DAY).isoformat())

    assert not exists(forgotten)


@pytest.mark.django_db
class TestKeepForFuture:
    LAST_ACTION = local(date(2026, 4, 10), 9, 30)

    def make(self, **overrides):
        values = {"keep_for_future": True, "last_candidate_action_at": self.LAST_ACTION}
        values.update(overrides)
        values.setdefault("posting", f.closed_posting(selection_ends_on=SELECTION_END))
        return f.make_application(**values)

    def test_it_outlives_the_default_term(self):
        application = self.make()

        purge("--now", local(TERM_DAY + timedelta(days=200)).isoformat())

        assert exists(application)

    def test_it_is_kept_until_the_day_before_two_years_after_the_last_action(self):
        application = self.make()

        purge("--now", (self.LAST_ACTION + timedelta(days=729)).isoformat())

        assert exists(application)

    def test_it_is_deleted_two_years_after_the_last_action(self):
        application = self.make()

        output = purge("--now", (self.LAST_ACTION + timedelta(days=730)).isoformat())

        assert not exists(application)
        assert f"{application.reference}\t{application.posting.slug}\tkeep_for_future_expired" in output

    def test_a_later_action_of_the_candidate_restarts_the_clock(self):
        application = self.make(last_candidate_action_at=self.LAST_ACTION + timedelta(days=300))

        purge("--now", (self.LAST_ACTION + timedelta(days=730)).isoformat())

        assert exists(application)

    def test_it_never_ends_before_the_default_term(self):
        # Selection ends long after the candidate's last action: the default term still applies first.
        posting = f.closed_posting(selection_ends_on=date(2028, 6, 1))
        application = self.make(posting=posting)

        purge("--now", (self.LAST_ACTION + timedelta(days=800)).isoformat())
        assert exists(application)

        purge("--now", local(date(2028, 6, 1) + timedelta(days=90)).isoformat())
        assert not exists(application)

    def test_it_applies_even_when_the_posting_has_no_dates(self):
        application = self.make(posting=f.closed_posting(selection_ends_on=None, deadline=None))

        purge("--now", (self.LAST_ACTION + timedelta(days=730)).isoformat())

        assert not exists(application)


@pytest.mark.django_db
def test_the_retention_periods_come_from_the_settings(settings):
    settings.APPLICATION_RETENTION_DAYS = 30
    application = f.make_application(posting=f.closed_posting(selection_ends_on=SELECTION_END))

    purge("--now", local(SELECTION_END + timedelta(days=30)).isoformat())

    assert not exists(application)


@pytest.mark.django_db
def test_it_refuses_a_retention_period_below_one_day(settings):
    settings.APPLICATION_RETENTION_DAYS = 0

    with pytest.raises(ImproperlyConfigured, match="APPLICATION_RETENTION_DAYS"):
        purge()


@pytest.mark.django_db
def test_it_refuses_a_malformed_now():
    with pytest.raises(CommandError, match="ISO 8601"):
        purge("--now", "next tuesday")


@pytest.mark.django_db
def test_dry_run_lists_reference_posting_and_reason_and_deletes_nothing():
    posting = f.closed_posting(selection_ends_on=SELECTION_END)
    application = f.make_application(posting=posting)
    cv_name = application.cv.name

    output = purge("--dry-run", "--now", local(TERM_DAY).isoformat(), apply=False)

    assert f"{application.reference}\t{posting.slug}\tselection_ended" in output
    assert "Nothing deleted" in output
    assert exists(application)
    assert default_storage.exists(cv_name)


@pytest.mark.django_db
def test_without_apply_the_command_only_reports_what_it_would_delete():
    """A destructive command is safe by default: run by hand without --apply, it deletes nothing."""
    posting = f.closed_posting(selection_ends_on=SELECTION_END)
    application = f.make_application(posting=posting)
    cv_name = application.cv.name

    output = purge("--now", local(TERM_DAY).isoformat(), apply=False)

    assert f"{application.reference}\t{posting.slug}\tselection_ended" in output
    assert "Nothing deleted: run with --apply to delete these applications and their files." in output
    assert exists(application)
    assert default_storage.exists(cv_name)


@pytest.mark.django_db(transaction=True)
def test_a_real_run_deletes_rows_history_notes_and_files():
    posting = f.closed_posting(selection_ends_on=SELECTION_END)
    application = f.make_application(posting=posting, letter_file=ContentFile(b"%PDF-1.4 lettre"))
    survivor = f.make_application(posting=f.closed_posting(selection_ends_on=TERM_DAY))
    StatusChange.objects.create(application=application, from_status="received", to_status="rejected")
    RecruiterNote.objects.create(application=application, body="Profil intéressant mais pas de permis.")
    names = [application.cv.name, application.letter_file.name]
    assert all(default_storage.exists(name) for name in names)

    output = purge("--now", local(TERM_DAY).isoformat())

    assert "Deleted 1 application(s) and their files." in output
    assert not exists(application)
    assert not StatusChange.objects.exists()
    assert not RecruiterNote.objects.exists()
    assert not any(default_storage.exists(name) for name in names)
    assert exists(survivor)
    assert default_storage.exists(survivor.cv.name)


@pytest.mark.django_db
def test_purge_keeps_an_application_that_changed_since_the_review(monkeypatch):
    application = f.make_application(posting=f.closed_posting(selection_ends_on=SELECTION_END))
    now = local(TERM_DAY)
    stale = retention.review(now)
    Application.objects.filter(pk=application.pk).update(status=Application.Status.ACCEPTED)
    monkeypatch.setattr(retention, "review", lambda now: stale)

    result = retention.purge(now)

    assert result.deleted == []
    assert result.skipped == [application.reference]
    assert exists(application)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_erasure_leaves_the_row_and_its_files():
    application = f.make_application()

    with pytest.raises(RuntimeError), transaction.atomic():
        retention.erase_application(application)
        raise RuntimeError("something failed later in the same transaction")

    assert exists(application)
    assert default_storage.exists(application.cv.name)


@pytest.mark.django_db(transaction=True)
def test_erasure_leaves_no_personal_data_in_the_database_nor_in_the_logs(caplog):
    staff = f.make_user("dpo", is_staff=True)
    application = f.make_application(
        first_name="Yasmina",
        last_name="Belkacem",
        email="yasmina.belkacem@example.net",
        phone="+33 6 12 34 56 78",
        letter_file=ContentFile(b"%PDF-1.4 lettre"),
        letter_name="Lettre Yasmina Belkacem.pdf",
    )
    StatusChange.objects.create(
        application=application, changed_by=staff, to_status="in_review", note="Appeler Yasmina lundi"
    )
    RecruiterNote.objects.create(application=application, author=staff, body="Yasmina parle arabe.")
    names = [application.cv.name, application.letter_file.name]

    with caplog.at_level(logging.INFO, logger="passerelle.retention"):
        erasure = retention.erase_application(application, by=staff)

    assert erasure.files == 2
    assert erasure.rows == {
        "applications.Application": 1,
        "applications.RecruiterNote": 1,
        "applications.StatusChange": 1,
    }
    assert not any(default_storage.exists(name) for name in names)
    dump = StringIO()
    call_command("dumpdata", stdout=dump)
    for personal in ("Yasmina", "Belkacem", "yasmina.belkacem@example.net", "12 34 56 78", "arabe"):
        assert personal not in dump.getvalue()
    assert application.reference in caplog.text
    assert f"by user #{staff.pk}" in caplog.text
    for personal in ("Yasmina", "Belkacem", "example.net", "Lettre", *names):
        assert personal not in caplog.text


@pytest.mark.django_db
def test_the_export_holds_the_candidates_data_without_staff_names_nor_internal_notes(cast):
    application = f.make_application(
        posting=cast.posting_a,
        first_name="Yasmina",
        email="yasmina@example.net",
        languages={"ar": "C2", "fr": "C1"},
        keep_for_future=True,
        letter_file=ContentFile(b"%PDF-1.4 lettre"),
        letter_name="Ma lettre.pdf",
    )
    StatusChange.objects.create(
        application=application,
        changed_by=cast.recruiter_a,
        from_status="received",
        to_status="in_review",
        note="Vu par recruteur-a : à rappeler",
    )
    RecruiterNote.objects.create(application=application, author=cast.recruiter_a, body="Note interne")

    data = retention.export_candidate_data(application)
    text = json.dumps(data, ensure_ascii=False)

    assert data["reference"] == application.reference
    assert data["posting"] == {"title": "Mission A", "slug": "mission-a"}
    assert data["first_name"] == "Yasmina"
    assert data["email"] == "yasmina@example.net"
    assert data["languages"] == {"ar": "C2", "fr": "C1"}
    assert data["keep_for_future"] is True
    assert data["letter_text"] == application.letter_text
    assert data["files"] == [
        {"kind": "cv", "name": "CV Amina.pdf"},
        {"kind": "letter", "name": "Ma lettre.pdf"},
    ]
    assert data["status_history"] == [
        {
            "at": timezone.localtime(application.status_changes.get().changed_at).isoformat(),
            "from": "received",
            "to": "in_review",
        }
    ]
    assert data["consented_at"] == timezone.localtime(application.consented_at).isoformat()
    for withheld in (
        "recruteur-a",
        "Note interne",
        "à rappeler",
        str(application.uuid),
        str(application.submission_token),
    ):
        assert withheld not in text


@pytest.mark.django_db(transaction=True)
def test_a_protected_application_is_kept_and_reported_while_the_others_go(monkeypatch):
    posting = f.closed_posting(selection_ends_on=SELECTION_END)
    protected = f.make_application(posting=posting)
    other = f.make_application(posting=posting)
    original_delete = Application.delete

    def delete(self, *args, **kwargs):
        if self.reference == protected.reference:
            raise ProtectedError("protected", [StatusChange(application=self, to_status="received")])
        return original_delete(self, *args, **kwargs)

    monkeypatch.setattr(Application, "delete", delete)
    err = StringIO()

    with pytest.raises(CommandError, match="1 application"):
        call_command(
            "purge_applications",
            "--apply",
            "--now",
            local(TERM_DAY).isoformat(),
            stdout=StringIO(),
            stderr=err,
        )

    assert f"{protected.reference}: kept, protected by applications.StatusChange" in err.getvalue()
    assert exists(protected)
    assert default_storage.exists(protected.cv.name)
    assert not exists(other)
    assert not default_storage.exists(other.cv.name)
