"""The listing's filters, each alone and combined, through the home page as a visitor uses it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from postings import filters
from postings.models import Posting, PostingRequirement
from tests import factories as f
from tests.postings.plans import explain_listing_query

pytestmark = pytest.mark.django_db


def titles(client, **params) -> list[str]:
    response = client.get(reverse("postings:list"), params)
    assert response.status_code == 200
    return sorted(p.title for p in response.context["postings"])


@pytest.fixture
def board(db):
    """Four open postings that differ on every filtered fact, one closed one and one draft."""
    gisti = f.make_organisation(name="Gisti", slug="gisti")
    psm = f.make_organisation(name="PSM", slug="psm")
    cncd = f.make_organisation(name="CNCD", slug="cncd")
    borders = f.make_theme("Frontières", slug="frontieres")
    cities = f.make_theme("Villes accueillantes", slug="villes")
    session = f.make_session(slug="session-24")
    now = timezone.now()
    littoral = f.published_posting(
        title="Observatoire Littoral",
        organisations={"sending": gisti, "host": psm},
        country="FR",
        city="Calais",
        themes=[borders],
        languages={"fr": "B2", "ar": "A2"},
        deadline=now + timedelta(days=5),
    )
    PostingRequirement.objects.create(posting=littoral, kind=PostingRequirement.Kind.DRIVING_LICENCE)
    liege = f.published_posting(
        title="Villes accueillantes Liège",
        organisations={"host": cncd},
        country="BE",
        city="Liège",
        themes=[cities],
        session=session,
        deadline=now + timedelta(days=12),
    )
    stage = f.published_posting(
        title="Stage observation",
        kind=Posting.Kind.INTERNSHIP,
        scheme=Posting.Scheme.INTERNSHIP_AGREEMENT,
        organisations={"employer": psm},
        country="FR",
        city="Grande-Synthe",
        languages={"en": "B2"},
        deadline=now + timedelta(days=25),
    )
    emploi = f.published_posting(
        title="Chargé de projet",
        kind=Posting.Kind.JOB,
        scheme=Posting.Scheme.FIXED_TERM,
        organisations={"employer": cncd},
        country="BE",
        city="Bruxelles",
        languages={"nl": "C2"},
        deadline=None,
    )
    f.closed_posting(
        title="Ancienne mission Calais", country="FR", city="Calais", organisations={"host": psm}
    )
    f.draft_posting(title="Brouillon Calais", country="FR", city="Calais", organisations={"host": psm})
    return locals()


def test_without_filters_the_home_page_lists_only_open_postings(client, board):
    assert titles(client) == [
        "Chargé de projet",
        "Observatoire Littoral",
        "Stage observation",
        "Villes accueillantes Liège",
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "internship"}, ["Stage observation"]),
        ({"scheme": "fixed_term"}, ["Chargé de projet"]),
        ({"theme": "frontieres"}, ["Observatoire Littoral"]),
        ({"country": "BE"}, ["Chargé de projet", "Villes accueillantes Liège"]),
        ({"city": "Calais"}, ["Observatoire Littoral"]),
        ({"organisation": "psm"}, ["Observatoire Littoral", "Stage observation"]),
        ({"organisation": "gisti"}, ["Observatoire Littoral"]),
        ({"session": "session-24"}, ["Villes accueillantes Liège"]),
        ({"language": "nl"}, ["Chargé de projet"]),
        ({"requirement": "driving_licence"}, ["Observatoire Littoral"]),
        ({"closing_within": "7"}, ["Observatoire Littoral"]),
        ({"closing_within": "14"}, ["Observatoire Littoral", "Villes accueillantes Liège"]),
        (
            {"closing_within": "30"},
            ["Observatoire Littoral", "Stage observation", "Villes accueillantes Liège"],
        ),
        ({"q": "liege"}, ["Villes accueillantes Liège"]),
    ],
)
def test_each_filter_alone_narrows_the_open_postings(client, board, params, expected):
    assert titles(client, **params) == expected


def test_the_language_filter_only_counts_required_languages(client, board):
    # Arabic is required for the job but only a plus for the Littoral posting.
    board["littoral"].languages.filter(language="ar").update(is_required=False)
    board["emploi"].languages.create(language="ar", level="B1", is_required=True)

    assert titles(client, language="ar") == ["Chargé de projet"]


def test_filters_combine(client, board):
    assert titles(client, country="FR", organisation="psm") == ["Observatoire Littoral", "Stage observation"]
    assert titles(client, country="FR", organisation="psm", kind="volunteer") == ["Observatoire Littoral"]
    assert titles(client, country="BE", closing_within="14", q="accueillantes") == [
        "Villes accueillantes Liège"
    ]
    assert titles(client, country="BE", kind="internship") == []


def test_an_organisation_in_two_roles_shows_its_posting_once(client, board):
    f.published_posting(
        title="Double rôle", organisations={"sending": board["gisti"], "host": board["gisti"]}
    )

    assert titles(client, organisation="gisti") == ["Double rôle", "Observatoire Littoral"]


def test_the_closed_switch_adds_closed_public_postings_but_never_drafts(client, board):
    with_closed = titles(client, closed="1")

    assert "Ancienne mission Calais" in with_closed
    assert "Brouillon Calais" not in with_closed
    assert titles(client, closed="1", city="Calais") == ["Ancienne mission Calais", "Observatoire Littoral"]


def test_a_posting_past_its_deadline_is_shown_only_with_the_closed_switch(client, board):
    f.expired_posting(title="Délai passé")

    assert "Délai passé" not in titles(client)
    assert "Délai passé" in titles(client, closed="1")


def test_filter_options_come_from_public_postings_only(client, board):
    f.draft_posting(
        title="Brouillon", organisations={"host": f.make_organisation(name="Secrète", slug="secrete")}
    )

    form = client.get(reverse("postings:list")).context["filter"].form

    organisations = dict(form.fields["organisation"].choices)
    assert organisations["psm"] == "PSM"
    assert "secrete" not in organisations
    assert dict(form.fields["country"].choices)["BE"] == "Belgique"
    assert dict(form.fields["language"].choices)["nl"] == "Néerlandais"
    assert "Calais" in dict(form.fields["city"].choices)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("kind", "spaceship"),
        ("theme", "inconnue"),
        ("organisation", "nobody"),
        ("closing_within", "3"),
        ("country", "ZZ"),
        ("session", "<script>"),
    ],
)
def test_an_unknown_filter_value_is_ignored_with_a_message_naming_it(client, board, param, value):
    response = client.get(
        reverse("postings:list"), {param: value, "country": "BE"} if param != "country" else {param: value}
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "n'a pas reconnu la valeur" in content
    label = str(response.context["filter"].form.fields[param].label)
    assert escape(label) in content
    # The other filters still apply; the unknown one is ignored.
    expected = ["Chargé de projet", "Villes accueillantes Liège"] if param != "country" else titles(client)
    assert sorted(p.title for p in response.context["postings"]) == expected
    assert "<script>" not in content.split("<main", 1)[1]


def organisation_options(response) -> list[str]:
    return [
        slug for slug, _label in response.context["filter"].form.fields["organisation"].widget.choices if slug
    ]


def test_the_organisation_select_lists_the_busiest_but_the_filter_accepts_any(client, db, monkeypatch):
    monkeypatch.setattr(filters, "SHOWN_ORGANISATIONS", 2)
    busy, busier, quiet = (f.make_organisation(name=n) for n in ("Busy", "Busier", "Quiet"))
    for organisation, postings in ((busy, 2), (busier, 3), (quiet, 1)):
        for n in range(postings):
            f.published_posting(title=f"{organisation.name} {n}", organisations={"host": organisation})

    everything = client.get(reverse("postings:list"))
    only_quiet = client.get(reverse("postings:list"), {"organisation": quiet.slug})

    assert organisation_options(everything) == [busier.slug, busy.slug]
    assert "Les 2 organisations qui publient le plus" in everything.content.decode()
    assert organisation_options(only_quiet) == [busier.slug, busy.slug, quiet.slug]
    assert [p.title for p in only_quiet.context["postings"]] == ["Quiet 0"]
    assert only_quiet.context["invalid_filters"] == []


def test_below_the_limit_every_organisation_is_listed_without_a_note(client, db):
    organisations = [f.make_organisation(name=n) for n in ("Alpha", "Beta")]
    for organisation in organisations:
        f.published_posting(organisations={"host": organisation})

    response = client.get(reverse("postings:list"))

    assert organisation_options(response) == [o.slug for o in organisations]
    assert "organisations qui publient le plus" not in response.content.decode()


def test_a_request_builds_its_filter_form_without_copying_the_facet_choices(client, db):
    organisations = [f.make_organisation(name=n) for n in ("Alpha", "Beta")]
    for organisation in organisations:
        f.published_posting(organisations={"host": organisation})

    form = client.get(reverse("postings:list")).context["filter"].form

    # The form's copy of its field reads the very list the filter was given (deep-copying it cost ~8 ms per
    # request at 5,000 organisations); the field itself is still the form's own.
    field, base_field = form.fields["organisation"], form.base_fields["organisation"]
    assert field is not base_field
    assert field.choices.choices is base_field.choices.choices
    assert list(field.choices) == [("", "Toutes les organisations")] + [
        (o.slug, o.name) for o in organisations
    ]


def test_two_listings_at_once_never_share_a_filter_or_a_field(rf, board):
    """Each filterset's filters and form fields are copies of its own (filters.FilterCopies, FieldCopies):
    one request's filter methods, options and widgets never reach another's."""
    from postings.filters import PostingFilter

    first = PostingFilter(rf.get("/", {"theme": "frontieres"}).GET, queryset=Posting.objects.published())
    second = PostingFilter(rf.get("/", {"theme": "villes"}).GET, queryset=Posting.objects.published())
    first.form.fields["kind"].widget.attrs["class"] = "form-select"
    first.filters["theme"].extra["choices"] = [("frontieres", "Frontières")]

    for name, base in PostingFilter.base_filters.items():
        assert first.filters[name] is not base and first.filters[name] is not second.filters[name]
        assert first.filters[name].parent is first and second.filters[name].parent is second
    for name in first.form.fields:
        assert first.form.fields[name] is not second.form.fields[name]
        assert first.form.fields[name].widget is not second.form.fields[name].widget
    assert "class" not in second.form.fields["kind"].widget.attrs
    assert "choices" not in PostingFilter.base_filters["theme"].extra
    assert len(second.filters["theme"].extra["choices"]) == 2
    # Each filterset's theme filter calls its own filterset's method, with its own value.
    assert [p.title for p in first.qs] == ["Observatoire Littoral"]
    assert [p.title for p in second.qs] == ["Villes accueillantes Liège"]


def listing_plan(client, params: dict[str, str]) -> str:
    """PostgreSQL's plan for the listing's page query, as a visitor's request runs it."""
    if connection.vendor != "postgresql":
        pytest.skip("Query plans are PostgreSQL's")
    for n in range(20):
        f.published_posting(kind=Posting.Kind.INTERNSHIP if n % 2 else Posting.Kind.VOLUNTEER)
    f.closed_posting()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("postings:list"), params)
    assert response.status_code == 200
    with connection.cursor() as cursor:
        # A few rows make any plan cheap: with statistics, the visibility map set and scans of the whole
        # table priced out, the plan shows what the indexes allow. (New statistics make PostgreSQL plan the
        # prepared statement again, with these settings.)
        cursor.execute("VACUUM ANALYZE postings_posting, postings_postinglocation")
        cursor.execute("SET enable_seqscan = off; SET enable_bitmapscan = off")
        plan = explain_listing_query(queries)
        cursor.execute("RESET enable_seqscan; RESET enable_bitmapscan")
    return plan


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # VACUUM cannot run in the test's transaction
def test_postgresql_counts_a_filtered_listing_from_the_indexes_alone(client):
    plan = listing_plan(client, {"kind": "volunteer", "country": "BE"})

    # The total (the COUNT subquery, the plan's InitPlan) reads the two indexes only, never the posting rows.
    count_plan = plan.split("InitPlan", 1)[1].split("\n  ->", 1)[0]
    assert "Index Only Scan using posting_listing_idx" in count_plan, plan
    assert "Index Only Scan using location_country_city_idx" in count_plan, plan


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_reads_the_listing_with_closed_postings_in_order_from_the_index(client):
    plan = listing_plan(client, {"closed": "on"})

    # Page 1 stops after its rows in index order instead of sorting every public posting.
    page_plan = plan.split("InitPlan", 1)[1].split("\n  ->", 1)[1]
    assert "Index Scan using posting_listing_idx on postings_posting" in page_plan, plan
