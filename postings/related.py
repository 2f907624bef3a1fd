"""A posting page's "Autres offres de cette organisation" and "Offres proches" (same theme or same place):
open postings first, then the newest, read in one query."""

from dataclasses import dataclass

from django.db.models import BooleanField, Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from postings.models import Posting, PostingLocation, PostingOrganisation
from postings.prefetch import unpack_json_rows, with_json_rows

SHOWN = 4
# Candidates read for both lists at once; enough for each list to fill even when one kind dominates.
CANDIDATES = 4 * SHOWN


@dataclass(frozen=True)
class RelatedPostings:
    same_organisation: list[Posting]
    nearby: list[Posting]


def related_postings(posting: Posting, *, now=None) -> RelatedPostings:
    """Public postings sharing an organisation with `posting`, and others sharing a theme or a place.

    Demonstration postings only relate to demonstration postings. Reads `posting.organisation_roles` and
    `posting.locations` as the page already fetched them.
    """
    now = now or timezone.now()
    organisation_ids = [link.organisation_id for link in posting.organisation_roles.all()]
    places = list(posting.locations.all())
    cities = {place.city for place in places if place.city}
    countries = {place.country.code for place in places if not place.city}
    themes = Posting.themes.through.objects.filter(posting_id=posting.pk).values("theme_id")

    same_organisation = Exists(
        PostingOrganisation.objects.filter(posting=OuterRef("pk"), organisation_id__in=organisation_ids)
    )
    same_theme = Exists(Posting.themes.through.objects.filter(posting_id=OuterRef("pk"), theme_id__in=themes))
    same_place = Exists(
        PostingLocation.objects.filter(posting=OuterRef("pk")).filter(
            Q(city__in=cities) | Q(country__in=countries)
        )
    )
    is_open = Case(
        When(status=Posting.Status.PUBLISHED, closes_at__gt=now, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    rows = list(
        with_json_rows(
            Posting.objects.published()
            .filter(is_demo=posting.is_demo)
            .exclude(pk=posting.pk)
            .annotate(
                is_same_organisation=same_organisation, is_nearby=same_theme | same_place, is_open=is_open
            )
            .filter(Q(is_same_organisation=True) | Q(is_nearby=True))
            .order_by(F("is_open").desc(), F("published_at").desc(nulls_last=True), "-pk"),
            "locations",
        )[:CANDIDATES]
    )
    unpack_json_rows(rows, "locations")
    return RelatedPostings(
        same_organisation=[row for row in rows if row.is_same_organisation][:SHOWN],
        nearby=[row for row in rows if row.is_nearby and not row.is_same_organisation][:SHOWN],
    )
