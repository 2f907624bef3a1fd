"""Load the five real reference postings (fixtures/reference.json), then refresh the demonstration set."""

import json
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone

from postings import cache as postings_cache
from postings.demo import refresh_demo_set
from postings.models import Posting

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "reference.json"


def fixture_conflicts(objects: list[dict]) -> list[str]:
    """Rows of the database that loading the fixture would overwrite or collide with.

    The fixture has explicit primary keys: loading it over rows created by hand (an organisation added in the
    admin before the reference data) would silently replace them. A row with the fixture's pk counts as ours
    when its slug, or for a child row its posting/session, matches the fixture.
    """
    conflicts = []
    for obj in objects:
        model = apps.get_model(obj["model"])
        fields = obj["fields"]
        identity = (
            ["slug"] if "slug" in fields else [name for name in ("session", "posting") if name in fields]
        )
        attnames = {name: model._meta.get_field(name).attname for name in identity}
        existing = model._base_manager.filter(pk=obj["pk"]).values(*attnames.values()).first()
        if existing is not None:
            wanted = {attnames[name]: fields[name] for name in identity}
            if existing != wanted:
                conflicts.append(f"{obj['model']} #{obj['pk']}: {existing} ≠ {wanted}")
        for field in model._meta.concrete_fields:
            if field.unique and not field.primary_key and field.name in fields:
                lookup = {field.name: fields[field.name]}
                if model._base_manager.filter(**lookup).exclude(pk=obj["pk"]).exists():
                    conflicts.append(
                        f"{obj['model']}: {field.name}={fields[field.name]!r} pris par une autre ligne"
                    )
    return conflicts


class Command(BaseCommand):
    help = (
        "Load the five reference postings (fixtures/reference.json, all closed), then create or update the "
        "demonstration set (open postings, future dates, marked as demonstration)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="Load only the real reference data.")

    def handle(self, *args, no_demo: bool = False, **options):
        objects = json.loads(FIXTURE.read_text(encoding="utf-8"))
        conflicts = fixture_conflicts(objects)
        if conflicts:
            raise CommandError(
                "Des lignes existantes occupent les identifiants des données de référence ; rien n'a été "
                "chargé :\n" + "\n".join(conflicts)
            )
        posting_pks = [obj["pk"] for obj in objects if obj["model"] == "postings.posting"]
        try:
            with transaction.atomic():
                call_command("loaddata", str(FIXTURE), verbosity=0)
                # loaddata saves raw rows, bypassing Posting.save(): build the search text it would have kept.
                postings = list(Posting.objects.filter(pk__in=posting_pks))
                for posting in postings:
                    posting.search_text = posting.build_search_text()
                Posting.objects.bulk_update(postings, ["search_text"])
                demo = None if no_demo else refresh_demo_set()
        except IntegrityError as error:
            raise CommandError(f"Chargement annulé, rien n'a été modifié : {error}") from error
        postings_cache.bump()  # bulk_update sends no signal: cached listing pages must not outlive it

        open_now = Posting.objects.filter(pk__in=posting_pks).open_for_applications().count()
        organisations = sum(obj["model"] == "organisations.organisation" for obj in objects)
        self.stdout.write(
            f"Données de référence : {organisations} organisations, {len(postings)} offres réelles "
            f"({len(postings) - open_now} fermées aux candidatures)."
        )
        if demo is None:
            self.stdout.write("Ensemble de démonstration non créé (--no-demo).")
            return
        last_deadline = max(p.deadline for p in demo.postings)
        self.stdout.write(
            f"Démonstration : {len(demo.organisations)} organisations (démo), « {demo.session.name} », "
            f"{len(demo.postings)} offres ouvertes jusqu'au "
            f"{formats.date_format(timezone.localtime(last_deadline), 'SHORT_DATE_FORMAT')} au plus tard."
        )
        self.stdout.write(self.style.SUCCESS("Terminé."))
