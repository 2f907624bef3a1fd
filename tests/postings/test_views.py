"""Public pages through the test client: listing (cards, sorting, paging, bad input), posting, session, errors."""

import html
import re
from datetime import datetime, time, timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from postings.models import Posting
from tests import factories as f
from tests.postings.full_posting import full_posting

pytestmark = pytest.mark.django_db


def local_noon_in(*, days: int) -> datetime:
    """Noon, Paris time, `days` days from today: a deadline whose "days left" does not depend on the hour."""
    return timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=days), time(12)))


def listing(client, **params):
    response = client.get(reverse("postings:list"), params)
    assert response.status_code == 200
    return response


def listed_titles(response) -> list[str]:
    return [p.title for p in response.context["postings"]]


def main_html(response) -> str:
    return response.content.decode().split('<main id="main"', 1)[1]


# Listing ---------------------------------------------------------------------------------------------


def test_a_card_shows_kind_scheme_places_organisations_deadline_and_pay(client):
    host = f.make_organisation(name="Human Rights Observers", slug="hro")
    posting = f.published_posting(
        title="Stage observation",
        kind=Posting.Kind.INTERNSHIP,
        scheme=Posting.Scheme.INTERNSHIP_AGREEMENT,
        organisations={"host": host},
        country="FR",
        city="Calais",
        monthly_pay="575",
        pay_is_net=True,
        deadline=local_noon_in(days=3),
    )
    posting.locations.create(country="FR", city="Grande-Synthe", order=1)

    html = main_html(listing(client))

    assert f'href="/offres/{posting.slug}/"' in html
    assert "Stage</span>" in html
    assert "Stage sous convention" in html
    assert "Calais, France · Grande-Synthe, France" in html
    assert 'href="/organisations/hro/">Human Rights Observers</a>' in html
    assert "575&nbsp;€ par mois net" in html
    assert "encore 3 jours" in html
    assert "Démonstration" not in html


def test_the_result_count_is_shown(client):
    for _ in range(3):
        f.published_posting()
    f.draft_posting()

    assert "3 offres" in main_html(listing(client))


def test_a_closed_posting_card_says_closed(client):
    f.closed_posting(title="Mission close")

    html = main_html(listing(client, closed="1"))

    assert "Mission close" in html
    assert "Clôturée" in html


def test_a_demo_posting_card_carries_the_demo_badge_once_not_on_each_organisation(client):
    f.published_posting(title="Démo", is_demo=True, organisations={"host": f.make_organisation(is_demo=True)})

    # Issue #12: which is which is said once per card (and once at the top of the home page), not on every
    # organisation name; demo organisations are named as copies ("… (démo)") anyway.
    assert main_html(listing(client)).count("badge-demo") == 1


def test_default_sort_is_deadline_soonest_with_postings_without_deadline_last(client):
    now = timezone.now()
    f.published_posting(title="Sans date", deadline=None)
    f.published_posting(title="Dans 20 jours", deadline=now + timedelta(days=20))
    f.published_posting(title="Dans 2 jours", deadline=now + timedelta(days=2))

    assert listed_titles(listing(client)) == ["Dans 2 jours", "Dans 20 jours", "Sans date"]
    assert listed_titles(listing(client, sort="deadline")) == ["Dans 2 jours", "Dans 20 jours", "Sans date"]


def test_newest_sort_puts_the_last_published_first(client):
    now = timezone.now()
    f.published_posting(title="Ancienne", published_at=now - timedelta(days=20))
    f.published_posting(title="Récente", published_at=now - timedelta(hours=1))
    f.published_posting(title="Moyenne", published_at=now - timedelta(days=5))

    assert listed_titles(listing(client, sort="newest")) == ["Récente", "Moyenne", "Ancienne"]


