"""Names of languages (ISO 639 codes) in the visitor's language, from Babel's CLDR data.

One place for every page, form, admin screen, e-mail and export: Pashto, Tigrinya and Farsi read as names
in French, English and Dutch, never as codes. Django's own table knows only the languages it is translated
into, so it cannot name the languages postings ask for.
"""

from functools import cache

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.utils.translation import get_language


@cache
def _names(locale: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(locale).languages)
    except (ValueError, UnknownLocaleError):
        return dict(Locale.parse(settings.LANGUAGE_CODE.split("-")[0]).languages)


def language_name(code: str, locale: str | None = None) -> str:
    """`code`'s name in `locale` (default: the active language), or the code itself when CLDR has none."""
    locale = (locale or get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return _names(locale).get(code.strip().lower().replace("-", "_"), code)
