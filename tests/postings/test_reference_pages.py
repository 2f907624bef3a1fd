"""Each of the five reference postings, read as a candidate reads it: its public page shows its key facts."""

import html
import re
from io import StringIO

import pytest
from django.core.management import call_command

from postings.jsonld import job_posting_jsonld
from postings.models import Posting

pytestmark = pytest.mark.django_db

# slug -> facts the page must show (text, tags stripped, spaces folded).
KEY_FACTS = {
    "droits-des-etrangers-bruxelles-session-24": [
        "Erasmus+ – stagiaire de la formation professionnelle",
        "Bruxelles, Belgique",
        "Migreurop",
        "Organisation d'envoi",
        "CNCD-11.11.11",
        "Organisation d'accueil",
        "environ 750",
        "180",  # travel lump sum
        "du 13 septembre 2021 au 8 octobre 2021",
        "du 13 octobre 2021 au 11 mars 2022",
        "du 21 mars 2022 au 13 avril 2022",
        "Anglais",
        "Candidatures closes",
        "Session 24",
    ],
    "villes-accueillantes-liege-session-24": [
        "Service Civique",
        "Liège, Belgique",
        "Organisation pour une Citoyenneté Universelle",
        "ANVITA",
        "Co-organisateur",
        "Le Monde des Possibles",
        "Partenaire local",
        "522,87",
        "107,58",
        "107,66",
        "de 16 à 25 ans",
        "jusqu'à 30 ans pour les personnes en situation de handicap",
        "Candidatures closes",
    ],
    "observatoire-frontiere-franco-britannique-2017": [
        "Service Civique",
        "Gisti",
        "Plateforme de Service aux Migrants",
        "500",
        "744",
        "du 23 octobre 2017 au 16 novembre 2017",
        "de novembre 2017 à avril 2018",
        "mai 2018",
        "Permis de conduire",
        "Véhicule personnel",
        "Arabe",
        "Candidatures closes",
    ],
    "stage-plaidoyer-communication-hro-2021": [
        "Stage",
        "Calais",
        "Grande-Synthe",
        "L'Auberge des Migrants",
        "Employeur",
        "575",
        "net",
        "1 novembre 2021 à 23:59 – Candidatures closes",  # the past deadline stays on record
        "Convention de stage",
        "Candidatures closes",
    ],
    "charge-de-projet-logement-communication-mineurs-en-exil": [
        "Contrat à durée déterminée (CDD)",
        "Bruxelles, Belgique",
        "Plate-forme Mineurs en exil",
        "319.02",
        "Temps plein",
        "Néerlandais",
        "Français",
        "dès que possible",
        "Candidatures closes",
    ],
}


@pytest.fixture
def reference_data(db):
    call_command("load_reference_data", "--no-demo", stdout=StringIO(), stderr=StringIO())


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(text))


@pytest.mark.parametrize("slug", KEY_FACTS)
def test_each_reference_posting_page_shows_its_key_facts(client, reference_data, slug):
    text = page_text(client, f"/offres/{slug}/")

    missing = [fact for fact in KEY_FACTS[slug] if fact not in text]
    assert not missing


@pytest.mark.parametrize("slug", KEY_FACTS)
def test_a_closed_reference_posting_offers_no_apply_button_and_no_job_offer_markup(
    client, reference_data, slug
):
    response = client.get(f"/offres/{slug}/")
    body = response.content.decode()

    assert f"/offres/{slug}/candidater/" not in body
    assert "application/ld+json" not in body
    assert (
        job_posting_jsonld(Posting.objects.get(slug=slug), request_or_base_url="https://example.org") is None
    )


def test_the_reference_postings_are_listed_only_with_closed_ones(client, reference_data):
    open_listing = page_text(client, "/")
    all_listing = page_text(client, "/?closed=1")

    assert "Volontaire – Droits des étrangers à Bruxelles" not in open_listing
    assert "Volontaire – Droits des étrangers à Bruxelles" in all_listing
    assert "5 offres" in all_listing


def test_the_session_24_page_lists_its_two_postings_and_its_timeline(client, reference_data):
    session = Posting.objects.get(slug="droits-des-etrangers-bruxelles-session-24").session
    text = page_text(client, session.get_absolute_url())

    assert "8 à 15 volontaires" in text
    assert "Volontaire – Droits des étrangers à Bruxelles" in text
    assert "Liège" in text
    assert "du 13 octobre 2021 au 11 mars 2022" in text


def test_no_fact_is_printed_twice(client, reference_data):
    internship = page_text(client, "/offres/stage-plaidoyer-communication-hro-2021/")
    job = page_text(client, "/offres/charge-de-projet-logement-communication-mineurs-en-exil/")

    assert "6 mois – 6 mois" not in internship
    assert "dès que possible – Au plus vite" not in job
