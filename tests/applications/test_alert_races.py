"""Two workers sending the same alert's digest at once (PostgreSQL, one connection per thread): one digest,
one e-mail. The first sender is held inside its transaction until the second waits for its lock."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from applications import alerts
from applications.alert_models import Alert, AlertDigest
from applications.models import OutgoingEmail
from tests import factories as f
from tests.applications.test_races import WAIT, Worker, wait_for_a_lock_wait

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="Row locks between connections need PostgreSQL."
    ),
    pytest.mark.django_db(transaction=True),
]


def test_two_workers_racing_write_one_digest_for_the_period(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    alert = Alert.objects.create(email="camille@example.org", frequency="daily")
    alert.confirm(now=timezone.now() - timedelta(days=1))
    f.published_posting(published_at=timezone.now() - timedelta(hours=1))
    now = timezone.now()
    inside, release = threading.Event(), threading.Event()
    real_matching = alerts.matching_postings

    def held_matching(item, **kwargs):
        # Called with the alert row locked, before the digest row is written.
        result = real_matching(item, **kwargs)
        if not inside.is_set():
            inside.set()
            assert release.wait(WAIT)
        return result

    with mock.patch.object(alerts, "matching_postings", held_matching):
        first = Worker(lambda: alerts.send_digest(alert, now=now))
        first.start()
        assert inside.wait(WAIT)
        second = Worker(lambda: alerts.send_digest(alert, now=now))
        second.start()
        wait_for_a_lock_wait()
        release.set()
        results = [first.outcome(), second.outcome()]

    assert isinstance(results[0], AlertDigest)
    assert results[1] is None
    assert AlertDigest.objects.filter(alert=alert).count() == 1
    assert OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.ALERT_DIGEST).count() == 1
