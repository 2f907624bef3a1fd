"""Factories per state for tests and nothing else: small functions, explicit keyword overrides.

`published_posting()`, `closed_posting()`, `draft_posting()` and `expired_posting()` give one posting in
each state with its organisations in roles, one location and one language, so pages render fully.
"""

import itertools
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from organisations.models import Membership, Organisation
from postings.models import (
    Phase,
    Posting,
    PostingLanguage,
    PostingLocation,
    PostingOrganisation,
    Programme,
    Session,
    Theme,
)

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def make_organisation(**overrides) -> Organisation:
    n = _n()
    values = {"name": f"Association {n}", "slug": f"association-{n}", "country": "FR", "city": "Paris"}
    values.update(overrides)
    return Organisation.objects.create(**values)


def make_theme(name: str | None = None, **overrides) -> Theme:
    n = _n()
    name = name or f"Thème {n}"
    values = {"name": name, "slug": f"theme-{n}"}
    values.update(overrides)
    return Theme.objects.create(**values)


def make_programme(*, operator: Organisation | None = None, **overrides) -> Programme:
    n = _n()
    values = {"name": f"Programme {n}", "slug": f"programme-{n}", "operator": operator or make_organisation()}
    values.update(overrides)
    return Programme.objects.create(**values)


def make_session(*, programme: Programme | None = None, with_phases: bool = True, **overrides) -> Session:
    n = _n()
    today = timezone.localdate()
    values = {
        "programme": programme or make_programme(),
        "name": f"Session {n}",
        "slug": f"session-{n}",
        "starts_on": today + timedelta(days=60),
        "ends_on": today + timedelta(days=270),
        "min_volunteers": 8,
        "max_volunteers": 15,
    }
    values.update(overrides)
    session = Session.objects.create(**values)
    if with_phases:
        start = session.starts_on
        Phase.objects.create(
            session=session,
            kind=Phase.Kind.PREPARATION,
            starts_on=start,
            ends_on=start + timedelta(days=25),
            place="Paris",
        )
        Phase.objects.create(
            session=session,
            kind=Phase.Kind.FIELD,
            starts_on=start + timedelta(days=30),
            ends_on=start + timedelta(days=180),
        )
        Phase.objects.create(
            session=session,
            kind=Phase.Kind.CAPITALISATION,
            starts_on=start + timedelta(days=190),
            ends_on=start + timedelta(days=210),
            place="Paris",
        )
    return session


def make_posting(
    *,
    status: str = Posting.Status.PUBLISHED,
    organisations: dict[str, Organisation] | None = None,
    country: str = "BE",
    city: str = "Bruxelles",
    languages: dict[str, str] | None = None,
    themes: list[Theme] | None = None,
    **overrides,
) -> Posting:
    """A complete posting. `organisations` maps a role to an organisation (default: a new host organisation)."""
    n = _n()
    now = timezone.now()
    values = {
        "title": f"Mission {n}",
        "slug": f"mission-{n}",
        "kind": Posting.Kind.VOLUNTEER,
        "scheme": Posting.Scheme.SERVICE_CIVIQUE,
        "theme_label": "Droits des étrangers",
        "summary": "Observer et documenter l'accès aux droits des personnes exilées.",
        "missions": "- Enquêter\n- Rédiger des articles",
        "monthly_pay": Decimal("630.45"),
        "deadline": now + timedelta(days=30),
        "contact_email": f"recrutement{n}@example.org",
        "status": status,
        "published_at": now - timedelta(days=1) if status != Posting.Status.DRAFT else None,
    }
    values.update(overrides)
    posting = Posting.objects.create(**values)
    for order, (role, organisation) in enumerate((organisations or {"host": make_organisation()}).items()):
        PostingOrganisation.objects.create(posting=posting, organisation=organisation, role=role, order=order)
    PostingLocation.objects.create(posting=posting, country=country, city=city)
    for code, level in (languages or {"fr": "B2"}).items():
        PostingLanguage.objects.create(posting=posting, language=code, level=level)
    if themes:
        posting.themes.set(themes)
    return posting


def published_posting(**overrides) -> Posting:
    return make_posting(status=Posting.Status.PUBLISHED, **overrides)


def draft_posting(**overrides) -> Posting:
    return make_posting(status=Posting.Status.DRAFT, **overrides)


def closed_posting(**overrides) -> Posting:
    """Closed by hand before its deadline."""
    return make_posting(status=Posting.Status.CLOSED, **overrides)


def expired_posting(**overrides) -> Posting:
    """Still 'published' but past its deadline: closed for everyone without anyone editing it."""
    overrides.setdefault("deadline", timezone.now() - timedelta(days=1))
    return make_posting(status=Posting.Status.PUBLISHED, **overrides)


def archived_posting(**overrides) -> Posting:
    return make_posting(status=Posting.Status.ARCHIVED, **overrides)


def make_user(username: str | None = None, *, password: str = "correct-horse-battery-staple", **overrides):
    username = username or f"user{_n()}"
    return get_user_model().objects.create_user(
        username=username, password=password, email=f"{username}@example.org", **overrides
    )


def make_staff(
    username: str | None = None,
    *,
    organisation: Organisation,
    role: str = Membership.Role.RECRUITER,
    **overrides,
):
    """A staff user with a membership. Admin permissions come from the group the back-office sets up."""
    user = make_user(username, is_staff=True, **overrides)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def make_application(*, posting: Posting | None = None, **overrides):
    """A submitted application with a small CV and a typed cover letter."""
    import uuid

    from django.core.files.base import ContentFile

    from applications.models import Application

    n = _n()
    email = overrides.pop("email", f"candidate{n}@example.org")
    values = {
        "posting": posting or published_posting(),
        "reference": f"C-{n:06d}",
        "submission_token": uuid.uuid4(),
        "first_name": "Camille",
        "last_name": f"Durand {n}",
        "email": email,
        "email_normalised": email.strip().lower(),
        "phone": "06 12 34 56 78",
        "city": "Lyon",
        "country": "FR",
        "languages": {"fr": "C2", "en": "B2"},
        "eligibility_confirmed": True,
        "consented_at": timezone.now(),
        "letter_text": "Madame, Monsieur, je souhaite rejoindre cette mission.",
    }
    values.update(overrides)
    cv = values.pop("cv", None) or ContentFile(b"%PDF-1.4 test CV", name="cv.pdf")
    application = Application(**values)
    application.cv.save("cv.pdf", cv, save=False)
    application.cv_name = application.cv_name or "cv.pdf"
    application.save()
    return application


__all__ = [
    "archived_posting",
    "closed_posting",
    "draft_posting",
    "expired_posting",
    "make_application",
    "make_organisation",
    "make_posting",
    "make_programme",
    "make_session",
    "make_staff",
    "make_theme",
    "make_user",
    "published_posting",
]
