"""The five real reference postings and the demonstration set, loaded through `manage.py load_reference_data`."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q
from django.utils import timezone

from organisations.models import Organisation
from postings.demo import DEMO_CONTACT_EMAIL, demo_slug
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
from tests import factories as f

pytestmark = pytest.mark.django_db

BRUXELLES = "droits-des-etrangers-bruxelles-session-24"
LIEGE = "villes-accueillantes-liege-session-24"
LITTORAL = "observatoire-frontiere-franco-britannique-2017"
HRO = "stage-plaidoyer-communication-hro-2021"
MINEURS = "charge-de-projet-logement-communication-mineurs-en-exil"
REFERENCE_SLUGS = [BRUXELLES, LIEGE, LITTORAL, HRO, MINEURS]
REAL_MODELS = [
    Organisation,
    Theme,
    Programme,
    Session,
    Phase,
    Posting,
    PostingOrganisation,
    PostingLocation,
    PostingLanguage,
    PostingRequirement,
    PayComponent,
]


def load(*args) -> str:
    out = StringIO()
    call_command("load_reference_data", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def real(slug: str) -> Posting:
    return Posting.objects.get(slug=slug, is_demo=False)


def roles(posting: Posting) -> set[tuple[str, str]]:
    return {(link.organisation.slug, link.role) for link in posting.organisation_roles.all()}


def languages(posting: Posting) -> dict[str, tuple[str, bool]]:
    """code -> (level in the posting's words, required). No seed states a CEFR level, so none may appear."""
    assert not any(lang.level for lang in posting.languages.all())
    return {lang.language: (lang.level_text, lang.is_required) for lang in posting.languages.all()}


def requirements(posting: Posting) -> dict[str, bool]:
    return {req.kind: req.is_mandatory for req in posting.requirements.all()}


def pay_components(posting: Posting) -> list[tuple[Decimal, str, bool]]:
    return [(c.amount, c.period, c.is_conditional) for c in posting.pay_components.all()]


def phases(phase_list) -> list[tuple[str, date, date, str]]:
    return [(p.kind, p.starts_on, p.ends_on, p.date_precision) for p in phase_list]


def real_rows(model):
    """The rows of the reference data only, without the demonstration set."""
    if model is Theme:
        return Theme.objects.all()
    if any(field.name == "is_demo" for field in model._meta.fields):
        return model.objects.filter(is_demo=False)
    if model is Phase:
        return Phase.objects.filter(Q(session__is_demo=False) | Q(posting__is_demo=False))
    return model.objects.filter(posting__is_demo=False)


def snapshot_of_real_data() -> str:
    return "\n".join(serializers.serialize("json", real_rows(model).order_by("pk")) for model in REAL_MODELS)


# The real reference data -------------------------------------------------------------------------------------


def test_it_loads_the_ten_organisations_and_five_real_postings():
    load("--no-demo")

    assert Organisation.objects.filter(is_demo=False).count() == 10
    assert set(Posting.objects.values_list("slug", flat=True)) == set(REFERENCE_SLUGS)
    assert Programme.objects.get().operator.slug == "echanges-partenariats"
    assert Session.objects.get().name == "Session 24"
    assert Theme.objects.filter(name="Droits des étrangers").exists()
    mineurs = Organisation.objects.get(slug="plate-forme-mineurs-en-exil")
    assert (str(mineurs.country), mineurs.city) == ("BE", "Bruxelles")
    assert mineurs.address == "Rue du Marché aux Poulets 30, 1000 Bruxelles"


def test_every_real_posting_is_closed_for_applications():
    load("--no-demo")

    assert Posting.objects.open_for_applications().count() == 0
    assert Posting.objects.published().count() == 5  # public: shown with "closed postings included"
    assert all(p.status == Posting.Status.CLOSED and not p.is_open() for p in Posting.objects.all())


def test_the_session_24_phases_are_dated_to_the_day():
    load("--no-demo")

    session = Session.objects.get(slug="session-24")
    assert (session.min_volunteers, session.max_volunteers) == (8, 15)
    assert phases(session.phases.all()) == [
        ("preparation", date(2021, 9, 13), date(2021, 10, 8), "day"),
        ("field", date(2021, 10, 13), date(2022, 3, 11), "day"),
        ("capitalisation", date(2022, 3, 21), date(2022, 4, 13), "day"),
    ]
    assert [p.place for p in session.phases.all()] == ["Paris", "", "Paris"]
    assert phases(real(BRUXELLES).phases_for_display()) == phases(session.phases.all())


def test_the_brussels_erasmus_posting_keeps_its_facts():
    load("--no-demo")
    posting = real(BRUXELLES)

    assert posting.deadline is None
    assert posting.session.slug == "session-24"
    assert (posting.kind, posting.scheme) == ("volunteer", "erasmus_trainee")
    assert "moins d'un an" in posting.eligibility and "sans limite d'âge" in posting.eligibility
    assert (posting.monthly_pay, posting.pay_is_approximate) == (Decimal("750.00"), True)
    assert pay_components(posting) == [(Decimal("180.00"), "once", False)]
    assert roles(posting) == {("migreurop", "sending"), ("cncd-11-11-11", "host")}
    assert languages(posting) == {"fr": ("bon niveau", True), "en": ("bon niveau", True)}
    assert [(str(loc.country), loc.city) for loc in posting.locations.all()] == [("BE", "Bruxelles")]
    assert posting.contact_email == "info@echanges-partenariats.org"
    assert "CV" in posting.how_to_apply and "en objet le thème et le pays" in posting.how_to_apply
    assert posting.deadline_text == ""  # the call gives no deadline: the page says so, the text need not


def test_the_liege_service_civique_posting_splits_its_stipend():
    load("--no-demo")
    posting = real(LIEGE)

    assert posting.deadline is None
    assert posting.scheme == "service_civique"
    assert (posting.min_age, posting.max_age, posting.max_age_with_disability) == (16, 25, 30)
    # The call gives the parts only: the sum is ours, and marked as such.
    assert (posting.monthly_pay, posting.monthly_pay_is_total) == (Decimal("630.45"), True)
    assert pay_components(posting) == [
        (Decimal("522.87"), "month", False),
        (Decimal("107.58"), "month", False),
        (Decimal("107.66"), "month", True),
    ]
    assert roles(posting) == {
        ("ocu-alliance-migrations", "sending"),
        ("anvita", "co_organiser"),
        ("cncd-11-11-11", "host"),
        ("le-monde-des-possibles", "local_partner"),
    }
    assert all(link.description for link in posting.organisation_roles.all())
    assert languages(posting) == {"fr": ("bon niveau", True)}
    assert [loc.city for loc in posting.locations.all()] == ["Liège"]
    assert set(posting.themes.values_list("slug", flat=True)) == {
        "droits-des-etrangers",
        "villes-accueillantes",
    }


def test_the_2017_call_has_its_own_calendar_and_no_session():
    load("--no-demo")
    posting = real(LITTORAL)

    assert posting.session is None
    assert posting.deadline is None
    assert phases(posting.phases_for_display()) == [
        ("preparation", date(2017, 10, 23), date(2017, 11, 16), "day"),
        ("field", date(2017, 11, 1), date(2018, 4, 30), "month"),
        ("capitalisation", date(2018, 5, 1), date(2018, 5, 31), "month"),
    ]
    assert roles(posting) == {
        ("gisti", "sending"),
        ("plateforme-service-migrants", "host"),
        ("echanges-partenariats", "coordinator"),
    }
    # "moins de 26 ans", in the call's words (eligibility), not turned into an age bound it does not state.
    assert (posting.scheme, posting.min_age, posting.max_age) == ("service_civique", None, None)
    assert "moins de 26 ans" in posting.eligibility
    assert (
        "3 à 4 semaines à Paris" in posting.programme_text
        and "entre 5 mois et 1 an" in posting.programme_text
    )
    assert (posting.monthly_pay, posting.duration_months) == (Decimal("500.00"), 7)
    assert pay_components(posting) == [(Decimal("744.00"), "once", False)]
    assert requirements(posting) == {"driving_licence": True, "own_vehicle": True}
    assert languages(posting) == {
        "fr": ("bon niveau", True),
        "en": ("bon niveau", True),
        "ar": ("", False),
        "fa": ("", False),
        "ps": ("", False),
        "ti": ("", False),
    }


def test_the_hro_internship_has_two_places_and_a_paris_deadline():
    load("--no-demo")
    posting = real(HRO)

    # "01/11/2021", a date: it closes at the end of that day in Paris, and no time of day is shown.
    assert posting.deadline == datetime(2021, 11, 1, 22, 59, 59, 999999, tzinfo=UTC)
    assert timezone.localtime(posting.deadline).strftime("%d/%m/%Y %H:%M:%S") == "01/11/2021 23:59:59"
    assert posting.deadline_is_date_only
    assert (posting.kind, posting.scheme, posting.pay_kind) == (
        "internship",
        "internship_agreement",
        "gratification",
    )
    assert (posting.monthly_pay, posting.pay_is_net) == (Decimal("575.00"), True)
    assert (posting.duration_months, posting.start_text, posting.starts_on) == (6, "mi-novembre 2021", None)
    assert [(str(loc.country), loc.city) for loc in posting.locations.all()] == [
        ("FR", "Calais"),
        ("FR", "Grande-Synthe"),
    ]
    assert requirements(posting) == {"driving_licence": False, "internship_agreement": False}
    assert languages(posting) == {"fr": ("courant", True), "en": ("très bonne maîtrise", True)}
    assert roles(posting) == {("auberge-des-migrants", "employer")}
    assert posting.contact_email == "recrutementhro@laubergedesmigrants.fr"


def test_the_brussels_job_is_paid_on_a_scale_and_has_no_deadline_year():
    load("--no-demo")
    posting = real(MINEURS)

    assert posting.deadline is None
    assert posting.deadline_text == "22 janvier"
    assert "renouvelable" not in posting.summary
    assert (posting.kind, posting.scheme, posting.pay_kind) == ("job", "fixed_term", "salary")
    assert (posting.monthly_pay, posting.pay_scale) == (None, "CP 319.02")
    assert not posting.pay_components.exists()
    assert (posting.starts_asap, posting.starts_on, posting.working_time) == (True, None, "full_time")
    assert (posting.duration_months, posting.duration_text[:6]) == (None, "Un an,")  # "un an", as stated
    assert languages(posting) == {
        "nl": ("bilingue", True),
        "fr": ("bilingue", True),
        "en": ("bon niveau", True),
    }
    assert roles(posting) == {("plate-forme-mineurs-en-exil", "employer")}
    assert [loc.address for loc in posting.locations.all()] == [
        "Rue du Marché aux Poulets 30, 1000 Bruxelles"
    ]
    assert posting.public_contact_emails() == ["tv@sdj.be", "kf@sdj.be"]


def test_it_fills_the_search_text_that_loaddata_skips():
    load("--no-demo")

    assert "etrangers" in real(BRUXELLES).search_text
    assert "grande-synthe" in real(HRO).search_text
    assert all(p.search_text == p.build_search_text() for p in Posting.objects.all())


def test_loading_twice_changes_nothing():
    load()
    before = snapshot_of_real_data()
    counts = {model: model.objects.count() for model in REAL_MODELS}

    load()

    assert snapshot_of_real_data() == before
    assert {model: model.objects.count() for model in REAL_MODELS} == counts


def test_plain_loaddata_loads_the_fixture_on_a_fresh_database():
    call_command("loaddata", str(Path(settings.BASE_DIR) / "fixtures" / "reference.json"), verbosity=0)

    assert Organisation.objects.count() == 10
    assert Posting.objects.count() == 5
    assert Phase.objects.count() == 6


def test_it_refuses_to_overwrite_rows_created_before_the_reference_data():
    squatter = f.make_organisation(id=1, name="Association locale", slug="association-locale")

    with pytest.raises(CommandError, match="rien n'a été chargé"):
        load()

    squatter.refresh_from_db()
    assert squatter.name == "Association locale"
    assert not Posting.objects.exists()


# The demonstration set -----------------------------------------------------------------------------------


def test_the_demo_set_is_open_flagged_and_dated_in_the_future():
    out = load()
    now = timezone.now()
    today = timezone.localdate()
    demo = Posting.objects.filter(is_demo=True)

    assert "Démonstration" in out
    assert demo.count() == 5
    assert set(Posting.objects.open_for_applications()) == set(demo)
    for posting in demo:
        assert posting.is_open()
        assert posting.deadline > now
        assert 14 <= (timezone.localtime(posting.deadline).date() - today).days <= 56
        assert posting.published_at <= now
        assert timezone.localtime(posting.published_at).date() == today
        assert posting.summary.startswith("Offre de démonstration")
        assert posting.contact_email == DEMO_CONTACT_EMAIL
        assert all(phase.starts_on > today for phase in posting.phases_for_display())
        assert all(link.organisation.is_demo for link in posting.organisation_roles.all())
        assert posting.search_text == posting.build_search_text()
    session = Session.objects.get(is_demo=True)
    assert session.name == "Session démo"
    assert session.programme.is_demo and session.programme.operator.is_demo
    assert session.starts_on > today
    assert demo.filter(session=session).count() == 2


def test_the_demo_set_copies_the_reference_facts_onto_demo_organisations():
    load()
    copy = Posting.objects.get(slug=demo_slug(LIEGE))
    littoral = Posting.objects.get(slug=demo_slug(LITTORAL))

    assert roles(copy) == {
        ("ocu-alliance-migrations-demo", "sending"),
        ("anvita-demo", "co_organiser"),
        ("cncd-11-11-11-demo", "host"),
        ("le-monde-des-possibles-demo", "local_partner"),
    }
    assert pay_components(copy) == pay_components(real(LIEGE))
    assert languages(littoral) == languages(real(LITTORAL))
    assert requirements(littoral) == requirements(real(LITTORAL))
    assert [p.date_precision for p in littoral.phases_for_display()] == ["day", "month", "month"]
    assert Organisation.objects.get(slug="cncd-11-11-11-demo").name == "CNCD-11.11.11 (démo)"
    assert Organisation.objects.filter(is_demo=True).count() == 10
    # The real organisations have no opening: their postings are the closed reference ones.
    real_cncd = Organisation.objects.get(slug="cncd-11-11-11")
    assert (
        not Posting.objects.filter(organisation_roles__organisation=real_cncd)
        .open_for_applications()
        .exists()
    )


def test_rerunning_refreshes_the_demo_without_duplicating_it():
    load()
    counts = {model: model.objects.count() for model in REAL_MODELS}
    copy = Posting.objects.get(slug=demo_slug(HRO))
    Posting.objects.filter(pk=copy.pk).update(deadline=timezone.now() - timedelta(days=30))

    load()

    assert {model: model.objects.count() for model in REAL_MODELS} == counts
    copy.refresh_from_db()
    assert copy.is_open()


def test_no_demo_loads_only_the_real_data():
    out = load("--no-demo")

    assert "--no-demo" in out
    assert not Posting.objects.filter(is_demo=True).exists()
    assert not Organisation.objects.filter(is_demo=True).exists()
    assert not Programme.objects.filter(is_demo=True).exists()
