"""Delete the applications the retention rules no longer allow to keep (see applications/retention.py).

Safe by default: without `--apply` it lists what would go and deletes nothing. The daily scheduler runs
`manage.py purge_applications --apply`. `--now` evaluates the rules at another instant (tests, or checking
ahead what a date brings).
"""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from applications import retention


def parse_instant(value: str) -> datetime:
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--now expects an ISO 8601 date-time such as 2026-05-31T03:00, not {value!r}."
        ) from None
    if timezone.is_naive(instant):
        instant = timezone.make_aware(instant)
    return instant


class Command(BaseCommand):
    help = (
        "Lists the applications (and their files) whose retention period has ended; deletes them only with "
        "--apply."
    )

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--apply", action="store_true", help="Delete what the report lists.")
        # Kept so that scheduler lines written for the old default still do what they say.
        mode.add_argument("--dry-run", action="store_true", help="Report only (the default).")
        parser.add_argument(
            "--now", type=parse_instant, help="Evaluate the rules at this ISO 8601 date-time instead of now."
        )

    def handle(self, *args, apply: bool, now: datetime | None, **options):
        now = now or timezone.now()
        review = retention.review(now)
        when = timezone.localtime(now).isoformat(timespec="minutes")
        self.stdout.write(f"Retention rules at {when}: {len(review.due)} application(s) due for deletion.")
        for item in review.due:
            self.stdout.write(
                f"  {item.application.reference}\t{item.application.posting.slug}\t{item.reason}"
            )
        if review.undated:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(review.undated)} application(s) kept because their posting has neither a selection "
                    "end nor a deadline; set Posting.selection_ends_on:"
                )
            )
            for application in review.undated:
                self.stdout.write(f"  {application.reference}\t{application.posting.slug}")
        self.stdout.write(f"{review.accepted_count} accepted application(s) out of scope (kept).")

        if not apply:
            self.stdout.write(
                "Nothing deleted: run with --apply to delete these applications and their files."
            )
            return
        result = retention.purge(now)
        for reference in result.skipped:
            self.stdout.write(f"  {reference}: changed since the review, kept.")
        self.stdout.write(
            self.style.SUCCESS(f"Deleted {len(result.deleted)} application(s) and their files.")
        )
        if result.blocked:
            for reference, protecting in result.blocked.items():
                self.stderr.write(f"  {reference}: kept, protected by {protecting}")
            raise CommandError(f"{len(result.blocked)} application(s) could not be deleted; see above.")
