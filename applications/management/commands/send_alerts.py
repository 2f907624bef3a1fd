"""Write this period's alert digests to the outbox; the worker sends them (see applications/alerts.py).

Meant to run from the scheduler, e.g. every morning: `manage.py send_alerts`. Daily alerts get one digest per
day, weekly alerts one per ISO week (the first run of the week that finds news); running it again in the
same period sends nothing twice. `--now` evaluates at another instant (tests, catching up).
"""

from datetime import datetime

from django.core.management.base import BaseCommand

from applications import alerts
from applications.alert_models import Alert
from applications.management.commands.purge_applications import parse_instant


class Command(BaseCommand):
    help = "Sends confirmed alerts the postings published since their last digest."

    def add_arguments(self, parser):
        parser.add_argument("--now", type=parse_instant, help="Run the period of this ISO 8601 date-time.")
        parser.add_argument(
            "--frequency", choices=Alert.Frequency.values, help="Only the alerts of this frequency."
        )

    def handle(self, *args, now: datetime | None, frequency: str | None, **options):
        run = alerts.send_digests(now=now, frequency=frequency)
        self.stdout.write(f"{len(run.sent)} digest(s) written to the outbox, {run.checked} alert(s) checked.")
