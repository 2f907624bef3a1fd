"""Fill the database with a large, realistic, clearly fake data set for load tests (see docs/performance.md).

    python bench/generate_data.py --postings 10000 --applications 200000 [--organisations K] [--seed S]
                                  [--reset] [--unique-files] [--shared-files 50] [--batch-size 2000]

A script of the benchmark, not a command of the product: production settings never install it. It reads the
same environment as `manage.py` (DATABASE_URL...). It is a management command class run by hand, so that its
options and errors behave like one; tests call it with `call_command(Command(), ...)` (tests/bench/).

This module is longer than ~400 lines because most of it is the sector's vocabulary the fake texts are built
from; the code itself is the `Command` class.

Everything is written with `bulk_create` in batches, so `Posting.save()` does not run: `search_text` is computed
here with `Posting.build_search_text()`. Every row is flagged `is_demo` where the model has the flag and every
slug starts with `bench-` (application references with `BENCH-`), so bench data never passes for real
organisations and `--reset` removes exactly what an earlier run created. Without `--reset` the command refuses to
run twice.

Candidates' files: by default the application rows point at a small set of real PDF files (`--shared-files`,
50 CVs and 50 letters) written once under `bench/` in private storage, because 200,000 real files would cost
minutes and gigabytes for nothing the benchmark measures. `--unique-files` writes one CV per application instead.
The text is composed from sentences of the sector (no lorem ipsum) and varies with `--seed`.
"""

import os
import random
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

if __name__ == "__main__":
    # Run as a script: the project on the path and Django set up before any model is imported.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from applications.models import Application
from bench.pdfs import minimal_pdf
from organisations.models import Organisation
from postings.models import (
    PayComponent,
    Phase,
    Posting,
    PostingLanguage,
    PostingLocation,
    PostingOrganisation,
    PostingRequirement,
    Programme,
    Session,
    Theme,
)

SLUG_PREFIX = "bench-"
REFERENCE_PREFIX = "BENCH-"
FILES_DIR = "bench"
RECRUITER_USERNAME = "bench-recruteur"

# Vocabulary of the sector ---------------------------------------------------------------------------------

ORGANISATION_STEMS = [
    ("Association", "d'accueil des personnes exilées"),
    ("Collectif", "pour l'accès aux droits"),
    ("Réseau", "euro-africain Migrations et solidarités"),
    ("Plate-forme", "des mineurs en exil"),
    ("Observatoire", "des frontières"),
    ("Centre", "de coopération au développement"),
    ("Maison", "des solidarités internationales"),
    ("Comité", "de soutien aux travailleurs migrants"),
    ("Fédération", "des acteurs de la solidarité"),
    ("Cimade", "régionale"),
]
PLACE_NAMES = [
    "du Littoral",
    "de Liège",
    "du Nord",
    "de Marseille",
    "de Bruxelles",
    "de Lyon",
    "de la vallée de la Roya",
    "de Briançon",
    "d'Athènes",
    "de Tanger",
    "de Catane",
    "de Ceuta",
]
ORGANISATION_KINDS = [k for k, _label in Organisation.Kind.choices]

# (country, [(city, region)])
PLACES = {
    "FR": [
        ("Paris", "Île-de-France"),
        ("Calais", "Hauts-de-France"),
        ("Grande-Synthe", "Hauts-de-France"),
        ("Marseille", "Provence-Alpes-Côte d'Azur"),
        ("Briançon", "Hautes-Alpes"),
        ("Lyon", "Auvergne-Rhône-Alpes"),
        ("Nice", "Provence-Alpes-Côte d'Azur"),
        ("Lille", "Hauts-de-France"),
    ],
    "BE": [
        ("Bruxelles", "Bruxelles-Capitale"),
        ("Liège", "Wallonie"),
        ("Namur", "Wallonie"),
        ("Anvers", "Flandre"),
        ("Gand", "Flandre"),
    ],
    "DE": [("Berlin", "Berlin"), ("Hambourg", "Hambourg"), ("Munich", "Bavière")],
    "IT": [("Palerme", "Sicile"), ("Catane", "Sicile"), ("Rome", "Latium"), ("Vintimille", "Ligurie")],
    "ES": [("Melilla", ""), ("Ceuta", ""), ("Madrid", "Communauté de Madrid"), ("Barcelone", "Catalogne")],
    "GR": [
        ("Athènes", "Attique"),
        ("Lesbos", "Égée-Septentrionale"),
        ("Thessalonique", "Macédoine-Centrale"),
    ],
    "MA": [("Rabat", "Rabat-Salé-Kénitra"), ("Oujda", "Oriental"), ("Tanger", "Tanger-Tétouan-Al Hoceïma")],
    "SN": [("Dakar", "Dakar")],
    "TN": [("Tunis", "Tunis"), ("Sfax", "Sfax")],
    "NL": [("Amsterdam", "Hollande-Septentrionale")],
}
# Weighted: most postings are in France and Belgium.
COUNTRY_WEIGHTS = {"FR": 30, "BE": 25, "DE": 6, "IT": 8, "ES": 7, "GR": 8, "MA": 7, "SN": 3, "TN": 3, "NL": 3}

