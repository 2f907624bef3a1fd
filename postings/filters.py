"""The public listing's filters: one FilterSet over the published postings, sorting included.

Options of the data-driven filters (themes, organisations, sessions, countries, cities, languages) come from
one UNION query over the public postings (`facet_choices`), so the filter panel costs a single query.
"""

import copy

from django import forms
from django.db.models import CharField, Count, Exists, F, OuterRef, QuerySet, Value
from django.db.models.functions import Coalesce, Concat, Now, NullIf
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_filters import BooleanFilter, CharFilter, ChoiceFilter, FilterSet

from organisations.models import Organisation
from postings import cache as postings_cache
from postings import search, widgets
from postings.languages import language_name
from postings.models import (
    SOURCE_LANGUAGE,
    TRANSLATION_LANGUAGES,
    Posting,
    PostingLanguage,
    PostingLocation,
    PostingOrganisation,
    PostingRequirement,
    Session,
    Theme,
)
from postings.text import fold

PUBLIC_STATUSES = [Posting.Status.PUBLISHED, Posting.Status.CLOSED]
CLOSING_WITHIN_CHOICES = [
    ("7", _("Dans les 7 jours")),
    ("14", _("Dans les 14 jours")),
    ("30", _("Dans les 30 jours")),
]
SORT_DEADLINE, SORT_NEWEST, SORT_RELEVANCE = "deadline", "newest", "relevance"
SORT_CHOICES = [
    (SORT_DEADLINE, _("Date limite la plus proche")),
    (SORT_NEWEST, _("Plus récentes")),
    (SORT_RELEVANCE, _("Pertinence (avec une recherche)")),
]
FACETS = ("theme", "organisation", "session", "country", "city", "language")


# Options a filter shows at most: a select of 5,000 organisations (100k postings) weighed 480 KB on every
# listing page and is of no use on a phone. The filter still accepts any organisation (links from its page);
# the select shows those with the most public postings, and the one chosen.
SHOWN_ORGANISATIONS = 100


def _facet(queryset: QuerySet, name: str, value, label, weight=None) -> QuerySet:
    return (
        queryset.order_by()
        .annotate(
            facet_name=Value(name, output_field=CharField()),
            facet_value=value,
            facet_label=label,
            facet_weight=weight if weight is not None else Value(0),
        )
        .values_list("facet_name", "facet_value", "facet_label", "facet_weight")
    )


def _localized(field: str):
    """The column's translation in the active language (`name_en`, `city_nl`), the French text when empty:
    theme names and cities with an exonym (Bruxelles, Brussels, Brussel) are labelled in the page's language."""
    language = (get_language() or SOURCE_LANGUAGE).split("-")[0]
    if language not in TRANSLATION_LANGUAGES:
        return F(field)
    return Coalesce(NullIf(F(f"{field}_{language}"), Value("")), F(field), output_field=CharField())


def facet_choices() -> dict[str, list[tuple[str, str]]]:
    """Choices of the data-driven filters, from the public postings only, in one query.

    Also "organisation_shown": the SHOWN_ORGANISATIONS organisations with the most public postings.
    """
    public = {"status__in": PUBLIC_STATUSES}
    branches = [
        _facet(
            Theme.objects.filter(postings__status__in=PUBLIC_STATUSES), "theme", F("slug"), _localized("name")
        ),
        _facet(
            Organisation.objects.filter(posting_roles__posting__status__in=PUBLIC_STATUSES),
            "organisation",
            F("slug"),
            F("name"),
            weight=Count("posting_roles__posting", distinct=True),
        ),
        _facet(
            Session.objects.filter(postings__status__in=PUBLIC_STATUSES),
            "session",
            F("slug"),
            Concat(F("programme__name"), Value(" – "), F("name"), output_field=CharField()),
        ),
        _facet(
            PostingLocation.objects.filter(posting__in=Posting.objects.filter(**public)),
            "country",
            F("country"),
            F("country"),
        ),
        _facet(
            PostingLocation.objects.filter(posting__in=Posting.objects.filter(**public)).exclude(city=""),
            "city",
            F("city"),
            _localized("city"),
        ),
        # Which country each city is in, so that the city list can follow the chosen country.
        _facet(
            PostingLocation.objects.filter(posting__in=Posting.objects.filter(**public)).exclude(city=""),
            "city_country",
            F("city"),
            F("country"),
        ),
        _facet(
            PostingLanguage.objects.filter(is_required=True, posting__in=Posting.objects.filter(**public)),
            "language",
            F("language"),
            F("language"),
        ),
    ]
    rows = branches[0].union(*branches[1:]).order_by()
    choices: dict[str, list[tuple[str, str]]] = {name: [] for name in (*FACETS, "city_country")}
    weights: dict[str, int] = {}
    for name, value, label, weight in rows:
        if name == "country":
            label = countries.name(value) or value
        elif name == "language":
            label = capfirst(language_name(value))
        elif name == "organisation":
            weights[value] = weight
        choices[name].append((value, label))
    for options in choices.values():
        options.sort(key=lambda option: fold(option[1]))
    busiest = sorted(weights, key=lambda slug: -weights[slug])[:SHOWN_ORGANISATIONS]
    choices["organisation_shown"] = [
        option for option in choices["organisation"] if option[0] in set(busiest)
    ]
    return choices


