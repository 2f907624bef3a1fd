"""The language switcher and the `hreflang` alternates: the current page in each language of the site."""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info

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
    entries = []
    for code, _name in settings.LANGUAGES:
        translated = translate_url(path, code)
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
