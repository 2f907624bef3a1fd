"""Each of the five reference postings, read as a candidate reads it: its public page, open and closed, in French,
English and Dutch, gives every fact the source document gives to act on (how to apply, whom to contact, the
deadline as stated, amounts, languages, phases) and nothing the document does not say."""

import html
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from postings import cache as postings_cache
from postings.jsonld import job_posting_jsonld
from postings.models import Posting, end_of_day
from tests import factories as f

pytestmark = pytest.mark.django_db

BRUXELLES = "droits-des-etrangers-bruxelles-session-24"
LIEGE = "villes-accueillantes-liege-session-24"
LITTORAL = "observatoire-frontiere-franco-britannique-2017"
HRO = "stage-plaidoyer-communication-hro-2021"
MINEURS = "charge-de-projet-logement-communication-mineurs-en-exil"

EP_HOW_TO_APPLY = [
    "info@echanges-partenariats.org",
    "en précisant en objet le thème et le pays",  # the subject-line rule
    "Petits conseils pour écrire votre lettre de motivation",
    "Nous donnerons une réponse à toutes les candidatures",
]
SESSION_24 = [
    "Préparation collective au départ",
    "du 13 septembre au 8 octobre 2021 · Paris",
    "du 13 octobre 2021 au 11 mars 2022",
    "Capitalisation collective au retour",
    "du 21 mars au 13 avril 2022 · Paris",
    "Session 24",
    "Cohorte : de 8 à 15 volontaires.",
    "http://echanges-partenariats.org/le-programme-dechanges/",
    "http://echanges-partenariats.org/les-conditions-pour-partir/",
    "http://volontaires.echanges-partenariats.org/",
]

# slug -> facts the French page must show, open or closed (text, tags stripped, spaces folded).
FACTS = {
    BRUXELLES: [
        *EP_HOW_TO_APPLY,
        *SESSION_24,
        "pas de date limite indiquée",
        "Erasmus+ – stagiaire de la formation professionnelle",
        "Bruxelles, Belgique",
        "Migreurop",
        "Organisation d'envoi",
        "CNCD-11.11.11",
        "Organisation d'accueil",
        "environ 750 € par mois",
        "Forfait transport aller-retour : 180 € une fois",
        "Français : bon niveau (lu, écrit, parlé) – exigée",
        "Anglais : bon niveau (lu, écrit, parlé) – exigée",
    ],
    LIEGE: [
        *EP_HOW_TO_APPLY,
        *SESSION_24,
        "pas de date limite indiquée",
        "Service Civique",
        "Liège, Belgique",
        "Organisation pour une Citoyenneté Universelle",
        "ANVITA",
        "Le Monde des Possibles",
        "Indemnité versée par l'État : 522,87 € par mois",
        "Co-financement versé par E&P : 107,58 € par mois",
        "Majoration sur critères sociaux : 107,66 € par mois sous conditions",
        # The sum is ours, not the call's: labelled as a total, after the parts as stated.
        "soit 630,45 € par mois au total",
        "de 16 à 25 ans",
        "jusqu'à 30 ans pour les personnes en situation de handicap",
        "Français : bon niveau (écrit, lu, parlé) – exigée",
    ],
    LITTORAL: [
        "info@echanges-partenariats.org",
        "en précisant le titre de la mission ainsi que le pays",
        "pas de date limite indiquée",
        "Littoral Nord (Nord-Pas-de-Calais), France",
        "Service Civique",
        "Service civique pour les moins de 26 ans",
        "Gisti",
        "Plateforme de Service aux Migrants",
        "Indemnité : 500 € par mois",
        "Versement en début de programme : 744 € une fois",
        "du 23 octobre au 16 novembre 2017 · Paris",
        "de novembre 2017 à avril 2018",
        "mai 2018",
        # What the call says about the programme's method, beside its own phases.
        "Préparation collective au départ : 3 à 4 semaines à Paris",
        "Le terrain : entre 5 mois et 1 an",
        "Rédaction de rapports intermédiaires et réunion de suivi",
        "Capitalisation collective au retour",
        "http://emi-cfd.com/echanges-partenariats/",
        "Permis de conduire (B) : indispensable",
        "Véhicule personnel : indispensable",
        "Français : bon niveau – exigée",
        "Anglais : bon niveau – exigée",
        "Arabe – un plus",
        "Persan (farsi) – un plus",
        "Pachto (pashtou) – un plus",
        "Tigrigna (tigrinya) – un plus",
    ],
    HRO: [
        "recrutementhro@laubergedesmigrants.fr",
        "Envoyez votre lettre de motivation et votre CV",
        "Calais, France · Grande-Synthe, France",
        "L'Auberge des Migrants",
        "Employeur",
        "575 € par mois net",
        "6 mois",
        "mi-novembre 2021",
        "Permis de conduire (B) : souhaité",
        "Convention de stage : souhaitée",  # agrees with its noun
        "Français : courant – exigée",
        "Anglais : très bonne maîtrise (à l'oral et à l'écrit) – exigée",
    ],
    MINEURS: [
        "tv@sdj.be",
        "kf@sdj.be",
        "02/210.94.91",
        "Postulez avec une lettre de motivation et un CV par e-mail",
        "22 janvier",
        "Contrat à durée déterminée (CDD)",
        "avec possibilité de prolongation en fonction des subsides éventuels alloués",
        "Bruxelles, Belgique",
        "Plate-forme Mineurs en exil",
        "CP 319.02",
        "Temps plein",
        "Néerlandais : bilingue (NL/FR) – exigée",
        "Français : bilingue (NL/FR) – exigée",
        "Anglais : bon niveau (écrit et oral) – exigée",
        "dès que possible",
        # The organisation's contacts as the document gives them.
        "fax 02/209.61.60",
        "www.mineursenexil.be",
        "www.kinderenopdevlucht.be",
        "Kiekenmarkt 30, 1000 Brussel",
    ],
}
CLOSED_FACTS = {
    HRO: ["Date limite : 1er novembre 2021", "1er novembre 2021 – Candidatures closes"],
    MINEURS: ["Date limite : 22 janvier", "22 janvier – Candidatures closes"],
}

