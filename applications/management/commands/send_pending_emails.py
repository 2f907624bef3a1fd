from django.core.management.base import BaseCommand

from applications import emails
from applications.models import OutgoingEmail


class Command(BaseCommand):
    help = (
        "Send every pending email whose next attempt is due (after a mail server outage, or from cron "
        "as a safety net beside the task worker)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="At most this many emails per run.")

    def handle(self, *args, limit: int, **options):
        sent = failed = 0
        for email in OutgoingEmail.objects.due()[:limit]:
            if emails.deliver(email):
                sent += 1
            else:
                failed += 1
        pending = OutgoingEmail.objects.pending().count()
        self.stdout.write(f"{sent} sent, {failed} not sent, {pending} still pending.")
