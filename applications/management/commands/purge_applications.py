"""Delete the applications the retention rules no longer allow to keep (see applications/retention.py).

Meant to run daily from the scheduler: `manage.py purge_applications`. `--dry-run` lists what would go and
deletes nothing; `--now` evaluates the rules at another instant (tests, or checking ahead what a date brings).
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
    help = "Supprime les candidatures (et leurs fichiers) dont la durée de conservation est échue."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be deleted; delete nothing."
        )
        parser.add_argument(
            "--now", type=parse_instant, help="Evaluate the rules at this ISO 8601 date-time instead of now."
        )

    def handle(self, *args, dry_run: bool, now: datetime | None, **options):
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

        if dry_run:
            self.stdout.write("Dry run: nothing deleted.")
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
