"""The application list's rows (`applications.admin_changelist`) are Django admin's own markup, cell for cell,
whatever the values, the sorting, the filters kept in the links and the viewer."""

import datetime
import zoneinfo

import pytest
from django.contrib.admin.templatetags.admin_list import admin_list_filter, items_for_result
from django.contrib.admin.utils import display_for_field
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import get_format

from applications.admin_changelist import FastRowsChangeList, datetime_display
from applications.models import Application
from applications.templatetags import backoffice
from applications.templatetags.backoffice import kept_list_filter
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


def test_rows_are_djangos_markup_through_the_login_backend(cast, client, varied):
    """Signed in as in production: the list's queryset and (on PostgreSQL) its rows query kept per reach."""
    client.force_login(cast.recruiter_a, backend="config.auth.PasserelleModelBackend")
    for params in ({}, {"o": "-7"}, {"q": "O'Brien"}):
        fast, django = rows_both_ways(client, params)
        assert fast == django and fast


@pytest.mark.parametrize("language", ["fr", "en", "nl"])
@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2026, 8, 1, 7, 5, 9, tzinfo=datetime.UTC),
        datetime.datetime(2026, 10, 25, 0, 30, tzinfo=datetime.UTC),  # 02:30 in Paris, an ambiguous hour
        datetime.datetime(2026, 3, 29, 1, 0, tzinfo=datetime.UTC),  # just after Paris skips 02:00–03:00
        datetime.datetime(2026, 12, 31, 23, 59, 59, tzinfo=datetime.UTC),  # 2027 in Paris
        datetime.datetime(2026, 1, 1, 12, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
    ],
)
def test_a_datetime_cell_is_djangos_display(language, moment):
    field = Application._meta.get_field("submitted_at")
    with translation.override(language):
        display = datetime_display(get_format("DATETIME_FORMAT"))
        assert display(moment) == display_for_field(moment, field, "-")


def test_a_format_showing_the_timezone_keeps_djangos_path():
    for format_string in ("j F Y H:i T", "r", "c O", "I", "e", "Z"):
        assert datetime_display(format_string) is None
    assert datetime_display(r"j \T H:i") is not None  # an escaped T is text


def kept_and_django_filters(client, params=None):
    """Each filter of the page as the list renders it (kept or not) and as Django's `admin_list_filter` does."""
    cl = client.get(reverse(CHANGELIST), params or {}).context["cl"]
    return [(kept_list_filter(cl, spec), admin_list_filter(cl, spec)) for spec in cl.filter_specs]


@pytest.fixture
def no_kept_filters():
    backoffice._kept_filters.clear()
    yield
    backoffice._kept_filters.clear()


def test_kept_filters_are_djangos(cast, client, varied, no_kept_filters):
    client.force_login(cast.recruiter_a, backend="config.auth.PasserelleModelBackend")
    for params in (
        {},
        {"status__exact": "received"},
        {"answered": "no", "o": "-7"},
        {"q": "O'Brien", "duplicate": "yes", "posting__session__id__exact": cast.session.pk},
    ):
        for _ in range(2):  # worked out, then kept
            for kept, django in kept_and_django_filters(client, params):
                assert kept == django
    # Status, answer, duplicate and session filters, once per set of parameters; the posting filter lists
    # the page's postings, so it is never kept.
    kinds = {key[0].__name__ for key in backoffice._kept_filters}
    assert kinds == {"StatusListFilter", "AnsweredFilter", "DuplicateFilter", "SessionListFilter"}
    assert len(backoffice._kept_filters) == 4 * 4


def test_the_filter_block_is_djangos(cast, client, varied, no_kept_filters):
    """The block around the kept filters is Django's: its texts in Django's French, no template text leaking."""
    client.force_login(cast.recruiter_a, backend="config.auth.PasserelleModelBackend")
    page = client.get(reverse(CHANGELIST), {"status__exact": "received"}).content.decode()
    block = page[page.index('<search id="changelist-filter"') : page.index("</search>")]

    assert '<h2 id="changelist-filter-header">Filtre</h2>' in block
    assert "Afficher les nombres</a>" in block and "Effacer tous les filtres</a>" in block
    assert "{#" not in page and "{%" not in page and "kept_list_filter" not in page


def test_a_new_session_shows_in_the_kept_session_filter(cast, client, varied, no_kept_filters):
    client.force_login(cast.recruiter_a, backend="config.auth.PasserelleModelBackend")
    before = client.get(reverse(CHANGELIST)).content.decode()
    session = f.make_session(programme=cast.programme, name="Session 31 <nouvelle>")
    f.published_posting(session=session, organisations={"host": cast.org_a})
    after = client.get(reverse(CHANGELIST)).content.decode()

    assert "Session 31" not in before
    assert "Session 31 &lt;nouvelle&gt;" in after


def test_filters_with_counts_are_not_kept(cast, client, varied, no_kept_filters):
    client.force_login(cast.recruiter_a, backend="config.auth.PasserelleModelBackend")
    for kept, django in kept_and_django_filters(client, {"_facets": "True"}):
        assert kept == django
    assert "Reçue (2)</a>" in client.get(reverse(CHANGELIST), {"_facets": "True"}).content.decode()
    assert not backoffice._kept_filters
