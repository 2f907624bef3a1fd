""" "Autres offres de cette organisation" and "Offres proches" on a posting page (issue #17 §3)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from postings.related import related_postings
from tests import factories as f

pytestmark = pytest.mark.django_db


def titles(section: str, page: str) -> list[str]:
    match = re.search(rf'id="{section}-heading".*?</ul>', page, re.S)
    return re.findall(r'<a href="/offres/[^"]+/">([^<]+)</a>', match.group(0)) if match else []


def test_the_page_lists_the_organisations_other_postings_and_nearby_ones_open_first(client):
    organisation = f.make_organisation(name="Auberge")
    theme = f.make_theme("Accès aux droits")
    posting = f.published_posting(
        title="Mission", organisations={"host": organisation}, country="FR", city="Calais", themes=[theme]
    )
    f.published_posting(
        title="Stage Auberge", organisations={"host": organisation}, country="FR", city="Lille"
    )
    f.closed_posting(title="Ancienne Auberge", organisations={"host": organisation})
    f.published_posting(
        title="Ancienne récente",
        organisations={"host": organisation},
        deadline=timezone.now() - timedelta(days=1),
        published_at=timezone.now(),
    )
    f.published_posting(title="Même ville", country="FR", city="Calais")
    f.published_posting(title="Même thème", country="BE", city="Gand", themes=[theme])
    f.published_posting(title="Sans rapport", country="BE", city="Gand")
    f.draft_posting(title="Brouillon Auberge", organisations={"host": organisation})
    f.published_posting(title="Démo Calais", country="FR", city="Calais", is_demo=True)

    page = client.get(posting.get_absolute_url()).content.decode()

    same = titles("same-organisation", page)
    assert same[0] == "Stage Auberge"
    assert set(same) == {"Stage Auberge", "Ancienne Auberge", "Ancienne récente"}
    assert sorted(titles("nearby", page)) == ["Même thème", "Même ville"]


def test_both_lists_cost_one_query_whatever_their_length(django_assert_num_queries):
    organisation = f.make_organisation()
    posting = f.published_posting(organisations={"host": organisation}, city="Calais")
    for n in range(12):
        f.published_posting(organisations={"host": organisation} if n % 2 else None, city="Calais")
    posting = type(posting).objects.prefetch_related("organisation_roles", "locations").get(pk=posting.pk)

    with django_assert_num_queries(1):
        related = related_postings(posting)
        places = [
            place for item in related.nearby + related.same_organisation for place in item.locations.all()
        ]

    assert len(related.same_organisation) == len(related.nearby) == 4
    assert places
