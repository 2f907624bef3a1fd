"""The listing's chosen filters as short labelled values ("chips"): above the results, each with a link that
removes it, and in an alert's description. Built from the FilterSet's cleaned data, so a value the form did
not accept never shows as chosen."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from postings.filters import PostingFilter

# Parameters that change how results are shown, not which: never a chip.
NOT_CHIPS = ("page", "per_page", "sort")
# What a saved search (an alert, a feed) keeps: which postings, not how they are shown, and never closed ones.
NOT_SAVED = (*NOT_CHIPS, "closed")


def saved_query(params) -> str:
    """The listing parameters a saved search keeps (filters and keywords), as a canonical query string."""
    names = set(PostingFilter.base_filters) - set(NOT_SAVED)
    pairs = sorted(
        (name, value.strip())
        for name in (params or {})
        if name in names
        for value in params.getlist(name)
        if value.strip()
    )
    return urlencode(pairs)[:2000]


@dataclass(frozen=True)
class Chip:
    name: str
    label: str
    value: str
    remove_query: str  # the query string without this filter (and back to page 1)


def chosen_filters(filterset: PostingFilter) -> list[Chip]:
    form = filterset.form
    if not form.is_bound or not hasattr(form, "cleaned_data"):
        form.is_valid()
    params = filterset.query_params
    chips = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if name in NOT_CHIPS or value in (None, "", False):
            continue
        if name == "closed":
            shown = _("oui")
        elif choices := getattr(field, "choices", None):
            shown = next((str(label) for key, label in choices if str(key) == str(value)), str(value))
        else:
            shown = str(value)
        remaining = [
            (key, item)
            for key in (params or {})
            if key not in (name, "page")
            for item in params.getlist(key)
            if item != ""
        ]
        chips.append(Chip(name=name, label=str(field.label), value=shown, remove_query=urlencode(remaining)))
    return chips