def test_pagination_shows_12_per_page_and_keeps_the_filters_in_its_links(client):
    for n in range(14):
        f.published_posting(title=f"Belgique {n:02}", country="BE")
    f.published_posting(title="France", country="FR")

    first = listing(client, country="BE", sort="newest")
    second = listing(client, country="BE", sort="newest", page="2")

    assert len(first.context["postings"]) == 12
    assert "14 offres" in main_html(first)
    links = re.findall(r'href="(\?[^"]*page=2[^"]*)"', main_html(first))
    assert links and all("country=BE" in link and "sort=newest" in link for link in links)
    assert len(second.context["postings"]) == 2
    assert set(listed_titles(first)).isdisjoint(listed_titles(second))


def test_pagination_elides_far_pages_so_a_large_listing_stays_short(client):
    Posting.objects.bulk_create(
        [
            Posting(
                title=f"Offre {n}",
                slug=f"offre-{n}",
                status=Posting.Status.PUBLISHED,
                published_at=timezone.now(),
            )
            for n in range(12 * 30)
        ]
    )

    response = listing(client, page="15")

    html = main_html(response)
    pages = re.findall(r'<a class="page-link" href="[^"]*page=(\d+)[^"]*">\d+</a>', html)
    assert pages == ["1", "2", "13", "14", "16", "17", "29", "30"]
    assert html.count("…") == 2
    assert 'aria-current="page"><span class="page-link">15</span>' in html


@pytest.mark.parametrize("per_page", [25, 50])
def test_per_page_accepts_25_and_50(client, per_page):
    for _ in range(30):
        f.published_posting()

    assert len(listing(client, per_page=str(per_page)).context["postings"]) == min(per_page, 30)


def test_an_unsupported_per_page_falls_back_to_12_with_a_message(client):
    for _ in range(13):
        f.published_posting()

    response = listing(client, per_page="100000")

    assert len(response.context["postings"]) == 12
    assert "offres par page n&#x27;est pas proposé" in main_html(response)


@pytest.mark.parametrize("page", ["abc", "0", "-3", "1.5"])
def test_a_page_that_is_not_a_number_shows_the_first_page_with_a_message(client, page):
    for n in range(14):
        f.published_posting(title=f"Mission {n:02}")

    response = listing(client, page=page)

    assert len(response.context["postings"]) == 12
    assert response.context["page_obj"].number == 1
    assert "n&#x27;est pas valide : voici la première page" in main_html(response)


def test_a_page_past_the_end_shows_the_last_page_with_a_message(client):
    for n in range(14):
        f.published_posting(title=f"Mission {n:02}")

    response = listing(client, page="99999")

    assert response.context["page_obj"].number == 2
    assert len(response.context["postings"]) == 2
    assert "La page 99999 n&#x27;existe pas : voici la dernière page (2)" in main_html(response)


def test_a_huge_page_number_does_not_fail(client):
    assert list(listing(client, page="9" * 40).context["postings"]) == []
    f.published_posting(title="Seule")
    assert listed_titles(listing(client, page="9" * 40)) == ["Seule"]


def test_the_empty_state_offers_a_way_out(client):
    f.closed_posting(title="Close")

    html = main_html(listing(client, kind="job"))

    assert "Aucune offre ne correspond à ces critères." in html
    assert '<a class="btn btn-primary" href="/">Effacer les filtres</a>' in html
    assert "closed=1" in html


def test_the_listing_has_a_title_and_a_description(client):
    html = listing(client).content.decode()

    assert "<title>Offres ouvertes · Passerelle</title>" in html
    assert '<meta name="description" content="Missions de volontariat' in html


def test_the_filters_collapse_behind_a_button_on_small_screens(client):
    html = main_html(listing(client))

    assert 'data-bs-target="#filters"' in html
    assert 'id="filters" class="collapse d-lg-block' in html
    assert 'id="filters" class="collapse show' in main_html(listing(client, kind="zzz"))


# Detail ----------------------------------------------------------------------------------------------