# Facts and forms none of the five documents state.
CEFR_LEVEL = re.compile(r"\b[ABC][12]\b")
TIME_OF_DAY = re.compile(r"\b\d{1,2} ?(?::|h) ?\d{2}\b")
UNSTATED = [
    "renouvelable",
    "Renouvelable",
    "présentée dans l'offre",
    "année non précisée",
    "Sans date limite",
    "formulaire de cette page",
    "jusqu'à 25 ans",
    "France (",
    "))",
    "Stage sous convention (convention",
    "12 mois",
]

# (language prefix, slug) -> facts of the English and Dutch pages. The job has a Dutch translation; every
# other text falls back to French (with its notice), but names, places and labels are in the page's language.
TRANSLATED_FACTS = {
    ("en", BRUXELLES): [
        "info@echanges-partenariats.org",
        "en précisant en objet le thème et le pays",
        "Brussels, Belgium",
        "French : bon niveau (lu, écrit, parlé)",
        "English : bon niveau (lu, écrit, parlé)",
        "no deadline stated",
        "Cohort: 8 to 15 volunteers.",
    ],
    ("en", LITTORAL): ["Arabic", "Persian (farsi)", "Pashto (pashtou)", "Tigrinya (tigrinya)"],
    ("en", HRO): [
        "recrutementhro@laubergedesmigrants.fr",
        "1 November 2021",
        "Internship agreement : wished",
    ],
    ("en", MINEURS): ["tv@sdj.be", "kf@sdj.be", "02/210.94.91", "22 janvier", "Dutch : bilingue (NL/FR)"],
    ("nl", MINEURS): [
        "Solliciteer met een motivatiebrief en een cv per e-mail naar tv@sdj.be en kf@sdj.be",
        "tv@sdj.be",
        "kf@sdj.be",
        "02/210.94.91",
        "22 janvier",
        "Brussel, België",
        "Nederlands : bilingue (NL/FR)",
        "Frans : bilingue (NL/FR)",
        "Engels : bon niveau (écrit et oral)",
        "met mogelijkheid tot verlenging",
    ],
    ("nl", LIEGE): ["Luik, België", "info@echanges-partenariats.org", "geen uiterste datum vermeld"],
    ("en", LIEGE): [
        "522.87 € per month",
        "107.58 € per month",
        "107.66 € per month under conditions",
        "i.e. 630.45 € per month in total",
        "from 13 September to 8 October 2021 · Paris",
        "from 13 October 2021 to 11 March 2022",
        "Cohort: 8 to 15 volunteers.",
        "en précisant en objet le thème et le pays",
    ],
    ("nl", LITTORAL): [
        "500 € per maand",
        "744 € eenmalig",
        "van 23 oktober tot 16 november 2017 · Paris",
        "van november 2017 tot april 2018",
        "mei 2018",
        "Perzisch (farsi)",
        "info@echanges-partenariats.org",
    ],
}