THEMES = [
    "Droits des étrangers",
    "Villes accueillantes",
    "Enfermement et expulsions",
    "Frontières et externalisation",
    "Mineurs non accompagnés",
    "Accès à la santé",
    "Logement et hébergement",
    "Plaidoyer européen",
    "Éducation à la citoyenneté mondiale",
    "Souveraineté alimentaire",
    "Droits des travailleurs migrants",
    "Genre et migrations",
]
ROLES_IN_TITLE = [
    "Volontaire en appui à l'observatoire",
    "Chargé·e de plaidoyer",
    "Chargé·e de projet",
    "Stagiaire communication et plaidoyer",
    "Animateur·rice de réseau",
    "Juriste en droit des étrangers",
    "Coordinateur·rice de l'accueil",
    "Stagiaire en documentation des violations de droits",
    "Volontaire en éducation à la citoyenneté",
    "Chargé·e de mobilisation citoyenne",
]
CONTEXT_SENTENCES = [
    "Depuis plusieurs années, les politiques migratoires européennes privilégient la dissuasion et le contrôle "
    "aux frontières au détriment de l'accueil.",
    "La privation de liberté en vue du renvoi tend à devenir la règle, et les personnes exilées peinent à faire "
    "valoir leurs droits fondamentaux.",
    "Les associations locales constatent une dégradation continue des conditions d'accueil, en particulier pour "
    "les familles et les mineurs non accompagnés.",
    "Dans ce contexte, de nombreuses communes se sont déclarées « villes accueillantes » et cherchent à traduire "
    "cet engagement en politiques concrètes.",
    "Les expulsions de lieux de vie informels se succèdent, souvent sans solution d'hébergement ni information "
    "sur les droits des personnes concernées.",
    "Le Pacte européen sur la migration et l'asile renforce le filtrage aux frontières extérieures et la "
    "coopération avec les pays de transit.",
    "L'accès aux soins, au logement et à la scolarisation reste inégal selon les territoires et les statuts "
    "administratifs.",
    "Des réseaux de bénévoles, de juristes et de chercheur·ses documentent les pratiques de l'administration et "
    "alertent l'opinion publique.",
    "La crise sanitaire a aggravé l'isolement des personnes en situation précaire et fragilisé les dispositifs "
    "d'accompagnement.",
    "Les organisations de la société civile du Nord et du Sud construisent depuis longtemps des partenariats "
    "autour de la liberté de circulation.",
    "La criminalisation des soutiens aux personnes exilées dissuade une partie des habitant·es de s'engager.",
    "Les partenaires locaux souhaitent mieux capitaliser leurs pratiques et les partager avec d'autres territoires.",
]
MISSION_SENTENCES = [
    "Participer à l'observation des pratiques policières et administratives aux abords de la frontière.",
    "Recueillir des témoignages et rédiger des comptes rendus pour alimenter les rapports de l'observatoire.",
    "Contribuer à la veille juridique et à la rédaction de notes de plaidoyer à destination des élu·es.",
    "Animer des ateliers d'information sur l'accès aux droits auprès des personnes accueillies.",
    "Appuyer l'organisation d'événements publics, de débats et de projections dans les communes partenaires.",
    "Mettre à jour les outils de communication : site internet, réseaux sociaux, lettre d'information.",
    "Accompagner les personnes dans leurs démarches auprès de la préfecture et des services sociaux.",
    "Participer aux réunions du réseau et assurer le lien avec les associations membres.",
    "Cartographier les acteurs de l'accueil sur le territoire et identifier les bonnes pratiques.",
    "Rédiger des articles pour le blog des volontaires et contribuer au bilan collectif de la session.",
    "Soutenir la coordination des permanences juridiques et la tenue des dossiers.",
    "Préparer des supports pédagogiques pour les interventions en milieu scolaire.",
    "Contribuer à la campagne de mobilisation citoyenne et au suivi des engagements des communes.",
    "Assurer le suivi administratif et logistique des projets de logement solidaire.",
]
PROFILE_SENTENCES = [
    "Intérêt marqué pour les questions migratoires et la défense des droits fondamentaux.",
    "Capacités rédactionnelles et esprit de synthèse.",
    "Aisance relationnelle, écoute et respect de la confidentialité.",
    "Capacité à travailler en équipe comme en autonomie, dans un cadre militant.",
    "Bonne maîtrise des outils bureautiques et des réseaux sociaux.",
    "Formation en droit, sciences politiques, sociologie ou relations internationales appréciée.",
    "Disponibilité pour participer aux temps collectifs de préparation et de capitalisation.",
    "Sens de l'organisation et rigueur dans le suivi des dossiers.",
    "Adaptabilité et capacité à gérer des situations émotionnellement difficiles.",
]
ASSET_SENTENCES = [
    "Une expérience associative ou bénévole dans le champ de la solidarité internationale est un plus.",
    "La connaissance de l'arabe, du farsi, du pachto ou du tigrigna serait un atout.",
    "Le permis de conduire et un véhicule personnel faciliteraient les déplacements sur le terrain.",
    "Une première expérience de plaidoyer ou de campagne serait appréciée.",
    "Des compétences en graphisme ou en vidéo seraient les bienvenues.",
]
OFFER_SENTENCES = [
    "Une formation collective au départ avec les autres volontaires de la session.",
    "Un accompagnement par un·e référent·e tout au long de la mission.",
    "Une équipe engagée et bienveillante, dans un réseau international.",
    "La prise en charge des frais de transport domicile-travail à hauteur de 50 %.",
    "Des temps de regroupement et d'échange de pratiques avec d'autres structures.",
    "Un espace de travail partagé au cœur de la ville et des horaires aménageables.",
]
HOW_TO_APPLY = (
    "Envoyez votre CV et une lettre de motivation en ligne, avec le formulaire de cette page. Les entretiens "
    "auront lieu dans les deux semaines qui suivent la date limite."
)
FIRST_NAMES = [
    "Amina",
    "Yacine",
    "Léa",
    "Mamadou",
    "Chloé",
    "Karim",
    "Inès",
    "Lucas",
    "Fatou",
    "Jonas",
    "Sofia",
    "Omar",
    "Manon",
    "Elif",
    "Théo",
    "Aïcha",
    "Nicolas",
    "Mariam",
    "Hugo",
    "Sarah",
    "Ibrahim",
    "Camille",
    "Nour",
    "Arthur",
]
LAST_NAMES = [
    "Diallo",
    "Martin",
    "Benali",
    "Dubois",
    "Nguyen",
    "Traoré",
    "Lefebvre",
    "Haddad",
    "Janssens",
    "Peeters",
    "Moreau",
    "Kaya",
    "Rossi",
    "García",
    "Papadopoulos",
    "El Amrani",
    "Fontaine",
    "Mertens",
    "Sow",
    "Girard",
]
LETTER_SENTENCES = [
    "Je souhaite m'engager aux côtés des personnes exilées et contribuer à la défense de leurs droits.",
    "Mon parcours en droit international m'a conduit·e à m'intéresser aux politiques d'enfermement.",
    "J'ai été bénévole pendant deux ans dans une permanence d'accès aux droits.",
    "Cette mission me permettrait de mettre mes compétences rédactionnelles au service du plaidoyer.",
    "Je parle couramment anglais et j'ai des notions d'arabe, acquises lors d'un séjour à Rabat.",
    "Le travail en réseau et la dimension collective de la session m'attirent particulièrement.",
    "Je suis disponible dès la date de début indiquée et pour toute la durée de la mission.",
]
HEARD_FROM = ["", "Site d'E&P", "Réseaux sociaux", "Bouche à oreille", "Université", "France Volontaires"]
LANGUAGE_CHOICES = ["fr", "en", "nl", "ar", "es", "de", "it", "el", "fa"]
APPLICATION_STATUS_WEIGHTS = {
    Application.Status.RECEIVED: 45,
    Application.Status.IN_REVIEW: 20,
    Application.Status.SHORTLISTED: 8,
    Application.Status.INTERVIEW: 5,
    Application.Status.OFFERED: 2,
    Application.Status.ACCEPTED: 2,
    Application.Status.DECLINED: 2,
    Application.Status.REJECTED: 14,
    Application.Status.WITHDRAWN: 2,
}
POSTING_STATUS_WEIGHTS = {
    Posting.Status.PUBLISHED: 82,
    Posting.Status.CLOSED: 8,
    Posting.Status.DRAFT: 6,
    Posting.Status.ARCHIVED: 4,
}


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _paragraph(rng: random.Random, sentences: list[str], low: int, high: int) -> str:
    return " ".join(rng.sample(sentences, rng.randint(low, min(high, len(sentences)))))