def test_the_detail_page_shows_every_fact_of_a_full_posting(client):
    posting = full_posting()

    response = client.get(reverse("postings:detail", kwargs={"slug": posting.slug}))

    assert response.status_code == 200
    html = main_html(response)
    expected = [
        '<h1 class="h2">Droits des étrangers – villes accueillantes</h1>',
        "Mission de volontariat",
        "Service Civique",
        "Engagement de Service Civique à l'étranger.",
        # The age bounds come from postings.eligibility.age_range, escaped as any variable.
        "de 16 à 25 ans, jusqu&#x27;à 30 ans pour les personnes en situation de handicap",
        "Être de nationalité française ou titulaire d'un titre de séjour.",
        "Liège, Belgique · Bruxelles, Belgique",
        # Organisations grouped by role, with the role's description and a link to their page.
        "Organisation d&#x27;envoi</h3>",
        "Organisation d&#x27;accueil</h3>",
        "Co-organisateur</h3>",
        "Partenaire local</h3>",
        "Accueille la ou le volontaire à Liège.",
        "/organisations/",
        "Le réseau <strong>ANVITA</strong> rassemble des villes accueillantes.",
        "<ul><li>Cartographier les initiatives<ul><li>en Wallonie</li></ul></li><li>Rédiger une note</li></ul>",
        "Intérêt pour les politiques migratoires.",
        "Une expérience associative.",
        "Une formation collective avant le départ.",
        # A CEFR level the posting states is shown as stated, with no words added to it.
        "Français : <span>C1</span>",
        "<strong>exigée</strong>",
        "Anglais : <span>B1</span>",
        "un plus",
        "Permis de conduire (B) : <strong>indispensable</strong>",
        "Véhicule personnel : souhaité",
        "Indemnité : environ 630,45&nbsp;€ par mois net",
        "Grille : Barème Service Civique",
        "Part de l&#x27;État : 522,87&nbsp;€ par mois</li>",
        'Majoration sur critères sociaux : 107,66&nbsp;€ par mois <span class="badge text-bg-light border">sous conditions</span>',
        "Versée chaque mois par l'Agence du Service Civique.",
        "Temps plein",
        "7 mois – dont 5 mois sur le terrain",
        "dès que possible – après la formation",
        "encore 10 jours",
        # Phases: month precision shows the month, never a made-up day.
        # French typography: the year once when both dates share it.
        "du 23 octobre au 16 novembre 2017",
        "de novembre 2017 à avril 2018",
        "mai 2018",
        f'href="{posting.session.get_absolute_url()}"',
        'id="candidater"',
        "Envoyez un CV et une lettre de motivation.",
        "+32 2 250 12 30",
        f'href="/offres/{posting.slug}/candidater/">Postuler en ligne</a>',
    ]
    missing = [fact for fact in expected if fact not in html]
    assert not missing
    assert "1 mai 2018" not in html
    assert "1 novembre 2017" not in html


def test_the_detail_page_has_the_posting_title_and_summary_as_meta(client):
    posting = f.published_posting(title="Observatoire", summary="Observer les droits à la frontière.")

    html = client.get(posting.get_absolute_url()).content.decode()

    assert "<title>Observatoire · Passerelle</title>" in html
    assert '<meta name="description" content="Observer les droits à la frontière.">' in html


def test_a_start_date_is_shown_as_a_date(client):
    posting = f.published_posting(starts_on=timezone.localdate().replace(month=11, day=15))

    assert "15 novembre" in main_html(client.get(posting.get_absolute_url()))


def test_a_closed_posting_keeps_how_to_apply_and_its_contacts_but_offers_no_apply_button(client):
    posting = f.expired_posting(how_to_apply="Écrire à contact@example.org")

    html = main_html(client.get(posting.get_absolute_url()))

    assert "Candidatures closes" in html
    assert "Postuler" not in html
    # Only the form goes: how to apply and whom to contact stay, under the notice that applications are closed.
    assert "Les candidatures sont closes pour cette offre." in html
    assert html.index("Les candidatures sont closes pour cette offre.") < html.index(
        "Écrire à contact@example.org"
    )
    assert f'href="mailto:{posting.contact_email}"' in html


def test_a_demo_posting_page_shows_the_demo_badge_for_posting_organisation_and_session(client):
    session = f.make_session(is_demo=True)
    posting = f.published_posting(
        is_demo=True, session=session, organisations={"host": f.make_organisation(is_demo=True)}
    )

    assert main_html(client.get(posting.get_absolute_url())).count("badge-demo") == 3


