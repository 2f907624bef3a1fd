"""Report (and with --delete remove) candidates' files no application points to, and rows whose files are gone.

An upload writes its file before the application row commits, so only orphans older than
`--min-age-minutes` (60 by default) are deleted: an upload in flight is never touched.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from applications import integrity


def positive_minutes(value: str) -> int:
    try:
        minutes = int(value)
    except ValueError:
        minutes = -1
    if minutes < 0:
        raise CommandError(f"--min-age-minutes expects a whole number of minutes, 0 or more, not {value!r}.")
    return minutes


class Command(BaseCommand):
    help = "Report orphan application files (delete them with --delete) and missing ones."

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="Delete the orphan files old enough.")
        parser.add_argument(
            "--min-age-minutes",
            type=positive_minutes,
            default=60,
            help="Only delete orphans last modified at least this many minutes ago (default 60).",
        )

    def handle(self, *args, delete: bool, min_age_minutes: int, **options):
        report = integrity.inspect_storage()
        self.stdout.write(
            f"{report.file_count} file(s) in storage under {integrity.UPLOAD_ROOT}/, "
            f"{report.row_count} application(s)."
        )
        self.stdout.write(f"{len(report.orphans)} orphan file(s):")
        for orphan in report.orphans:
            modified = timezone.localtime(orphan.modified_at).isoformat(timespec="minutes")
            self.stdout.write(f"  {orphan.name}\t{orphan.size} bytes\tmodified {modified}")
        self.stdout.write(f"{len(report.missing)} application file(s) missing from storage:")
        for missing in report.missing:
            self.stdout.write(f"  {missing.reference}\t{missing.field}\t{missing.name}")
        if report.empty:
            self.stdout.write(f"{len(report.empty)} application file(s) empty in storage:")
            for empty in report.empty:
                self.stdout.write(f"  {empty.reference}\t{empty.field}\t{empty.name}")

        if not delete:
            if report.orphans:
                self.stdout.write("Run again with --delete to remove the orphans.")
            return
        deleted, recent = integrity.delete_orphans(
            report.orphans, older_than=timedelta(minutes=min_age_minutes)
        )
        for orphan in deleted:
            self.stdout.write(f"  deleted {orphan.name}")
        for orphan in recent:
            self.stdout.write(
                f"  kept {orphan.name}: younger than {min_age_minutes} minute(s), maybe an upload in flight"
            )
        self.stdout.write(self.style.SUCCESS(f"Deleted {len(deleted)} orphan file(s)."))