# The past deadline, shown while the posting is closed; the open copy has its own, future one.
CLOSED_ONLY = {"1 November 2021"}


@pytest.fixture
def reference_data(db):
    call_command("load_reference_data", "--no-demo", stdout=StringIO(), stderr=StringIO())


def open_it(slug: str) -> Posting:
    """The posting as it was while it took applications: published, its dated deadline still ahead."""
    posting = Posting.objects.get(slug=slug)
    posting.status = Posting.Status.PUBLISHED
    if posting.deadline is not None:
        posting.deadline = end_of_day(timezone.localdate() + timedelta(days=10))
    posting.save()
    postings_cache.bump()
    return posting


def main_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    main = re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)
    text = re.sub(r"<[^>]+>", " ", main)
    text = re.sub(r"\s+", " ", html.unescape(text))
    # Spaces the markup puts around punctuation are not the page's wording.
    return re.sub(r" ([.,])", r"\1", text)


def assert_says_nothing_unstated(text: str) -> None:
    assert not CEFR_LEVEL.findall(text)
    assert not TIME_OF_DAY.findall(text)
    assert [phrase for phrase in UNSTATED if phrase in text] == []


@pytest.mark.parametrize("slug", FACTS)
def test_a_closed_reference_posting_still_says_how_to_apply_and_nothing_unstated(
    client, reference_data, slug
):
    text = main_text(client, f"/offres/{slug}/")

    missing = [fact for fact in [*FACTS[slug], *CLOSED_FACTS.get(slug, [])] if fact not in text]
    assert missing == []
    # Under a clear notice, and only the online form goes away.
    assert "Comment candidater Les candidatures sont closes pour cette offre." in text
    assert "Postuler en ligne" not in text
    assert_says_nothing_unstated(text)


@pytest.mark.parametrize("slug", FACTS)
def test_an_open_reference_posting_shows_the_same_facts_and_the_form_at_top_and_end(
    client, reference_data, slug
):
    open_it(slug)

    response = client.get(f"/offres/{slug}/")
    text = main_text(client, f"/offres/{slug}/")

    assert [fact for fact in FACTS[slug] if fact not in text] == []
    assert response.content.decode().count(f'href="/offres/{slug}/candidater/"') == 2
    assert text.rindex("Postuler en ligne") > text.index("Comment candidater ")
    assert "Les candidatures sont closes" not in text
    assert_says_nothing_unstated(text)


def test_an_open_date_only_deadline_shows_its_day_and_closes_at_the_end_of_it(client, reference_data):
    posting = open_it(HRO)
    day = timezone.localdate() + timedelta(days=10)

    text = main_text(client, f"/offres/{HRO}/")

    assert f"{day.day} " in text and "encore 10 jours" in text
    assert not TIME_OF_DAY.findall(text)
    assert timezone.localtime(posting.deadline).date() == day
    assert posting.is_open(now=end_of_day(day) - timedelta(seconds=1))
    assert not posting.is_open(now=end_of_day(day) + timedelta(microseconds=1))