@pytest.mark.parametrize("factory", [f.draft_posting, f.archived_posting])
def test_drafts_and_archives_are_not_found(client, factory):
    posting = factory()

    response = client.get(reverse("postings:detail", kwargs={"slug": posting.slug}))

    assert response.status_code == 404


def test_an_unknown_slug_gives_the_404_page_in_site_style(client):
    response = client.get("/offres/nexiste-pas/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html
    assert "css/passerelle.css" in html
    assert 'href="/">Voir les offres ouvertes</a>' in html


def test_unknown_session_and_organisation_slugs_are_not_found(client):
    assert client.get("/sessions/inconnue/").status_code == 404
    assert client.get("/organisations/inconnue/").status_code == 404


# Session page ----------------------------------------------------------------------------------------


def test_the_session_page_shows_programme_dates_cohort_phases_and_public_postings(client):
    programme = f.make_programme(name="Programme d'échanges", description="Un **programme** de volontariat.")
    session = f.make_session(programme=programme, name="Session 24", min_volunteers=8, max_volunteers=15)
    f.published_posting(session=session, title="Mission ouverte")
    f.closed_posting(session=session, title="Mission close")
    f.draft_posting(session=session, title="Mission brouillon")

    response = client.get(reverse("postings:session", kwargs={"slug": session.slug}))

    html = main_html(response)
    assert response.status_code == 200
    assert "Session 24" in html
    assert "Programme d&#x27;échanges" in html
    assert "Un <strong>programme</strong> de volontariat." in html
    assert "8 à 15 volontaires" in html
    assert session.starts_on.strftime("%Y") in html
    assert "Préparation collective au départ" in html
    assert "Capitalisation collective au retour" in html
    assert "Mission ouverte" in html
    assert "Mission close" in html
    assert "Mission brouillon" not in html
    assert "<title>Programme d&#x27;échanges – Session 24 · Passerelle</title>" in response.content.decode()


# Error pages -----------------------------------------------------------------------------------------


def test_the_500_page_renders_without_request_nor_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string("500.html")

    assert "Une erreur est survenue" in html
    assert "css/passerelle.css" in html


def test_a_server_error_shows_the_500_page(db, settings):
    settings.ROOT_URLCONF = "tests.postings.failing_urls"
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()


@pytest.mark.parametrize(
    ("template", "text"), [("400.html", "Requête invalide"), ("403.html", "Accès refusé")]
)
def test_400_and_403_pages_use_the_site_layout(rf, template, text):
    html = render_to_string(template, request=rf.get("/"))

    assert text in html
    assert "css/passerelle.css" in html


def test_a_search_is_sorted_by_relevance_and_the_form_says_so(client):
    f.published_posting(title="Accueil")

    response = listing(client, q="accueil")

    assert response.context["filter"].form["sort"].value() == "relevance"
    assert '<option value="relevance" selected>' in main_html(response)
    assert listing(client).context["filter"].form["sort"].value() == "deadline"


@pytest.mark.parametrize(
    ("bounds", "words"),
    [
        (
            {"min_age": 16, "max_age": 25, "max_age_with_disability": 30},
            "de 16 à 25 ans, jusqu'à 30 ans pour les personnes en situation de handicap",
        ),
        ({"min_age": 18}, "à partir de 18 ans"),
        ({"max_age": 25}, "jusqu'à 25 ans"),
        ({"max_age_with_disability": 30}, "jusqu'à 30 ans pour les personnes en situation de handicap"),
    ],
)
def test_the_posting_page_and_the_apply_form_state_the_age_bounds_in_the_same_words(client, bounds, words):
    posting = f.published_posting(scheme=Posting.Scheme.SERVICE_CIVIQUE, **bounds)

    page = html.unescape(client.get(posting.get_absolute_url()).content.decode())
    form = html.unescape(
        client.get(reverse("applications:apply", kwargs={"slug": posting.slug})).content.decode()
    )

    assert re.search(rf"<dd[^>]*>\s*{re.escape(words)}\s*</dd>", page)
    assert f"Avoir l'âge demandé au début de la mission : {words}." in form
