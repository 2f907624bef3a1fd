"""Export applications to CSV or XLSX from the command line (no user: everything that matches)."""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from applications.export_rows import headers, rows_for
from applications.export_writers import CSV_DIALECTS, EXCEL_FR, write_export
from applications.models import Application, ApplicationQuerySet
from organisations.models import Organisation
from postings.models import Posting, Session


def selection(*, posting=None, organisation=None, session=None) -> ApplicationQuerySet:
    """The command's selection: no user, so every application matching the filters.

    `organisation` matches applications to postings where it has any role, or whose programme it operates.
    """
    queryset = Application.objects.all()
    if posting is not None:
        queryset = queryset.filter(posting=posting)
    if session is not None:
        queryset = queryset.filter(posting__session=session)
    if organisation is not None:
        postings = Posting.objects.filter(
            Q(organisation_roles__organisation=organisation) | Q(session__programme__operator=organisation)
        )
        queryset = queryset.filter(posting__in=postings.values("pk"))
    return queryset.order_by("-submitted_at", "-pk")


class Command(BaseCommand):
    help = (
        "Export applications (one row each) as CSV or XLSX. Optional filters: posting, organisation (any role "
        "on the posting, or operator of the programme), session."
    )
    # Django's system checks (every model, admin class and URL pattern) are a noticeable part of this command's
    # start-up and check nothing it writes; they run in CI, at deployment and with `manage.py check`.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--posting", metavar="SLUG", help="A posting's URL slug.")
        parser.add_argument("--organisation", metavar="SLUG", help="An organisation's URL slug.")
        parser.add_argument("--session", metavar="SLUG", help="A session's URL slug.")
        parser.add_argument("--format", required=True, choices=["csv", "xlsx"], dest="fmt")
        parser.add_argument(
            "--dialect",
            choices=list(CSV_DIALECTS),
            default=EXCEL_FR.name,
            help="CSV dialect: excel-fr (semicolon and BOM, the default) or rfc4180 (comma, no BOM).",
        )
        parser.add_argument(
            "--output",
            required=True,
            metavar="FILE",
            help="File to write, or '-' for standard output (CSV).",
        )

    def handle(self, *args, posting, organisation, session, fmt, dialect, output, **options):
        filters = {}
        if posting is not None:
            filters["posting"] = self._get(Posting, posting, _("Aucune offre n'a l'identifiant « %s »."))
        if organisation is not None:
            filters["organisation"] = self._get(
                Organisation, organisation, _("Aucune organisation n'a l'identifiant « %s ».")
            )
        if session is not None:
            filters["session"] = self._get(Session, session, _("Aucune session n'a l'identifiant « %s »."))
        queryset = selection(**filters)
        self.dialect = CSV_DIALECTS[dialect]

        if output == "-":
            if fmt != "csv":
                raise CommandError(
                    _(
                        "Le format XLSX ne peut pas être écrit sur la sortie standard : utilisez --output FICHIER."
                    )
                )
            count = self._write(fmt, queryset, _StdoutText(self.stdout))
        else:
            count = self._write_file(fmt, queryset, Path(output))
        self.stderr.write(_("%(count)d candidature(s) exportée(s).") % {"count": count})

    def _write(self, fmt: str, queryset, stream) -> int:
        # Read in one transaction: outside one, Django declares PostgreSQL's cursor WITH HOLD, and PostgreSQL
        # then runs the whole query and stores its result before handing over the first row; inside one the
        # rows stream as they are produced, while the first ones are written.
        with transaction.atomic(using=queryset.db):
            rows = rows_for(queryset, fmt, dialect=self.dialect)
            return write_export(fmt, headers(), rows, stream, dialect=self.dialect)

    @staticmethod
    def _get(model, slug: str, message: str):
        try:
            return model.objects.get(slug=slug)
        except model.DoesNotExist as exc:
            raise CommandError(message % slug) from exc

    def _write_file(self, fmt: str, queryset, path: Path) -> int:
        """Write next to the target then rename: a failed export never leaves a truncated file behind."""
        if path.is_dir():
            raise CommandError(_("« %s » est un dossier : indiquez un nom de fichier.") % path)
        try:
            fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        except OSError as exc:
            raise CommandError(self._unwritable(path, exc)) from exc
        try:
            if fmt == "csv":
                with open(fd, "w", encoding="utf-8", newline="") as stream:
                    count = self._write(fmt, queryset, stream)
            else:
                with open(fd, "wb") as stream:
                    count = self._write(fmt, queryset, stream)
            os.chmod(tmp_name, 0o600)  # personal data: readable by its owner only
            os.replace(tmp_name, path)
        except OSError as exc:
            Path(tmp_name).unlink(missing_ok=True)
            raise CommandError(self._unwritable(path, exc)) from exc
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return count

    @staticmethod
    def _unwritable(path: Path, exc: OSError) -> str:
        return _("Impossible d'écrire dans « %(path)s » : %(reason)s.") % {
            "path": path,
            "reason": exc.strerror or exc,
        }


class _StdoutText:
    """The command's stdout as a plain text stream (OutputWrapper would add a newline to each chunk)."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")