@pytest.mark.parametrize(("language", "slug"), TRANSLATED_FACTS)
def test_the_english_and_dutch_pages_keep_the_facts(client, reference_data, language, slug):
    for state in ("closed", "open"):
        if state == "open":
            open_it(slug)
        text = main_text(client, f"/{language}/offres/{slug}/")

        expected = [
            fact for fact in TRANSLATED_FACTS[language, slug] if state == "closed" or fact not in CLOSED_ONLY
        ]
        assert [fact for fact in expected if fact not in text] == [], state
        assert not CEFR_LEVEL.findall(text)
        assert not TIME_OF_DAY.findall(text)


def test_the_apply_form_asks_for_levels_in_the_postings_words(client, reference_data):
    open_it(BRUXELLES)

    text = main_text(client, f"/offres/{BRUXELLES}/candidater/")

    assert "Niveau demandé : bon niveau (lu, écrit, parlé)." in text
    assert "Votre niveau en français" in text and "Votre niveau en anglais" in text
    assert "Bon niveau" in text and "Courant / bilingue" in text
    assert not CEFR_LEVEL.findall(text)


def test_the_apply_form_of_the_2017_call_names_its_languages_and_says_they_are_a_plus(client, reference_data):
    open_it(LITTORAL)

    text = main_text(client, f"/offres/{LITTORAL}/candidater/")

    assert "Votre niveau en pachto" in text and "Votre niveau en tigrigna" in text
    assert "Niveau demandé : pashtou. Un plus, pas une obligation." in text
    assert not CEFR_LEVEL.findall(text)


def test_the_organisation_page_gives_the_contacts_of_the_document(client, reference_data):
    text = main_text(client, "/organisations/plate-forme-mineurs-en-exil/")

    for fact in (
        "Rue du Marché aux Poulets 30, 1000 Bruxelles – Kiekenmarkt 30, 1000 Brussel",
        "tél. 02/210.94.91 · fax 02/209.61.60",
        "www.mineursenexil.be · www.kinderenopdevlucht.be",
    ):
        assert fact in text


@pytest.mark.parametrize("slug", FACTS)
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
    open_listing = main_text(client, "/")
    all_listing = main_text(client, "/?closed=1")

    assert "Volontaire – Droits des étrangers à Bruxelles" not in open_listing
    assert "Volontaire – Droits des étrangers à Bruxelles" in all_listing
    assert "5 offres" in all_listing


def test_the_session_24_page_lists_its_two_postings_and_its_timeline(client, reference_data):
    session = Posting.objects.get(slug=BRUXELLES).session
    text = main_text(client, session.get_absolute_url())

    assert "8 à 15 volontaires" in text
    assert "Volontaire – Droits des étrangers à Bruxelles" in text
    assert "Liège" in text
    assert "du 13 octobre 2021 au 11 mars 2022" in text


def test_no_fact_is_printed_twice(client, reference_data):
    internship = main_text(client, f"/offres/{HRO}/")
    job = main_text(client, f"/offres/{MINEURS}/")
    call = main_text(client, f"/offres/{LITTORAL}/")

    assert "6 mois – 6 mois" not in internship
    assert "dès que possible – Au plus vite" not in job
    assert "7 mois – 7 mois" not in call


def test_a_date_only_deadline_is_a_whole_day_in_the_postings_calendar(client, reference_data):
    open_it(HRO)
    day = timezone.localdate() + timedelta(days=10)

    ics = client.get(f"/offres/{HRO}/calendrier.ics").content.decode()

    assert f"DTSTART;VALUE=DATE:{day:%Y%m%d}" in ics
    assert "T225959" not in ics and "T235959" not in ics


def test_a_posting_that_states_a_cefr_level_asks_for_it_in_the_apply_form(client):
    posting = f.published_posting(languages={"de": "B2"})

    text = main_text(client, f"/offres/{posting.slug}/candidater/")

    assert "Votre niveau en allemand" in text
    assert "Niveau demandé : B2." in text
    assert "Bon niveau (B2)" in text  # the candidate's choices then carry the CEFR scale too
