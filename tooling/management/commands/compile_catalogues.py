"""`manage.py compile_catalogues`: the .po translation catalogues compiled to the .mo files Django reads.

Why not Django's `compilemessages`: it runs GNU gettext's `msgfmt`, which a fresh machine may lack, and
`make run` must work there. polib writes the same .mo files in pure Python. The .mo files are build
products, not committed (see .gitignore): `make run`, `make test` and the test suite compile them.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


def catalogues() -> list[Path]:
    """Every .po file under the project's LOCALE_PATHS."""
    return sorted(po for root in settings.LOCALE_PATHS for po in Path(root).glob("*/LC_MESSAGES/*.po"))


def compile_catalogues(*, force: bool = False) -> list[Path]:
    """Compile each catalogue whose .mo is missing or older than its .po; the .mo files written."""
    written = []
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        # Fuzzy and obsolete entries are left out, as msgfmt does: a fuzzy guess never reaches a visitor.
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


class Command(BaseCommand):
    help = "Compile the translation catalogues (locale/*/LC_MESSAGES/*.po) to .mo files, without GNU gettext."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Compile even the up-to-date catalogues.")

    def handle(self, *args, force: bool = False, verbosity: int = 1, **options):
        written = compile_catalogues(force=force)
        if verbosity < 1:
            return
        for mo_path in written:
            self.stdout.write(f"Compiled {mo_path.relative_to(settings.BASE_DIR)}")
        if not written:
            self.stdout.write("Catalogues up to date.")
