from django import template

from postings.related import related_postings as find_related

register = template.Library()


@register.simple_tag
def related_postings(posting):
    """`{% related_postings posting as related %}`: see postings/related.py (one query)."""
    return find_related(posting)
