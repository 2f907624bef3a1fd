"""The language switcher and the `hreflang` alternates: the current page in each language of the site."""

from functools import lru_cache
from urllib.parse import unquote, urlsplit, urlunsplit

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, Resolver404, get_script_prefix, get_urlconf, resolve, reverse
from django.utils.translation import get_language, get_language_info, override

register = template.Library()


@register.simple_tag(takes_context=True)
def page_in_languages(context) -> list[dict]:
    """One entry per language: code, name in that language, path and absolute URL of this page in it.

    Empty without a request (the 400 page is rendered without one): no switcher rather than wrong links.
    """
    request = context.get("request")
    if request is None:
        return []
    if (entries := getattr(request, "_page_in_languages", None)) is not None:
        return entries  # the <head>'s alternates and the switcher read the same list
    current = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    path = request.get_full_path()
    translate = url_translator(path)
    entries = []
    for code, _name in settings.LANGUAGES:
        translated = translate(code)
        entries.append(
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "path": translated,
                "url": settings.SITE_URL + translated,
                "is_current": code == current,
            }
        )
    request._page_in_languages = entries
    return entries


def reverse_cached(name: str, args=(), kwargs=None) -> str:
    """`reverse()`, kept per active language, script prefix and URLconf: the site's translated URL patterns
    make each `reverse()` cost ~50 µs here, and a listing page asks for a dozen URLs (bench/NOTES.md,
    "Session 7")."""
    return _reverse_cached(
        name,
        tuple(args or ()),
        tuple(sorted((kwargs or {}).items())),
        get_language(),
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
    )


@lru_cache(maxsize=1024)
def _reverse_cached(name, args, kwargs, _language, _prefix, urlconf) -> str:
    return reverse(name, args=args, kwargs=dict(kwargs), urlconf=urlconf)


def url_translator(url: str):
    """Django's `translate_url(url, code)` with the URL resolved once for every language: code -> the URL in
    that language, or `url` itself when it has none."""
    parsed = urlsplit(url)
    try:
        match = resolve(unquote(parsed.path))
    except Resolver404:
        return lambda code: url
    name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name

    def translate(code: str) -> str:
        with override(code):
            try:
                path = reverse_cached(name, args=match.args, kwargs=match.kwargs)
            except NoReverseMatch:
                return url
        return urlunsplit((parsed.scheme, parsed.netloc, path, parsed.query, parsed.fragment))

    return translate
