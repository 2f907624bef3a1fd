"""The posting form as a recruiter of a small association meets it: essentials first, plain-French labels and
messages, an optional slug, and coherence checks that stop real mistakes with a specific message."""

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from postings.models import Phase, Posting
from tests import factories as f
from tests.admin_forms import form_data

pytestmark = pytest.mark.django_db

ADD = "admin:postings_posting_add"


def change_url(posting):
    return reverse("admin:postings_posting_change", args=[posting.pk])


def essentials(client, cast, **overrides):
    """The add form filled with the essentials only, as the browser would submit it."""
    data = form_data(client.get(reverse(ADD)), "posting_form")
    data.update(
        {
            "title": "Accueil des personnes exilées",
            "kind": "volunteer",
            "scheme": "service_civique",
            "pay_kind": "stipend",
            "session": cast.session.pk,
            "organisation_roles-0-organisation": cast.org_a.pk,
            "organisation_roles-0-role": "host",
            "locations-0-country": "BE",
            "locations-0-city": "Bruxelles",
            "summary": "Accueillir et orienter.",
            "how_to_apply": "CV et lettre en ligne.",
        }
    )
    data.update(overrides)
    return data


def errors_of(response) -> list[str]:
    form = response.context["adminform"].form
    return [str(message) for messages in form.errors.values() for message in messages]


@pytest.fixture
def recruiter(cast, client):
    client.force_login(cast.recruiter_a)
    return client


# Essentials first ----------------------------------------------------------------------------------------


def test_the_form_opens_on_the_essentials_and_collapses_the_rest(cast, recruiter):
    text = recruiter.get(reverse(ADD)).content.decode()

    # The open part, in this order: what, who and where, when, for the candidates.
    order = [
        'name="title"',
        'name="kind"',
        'name="scheme"',
        'name="session"',
        'name="organisation_roles-0-organisation"',
        'name="locations-0-country"',
        'name="starts_on"',
        'name="deadline_0"',
        'name="summary"',
        'name="how_to_apply"',
    ]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)
    # Everything else comes after, in named sections that are collapsed (<details> closed).
    first_collapsed = text.index("<details>")
    assert first_collapsed > positions[-1]
    for heading in (
        "Description détaillée",
        "Éligibilité",
        "Rémunération : montant et précisions",
        "Traductions",
        "Adresse de la page et publication",
        "Langues demandées",
        "Rémunération : le détail ligne par ligne",
        "Calendrier propre à l",
    ):
        assert text.index(heading) > first_collapsed, heading
    assert text.index('name="title_en"') > first_collapsed
    assert text.index('name="slug"') > first_collapsed
    assert text.index('name="pay_components-TOTAL_FORMS"') > first_collapsed


def test_labels_say_what_they_mean_in_french(cast, recruiter):
    text = recruiter.get(change_url(cast.posting_a)).content.decode()
    labels = re.findall(r"<label[^>]*>(.*?)</label>", text, re.S)
    labels = [re.sub(r"\s+", " ", label).strip() for label in labels]

    assert "Dispositif / statut :" in labels
    assert "Adresse de la page (facultatif) :" in labels
    assert "État de publication :" in labels
    assert "Créée le :" in labels
    assert "Modifiée le :" in labels
    assert not [label for label in labels if re.search(r"\b(Created|Updated|at)\b", label)]
    assert "Statut :" not in labels
    assert "Le cadre légal de l'engagement" in text
    assert "<h1>Modifier l&#x27;offre</h1>" in text
    assert "<h1>Nouvelle offre</h1>" in recruiter.get(reverse(ADD)).content.decode()


def test_the_error_banner_is_in_french_for_a_french_recruiter(cast, recruiter):
    response = recruiter.post(reverse(ADD), essentials(recruiter, cast, title="", kind=""))

    text = response.content.decode()
    assert "Corrigez les erreurs ci-dessous." in text
    assert "Please correct" not in text


def test_the_error_banner_follows_the_language_of_the_admin(cast, recruiter):
    url = "/en" + reverse(ADD)
    data = form_data(recruiter.get(url), "posting_form")

    text = recruiter.post(url, {**data, "title": ""}).content.decode()

    assert "Please correct the error" in text


def test_a_posting_with_only_the_essentials_is_created_with_a_slug_from_its_title(cast, recruiter):
    response = recruiter.post(reverse(ADD), essentials(recruiter, cast, slug=""))

    assert response.status_code == 302, errors_of(response)
    posting = Posting.objects.get(title="Accueil des personnes exilées")
    assert posting.slug == "accueil-des-personnes-exilees"
    assert posting.status == Posting.Status.DRAFT
    assert list(posting.locations.values_list("city", flat=True)) == ["Bruxelles"]


def test_an_empty_slug_never_takes_another_postings_address(cast, recruiter):
    f.draft_posting(title="Autre", slug="accueil-des-personnes-exilees")

    recruiter.post(reverse(ADD), essentials(recruiter, cast, slug=""))

    assert Posting.objects.filter(slug="accueil-des-personnes-exilees-2").exists()


# Coherence checks, each with its exact message ------------------------------------------------------------


