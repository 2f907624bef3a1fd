"""The application list's rows (`applications.admin_changelist`) are Django admin's own markup, cell for cell,
whatever the values, the sorting, the filters kept in the links and the viewer."""

import datetime

import pytest
from django.contrib.admin.templatetags.admin_list import items_for_result
from django.urls import reverse
from django.utils import timezone

from applications.admin_changelist import FastRowsChangeList
from postings.models import PostingOrganisation
from tests import factories as f

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:applications_application_changelist"


def rows_both_ways(client, params=None):
    """The rows of the page as this list renders them, and as Django's `items_for_result` would."""
    cl = client.get(reverse(CHANGELIST), params or {}).context["cl"]
    assert isinstance(cl, FastRowsChangeList)
    fast = ["".join(row) for row in cl.results_context()["results"]]
    django = ["".join(items_for_result(cl, result, None)) for result in cl.result_list]
    return fast, django


@pytest.fixture
def varied(cast):
    """Applications covering every way a cell can look: escaped characters, no session, no host, answered
    today, yesterday and long ago, flagged as duplicate or not."""
    now = timezone.now()
    without_session = f.published_posting(session=None, title="Stage <sans> session & co")
    PostingOrganisation.objects.create(posting=without_session, organisation=cast.org_a, role="sending")
    return [
        f.make_application(
            posting=cast.posting_a, first_name="Zoé", last_name="O'Brien <b>", email="z@example.org"
        ),
        f.make_application(posting=without_session, email="z@example.org", answered_at=now),
        f.make_application(
            posting=cast.posting_a, answered_at=now - datetime.timedelta(days=1), status="in_review"
        ),
        f.make_application(
            posting=cast.posting_a, answered_at=now - datetime.timedelta(days=40), status="rejected"
        ),
    ]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"o": "3.-7"},  # sorted on two columns
        {"status__exact": "received", "answered": "no"},  # filters kept in the links to each application
        {"q": "O'Brien"},
    ],
)
def test_rows_are_djangos_markup_for_a_recruiter(cast, client, varied, params):
    client.force_login(cast.recruiter_a)

    fast, django = rows_both_ways(client, params)

    assert fast == django
    assert fast  # every case shows rows


def test_rows_are_djangos_markup_for_a_coordinator_and_a_superuser(cast, client, varied):
    f.make_application(posting=cast.posting_b, email="z@example.org")
    # The coordinator reaches the session's postings, not the one without a session; the superuser all.
    for user, rows in ((cast.coordinator, 4), (cast.superuser, 5)):
        client.force_login(user)
        fast, django = rows_both_ways(client)
        assert fast == django
        assert len(fast) == rows


def test_a_link_keeps_the_filters_and_the_checkbox_names_the_application(cast, client, varied):
    client.force_login(cast.recruiter_a)

    fast, _django = rows_both_ways(client, {"status__exact": "received"})

    first = varied[0]
    url = reverse("admin:applications_application_change", args=[first.pk])
    row = next(r for r in fast if f'value="{first.pk}"' in r)
    assert f'<a href="{url}?_changelist_filters=status__exact%3Dreceived">' in row
    assert "O&#x27;Brien &lt;b&gt;" in row
    assert 'aria-label="Choisir cet objet pour une action - ' in row
