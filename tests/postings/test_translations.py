"""Posting content in English and Dutch beside the French: shown in the visitor's language, French otherwise."""

import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from postings.demo import demo_slug
from postings.models import TRANSLATED_POSTING_FIELDS, Posting
from tests import factories as f

pytestmark = pytest.mark.django_db

MINEURS = "charge-de-projet-logement-communication-mineurs-en-exil"


def test_localized_gives_the_translation_and_falls_back_to_french():
    posting = f.published_posting(title="Mission X", title_nl="Opdracht X", summary="Résumé", summary_nl="  ")

    assert posting.localized("title", "nl") == "Opdracht X"
    assert posting.localized("title", "nl").lang == "nl"
    assert posting.localized("title", "en") == "Mission X"
    assert posting.localized("title", "en").lang == "fr"
    # Blank is no translation.
    assert posting.localized("summary", "nl") == "Résumé"
    with translation.override("nl"):
        assert posting.localized_content.title == "Opdracht X"
    with pytest.raises(ValueError):
        posting.localized("slug", "nl")


def test_each_translated_field_has_an_english_and_a_dutch_column():
    names = {field.name for field in Posting._meta.get_fields()}
    for name in TRANSLATED_POSTING_FIELDS:
        assert {f"{name}_en", f"{name}_nl"} <= names


def test_the_dutch_text_of_the_bilingual_reference_posting_is_shown_at_nl(client):
    call_command("load_reference_data", verbosity=0)

    content = client.get(f"/nl/offres/{MINEURS}/").content.decode()

    assert "Projectmedewerker ‘huisvesting’ en communicatie, tweetalig NL/FR (voltijds)" in content
    assert "Het Platform Kinderen op de vlucht zoekt in Brussel" in content
    assert "De werkgroep ‘huisvesting voor NBMV’ coördineren en begeleiden" in content
    assert "Tweetalig Nederlands/Frans" in content
    assert "Taken en verantwoordelijkheden" in content  # the interface, in Dutch too
    assert "Chargé·e de projet" not in content
    assert "niet beschikbaar in het Nederlands" not in content


def test_the_french_page_of_the_bilingual_posting_stays_french(client):
    call_command("load_reference_data", verbosity=0)

    content = client.get(f"/offres/{MINEURS}/").content.decode()

    assert "Chargé·e de projet « logement » et communication" in content
    assert "Projectmedewerker" not in content
    assert "translation-notice" not in content


def test_an_untranslated_posting_says_it_is_shown_in_french(client):
    f.published_posting(slug="mission-x", title="Mission X", missions="Accueillir les personnes.")

    english = client.get("/en/offres/mission-x/").content.decode()
    dutch = client.get("/nl/offres/mission-x/").content.decode()
    french = client.get("/offres/mission-x/").content.decode()

    assert "This posting is not available in English; it is shown in French." in english
    assert '<h1 class="h2" lang="fr">Mission X</h1>' in english
    assert 'aria-labelledby="missions-heading" lang="fr"' in english
    assert "Deze vacature is niet beschikbaar in het Nederlands; ze wordt in het Frans getoond." in dutch
    assert "translation-notice" not in french
    assert 'lang="fr"' not in re.search(r"<main.*</main>", french, re.S).group(0)


def test_a_partly_translated_posting_names_the_parts_left_in_french(client):
    f.published_posting(
        slug="mission-x",
        title="Mission X",
        title_en="Mission X (en)",
        missions="Accueillir.",
        profile="Motivé·e",
    )
    Posting.objects.filter(slug="mission-x").update(missions_en="Welcome people.", profile_en="")

    content = client.get("/en/offres/mission-x/").content.decode()

    assert "Some parts of this posting are not translated into English; they are shown in French." in content
    assert '<h1 class="h2">Mission X (en)</h1>' in content
    assert "Welcome people." in content
    assert 'aria-labelledby="profile-heading" lang="fr"' in content


