"""The demonstration set: copies of the five reference postings, open for applications, dated from today.

Every object it creates is flagged `is_demo` and named as a copy ("CNCD-11.11.11 (démo)"), so that no real
organisation looks as if it had an opening: demo postings hang off demo copies of the organisations, receive
applications at a reserved address (example.org) and are rebuilt in place on every run (keyed on slugs), which
moves their dates forward without duplicating anything.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import models, transaction
from django.utils import timezone

from organisations.models import Organisation
from postings.models import (
    TRANSLATED_POSTING_FIELDS,
    TRANSLATION_LANGUAGES,
    Phase,
    Posting,
    Programme,
    Session,
    end_of_day,
)

DEMO_SLUG_SUFFIX = "-demo"
DEMO_CONTACT_EMAIL = "recrutement-demo@example.org"
DEMO_PROGRAMME_SLUG = "programme-echanges-partenariats-demo"
DEMO_SESSION_SLUG = "session-demo"
REFERENCE_PROGRAMME_SLUG = "programme-echanges-partenariats"

# The reference postings the demo copies, with the number of weeks from today to each copy's deadline.
DEADLINE_WEEKS = {
    "droits-des-etrangers-bruxelles-session-24": 3,
    "villes-accueillantes-liege-session-24": 5,
    "observatoire-frontiere-franco-britannique-2017": 8,
    "stage-plaidoyer-communication-hro-2021": 2,
    "charge-de-projet-logement-communication-mineurs-en-exil": 6,
}
# Calendars start after the last deadline, as in the real calls.
FIRST_PHASE_AFTER = timedelta(weeks=10)
# An internship starts about two weeks after its deadline (the real one: 1 November, then mid-November).
START_AFTER_DEADLINE = timedelta(days=14)

DEMO_SUMMARY_PREFIX = (
    "Offre de démonstration : elle reprend le contenu d'une offre réelle aujourd'hui clôturée, avec des dates "
    "fictives. Les candidatures envoyées ici ne sont transmises à aucune organisation."
)
DEMO_HOW_TO_APPLY = (
    "Démonstration : candidatez en ligne avec le bouton « Postuler en ligne » (CV et lettre de motivation). Les "
    "candidatures de démonstration restent dans Passerelle et ne sont transmises à aucune organisation."
)

# The same two texts for the copies' English and Dutch versions (used when the real posting has one).
DEMO_SUMMARY_PREFIX_TRANSLATIONS = {
    "en": (
        "Demonstration posting: it reuses the content of a real posting, now closed, with fictitious dates. "
        "Applications sent here are passed on to no organisation."
    ),
    "nl": (
        "Demonstratievacature: ze neemt de inhoud over van een echte vacature die intussen afgesloten is, met "
        "fictieve data. Kandidaturen die u hier verstuurt, worden aan geen enkele organisatie bezorgd."
    ),
}
DEMO_HOW_TO_APPLY_TRANSLATIONS = {
    "en": (
        "Demonstration: apply online with the “Apply online” button (CV and cover letter). Demonstration "
        "applications stay in Passerelle and are passed on to no organisation."
    ),
    "nl": (
        "Demonstratie: solliciteer online met de knop ‘Online solliciteren’ (cv en motivatiebrief). "
        "Demonstratiekandidaturen blijven in Passerelle en worden aan geen enkele organisatie bezorgd."
    ),
}

# Fields copied as they are from a reference posting to its demo copy.
COPIED_POSTING_FIELDS = [
    "title",
    "kind",
    "theme_label",
    "scheme",
    "scheme_details",
    "min_age",
    "max_age",
    "max_age_with_disability",
    "eligibility",
    "context",
    "missions",
    "profile",
    "assets",
    "offer",
    "pay_kind",
    "monthly_pay",
    "pay_is_approximate",
    "pay_currency",
    "pay_is_net",
    "pay_scale",
    "pay_details",
    "monthly_pay_is_total",
    "programme_text",
    "working_time",
    "duration_months",
    "starts_asap",
    # Translations, except the summary and how to apply, which get the demonstration wording like the French.
    *(
        f"{name}_{language}"
        for name in TRANSLATED_POSTING_FIELDS
        if name not in ("summary", "how_to_apply")
        for language in TRANSLATION_LANGUAGES
    ),
]


# Sentences of the originals that name their own dates: a copy with other dates rewrites them, so that it
# never contradicts itself. Each original must still contain its sentence (a changed fixture fails loudly).
DATED_SENTENCES = {
    "villes-accueillantes-liege-session-24": {
        "context": [
            (
                "Une deuxième étape est prévue de septembre 2021 à février 2022 au sein de la session 24.",
                "Une deuxième étape est prévue pendant la session (voir le calendrier).",
            )
        ],
    },
    "droits-des-etrangers-bruxelles-session-24": {
        "pay_details": [
            (
                "Selon les taux applicables du programme Erasmus Plus 2020 : environ",
                "Selon les taux applicables du programme Erasmus Plus : environ",
            )
        ],
    },
}


def without_dated_sentences(posting: Posting) -> dict[str, str]:
    """The fields of `posting` whose text names the original's dates, rewritten for a copy."""
    rewritten = {}
    for field, replacements in DATED_SENTENCES.get(posting.slug, {}).items():
        text = getattr(posting, field)
        for old, new in replacements:
            if old not in text:
                raise LookupError(f"{posting.slug}.{field} no longer says: {old}")
            text = text.replace(old, new)
        rewritten[field] = text
    return rewritten


