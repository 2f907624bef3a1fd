"""Related rows read as JSON in the posting's query (postings/prefetch.py) are the rows the database holds:
same values, same Python types, same order as `prefetch_related`, on SQLite and PostgreSQL alike."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Prefetch

from postings.models import PayComponent, Posting, PostingLanguage
from postings.prefetch import unpack_json_rows, with_json_rows
from tests import factories as f
from tests.postings.full_posting import full_posting

pytestmark = pytest.mark.django_db

RELATIONS = ("locations", "languages", "requirements", "pay_components", "own_phases")


def columns(instance) -> list[tuple]:
    return [
        (field.attname, getattr(instance, field.attname), type(getattr(instance, field.attname)))
        for field in instance._meta.concrete_fields
    ]


def read_both_ways(posting: Posting) -> tuple[Posting, Posting]:
    as_json = with_json_rows(Posting.objects.filter(pk=posting.pk), *RELATIONS).get()
    unpack_json_rows([as_json], *RELATIONS)
    prefetched = Posting.objects.prefetch_related(*(Prefetch(name) for name in RELATIONS)).get(pk=posting.pk)
    return as_json, prefetched


def test_json_rows_equal_prefetched_rows_value_type_and_order(django_assert_num_queries):
    posting = full_posting(extra_rows=3)
    # Values that a careless conversion would change: whole and tiny amounts, a last-but-not-least order,
    # day/month precision, accents and quotes, an empty level.
    PayComponent.objects.create(posting=posting, label='Prime « été » "x"', amount=Decimal("1200"), order=0)
    PayComponent.objects.create(posting=posting, label="Centime", amount=Decimal("0.01"), order=99)
    PostingLanguage.objects.create(posting=posting, language="ar", level="", is_required=True)

    as_json, prefetched = read_both_ways(posting)

    with django_assert_num_queries(0):
        for name in RELATIONS:
            json_rows = list(getattr(as_json, name).all())
            assert json_rows, name
            assert [columns(row) for row in json_rows] == [
                columns(row) for row in getattr(prefetched, name).all()
            ], name
            assert all(row.posting is as_json for row in json_rows)
            assert all(not row._state.adding for row in json_rows)


def test_amounts_keep_their_cents_exactly():
    posting = f.published_posting()
    PayComponent.objects.create(posting=posting, label="a", amount=Decimal("630.45"))
    PayComponent.objects.create(posting=posting, label="b", amount=Decimal("107.10"))

    as_json, _ = read_both_ways(posting)

    assert [str(c.amount) for c in as_json.pay_components.all()] == ["630.45", "107.10"]


def test_a_posting_without_related_rows_gets_empty_lists(django_assert_num_queries):
    posting = f.published_posting()
    for name in RELATIONS:
        getattr(posting, name).all().delete()

    as_json, _ = read_both_ways(posting)

    with django_assert_num_queries(0):
        for name in RELATIONS:
            assert list(getattr(as_json, name).all()) == [], name


def test_phase_dates_come_back_as_dates():
    posting = full_posting()

    as_json, _ = read_both_ways(posting)

    first = as_json.own_phases.all()[0]
    assert first.starts_on == date(2017, 10, 23)
    assert type(first.starts_on) is date


def test_only_reverse_foreign_keys_of_plain_rows_are_accepted():
    with pytest.raises(ValueError, match="not a reverse foreign key"):
        with_json_rows(Posting.objects.all(), "session")
