import json

from django import template

from postings import cache as postings_cache
from postings import filters
from postings.chips import chosen_filters, saved_query

register = template.Library()


@register.simple_tag
def filter_chips(filterset):
    """`{% filter_chips filter as chips %}`: the chosen filters of the listing (postings/chips.py)."""
    return chosen_filters(filterset)


@register.simple_tag
def search_query(filterset) -> str:
    """The listing's filters and keywords as a query string, for the alert form and the feed links."""
    return saved_query(filterset.query_params)


@register.simple_tag
def city_countries() -> str:
    """Country code -> the cities of public postings there, as JSON for a data attribute (escaped by the
    template), for the city list that follows the country. Read from the cached facets the filter form
    already computed: no query of its own."""

    def build() -> str:
        mapping: dict[str, list[str]] = {}
        for city, country in filters.cached_facet_choices().get("city_country", []):
            mapping.setdefault(country, []).append(city)
        return json.dumps(mapping, ensure_ascii=False, sort_keys=True)

    return postings_cache.memoized(postings_cache.key("city-countries"), build, timeout=3600)