def cached_facet_choices() -> dict[str, list[tuple[str, str]]]:
    """`facet_choices()` for the active language, recomputed only when postings change (postings.cache).

    Without it every listing request would scan every public posting (bench/NOTES.md).
    """
    return postings_cache.memoized(postings_cache.key("facets", get_language()), facet_choices, timeout=3600)


# PostingFilter's form classes, per postings' version and language: {facets cache key: form class}.
_form_classes: dict[str, type] = {}


class SharedChoices(tuple):
    """A facet's choices, which no form changes: the copies a form makes of its fields share them.

    Django deep-copies a field's choices tuple by tuple each time a form is built, once per listing request,
    which for thousands of organisations is a large share of an uncached listing's render (bench/NOTES.md).
    """

    __slots__ = ()

    def __deepcopy__(self, memo):
        return self


class FilterCopies(dict):
    """PostingFilter's filters, which django-filter deep-copies for every filterset it builds: every label,
    widget class, choice and bound method of every filter, ~0.4 ms of each listing request (bench/NOTES.md,
    "Session 7"). A filterset changes its filters in three places only: their `model` and `parent` (set by
    django-filter), and their `extra["choices"]` (the facets, PostingFilter.__init__). So each filter is copied
    with its own `extra`, and its method is bound to the copy, not to the class's filter."""

    def __deepcopy__(self, memo):
        return {name: _own_copy(base) for name, base in self.items()}


def _own_copy(base):
    own = copy.copy(base)
    own.extra = dict(base.extra)
    if base.method is not None:
        own.method = base.method  # a FilterMethod of its own, which resolves the method on the copy's parent
    return own


class FieldCopies(dict):
    """A filter form class's fields, which Django deep-copies for every form. The same copies, made without
    `copy.deepcopy`'s generic walk: each field and its widget copied, with their own attributes, error
    messages and validators, as Field.__deepcopy__ and Widget.__deepcopy__ make them; the choices are tuples
    the form never changes (the facets are SharedChoices)."""

    def __deepcopy__(self, memo):
        return {name: _field_copy(field) for name, field in self.items()}


def _field_copy(field):
    own = copy.copy(field)
    own.widget = widget = copy.copy(field.widget)
    widget.attrs = field.widget.attrs.copy()
    if hasattr(widget, "_choices"):
        # Already normalised: the `choices` setter would walk every option again.
        widget._choices = copy.copy(field.widget._choices)
    own.error_messages = field.error_messages.copy()
    own.validators = field.validators[:]
    return own