def test_an_internship_gratification_on_a_service_civique_mission_is_refused(cast, recruiter):
    response = recruiter.post(reverse(ADD), essentials(recruiter, cast, pay_kind="gratification"))

    assert response.status_code == 200
    assert errors_of(response) == [
        "« Gratification de stage » ne convient pas au dispositif « Service Civique » : choisissez « Indemnité »."
    ]
    assert not Posting.objects.filter(title="Accueil des personnes exilées").exists()


def test_a_salary_on_an_internship_lists_the_pay_kinds_that_fit(cast, recruiter):
    response = recruiter.post(
        reverse(ADD),
        essentials(recruiter, cast, kind="internship", scheme="internship_agreement", pay_kind="salary"),
    )

    assert errors_of(response) == [
        "« Salaire » ne convient pas au dispositif « Stage sous convention » : choisissez « Gratification de "
        "stage » ou « Non rémunéré »."
    ]


@pytest.mark.parametrize(
    ("ages", "message"),
    [
        (
            {"min_age": "15"},
            "Le dispositif « Service Civique » commence à 16 ans : l'âge minimum ne peut pas être inférieur.",
        ),
        (
            {"max_age": "28"},
            "Le dispositif « Service Civique » s'arrête à 25 ans : l'âge maximum ne peut pas être supérieur "
            "(en situation de handicap, utilisez le champ suivant).",
        ),
        (
            {"max_age_with_disability": "35"},
            "Le dispositif « Service Civique » s'arrête à 30 ans en situation de handicap : l'âge maximum ne "
            "peut pas être supérieur.",
        ),
        (
            {"min_age": "22", "max_age": "20"},
            "L'âge maximum (20 ans) est inférieur à l'âge minimum (22 ans).",
        ),
    ],
)
def test_age_bounds_outside_the_schemes_are_refused(cast, recruiter, ages, message):
    response = recruiter.post(reverse(ADD), essentials(recruiter, cast, **ages))

    assert errors_of(response) == [message]


def test_the_schemes_own_age_bounds_are_accepted(cast, recruiter):
    data = essentials(recruiter, cast, min_age="16", max_age="25", max_age_with_disability="30")

    assert recruiter.post(reverse(ADD), data).status_code == 302


def test_a_deadline_after_the_start_date_is_refused(cast, recruiter):
    data = essentials(recruiter, cast, starts_on="01/03/2027", deadline_0="15/03/2027", deadline_1="12:00:00")

    response = recruiter.post(reverse(ADD), data)

    assert errors_of(response) == [
        "La date limite de candidature (15 mars 2027) tombe après la date de début (1 mars 2027) : les "
        "candidatures doivent être closes avant le début."
    ]


def test_a_posting_calendar_outside_its_sessions_dates_is_refused(cast, recruiter):
    session = f.make_session(
        programme=cast.programme,
        name="Session 31",
        starts_on=date(2027, 1, 10),
        ends_on=date(2027, 6, 30),
        with_phases=False,
    )
    data = essentials(
        recruiter,
        cast,
        **{
            "session": session.pk,
            "own_phases-TOTAL_FORMS": "1",
            "own_phases-0-kind": "field",
            "own_phases-0-starts_on": "10/01/2027",
            "own_phases-0-ends_on": "15/07/2027",
            "own_phases-0-date_precision": "day",
        },
    )

    response = recruiter.post(reverse(ADD), data)

    assert response.status_code == 200
    assert (
        "L&#x27;étape « Terrain » (du 10 janvier 2027 au 15 juillet 2027) sort des dates de la session "
        "« Session 31 » (du 10 janvier 2027 au 30 juin 2027) : choisissez une autre session ou corrigez "
        "l&#x27;étape."
    ) in response.content.decode()
    assert not Posting.objects.filter(title="Accueil des personnes exilées").exists()
    # The same phase inside the session's dates is accepted.
    data["own_phases-0-ends_on"] = "30/06/2027"
    assert recruiter.post(reverse(ADD), data).status_code == 302
    assert Phase.objects.filter(posting__session=session).count() == 1


def test_the_session_field_lists_only_current_sessions_in_reach(cast, recruiter):
    ended = f.make_session(
        programme=cast.programme,
        name="Session 12",
        starts_on=date(2020, 1, 1),
        ends_on=date(2020, 6, 30),
        with_phases=False,
    )
    foreign = f.make_session(programme=f.make_programme(), name="Session d'un autre programme")

    form = recruiter.get(reverse(ADD)).context["adminform"].form
    assert set(form.fields["session"].queryset) == {cast.session}
    autocomplete = recruiter.get(
        reverse("admin:autocomplete"),
        {"app_label": "postings", "model_name": "posting", "field_name": "session", "term": "Session"},
    ).json()
    assert [r["text"] for r in autocomplete["results"]] == [str(cast.session)]

    # A posting already in an ended session keeps it choosable (its form still saves).
    old = f.closed_posting(session=ended, organisations={"host": cast.org_a}, deadline=timezone.now())
    form = recruiter.get(change_url(old)).context["adminform"].form
    assert set(form.fields["session"].queryset) == {cast.session, ended}
    assert foreign not in form.fields["session"].queryset
