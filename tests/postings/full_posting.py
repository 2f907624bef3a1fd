"""A posting with every fact filled in, built on tests/factories.py, for the detail and query-count tests."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from postings.models import (
    PayComponent,
    Phase,
    Posting,
    PostingLanguage,
    PostingLocation,
    PostingOrganisation,
    PostingRequirement,
)
from tests import factories as f


def full_posting(*, extra_rows: int = 0, **overrides) -> Posting:
    """The Liège call, roughly: four organisations in four roles, two places, languages required and a plus,
    requirements mandatory and wished, a split stipend with a conditional top-up, and its own calendar with
    month precision. `extra_rows` adds that many more organisations, places, languages and pay lines."""
    session = f.make_session(name="Session 24", slug=f"session-24-{f._n()}")
    values = {
        "title": "Droits des étrangers – villes accueillantes",
        "theme_label": "Droits des étrangers – villes accueillantes",
        "kind": Posting.Kind.VOLUNTEER,
        "scheme": Posting.Scheme.SERVICE_CIVIQUE,
        "scheme_details": "Engagement de Service Civique à l'étranger.",
        "min_age": 16,
        "max_age": 25,
        "max_age_with_disability": 30,
        "eligibility": "Être de nationalité française ou titulaire d'un titre de séjour.",
        "summary": "Accompagner les villes qui accueillent les personnes exilées.",
        "context": "Le réseau **ANVITA** rassemble des villes accueillantes.",
        "missions": "- Cartographier les initiatives\n  - en Wallonie\n- Rédiger une note",
        "profile": "Intérêt pour les politiques migratoires.",
        "assets": "Une expérience associative.",
        "offer": "Une formation collective avant le départ.",
        "pay_kind": Posting.PayKind.STIPEND,
        "monthly_pay": Decimal("630.45"),
        "pay_is_approximate": True,
        "pay_is_net": True,
        "pay_scale": "Barème Service Civique",
        "pay_details": "Versée chaque mois par l'Agence du Service Civique.",
        "working_time": Posting.WorkingTime.FULL_TIME,
        "duration_months": 7,
        "duration_text": "dont 5 mois sur le terrain",
        "starts_asap": True,
        "start_text": "après la formation",
        # Noon, Paris time, in ten days: "encore 10 jours" whatever the hour the test runs.
        "deadline": timezone.make_aware(
            datetime.combine(timezone.localdate() + timedelta(days=10), time(12))
        ),
        "how_to_apply": "Envoyez un CV et une lettre de motivation.",
        "contact_phone": "+32 2 250 12 30",
        "session": session,
    }
    values.update(overrides)
    organisations = {
        PostingOrganisation.Role.SENDING: f.make_organisation(name="Organisation d'envoi OCU"),
        PostingOrganisation.Role.CO_ORGANISER: f.make_organisation(name="ANVITA"),
        PostingOrganisation.Role.HOST: f.make_organisation(name="CNCD-11.11.11"),
        PostingOrganisation.Role.LOCAL_PARTNER: f.make_organisation(name="Le Monde des Possibles"),
    }
    posting = f.published_posting(
        organisations=organisations, country="BE", city="Liège", languages={"fr": "C1"}, **values
    )
    PostingOrganisation.objects.filter(posting=posting, role=PostingOrganisation.Role.HOST).update(
        description="Accueille la ou le volontaire à Liège."
    )
    PostingLocation.objects.create(posting=posting, country="BE", city="Bruxelles", order=1)
    PostingLanguage.objects.create(posting=posting, language="en", level="B1", is_required=False)
    PostingRequirement.objects.create(posting=posting, kind=PostingRequirement.Kind.DRIVING_LICENCE)
    PostingRequirement.objects.create(
        posting=posting, kind=PostingRequirement.Kind.OWN_VEHICLE, is_mandatory=False
    )
    PayComponent.objects.create(posting=posting, label="Part de l'État", amount=Decimal("522.87"), order=0)
    PayComponent.objects.create(posting=posting, label="Part E&P", amount=Decimal("107.58"), order=1)
    PayComponent.objects.create(
        posting=posting,
        label="Majoration sur critères sociaux",
        amount=Decimal("107.66"),
        is_conditional=True,
        order=2,
    )
    Phase.objects.create(
        posting=posting,
        kind=Phase.Kind.PREPARATION,
        starts_on=date(2017, 10, 23),
        ends_on=date(2017, 11, 16),
        place="Paris",
    )
    Phase.objects.create(
        posting=posting,
        kind=Phase.Kind.FIELD,
        starts_on=date(2017, 11, 1),
        ends_on=date(2018, 4, 30),
        date_precision=Phase.Precision.MONTH,
    )
    Phase.objects.create(
        posting=posting,
        kind=Phase.Kind.CAPITALISATION,
        starts_on=date(2018, 5, 1),
        ends_on=date(2018, 5, 31),
        date_precision=Phase.Precision.MONTH,
    )
    for i in range(extra_rows):
        PostingOrganisation.objects.create(
            posting=posting, organisation=f.make_organisation(), role=PostingOrganisation.Role.LOCAL_PARTNER
        )
        PostingLocation.objects.create(posting=posting, country="FR", city=f"Ville {i}", order=2 + i)
        PostingLanguage.objects.create(posting=posting, language=f"x{i}", is_required=False)
        PayComponent.objects.create(posting=posting, label=f"Ligne {i}", amount=Decimal("1"), order=3 + i)
    return posting