class PostingFilter(FilterSet):
    # widgets.Select: the same markup as Django's Select, without a template include per option.
    q = CharFilter(label=_("Mots-clés"), method="filter_search")
    kind = ChoiceFilter(
        widget=widgets.Select,
        label=_("Type d'offre"),
        choices=Posting.Kind.choices,
        empty_label=_("Tous les types"),
    )
    scheme = ChoiceFilter(
        widget=widgets.Select,
        label=_("Statut"),
        choices=Posting.Scheme.choices,
        empty_label=_("Tous les statuts"),
    )
    theme = ChoiceFilter(
        widget=widgets.Select,
        label=_("Thématique"),
        method="filter_theme",
        empty_label=_("Toutes les thématiques"),
    )
    country = ChoiceFilter(
        widget=widgets.Select, label=_("Pays"), method="filter_country", empty_label=_("Tous les pays")
    )
    city = ChoiceFilter(
        widget=widgets.Select, label=_("Ville"), method="filter_city", empty_label=_("Toutes les villes")
    )
    organisation = ChoiceFilter(
        widget=widgets.Select,
        label=_("Organisation"),
        method="filter_organisation",
        empty_label=_("Toutes les organisations"),
    )
    session = ChoiceFilter(
        widget=widgets.Select,
        label=_("Session"),
        method="filter_session",
        empty_label=_("Toutes les sessions"),
    )
    language = ChoiceFilter(
        widget=widgets.Select,
        label=_("Langue exigée"),
        method="filter_language",
        empty_label=_("Toutes les langues"),
    )
    requirement = ChoiceFilter(
        widget=widgets.Select,
        label=_("Exigence pratique"),
        choices=PostingRequirement.Kind.choices,
        method="filter_requirement",
        empty_label=_("Toutes"),
    )
    closing_within = ChoiceFilter(
        widget=widgets.Select,
        label=_("Clôture"),
        choices=CLOSING_WITHIN_CHOICES,
        method="filter_closing_within",
        empty_label=_("Peu importe"),
    )
    closed = BooleanFilter(
        label=_("Inclure les offres clôturées"), widget=forms.CheckboxInput, method="keep_queryset"
    )
    sort = ChoiceFilter(
        widget=widgets.Select,
        label=_("Trier par"),
        choices=SORT_CHOICES,
        method="keep_queryset",
        empty_label=None,
    )

    class Meta:
        model = Posting
        fields: list[str] = []

    def __init__(self, data=None, *args, facets: dict[str, list[tuple[str, str]]] | None = None, **kwargs):
        self.query_truncated = False
        if data is not None and len(data.get("q", "")) > search.MAX_QUERY_LENGTH:
            data = data.copy()
            data["q"] = data["q"][: search.MAX_QUERY_LENGTH]
            self.query_truncated = True
        # The visitor's parameters (query cut to length): what links to other pages of the listing carry.
        self.query_params = data
        if data is not None:
            # Make the sort the form shows the one applied: relevance when there is a search, else deadline.
            has_query = bool(search.clean_query(data.get("q")))
            sort = data.get("sort")
            if not sort or (sort == SORT_RELEVANCE and not has_query):
                data = data.copy()
                data["sort"] = SORT_RELEVANCE if has_query else SORT_DEADLINE
        super().__init__(data, *args, **kwargs)
        # The form class depends only on the options: built once per version and language (get_form_class).
        self._form_class_key = postings_cache.key("facets", get_language()) if facets is None else None
        facets = cached_facet_choices() if facets is None else facets
        for name in FACETS:
            self.filters[name].extra["choices"] = SharedChoices(facets[name])
        self._show_busiest_organisations(facets)

    def get_form_class(self):
        """django-filter builds a form class, and a field per filter, for every request; the class only
        depends on the options (the postings' version) and the language, so it is kept per both."""
        key = self._form_class_key
        if key is None:
            return super().get_form_class()
        if (form_class := _form_classes.get(key)) is None:
            form_class = super().get_form_class()
            form_class.base_fields = FieldCopies(form_class.base_fields)
            if len(_form_classes) >= 16:
                _form_classes.clear()
            _form_classes[key] = form_class
        return form_class

    def _show_busiest_organisations(self, facets: dict[str, list[tuple[str, str]]]) -> None:
        """The field accepts every organisation; its select lists the busiest ones and the one chosen."""
        shown = {slug for slug, _label in facets.get("organisation_shown", facets["organisation"])}
        if len(shown) >= len(facets["organisation"]):
            return
        options = facets.get("organisation_shown", facets["organisation"])
        if self.data is not None and (chosen := self.data.get("organisation")) and chosen not in shown:
            shown.add(chosen)
            options = [option for option in facets["organisation"] if option[0] in shown]
        field = self.form.fields["organisation"]
        # The empty choice written out: `field.choices` would normalise every organisation's choice first.
        field.widget.choices = [("", self.filters["organisation"].extra["empty_label"]), *options]
        field.help_text = _(
            "Les %(count)s organisations qui publient le plus. Les autres : depuis leur page ou celle de "
            "leurs offres."
        ) % {"count": SHOWN_ORGANISATIONS}

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """Open postings unless `closed` is ticked; then each valid filter; then the chosen order.

        A filter whose value is not understood is left out of `cleaned_data` by the form, so it is ignored
        while the others apply; the view tells the visitor which value was ignored.

        Deadlines are compared with the database's clock (`Now()`), so the SQL depends only on the values
        chosen, and the listing keeps it per combination of values (postings/prepared.py).
        """
        data = self.form.cleaned_data
        if not data.get("closed"):
            queryset = queryset.open_for_applications(now=Now())
        queryset = super().filter_queryset(queryset)
        return self.order(queryset, data.get("sort"), data.get("q"))

    @staticmethod
    def order(queryset: QuerySet, sort: str | None, query: str | None) -> QuerySet:
        if sort == SORT_NEWEST:
            return queryset.order_by(F("published_at").desc(nulls_last=True), "-pk")
        if sort == SORT_RELEVANCE:
            return search.rank(queryset, query)
        return queryset.order_by(*search.deadline_order())

    def plain_search_order(self) -> str | None:
        """The order (relevance or deadline) of a search of open postings with nothing else chosen, which
        `postings.pagination.paginate_broad_search` may serve when its words are in most postings; None for
        any other listing. The search form sends the deadline order unless the visitor picks relevance."""
        data = self.cleaned_data
        chosen = {name for name, value in data.items() if value not in ("", None, False)}
        if chosen != {"q", "sort"} or self.form.errors or data["sort"] not in (SORT_RELEVANCE, SORT_DEADLINE):
            return None
        return data["sort"]

    @property
    def cleaned_data(self) -> dict:
        """The form's values, validated on first use; a value the form did not understand is left out."""
        self.errors  # noqa: B018 (validates the form once)
        return self.form.cleaned_data

    def values_applied(self) -> tuple:
        """Each filter's value as the listing applies it: all that the listing's SQL depends on
        (postings/prepared.py)."""
        return tuple(sorted((name, repr(value)) for name, value in self.cleaned_data.items()))

    def invalid_values(self) -> list[tuple[str, str]]:
        """(filter label, value sent) for every filter value the form did not understand."""
        return [(str(self.form.fields[name].label), self.data.get(name, "")) for name in self.form.errors]

    # Filter methods ---------------------------------------------------------------------------------

    def keep_queryset(self, queryset, name, value):
        """`closed` and `sort` act in filter_queryset(); their form fields only validate the values."""
        return queryset

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_theme(self, queryset, name, value):
        return queryset.filter(themes__slug=value)

    def filter_session(self, queryset, name, value):
        return queryset.filter(session__slug=value)

    def filter_organisation(self, queryset, name, value):
        return queryset.filter(
            Exists(PostingOrganisation.objects.filter(posting=OuterRef("pk"), organisation__slug=value))
        )

    def filter_country(self, queryset, name, value):
        return queryset.filter(Exists(PostingLocation.objects.filter(posting=OuterRef("pk"), country=value)))

    def filter_city(self, queryset, name, value):
        return queryset.filter(Exists(PostingLocation.objects.filter(posting=OuterRef("pk"), city=value)))

    def filter_language(self, queryset, name, value):
        return queryset.filter(
            Exists(PostingLanguage.objects.filter(posting=OuterRef("pk"), language=value, is_required=True))
        )

    def filter_requirement(self, queryset, name, value):
        return queryset.filter(Exists(PostingRequirement.objects.filter(posting=OuterRef("pk"), kind=value)))

    def filter_closing_within(self, queryset, name, value):
        return queryset.closing_within(int(value), now=Now())


PostingFilter.base_filters = FilterCopies(PostingFilter.base_filters)
