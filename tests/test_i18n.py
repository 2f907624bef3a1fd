"""Languages: the catalogues are complete and current, pages speak the visitor's language, emails the candidate's."""

import gettext
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.template.loader import render_to_string

from applications.models import OutgoingEmail
from postings.models import Posting
from tests import factories as f
from tests.applications.conftest import form_data, run_queued_tasks

LOCALE_DIR = settings.BASE_DIR / "locale"
TRANSLATED = ("en", "nl")
# What `makemessages` is run on (see README, "Translations"): the project less its tests and tooling.
SOURCE_IGNORES = (".venv", "bench", "tests")
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))


def keys(po: polib.POFile) -> set[tuple]:
    return {(e.msgctxt, e.msgid, e.msgid_plural) for e in po if not e.obsolete}


# Catalogues ----------------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="makemessages needs GNU gettext's xgettext")
def test_the_catalogues_hold_exactly_the_messages_of_the_code(tmp_path, settings, monkeypatch):
    """Re-extract into a copy of the project: a string added, changed or removed without `makemessages`
    fails here with the list of differences."""
    source = tmp_path / "src"
    shutil.copytree(
        settings.BASE_DIR,
        source,
        ignore=shutil.ignore_patterns(
            *SOURCE_IGNORES, ".git", "locale", "var", "staticfiles", "media", "__pycache__", "*.sqlite3*"
        ),
    )
    (source / "locale").mkdir()
    settings.LOCALE_PATHS = [source / "locale"]
    monkeypatch.chdir(source)

    call_command("makemessages", locale=["fr"], ignore_patterns=list(SOURCE_IGNORES), verbosity=0)

    extracted = keys(polib.pofile(str(source / "locale" / "fr" / "LC_MESSAGES" / "django.po")))
    for language in ("fr", *TRANSLATED):
        committed = keys(catalogue(language))
        missing = sorted(m[1] for m in extracted - committed)
        obsolete = sorted(m[1] for m in committed - extracted)
        assert not missing and not obsolete, (
            f"locale/{language} is stale; run `manage.py makemessages -l fr -l en -l nl --no-obsolete "
            f"--ignore=.venv --ignore=bench --ignore=tests` and translate.\n"
            f"Missing: {missing}\nObsolete: {obsolete}"
        )


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    po = catalogue(language)

    untranslated = [
        e.msgid
        for e in po
        if not e.obsolete and (not all(e.msgstr_plural.values()) if e.msgid_plural else not e.msgstr.strip())
    ]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]

    assert len(po) > 600
    assert not untranslated, f"Untranslated in {language}: {untranslated}"
    assert not fuzzy, f"Fuzzy in {language}: {fuzzy}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_placeholder(language):
    wrong = []
    for entry in catalogue(language):
        if entry.msgid_plural:
            # Form 0 is the singular, every other form a plural (as gettext's own `msgfmt -c` checks them).
            pairs = [
                (entry.msgid if n == 0 else entry.msgid_plural, text)
                for n, text in entry.msgstr_plural.items()
            ]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, text in pairs:
            if set(_PLACEHOLDER.findall(text)) != set(_PLACEHOLDER.findall(source)):
                wrong.append((source, text))
    assert not wrong


