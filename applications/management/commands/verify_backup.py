"""Check a restored Passerelle: schema up to date, every application's files present and non-empty, no
orphan file, and the application count expected from the backup. See docs/backups.md.

Exits 0 and says so when all is well; otherwise lists every problem and exits non-zero.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from applications import integrity


class Command(BaseCommand):
    help = "Check a restored backup: the database and the applications' files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--expect-count",
            type=int,
            help="Number of applications the backup held (recorded when it was taken).",
        )

    def handle(self, *args, expect_count: int | None, **options):
        problems: list[str] = []

        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if unapplied:
            names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in unapplied)
            problems.append(f"Unapplied migrations (run `manage.py migrate`): {names}")

        report = integrity.inspect_storage()
        if expect_count is not None and report.row_count != expect_count:
            problems.append(f"Expected {expect_count} application(s), found {report.row_count}.")
        problems.extend(
            f"Missing file: application {m.reference}, {m.field} {m.name}" for m in report.missing
        )
        problems.extend(f"Empty file: application {e.reference}, {e.field} {e.name}" for e in report.empty)
        problems.extend(f"Orphan file (no application points to it): {o.name}" for o in report.orphans)

        summary = f"{report.row_count} application(s), {report.file_count} file(s) in storage."
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"Backup verification failed: {len(problems)} problem(s). {summary}")
        self.stdout.write(self.style.SUCCESS(f"Backup verified: {summary}"))