@dataclass(frozen=True)
class DemoSet:
    organisations: list[Organisation]
    programme: Programme
    session: Session
    postings: list[Posting]


def demo_slug(slug: str) -> str:
    """The copy's address: the original's without a year it names (the copy has dates of its own)."""
    return f"{re.sub(r'-(19|20)[0-9]{2}$', '', slug)}{DEMO_SLUG_SUFFIX}"


def add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_to_shift(first: date, not_before: date) -> int:
    """The fewest whole months that move `first` on or after `not_before` (keeps days of month and order)."""
    months = (not_before.year - first.year) * 12 + not_before.month - first.month
    while add_months(first, months) < not_before:
        months += 1
    return months


def shifted_phase(phase: Phase, months: int) -> dict:
    starts_on = add_months(phase.starts_on, months)
    ends_on = add_months(phase.ends_on, months)
    if phase.date_precision == Phase.Precision.MONTH:
        starts_on = starts_on.replace(day=1)
        ends_on = ends_on.replace(day=calendar.monthrange(ends_on.year, ends_on.month)[1])
    return {
        "kind": phase.kind,
        "label": phase.label,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "date_precision": phase.date_precision,
        "place": phase.place,
        "notes": phase.notes,
    }


def sync_related(manager, rows: list[dict], key: tuple[str, ...]) -> None:
    """Make the rows behind a related manager exactly `rows`, matched on `key` (so reruns keep their pks)."""
    kept = []
    for row in rows:
        lookup = {name: row[name] for name in key}
        obj, _ = manager.update_or_create(**lookup, defaults={k: v for k, v in row.items() if k not in key})
        kept.append(obj.pk)
    manager.exclude(pk__in=kept).delete()


def row_values(obj: models.Model, *, exclude: tuple[str, ...] = ()) -> dict:
    """The concrete field values of a row, without its pk, its owner and whatever `exclude` names."""
    skipped = {"id", "posting", "session", *exclude}
    return {f.name: getattr(obj, f.name) for f in obj._meta.concrete_fields if f.name not in skipped}


def demo_organisation(real: Organisation) -> Organisation:
    organisation, _ = Organisation.objects.update_or_create(
        slug=demo_slug(real.slug),
        defaults={
            "name": f"{real.name} (démo)",
            "short_name": "",
            "kind": real.kind,
            "description": (
                f"Copie de démonstration de la fiche de {real.display_name}. Les offres rattachées à cette copie "
                f"sont fictives : ce ne sont pas des offres de {real.display_name}.\n\n{real.description}"
            ),
            "website": real.website,
            "email": "",
            "phone": "",
            "country": real.country,
            "city": real.city,
            "address": "",
            "is_demo": True,
        },
    )
    return organisation