def test_the_plural_forms_follow_each_language():
    assert catalogue("fr").metadata["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
    assert catalogue("en").metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert catalogue("nl").metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    french_plurals = [e for e in catalogue("fr") if e.msgid_plural]
    assert french_plurals
    # Our own French source strings are their own translation. A message borrowed from Django's admin (our
    # templates/admin/ reuse its msgids) would shadow Django's French with English: it carries Django's French.
    borrowed = django_french_plurals()
    assert all(
        e.msgstr_plural == ({0: e.msgid, 1: e.msgid_plural} if e.msgid not in borrowed else borrowed[e.msgid])
        for e in french_plurals
    )


def django_french_plurals() -> dict[str, dict[int, str]]:
    """Django admin's French plural messages, as our two-form catalogue holds them (singular, plural)."""
    import django

    path = Path(django.__file__).parent / "contrib" / "admin" / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    return {
        e.msgid: {0: e.msgstr_plural[0], 1: e.msgstr_plural[1]}
        for e in polib.pofile(str(path))
        if e.msgid_plural
    }


def test_compile_catalogues_writes_mo_files_without_gnu_gettext(tmp_path, settings, monkeypatch):
    target = tmp_path / "locale" / "nl" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(LOCALE_DIR / "nl" / "LC_MESSAGES" / "django.po", target / "django.po")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.setenv("PATH", str(tmp_path))  # no msgfmt to be found

    call_command("compile_catalogues", verbosity=0)

    with open(target / "django.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    assert compiled.gettext("Offres ouvertes aux candidatures") == "Vacatures waarvoor u kunt solliciteren"
    assert compiled.ngettext("%(counter)s offre", "%(counter)s offres", 1) == "%(counter)s vacature"
    assert compiled.ngettext("%(counter)s offre", "%(counter)s offres", 2) == "%(counter)s vacatures"


def test_compile_catalogues_leaves_an_up_to_date_mo_alone(tmp_path, settings):
    target = tmp_path / "locale" / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po", target / "django.po")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    call_command("compile_catalogues", verbosity=0)
    compiled_at = (target / "django.mo").stat().st_mtime_ns

    call_command("compile_catalogues", verbosity=0)

    assert (target / "django.mo").stat().st_mtime_ns == compiled_at


# Pages ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("prefix", "lang", "heading"),
    [
        ("", "fr", "Offres ouvertes aux candidatures"),
        ("/en", "en", "Postings open for applications"),
        ("/nl", "nl", "Vacatures waarvoor u kunt solliciteren"),
    ],
)
def test_the_listing_speaks_the_language_of_its_prefix(client, prefix, lang, heading):
    f.published_posting()

    response = client.get(f"{prefix}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in content
    assert heading in content


@pytest.mark.django_db
@pytest.mark.parametrize(("count", "text"), [(0, "0 offre"), (1, "1 offre"), (2, "2 offres")])
def test_french_counts_use_the_french_plural(client, count, text):
    for _ in range(count):
        f.published_posting()

    response = client.get("/")

    heading = re.search(r'<h2 id="results-heading"[^>]*>\s*(.*?)\s*</h2>', response.content.decode(), re.S)
    assert heading.group(1) == text


@pytest.mark.django_db
@pytest.mark.parametrize(("count", "text"), [(0, "0 vacatures"), (1, "1 vacature"), (2, "2 vacatures")])
def test_dutch_counts_use_the_dutch_plural(client, count, text):
    for _ in range(count):
        f.published_posting()

    response = client.get("/nl/")

    heading = re.search(r'<h2 id="results-heading"[^>]*>\s*(.*?)\s*</h2>', response.content.decode(), re.S)
    assert heading.group(1) == text


@pytest.mark.django_db
def test_the_apply_form_labels_are_in_english_and_dutch(client):
    f.published_posting(slug="mission-x")

    english = client.get("/en/offres/mission-x/candidater/").content.decode()
    dutch = client.get("/nl/offres/mission-x/candidater/").content.decode()

    assert "First name" in english and "Cover letter (file)" in english and "Send my application" in english
    assert (
        "Voornaam" in dutch and "Motivatiebrief (bestand)" in dutch and "Mijn kandidatuur versturen" in dutch
    )
    assert "Prénom" not in dutch


@pytest.mark.django_db
def test_a_refused_application_says_why_in_dutch(client):
    posting = f.published_posting(slug="mission-x")

    response = client.post(
        "/nl/offres/mission-x/candidater/", form_data(posting, letter_file=None, letter_text="")
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert "Voeg een motivatiebrief toe of schrijf hem in het tekstveld." in content
    assert "Uw kandidatuur is nog niet verstuurd" in content


@pytest.mark.django_db
def test_the_switcher_links_to_the_same_page_in_each_language(client):
    f.published_posting(slug="mission-x")

    content = client.get("/en/offres/mission-x/?utm=1").content.decode()

    switcher = re.search(r'<nav class="language-switcher.*?</nav>', content, re.S).group(0)
    assert '<a href="/offres/mission-x/?utm=1" hreflang="fr" lang="fr">Français</a>' in switcher
    assert '<a href="/nl/offres/mission-x/?utm=1" hreflang="nl" lang="nl">Nederlands</a>' in switcher
    assert 'lang="en" aria-current="true">English</span>' in switcher
    assert 'aria-label="Language"' in switcher


@pytest.mark.django_db
def test_every_page_lists_its_translations_as_hreflang_alternates(client, settings):
    settings.SITE_URL = "https://passerelle.example.org"
    f.published_posting(slug="mission-x")

    content = client.get("/nl/offres/mission-x/").content.decode()

    for lang, path in (
        ("fr", "/offres/mission-x/"),
        ("en", "/en/offres/mission-x/"),
        ("nl", "/nl/offres/mission-x/"),
    ):
        assert (
            f'<link rel="alternate" hreflang="{lang}" href="https://passerelle.example.org{path}">' in content
        )
    assert (
        '<link rel="alternate" hreflang="x-default" href="https://passerelle.example.org/offres/mission-x/">'
        in content
    )


def test_without_a_request_there_is_no_switcher_rather_than_wrong_links():
    assert render_to_string("includes/_language_switcher.html").strip() == ""
    assert render_to_string("includes/_hreflang.html").strip() == ""


# Emails --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_candidate_who_applied_in_dutch_gets_the_receipt_in_dutch(client):
    posting = f.published_posting(slug="mission-x", title="Mission X", title_nl="Opdracht X")

    client.post("/nl/offres/mission-x/candidater/", form_data(posting))
    run_queued_tasks()  # the worker builds the receipt, in the candidate's language

    receipt = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.RECEIPT)
    reference = receipt.application.reference
    assert receipt.language == "nl"
    assert receipt.subject == f"Kandidatuur ontvangen ({reference}): Opdracht X"
    assert "Beste Camille," in receipt.body
    assert "We hebben uw kandidatuur voor de vacature ‘Opdracht X’ goed ontvangen." in receipt.body
    assert f"{settings.SITE_URL}/nl/" in receipt.body
    # The recruiters' notification stays in French, the language of the back-office.
    notification = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.NOTIFICATION)
    assert notification.subject.startswith("Candidature – ")


@pytest.mark.django_db
def test_a_candidate_who_applied_in_english_gets_the_french_title_when_there_is_no_english_one(client):
    posting = f.published_posting(slug="mission-x", title="Mission X")

    client.post("/en/offres/mission-x/candidater/", form_data(posting))
    run_queued_tasks()  # the worker builds the receipt, in the candidate's language

    receipt = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.RECEIPT)
    assert receipt.subject.startswith("Application received (")
    assert receipt.subject.endswith("): Mission X")
    assert "Hello Camille," in receipt.body


@pytest.mark.django_db
def test_an_answer_to_a_dutch_candidate_names_the_posting_by_its_dutch_title(cast):
    from applications.answers import compose
    from applications.models import Outcome

    Posting.objects.filter(pk=cast.posting_a.pk).update(title_nl="Opdracht A")
    cast.posting_a.refresh_from_db()
    dutch = f.make_application(posting=cast.posting_a, language="nl")
    french = f.make_application(posting=cast.posting_a, language="fr")

    _template, language, subject, _body = compose(dutch, outcome=Outcome.ACKNOWLEDGEMENT)
    _template, _language, french_subject, _body = compose(french, outcome=Outcome.ACKNOWLEDGEMENT)

    assert language == "nl"
    assert subject == f"Wij hebben uw sollicitatie ontvangen – Opdracht A ({dutch.reference})"
    assert "Mission A" in french_subject
