"""Template helpers for the structured data and social-network tags of public pages."""

from django import template
from django.utils.translation import get_language

from postings.calendar import demo_title
from postings.jsonld import job_posting_jsonld, safe_json

register = template.Library()

# og:locale wants a territory; these are the ones whose readers the site addresses.
OPENGRAPH_LOCALES = {"fr": "fr_FR", "en": "en_GB", "nl": "nl_BE"}


@register.simple_tag(takes_context=True)
def posting_jsonld(context, posting):
    """The JobPosting dict for the posting (None when it carries none), with URLs on the canonical origin
    (settings.SITE_URL), never on the request's Host."""
    from django.conf import settings

    return job_posting_jsonld(posting, request_or_base_url=settings.SITE_URL)


@register.filter
def ld_json(data) -> str:
    """Serialise for a <script type="application/ld+json"> element, escaping `<`, `>` and `&`."""
    return safe_json(data)


@register.simple_tag
def opengraph_locale() -> str:
    language = (get_language() or "fr").split("-")[0]
    return OPENGRAPH_LOCALES.get(language, OPENGRAPH_LOCALES["fr"])


@register.simple_tag
def opengraph_alternate_locales() -> list[str]:
    current = opengraph_locale()
    return [locale for locale in OPENGRAPH_LOCALES.values() if locale != current]


@register.filter
def display_title(posting) -> str:
    """The posting's title, prefixed "[Démonstration]" for a demonstration posting."""
    return demo_title(posting.localized("title"), is_demo=posting.is_demo)


@register.simple_tag
def site_url() -> str:
    """The canonical origin (settings.SITE_URL): never the request's Host header, which may be spoofed."""
    from django.conf import settings

    return settings.SITE_URL