@transaction.atomic
def refresh_demo_set(*, today: date | None = None) -> DemoSet:
    """Create the demonstration set, or move its dates forward from `today`. Needs the reference data."""
    today = today or timezone.localdate()
    real_programme = Programme.objects.select_related("operator").get(slug=REFERENCE_PROGRAMME_SLUG)
    real_postings = list(
        Posting.objects.filter(slug__in=DEADLINE_WEEKS, is_demo=False)
        .select_related("session")
        .prefetch_related("themes", "organisation_roles__organisation", "own_phases")
        .order_by("pk")
    )
    missing = set(DEADLINE_WEEKS) - {p.slug for p in real_postings}
    if missing:
        raise LookupError(f"Reference postings missing: {', '.join(sorted(missing))}")

    real_organisations = {real_programme.operator}
    for posting in real_postings:
        real_organisations.update(link.organisation for link in posting.organisation_roles.all())
    copies = {org.pk: demo_organisation(org) for org in sorted(real_organisations, key=lambda o: o.pk)}

    programme, _ = Programme.objects.update_or_create(
        slug=DEMO_PROGRAMME_SLUG,
        defaults={
            "name": f"{real_programme.name} (démo)",
            "short_name": "",
            "operator": copies[real_programme.operator_id],
            "description": (
                f"Programme de démonstration, copie du {real_programme.name} avec des dates fictives.\n\n"
                f"{real_programme.description}"
            ),
            "website": "",
            "is_demo": True,
        },
    )

    real_session = next(p.session for p in real_postings if p.session_id is not None)
    real_session_phases = list(real_session.phases.all())
    first_phase_on = today + FIRST_PHASE_AFTER
    months = months_to_shift(real_session_phases[0].starts_on, first_phase_on)
    session, _ = Session.objects.update_or_create(
        slug=DEMO_SESSION_SLUG,
        defaults={
            "programme": programme,
            "name": "Session démo",
            "starts_on": add_months(real_session.starts_on, months) if real_session.starts_on else None,
            "ends_on": add_months(real_session.ends_on, months) if real_session.ends_on else None,
            "min_volunteers": real_session.min_volunteers,
            "max_volunteers": real_session.max_volunteers,
            "description": "Session de démonstration aux dates fictives, pour essayer Passerelle.",
            "is_demo": True,
        },
    )
    sync_related(session.phases, [shifted_phase(p, months) for p in real_session_phases], key=("kind",))
    session_phases = list(session.phases.all())

    published_at = timezone.make_aware(datetime.combine(today, time.min))
    demo_postings = []
    for real in real_postings:
        deadline = end_of_day(today + timedelta(weeks=DEADLINE_WEEKS[real.slug]))
        own_phases = list(real.own_phases.all())
        phase_rows = []
        if own_phases:
            own_months = months_to_shift(own_phases[0].starts_on, first_phase_on)
            phase_rows = [shifted_phase(p, own_months) for p in own_phases]
            starts_on = phase_rows[0]["starts_on"]
        elif real.session_id is not None:
            starts_on = session_phases[0].starts_on
        elif real.starts_asap:
            starts_on = None
        else:
            starts_on = deadline.date() + START_AFTER_DEADLINE
        values = {name: getattr(real, name) for name in COPIED_POSTING_FIELDS}
        values.update(without_dated_sentences(real))
        values.update(
            summary=f"{DEMO_SUMMARY_PREFIX}\n\n{real.summary}",
            session=session if real.session_id is not None else None,
            # The real wording names real dates; the copy's dates are in its phases and fields.
            duration_text="" if (own_phases or real.session_id) else real.duration_text,
            starts_on=starts_on,
            start_text="Au plus vite" if real.starts_asap else "",
            deadline=deadline,
            deadline_is_date_only=True,
            deadline_text="",
            how_to_apply=DEMO_HOW_TO_APPLY,
            contact_email=DEMO_CONTACT_EMAIL,
            contact_email_other="",
            contact_phone="",
            status=Posting.Status.PUBLISHED,
            published_at=published_at,
            is_demo=True,
        )
        for language in TRANSLATION_LANGUAGES:
            real_summary = getattr(real, f"summary_{language}")
            prefix = DEMO_SUMMARY_PREFIX_TRANSLATIONS[language]
            values[f"summary_{language}"] = f"{prefix}\n\n{real_summary}" if real_summary else ""
            values[f"how_to_apply_{language}"] = (
                DEMO_HOW_TO_APPLY_TRANSLATIONS[language] if getattr(real, f"title_{language}") else ""
            )
        posting, _ = Posting.objects.update_or_create(slug=demo_slug(real.slug), defaults=values)
        posting.themes.set(real.themes.all())
        sync_related(
            posting.organisation_roles,
            [
                {**row_values(link, exclude=("organisation",)), "organisation": copies[link.organisation_id]}
                for link in real.organisation_roles.all()
            ],
            key=("organisation", "role"),
        )
        sync_related(
            posting.locations, [row_values(x) for x in real.locations.all()], key=("country", "city")
        )
        sync_related(posting.languages, [row_values(x) for x in real.languages.all()], key=("language",))
        sync_related(posting.requirements, [row_values(x) for x in real.requirements.all()], key=("kind",))
        sync_related(
            posting.pay_components, [row_values(x) for x in real.pay_components.all()], key=("label",)
        )
        sync_related(posting.own_phases, phase_rows, key=("kind",))
        demo_postings.append(posting)

    return DemoSet(
        organisations=list(copies.values()), programme=programme, session=session, postings=demo_postings
    )
