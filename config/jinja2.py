"""Jinja2 for the site's hottest page, the listing (postings/views.py: PostingListView.template_engine).

Django's template engine took ~2 ms of CPU to write the listing's page around its cached pieces: ~40 % of an
uncached listing request, more than its query. Jinja2 compiles the same page to Python code and writes it with
about a third less CPU (bench/NOTES.md, "Session 7"). Every other page stays on Django's templates.

The listing's templates live in templates/jinja2/; its base.html writes the same head, header and footer as
templates/base.html, and tests/postings/test_listing_template.py compares the two so that they stay in step.
What makes the output Django's own:

- escaping is Django's (`escape`, the environment's `finalize`), so the markup is what Django's templates write;
- `_("…")` is Django's gettext, its text trusted as a literal in a Django template is, and `makemessages`
  extracts `{{ _("…") }}` from these files as it does from Django's templates;
- the backend sends Django's `template_rendered` signal, so that the test client's `response.context` holds
  the view's context, as it does for Django's templates.
"""

import html

from django.template.backends.jinja2 import Jinja2, Template
from django.template.defaultfilters import capfirst, truncatechars
from django.template.defaulttags import querystring
from django.templatetags.static import static
from django.test.signals import template_rendered
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from jinja2 import Environment
from markupsafe import Markup

from postings.templatetags import discover, language_links, listing_chips


def translate(message: str) -> str:
    """`{{ _("…") }}`: as `{% translate "…" %}` writes it, the translation of a literal of the template."""
    return mark_safe(gettext(message))


def escape(value) -> Markup:
    """Django's `conditional_escape` (`&#x27;` for a quote, where markupsafe writes `&#39;`), without its
    check for lazy arguments on every value."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value)))


def environment(**options) -> Environment:
    env = Environment(finalize=escape, keep_trailing_newline=True, **options)
    env.globals.update(
        _=translate,
        url=lambda name, *args, **kwargs: language_links.reverse_cached(name, args, kwargs),
        static=static,
        querystring=lambda params, **changes: querystring(None, params, **changes),
        page_in_languages=lambda request: language_links.page_in_languages({"request": request}),
        site_url=discover.site_url,
        opengraph_locale=discover.opengraph_locale,
        opengraph_alternate_locales=discover.opengraph_alternate_locales,
        city_countries=listing_chips.city_countries,
        filter_chips=listing_chips.filter_chips,
        search_query=listing_chips.search_query,
    )
    env.filters.update(capfirst=capfirst, truncatechars=truncatechars)
    return env


class SignallingTemplate(Template):
    @property
    def name(self) -> str:
        return self.template.name

    def render(self, context=None, request=None):
        template_rendered.send(sender=self, template=self, context=context or {})
        return super().render(context, request)


class Jinja2Backend(Jinja2):
    """Django's Jinja2 backend, whose templates send `template_rendered` as Django's templates do in tests."""

    def get_template(self, template_name):
        return SignallingTemplate(super().get_template(template_name).template, self)
