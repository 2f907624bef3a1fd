"""Delete alerts never confirmed within their confirmation period and alerts unused for a year, with the
e-mails sent about them, and spent sign-in links. Dry run by default: `--apply` deletes.

Meant to run daily from the scheduler: `manage.py purge_alerts --apply`.
"""

from datetime import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from applications import alerts
from applications.management.commands.purge_applications import parse_instant


class Command(BaseCommand):
    help = "Deletes alerts left unconfirmed in time or unused for a year (a dry run without --apply)."

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Delete; without it, only count.")
        parser.add_argument(
            "--now", type=parse_instant, help="Evaluate the rules at this ISO 8601 date-time."
        )

    def handle(self, *args, apply: bool, now: datetime | None, **options):
        now = now or timezone.now()
        due = alerts.due_for_deletion(now)
        unconfirmed = due.filter(confirmed_at__isnull=True).count()
        unused = due.filter(confirmed_at__isnull=False).count()
        if not apply:
            self.stdout.write(
                f"Dry run: {unconfirmed} unconfirmed and {unused} unused alert(s) would be deleted "
                "(--apply to delete)."
            )
            return
        deleted = alerts.purge(now)
        self.stdout.write(f"{deleted} alert(s) deleted ({unconfirmed} unconfirmed, {unused} unused).")
