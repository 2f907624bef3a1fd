"""What a first-time visitor sees with the shipped data: real postings beside the demonstration copies, copies that
never contradict their own dates, and names (themes, cities) in the page's language."""

import html
import re
from io import StringIO

import pytest
from django.core.management import call_command

from postings.demo import demo_slug
from postings.models import Posting

pytestmark = pytest.mark.django_db

EXPLANATION = "Aucune offre réelle n'est ouverte aux candidatures en ce moment."


@pytest.fixture
def shipped_data(db):
    call_command("load_reference_data", stdout=StringIO(), stderr=StringIO())


def main_html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)


def text_of(markup: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def test_the_home_page_shows_the_latest_real_postings_beside_the_demo_copies(client, shipped_data):
    page = main_html(client, "/")
    text = text_of(page)

    assert text.count(EXPLANATION) == 1
    assert text.index(EXPLANATION) < text.index("Volontaire – Droits des étrangers à Bruxelles")
    real = text[text.index("Offres réelles récentes (clôturées)") :]
    for posting in Posting.objects.filter(is_demo=False):
        assert posting.title in real
        assert f'href="{posting.get_absolute_url()}"' in page
    assert real.count("Clôturée") == 5
    # Each open card is a demonstration copy, marked once on the card, not on every organisation name.
    assert page.count("badge-demo") == Posting.objects.filter(is_demo=True).count()


def test_the_home_page_shows_no_closed_real_posting_while_one_is_open(client, shipped_data):
    Posting.objects.filter(slug="stage-plaidoyer-communication-hro-2021").update(
        status=Posting.Status.PUBLISHED, deadline=None
    )

    text = text_of(main_html(client, "/"))

    assert EXPLANATION not in text
    assert "Offres réelles récentes" not in text


def test_a_filtered_listing_does_not_add_the_real_postings(client, shipped_data):
    text = text_of(main_html(client, "/?kind=internship"))

    assert EXPLANATION not in text


@pytest.mark.parametrize(
    ("slug", "dated"),
    [
        ("villes-accueillantes-liege-session-24", ["septembre 2021", "février 2022"]),
        # The context's history ("octobre 2020") stays; the rates year and the calendar are the original's.
        ("droits-des-etrangers-bruxelles-session-24", ["Erasmus Plus 2020", "2021", "2022"]),
        ("stage-plaidoyer-communication-hro-2021", ["2021"]),
    ],
)
def test_a_demo_copy_never_names_the_originals_dates(client, shipped_data, slug, dated):
    text = text_of(main_html(client, f"/offres/{demo_slug(slug)}/"))

    assert [date for date in dated if date in text] == []
    assert "Offre de démonstration" in text
    assert "formulaire de cette page" not in text
    assert "Postuler en ligne" in text


def test_the_copy_still_says_what_the_original_says_around_its_dates(client, shipped_data):
    text = text_of(main_html(client, f"/offres/{demo_slug('villes-accueillantes-liege-session-24')}/"))

    assert "Une deuxième étape est prévue pendant la session" in text
    assert "soit 630,45 € par mois au total" in text


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("en", ["Brussels, Belgium", "Foreigners' rights", "Demonstration", "Volunteer mission"]),
        ("nl", ["Brussel, België", "Luik, België", "Rechten van vreemdelingen", "Demonstratie"]),
    ],
)
def test_themes_cities_and_badges_are_translated(client, shipped_data, language, names):
    text = text_of(main_html(client, f"/{language}/?closed=1"))

    assert [name for name in names if name not in text] == []
    assert "Bruxelles, " not in text
