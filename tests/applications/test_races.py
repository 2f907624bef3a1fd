"""Races between real concurrent transactions on PostgreSQL: each thread has its own connection.

Each test holds one transaction open at a chosen point, waits until PostgreSQL reports the other backend as
waiting for a lock, then lets the first one commit. The order is forced, not hoped for, and the assertions
check what the second transaction saw once the lock was released.
"""

import threading
import time
import uuid

import pytest
from django.db import connection, transaction

from applications import pipeline, services
from applications.models import Application, StatusChange
from postings.models import Posting
from tests import factories as f
from tests.applications.conftest import odt_upload, pdf_upload, stored_files

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="Row locks between connections need PostgreSQL."
    ),
    pytest.mark.django_db(transaction=True),
]

WAIT = 15  # seconds: an upper bound so that a broken lock fails the test instead of hanging the suite


def wait_for_a_lock_wait() -> None:
    """Return once another backend of this database waits for a lock; fail after WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    pytest.fail("The second transaction never waited for the lock: the row is not locked.")


class Worker(threading.Thread):
    """Run `work` in a thread with its own database connection; keep its result or its exception."""

    def __init__(self, work):
        super().__init__(daemon=True)
        self.work = work
        self.result = None
        self.error = None

    def run(self):
        from django.db import connection as own_connection

        try:
            self.result = self.work()
        except Exception as error:  # noqa: BLE001 - handed to the test for its assertions
            self.error = error
        finally:
            own_connection.close()

    def outcome(self):
        self.join(WAIT)
        assert not self.is_alive(), "a worker is stuck"
        return self.error if self.error is not None else self.result


def submit(posting: Posting) -> Application:
    return services.submit_application(
        posting=posting,
        data={
            "first_name": "Camille",
            "last_name": "Martin",
            "email": f"camille.{uuid.uuid4().hex[:8]}@example.org",
            "city": "Lyon",
            "country": "FR",
        },
        files={"cv": pdf_upload(), "letter_file": odt_upload()},
        language="fr",
        token=uuid.uuid4(),
    )


# Closing a posting while someone submits ---------------------------------------------------------------


def test_a_submission_waiting_behind_an_uncommitted_close_is_refused(settings):
    posting = f.published_posting()
    closed, release = threading.Event(), threading.Event()

    def close_like_the_admin():
        # The admin action closes with a plain UPDATE, which takes the row lock until commit.
        with transaction.atomic():
            Posting.objects.get(pk=posting.pk).close()
            closed.set()
            assert release.wait(WAIT)

    closer = Worker(close_like_the_admin)
    closer.start()
    assert closed.wait(WAIT)
    submitter = Worker(lambda: submit(posting))
    submitter.start()
    wait_for_a_lock_wait()
    release.set()

    assert closer.outcome() is None
    assert isinstance(submitter.outcome(), services.PostingClosed)
    assert not Application.objects.exists()
    assert stored_files(settings) == []


def test_a_close_waiting_behind_a_submission_lets_it_commit_first(settings):
    posting = f.published_posting()
    inside, release = threading.Event(), threading.Event()
    queue_emails = services._queue_emails

    def held_before_commit(application):
        queue_emails(application)
        inside.set()
        assert release.wait(WAIT)

    def close_and_count():
        with transaction.atomic():
            Posting.objects.get(pk=posting.pk).close()
            # Once the close has the row, the submission has committed: its application is visible.
            return Application.objects.filter(posting_id=posting.pk).count()

    services._queue_emails = held_before_commit
    try:
        submitter = Worker(lambda: submit(posting))
        submitter.start()
        assert inside.wait(WAIT)
        closer = Worker(close_and_count)
        closer.start()
        wait_for_a_lock_wait()
        release.set()
        application = submitter.outcome()
        seen_by_the_close = closer.outcome()
    finally:
        services._queue_emails = queue_emails

    assert isinstance(application, Application), application
    assert seen_by_the_close == 1
    posting.refresh_from_db()
    assert posting.status == Posting.Status.CLOSED
    assert Application.objects.get().pk == application.pk
    assert len(stored_files(settings)) == 2


# Two recruiters moving the same application ------------------------------------------------------------


def history_is_a_chain(application: Application) -> bool:
    moves = list(StatusChange.objects.filter(application=application).order_by("changed_at", "pk"))
    links = zip([None, *moves], moves, strict=False)
    return all((previous.to_status if previous else "") == move.from_status for previous, move in links) and (
        moves[-1].to_status == Application.objects.get(pk=application.pk).status
    )


@pytest.mark.parametrize(
    ("first_to", "second_to", "second_refused", "final"),
    [
        ("in_review", "in_review", True, "in_review"),  # the same move twice: the second is refused
        ("in_review", "shortlisted", False, "shortlisted"),  # the second applies on top of the first
        ("rejected", "shortlisted", True, "rejected"),  # rejected cannot be shortlisted: refused
    ],
    ids=["same-move", "on-top", "invalid-after"],
)
def test_two_recruiters_moving_the_same_application_keep_a_coherent_history(
    cast, first_to, second_to, second_refused, final
):
    application = f.make_application(posting=cast.posting_a)
    StatusChange.objects.create(application=application, from_status="", to_status="received")
    inside, release = threading.Event(), threading.Event()
    transition_to = pipeline.transition_to
    first_thread = []

    def held_after_the_check(target, *, source):
        found = transition_to(target, source=source)
        if threading.current_thread() is first_thread[0]:
            inside.set()
            assert release.wait(WAIT)
        return found

    def move_as(user, target):
        # Each recruiter opened the page while the application was still "received".
        stale = Application.objects.get(pk=application.pk)
        return lambda: pipeline.move(stale, to=target, by=user)

    pipeline.transition_to = held_after_the_check
    try:
        first = Worker(move_as(cast.recruiter_a, first_to))
        first_thread.append(first)
        first.start()
        assert inside.wait(WAIT)
        second = Worker(move_as(cast.superuser, second_to))
        second.start()
        wait_for_a_lock_wait()
        release.set()
        first_outcome, second_outcome = first.outcome(), second.outcome()
    finally:
        pipeline.transition_to = transition_to

    assert isinstance(first_outcome, StatusChange), first_outcome
    assert isinstance(second_outcome, pipeline.InvalidMove) is second_refused, second_outcome
    if second_refused:
        assert application.reference in " ".join(second_outcome.messages)
    assert Application.objects.get(pk=application.pk).status == final
    assert history_is_a_chain(application)
    assert StatusChange.objects.filter(application=application).count() == (2 if second_refused else 3)