def _bullets(rng: random.Random, sentences: list[str], low: int, high: int) -> str:
    return "\n".join(f"- {s}" for s in rng.sample(sentences, rng.randint(low, min(high, len(sentences)))))


class Command(BaseCommand):
    help = "Create a large, clearly fake data set (slugs prefixed bench-) for load tests."

    def add_arguments(self, parser):
        parser.add_argument("--postings", type=int, default=1000)
        parser.add_argument("--applications", type=int, default=20000)
        parser.add_argument("--organisations", type=int, help="Default: postings / 20, at least 10.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--reset", action="store_true", help="Delete earlier bench data first.")
        parser.add_argument(
            "--unique-files", action="store_true", help="Write one real CV file per application."
        )
        parser.add_argument("--shared-files", type=int, default=50, help="Shared CV (and letter) files.")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(
        self,
        *args,
        postings,
        applications,
        organisations,
        seed,
        reset,
        unique_files,
        shared_files,
        batch_size,
        **options,
    ):
        for name, value in [("--postings", postings), ("--applications", applications)]:
            if value < 0:
                raise CommandError(f"{name} must be zero or more.")
        if applications and not postings:
            raise CommandError("Applications need at least one posting.")
        if shared_files < 1 or batch_size < 1:
            raise CommandError("--shared-files and --batch-size must be at least 1.")
        organisations = organisations if organisations is not None else max(10, postings // 20)
        if organisations < 2:
            raise CommandError("--organisations must be at least 2 (sending and host organisations).")

        exists = Organisation.objects.filter(slug__startswith=SLUG_PREFIX).exists()
        if exists and not reset:
            raise CommandError("Bench data already exists: run again with --reset to replace it.")

        self.rng = random.Random(seed)
        self.batch_size = batch_size
        self.now = timezone.now()
        started = time.monotonic()
        if reset:
            self.reset()
        with transaction.atomic():
            orgs = self.create_organisations(organisations)
            themes = self.create_themes()
            sessions = self.create_programmes_and_sessions(orgs)
            posting_rows = self.create_postings(postings, orgs, themes, sessions)
            self.create_recruiter(orgs[0])
        self.write_files(shared_files)
        self.create_applications(applications, posting_rows, unique_files, shared_files)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Bench data: {organisations} organisations, {postings} postings, {applications} applications "
            f"in {elapsed:.1f} s (seed {seed})."
        )

    # Steps -------------------------------------------------------------------------------------------------

    def reset(self) -> None:
        with transaction.atomic():
            # Applications the load test posted to bench postings go too (their references are ordinary).
            Application.objects.filter(
                Q(reference__startswith=REFERENCE_PREFIX) | Q(posting__slug__startswith=SLUG_PREFIX)
            ).delete()
            bench_postings = Posting.objects.filter(slug__startswith=SLUG_PREFIX)
            # Delete children in bulk first: the cascade collector would load 10k postings' relations in Python.
            for model in (
                PostingOrganisation,
                PostingLocation,
                PostingLanguage,
                PostingRequirement,
                PayComponent,
            ):
                model.objects.filter(posting__in=bench_postings)._raw_delete(model.objects.db)
            Phase.objects.filter(posting__in=bench_postings).delete()
            Posting.themes.through.objects.filter(posting__in=bench_postings).delete()
            bench_postings._raw_delete(Posting.objects.db)
            Phase.objects.filter(session__slug__startswith=SLUG_PREFIX).delete()
            Session.objects.filter(slug__startswith=SLUG_PREFIX).delete()
            Programme.objects.filter(slug__startswith=SLUG_PREFIX).delete()
            Theme.objects.filter(slug__startswith=SLUG_PREFIX).delete()
            get_user_model().objects.filter(username=RECRUITER_USERNAME).delete()
            Organisation.objects.filter(slug__startswith=SLUG_PREFIX).delete()
        if default_storage.exists(FILES_DIR):
            self._delete_tree(FILES_DIR)

    def _delete_tree(self, path: str) -> None:
        directories, files = default_storage.listdir(path)
        for name in files:
            default_storage.delete(f"{path}/{name}")
        for name in directories:
            self._delete_tree(f"{path}/{name}")

    def create_organisations(self, count: int) -> list[Organisation]:
        rng = self.rng
        rows = []
        for n in range(count):
            kind, what = ORGANISATION_STEMS[n % len(ORGANISATION_STEMS)]
            place = PLACE_NAMES[(n // len(ORGANISATION_STEMS)) % len(PLACE_NAMES)]
            country = _weighted(rng, COUNTRY_WEIGHTS)
            city, _region = rng.choice(PLACES[country])
            rows.append(
                Organisation(
                    name=f"{kind} {what} {place} n° {n + 1}",
                    short_name=f"{kind[:3].upper()}{n + 1}",
                    slug=f"{SLUG_PREFIX}org-{n + 1}",
                    kind=rng.choice(ORGANISATION_KINDS),
                    description=_paragraph(rng, CONTEXT_SENTENCES, 2, 4),
                    website=f"https://bench-org-{n + 1}.example.org/",
                    email=f"contact@bench-org-{n + 1}.example.org",
                    country=country,
                    city=city,
                    is_demo=True,
                )
            )
        return Organisation.objects.bulk_create(rows, batch_size=self.batch_size)

    def create_themes(self) -> list[Theme]:
        rows = [
            Theme(name=f"{name} (bench)", slug=f"{SLUG_PREFIX}theme-{n}") for n, name in enumerate(THEMES)
        ]
        return Theme.objects.bulk_create(rows)

    def create_programmes_and_sessions(self, orgs: list[Organisation]) -> list[Session]:
        rng = self.rng
        programmes = Programme.objects.bulk_create(
            [
                Programme(
                    name=f"Programme d'échanges bench {n + 1}",
                    short_name=f"PEB{n + 1}",
                    slug=f"{SLUG_PREFIX}programme-{n + 1}",
                    operator=orgs[n],
                    description=_paragraph(rng, CONTEXT_SENTENCES, 2, 3),
                    is_demo=True,
                )
                for n in range(min(3, len(orgs)))
            ]
        )
        today = timezone.localdate()
        sessions = []
        for programme in programmes:
            for k in range(8):
                starts_on = today + timedelta(days=120 - 60 * k)
                sessions.append(
                    Session(
                        programme=programme,
                        name=f"Session {24 + k}",
                        slug=f"{SLUG_PREFIX}{programme.slug[len(SLUG_PREFIX) :]}-session-{24 + k}",
                        starts_on=starts_on,
                        ends_on=starts_on + timedelta(days=210),
                        min_volunteers=8,
                        max_volunteers=15,
                        is_demo=True,
                    )
                )
        sessions = Session.objects.bulk_create(sessions)
        phases = []
        for session in sessions:
            start = session.starts_on
            for kind, first, last, place in [
                (Phase.Kind.PREPARATION, 0, 25, "Paris"),
                (Phase.Kind.FIELD, 30, 180, ""),
                (Phase.Kind.CAPITALISATION, 190, 210, "Paris"),
            ]:
                phases.append(
                    Phase(
                        session=session,
                        kind=kind,
                        starts_on=start + timedelta(days=first),
                        ends_on=start + timedelta(days=last),
                        place=place,
                    )
                )
        Phase.objects.bulk_create(phases)
        return sessions

    def create_postings(self, count, orgs, themes, sessions) -> list[tuple[int, str, object]]:
        """Postings and all their relations, in batches. Returns (pk, status, deadline) of each posting."""
        rng = self.rng
        countries = list(COUNTRY_WEIGHTS)
        country_weights = list(COUNTRY_WEIGHTS.values())
        made = []
        for start in range(0, count, self.batch_size):
            batch = []
            for n in range(start, min(count, start + self.batch_size)):
                kind = rng.choices(list(Posting.Kind), weights=[55, 25, 20])[0]
                status = _weighted(rng, POSTING_STATUS_WEIGHTS)
                theme = rng.choice(THEMES)
                country = rng.choices(countries, weights=country_weights)[0]
                city, _region = rng.choice(PLACES[country])
                deadline = self.now + timedelta(days=rng.uniform(-90, 90))
                deadline = deadline.replace(second=0, microsecond=0)
                scheme = {
                    Posting.Kind.VOLUNTEER: rng.choice(
                        [
                            Posting.Scheme.SERVICE_CIVIQUE,
                            Posting.Scheme.ERASMUS_TRAINEE,
                            Posting.Scheme.VOLUNTEERING,
                        ]
                    ),
                    Posting.Kind.INTERNSHIP: Posting.Scheme.INTERNSHIP_AGREEMENT,
                    Posting.Kind.JOB: rng.choice([Posting.Scheme.FIXED_TERM, Posting.Scheme.PERMANENT]),
                }[kind]
                pay_kind = {
                    Posting.Kind.VOLUNTEER: Posting.PayKind.STIPEND,
                    Posting.Kind.INTERNSHIP: Posting.PayKind.GRATIFICATION,
                    Posting.Kind.JOB: Posting.PayKind.SALARY,
                }[kind]
                monthly_pay = {
                    Posting.PayKind.STIPEND: Decimal("630.45"),
                    Posting.PayKind.GRATIFICATION: Decimal("4.35") * 140,
                    Posting.PayKind.SALARY: Decimal(rng.randrange(2100, 3400, 50)),
                }[pay_kind]
                asap = rng.random() < 0.2
                posting = Posting(
                    title=f"{rng.choice(ROLES_IN_TITLE)} – {theme.lower()} ({city})",
                    slug=f"{SLUG_PREFIX}offre-{n + 1}",
                    kind=kind,
                    theme_label=theme,
                    session=rng.choice(sessions)
                    if kind == Posting.Kind.VOLUNTEER and rng.random() < 0.6
                    else None,
                    summary=_paragraph(rng, MISSION_SENTENCES, 1, 2),
                    scheme=scheme,
                    min_age=16 if scheme == Posting.Scheme.SERVICE_CIVIQUE else None,
                    max_age=25 if scheme == Posting.Scheme.SERVICE_CIVIQUE else None,
                    max_age_with_disability=30 if scheme == Posting.Scheme.SERVICE_CIVIQUE else None,
                    eligibility=_paragraph(rng, PROFILE_SENTENCES, 1, 2),
                    context=_paragraph(rng, CONTEXT_SENTENCES, 4, 8),
                    missions=_bullets(rng, MISSION_SENTENCES, 4, 8),
                    profile=_bullets(rng, PROFILE_SENTENCES, 3, 6),
                    assets=_bullets(rng, ASSET_SENTENCES, 1, 3),
                    offer=_bullets(rng, OFFER_SENTENCES, 2, 4),
                    pay_kind=pay_kind,
                    monthly_pay=monthly_pay,
                    pay_is_approximate=rng.random() < 0.3,
                    pay_is_net=pay_kind == Posting.PayKind.GRATIFICATION,
                    working_time=rng.choice([Posting.WorkingTime.FULL_TIME, Posting.WorkingTime.PART_TIME]),
                    duration_months=rng.choice([6, 7, 8, 10, 12]),
                    starts_on=None if asap else (deadline + timedelta(days=rng.randint(14, 60))).date(),
                    starts_asap=asap,
                    deadline=deadline,
                    how_to_apply=HOW_TO_APPLY,
                    contact_email=f"recrutement-{n + 1}@example.org",
                    status=status,
                    published_at=None if status == Posting.Status.DRAFT else deadline - timedelta(days=45),
                    is_demo=True,
                )
                posting.search_text = posting.build_search_text()
                batch.append(posting)
            batch = Posting.objects.bulk_create(batch)
            self.create_posting_relations(batch, orgs, themes)
            made.extend((p.pk, p.status, p.deadline) for p in batch)
        return made

    def create_posting_relations(self, batch: list[Posting], orgs, themes) -> None:
        rng = self.rng
        roles, locations, languages, requirements, pay, links = [], [], [], [], [], []
        # Organisation 0 (the bench recruiter's) hosts about 1 posting in 50: a realistic back-office reach.
        for posting in batch:
            host = orgs[0] if rng.random() < 0.02 else rng.choice(orgs[1:])
            sending = rng.choice(orgs)
            roles.append(PostingOrganisation(posting=posting, organisation=host, role="host", order=0))
            if sending.pk != host.pk:
                roles.append(
                    PostingOrganisation(posting=posting, organisation=sending, role="sending", order=1)
                )
            first_city = posting.title.rsplit("(", 1)[-1].rstrip(")")
            country = next(
                (c for c, places in PLACES.items() if any(city == first_city for city, _ in places))
            )
            region = next(r for city, r in PLACES[country] if city == first_city)
            locations.append(
                PostingLocation(posting=posting, country=country, city=first_city, region=region)
            )
            if rng.random() < 0.25:
                other_country = rng.choice(list(PLACES))
                city, region = rng.choice(PLACES[other_country])
                if city != first_city:
                    locations.append(
                        PostingLocation(
                            posting=posting, country=other_country, city=city, region=region, order=1
                        )
                    )
            for code in ["fr", *rng.sample(LANGUAGE_CHOICES[1:], rng.randint(0, 2))]:
                languages.append(
                    PostingLanguage(
                        posting=posting,
                        language=code,
                        level=rng.choice(["B1", "B2", "C1", "C2"]),
                        is_required=code == "fr" or rng.random() < 0.5,
                    )
                )
            for kind in rng.sample(list(PostingRequirement.Kind), rng.randint(0, 2)):
                requirements.append(
                    PostingRequirement(posting=posting, kind=kind, is_mandatory=rng.random() < 0.5)
                )
            if posting.pay_kind == Posting.PayKind.STIPEND:
                pay.append(PayComponent(posting=posting, label="Part de l'État", amount=Decimal("522.87")))
                pay.append(
                    PayComponent(
                        posting=posting, label="Part de l'organisme", amount=Decimal("107.58"), order=1
                    )
                )
                if rng.random() < 0.5:
                    pay.append(
                        PayComponent(
                            posting=posting,
                            label="Forfait transport",
                            amount=Decimal("180"),
                            period=PayComponent.Period.ONCE,
                            order=2,
                        )
                    )
            for theme in rng.sample(themes, rng.randint(1, 2)):
                links.append(Posting.themes.through(posting_id=posting.pk, theme_id=theme.pk))
        size = self.batch_size
        PostingOrganisation.objects.bulk_create(roles, batch_size=size)
        PostingLocation.objects.bulk_create(locations, batch_size=size)
        PostingLanguage.objects.bulk_create(languages, batch_size=size)
        PostingRequirement.objects.bulk_create(requirements, batch_size=size)
        PayComponent.objects.bulk_create(pay, batch_size=size)
        Posting.themes.through.objects.bulk_create(links, batch_size=size)

    def create_recruiter(self, organisation: Organisation) -> None:
        """A recruiter of organisation 0 (no usable password: the bench script sets one) for the admin list."""
        from organisations.models import Membership

        user = get_user_model().objects.create_user(
            username=RECRUITER_USERNAME, email="bench-recruteur@example.org", is_staff=True
        )
        Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.RECRUITER)

    def _cv_lines(self, n: int) -> list[str]:
        rng = random.Random(n)
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        return [
            f"Curriculum vitae - {name}",
            "",
            *rng.sample(LETTER_SENTENCES, 4),
            *rng.sample(MISSION_SENTENCES, 6),
        ]

    def write_files(self, count: int) -> None:
        for n in range(count):
            default_storage.save(f"{FILES_DIR}/cv-{n:03d}.pdf", ContentFile(minimal_pdf(self._cv_lines(n))))
            lines = ["Lettre de motivation", "", *random.Random(-n).sample(LETTER_SENTENCES, 5)]
            default_storage.save(f"{FILES_DIR}/lettre-{n:03d}.pdf", ContentFile(minimal_pdf(lines)))

    def create_applications(self, count, posting_rows, unique_files, shared_files) -> None:
        rng = self.rng
        # Candidates apply to public postings; a few postings attract many more applications than others.
        targets = [row for row in posting_rows if row[1] in (Posting.Status.PUBLISHED, Posting.Status.CLOSED)]
        targets = targets or posting_rows
        weights = [rng.paretovariate(1.5) for _ in targets]
        statuses = list(APPLICATION_STATUS_WEIGHTS)
        status_weights = list(APPLICATION_STATUS_WEIGHTS.values())
        for start in range(0, count, self.batch_size):
            rows = []
            chosen = rng.choices(targets, weights=weights, k=min(count, start + self.batch_size) - start)
            for offset, (posting_id, _status, deadline) in enumerate(chosen):
                n = start + offset + 1
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                email = f"{fold_ascii(first)}.{fold_ascii(last)}.{n}@example.org"
                submitted = min(self.now, deadline) - timedelta(minutes=rng.randint(10, 60 * 24 * 60))
                status = rng.choices(statuses, weights=status_weights)[0]
                if unique_files:
                    cv = default_storage.save(
                        f"{FILES_DIR}/unique/cv-{n:07d}.pdf", ContentFile(minimal_pdf(self._cv_lines(n)))
                    )
                else:
                    cv = f"{FILES_DIR}/cv-{n % shared_files:03d}.pdf"
                with_letter_file = rng.random() < 0.3
                rows.append(
                    Application(
                        uuid=uuid.uuid4(),
                        reference=f"{REFERENCE_PREFIX}{n:07d}",
                        submission_token=uuid.uuid4(),
                        posting_id=posting_id,
                        first_name=first,
                        last_name=last,
                        email=email,
                        email_normalised=email,
                        phone=f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                        f"{rng.randint(10, 99)}",
                        city=rng.choice(PLACES["FR"] + PLACES["BE"])[0],
                        country=rng.choice(["FR", "BE"]),
                        cv=cv,
                        cv_name=f"CV {first} {last}.pdf",
                        letter_file=f"{FILES_DIR}/lettre-{n % shared_files:03d}.pdf"
                        if with_letter_file
                        else "",
                        letter_name=f"Lettre {first}.pdf" if with_letter_file else "",
                        letter_text="" if with_letter_file else _paragraph(rng, LETTER_SENTENCES, 3, 6),
                        languages={
                            "fr": "C2",
                            rng.choice(LANGUAGE_CHOICES[1:]): rng.choice(["B1", "B2", "C1"]),
                        },
                        eligibility_confirmed=True,
                        heard_from=rng.choice(HEARD_FROM),
                        consented_at=submitted,
                        keep_for_future=rng.random() < 0.2,
                        status=status,
                        submitted_at=submitted,
                        status_changed_at=submitted,
                        last_candidate_action_at=submitted,
                    )
                )
            with transaction.atomic():
                Application.objects.bulk_create(rows, batch_size=self.batch_size)


def fold_ascii(text: str) -> str:
    from postings.text import fold

    return fold(text).replace(" ", "-")


if __name__ == "__main__":
    Command().run_from_argv(["bench/generate_data.py", "generate_data", *sys.argv[1:]])