def test_a_fully_translated_posting_shows_no_notice(client):
    posting = f.published_posting(slug="mission-x")
    values = {f"{name}_en": f"{getattr(posting, name)} (en)" for name in TRANSLATED_POSTING_FIELDS}
    Posting.objects.filter(pk=posting.pk).update(**values)

    content = client.get("/en/offres/mission-x/").content.decode()

    assert "translation-notice" not in content
    assert f'<h1 class="h2">{posting.title} (en)</h1>' in content


def test_listing_cards_show_the_visitors_language_or_say_french(client):
    f.published_posting(title="Mission traduite", title_nl="Vertaalde opdracht")
    f.published_posting(title="Mission en français seulement")

    content = client.get("/nl/").content.decode()

    assert "Vertaalde opdracht" in content
    assert "Mission traduite" not in content
    card = re.search(r'<h3 class="h5 card-title" lang="fr">.*?</h3>', content, re.S).group(0)
    assert "Mission en français seulement" in card
    assert '<span class="badge text-bg-light border fw-normal" lang="nl">in het Frans</span>' in card


def test_the_listing_query_count_does_not_grow_with_translations(client, django_assert_max_num_queries):
    for n in range(3):
        f.published_posting(title=f"Mission {n}", title_nl=f"Opdracht {n}")
    client.get("/nl/")  # warm the caches (sessions, content types)
    with django_assert_max_num_queries(10) as french:
        client.get("/")

    with django_assert_max_num_queries(len(french.captured_queries)):
        client.get("/nl/")


def test_feeds_and_json_ld_use_the_language_of_the_page(client):
    f.published_posting(slug="mission-x", title="Mission X", title_nl="Opdracht X", summary_nl="Kort gezegd.")

    feed = client.get("/nl/flux/offres.rss").content.decode()
    page = client.get("/nl/offres/mission-x/").content.decode()

    assert "<title>Opdracht X</title>" in feed
    assert "Kort gezegd." in feed
    data = json.loads(
        re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', page, re.S).group(1)
    )
    assert data["title"] == "Opdracht X"
    assert "Kort gezegd." in data["description"]
    assert data["url"].endswith("/nl/offres/mission-x/")


def test_the_french_feed_keeps_the_french_title(client):
    f.published_posting(slug="mission-x", title="Mission X", title_nl="Opdracht X")

    feed = client.get("/flux/offres.rss").content.decode()

    assert "<title>Mission X</title>" in feed
    assert "Opdracht X" not in feed


def test_the_demo_copy_carries_the_translations_with_the_demonstration_wording():
    call_command("load_reference_data", verbosity=0)

    real = Posting.objects.get(slug=MINEURS)
    copy = Posting.objects.get(slug=demo_slug(MINEURS))

    assert copy.title_nl == real.title_nl != ""
    assert copy.missions_nl == real.missions_nl
    assert copy.summary_nl.startswith("Demonstratievacature:")
    assert copy.summary_nl.endswith(real.summary_nl)
    assert "tv@sdj.be" not in copy.how_to_apply_nl
    assert copy.how_to_apply_nl.startswith("Demonstratie:")
    # No English version of the real one: none invented for the copy.
    assert copy.summary_en == copy.how_to_apply_en == ""


def test_the_admin_has_a_collapsed_translations_fieldset(cast, client):
    client.force_login(cast.recruiter_a)

    content = client.get(reverse("admin:postings_posting_change", args=[cast.posting_a.pk])).content.decode()

    assert "Traductions" in content
    assert 'name="title_nl"' in content and 'name="how_to_apply_en"' in content
    fieldset = re.search(r"<details>\s*<summary>\s*<h2[^>]*>\s*Traductions.*?</details>", content, re.S)
    assert fieldset and 'name="title_nl"' in fieldset.group(0)


def test_dutch_search_finds_a_posting_by_its_dutch_title(client):
    f.published_posting(title="Mission X", title_nl="Opvang van nieuwkomers")

    content = client.get("/nl/", {"q": "nieuwkomers"}).content.decode()

    assert "Opvang van nieuwkomers" in content
