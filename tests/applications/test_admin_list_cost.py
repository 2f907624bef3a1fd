"""What keeps the application list cheap at scale changes nothing it shows: the postings in reach named by id
give the rows of the access rule, the page read by ids is the page in the list's order, and the permissions
read with the user are the ones Django would read."""

import re

import pytest
from django.contrib.admin import helpers as admin_helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications import admin as applications_admin
from applications.admin import ApplicationAdmin
from applications.models import Application
from config.auth import PasserelleModelBackend, user_query
from postings.prepared import ARGUMENT, shown_parameters, statement_name
from tests import factories as f

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:applications_application_changelist"
BACKEND = "config.auth.PasserelleModelBackend"


@pytest.fixture
def applications(cast):
    other = f.published_posting(
        session=cast.session, organisations={"host": cast.org_b, "sending": cast.org_a}
    )
    return [
        f.make_application(posting=posting)
        for posting in (cast.posting_a, cast.posting_b, other, cast.posting_a, other)
    ]


def as_logged_in(user):
    """The user as a request gets them: through the login backend, with memberships and permissions."""
    return PasserelleModelBackend().get_user(user.pk)


@pytest.mark.parametrize("persona", ["superuser", "coordinator", "recruiter_a", "recruiter_b"])
def test_the_listed_reach_gives_the_rows_of_the_access_rule(cast, applications, persona):
    for user in (getattr(cast, persona), as_logged_in(getattr(cast, persona))):
        expected = set(Application.objects.visible_to(user).values_list("pk", flat=True))
        assert set(Application.objects.visible_to_listed(user).values_list("pk", flat=True)) == expected


def test_the_listed_reach_gives_nothing_to_the_anonymous_and_keeps_the_rule_past_its_limit(
    cast, applications
):
    assert not Application.objects.visible_to_listed(AnonymousUser()).exists()
    recruiter = as_logged_in(cast.recruiter_a)
    expected = set(Application.objects.visible_to(recruiter).values_list("pk", flat=True))
    # One posting allowed: the recruiter reaches two, so the rule's subquery stays.
    past_limit = Application.objects.visible_to_listed(recruiter, limit=1)
    assert "= ANY" not in str(past_limit.query) and "IN (SELECT" in str(past_limit.query)
    assert set(past_limit.values_list("pk", flat=True)) == expected


@pytest.mark.parametrize("params", [{}, {"o": "-4"}, {"o": "2"}, {"q": "a"}])
def test_a_page_read_by_ids_is_the_page_in_the_lists_order(cast, client, applications, monkeypatch, params):
    monkeypatch.setattr(ApplicationAdmin, "list_per_page", 3)
    for n in range(6):
        f.make_application(posting=cast.posting_a, email=f"page{n}@example.org")
    client.force_login(cast.recruiter_a, backend=BACKEND)
    for page in (1, 2, 3):
        cl = client.get(reverse(CHANGELIST), {**params, "p": page}).context["cl"]
        expected = list(cl.queryset[(page - 1) * 3 : page * 3])
        assert [row.pk for row in cl.result_list] == [row.pk for row in expected]
        assert [row.is_possible_duplicate for row in cl.result_list] == [
            row.is_possible_duplicate for row in expected
        ]


@pytest.mark.parametrize("persona", ["superuser", "coordinator", "recruiter_a"])
def test_the_permissions_read_with_the_user_are_djangos(cast, persona):
    user = getattr(cast, persona)
    user.user_permissions.add(Permission.objects.get(codename="view_application"))
    loaded = as_logged_in(user)
    fresh = get_user_model().objects.get(pk=user.pk)

    assert loaded.get_all_permissions() == ModelBackend().get_all_permissions(fresh)
    assert loaded.has_perm("applications.view_application")


def test_the_list_page_of_a_recruiter_takes_five_queries(
    cast, client, applications, django_assert_num_queries
):
    for n in range(60):  # more than a page
        f.make_application(posting=cast.posting_a, email=f"many{n}@example.org")
    client.force_login(cast.recruiter_a, backend=BACKEND)
    client.get(reverse(CHANGELIST))

    # Session, user (with memberships and permissions), the count, the page's ids, the page's rows; the
    # postings in reach and the session filter's choices come from the cache.
    with django_assert_num_queries(5):
        response = client.get(reverse(CHANGELIST))

    assert len(response.context["cl"].result_list) == 50


def test_the_action_select_is_djangos_markup(cast, client):
    client.force_login(cast.recruiter_a, backend=BACKEND)
    form = client.get(reverse(CHANGELIST)).context["action_form"]
    django_form = admin_helpers.ActionForm(auto_id=None)
    django_form.fields["action"].choices = form.fields["action"].choices

    assert len(form.fields["action"].choices) > 5
    assert str(form["action"]) == str(django_form["action"])
    assert str(form) == str(django_form)


def test_the_user_read_by_the_compiled_query_is_the_user(cast):
    for persona in ("superuser", "coordinator", "recruiter_a"):
        user = getattr(cast, persona)
        loaded = as_logged_in(user)
        fresh = get_user_model().objects.get(pk=user.pk)
        assert type(loaded) is type(fresh)
        assert {field.attname: getattr(loaded, field.attname) for field in fresh._meta.concrete_fields} == {
            field.attname: getattr(fresh, field.attname) for field in fresh._meta.concrete_fields
        }
        assert not loaded.has_confirmed_device
    assert as_logged_in(cast.recruiter_a).membership_list == [(cast.org_a.pk, "recruiter")]


def test_the_login_backend_finds_nobody_for_an_unknown_or_inactive_id(cast):
    backend = PasserelleModelBackend()
    assert backend.get_user(10**9) is None
    assert backend.get_user("not-an-id") is None
    assert backend.get_user(10**12) is None and backend.get_user(-(10**12)) is None  # beyond the id's type
    cast.recruiter_a.is_active = False
    cast.recruiter_a.save(update_fields=["is_active"])
    assert backend.get_user(cast.recruiter_a.pk) is None
    assert backend.get_user(str(cast.recruiter_b.pk)).pk == cast.recruiter_b.pk


def session_choices(client) -> set[str]:
    cl = client.get(reverse(CHANGELIST)).context["cl"]
    spec = next(spec for spec in cl.filter_specs if getattr(spec, "field_path", "") == "posting__session")
    return {label for _pk, label in spec.lookup_choices}


def test_the_cached_session_filter_follows_the_reach(cast, client, applications):
    client.force_login(cast.recruiter_a, backend=BACKEND)
    before = session_choices(client)
    assert str(cast.session) in before

    other_programme = (
        f.make_programme(operator=cast.org_b) if hasattr(f, "make_programme") else cast.programme
    )
    new_session = f.make_session(programme=other_programme, name="Session nouvelle")
    f.published_posting(session=new_session, organisations={"host": cast.org_a})
    assert str(new_session) in session_choices(client)

    # Another organisation's user, same postings' version: their own choices, not the recruiter's.
    client.force_login(cast.recruiter_b, backend=BACKEND)
    assert session_choices(client) == {
        str(session)
        for session in type(cast.session)
        .objects.visible_to(as_logged_in(cast.recruiter_b))
        .select_related("programme")
    }


def test_a_recruiter_whose_organisation_has_no_posting_sees_an_empty_list(cast, client, applications):
    lonely = f.make_staff("recruteur-seul", organisation=f.make_organisation())
    lonely.user_permissions.add(Permission.objects.get(codename="view_application"))
    client.force_login(lonely, backend=BACKEND)

    assert not Application.objects.visible_to_listed(as_logged_in(lonely)).exists()
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def listed(client) -> set[int]:
    return {row.pk for row in client.get(reverse(CHANGELIST)).context["cl"].result_list}


def test_the_cached_reach_follows_roles_memberships_and_programmes(cast, client):
    """The postings in reach are cached: every change that moves an application in or out of a user's list
    shows on their next page."""
    from organisations.models import Membership
    from postings.models import PostingOrganisation

    on_a = f.make_application(posting=cast.posting_a)
    on_b = f.make_application(posting=cast.posting_b)
    client.force_login(cast.recruiter_a, backend=BACKEND)
    assert listed(client) == {on_a.pk}

    # Organisation A becomes a partner of posting B, then leaves it.
    role = PostingOrganisation.objects.create(
        posting=cast.posting_b, organisation=cast.org_a, role=PostingOrganisation.Role.LOCAL_PARTNER
    )
    assert listed(client) == {on_a.pk, on_b.pk}
    role.delete()
    assert listed(client) == {on_a.pk}

    # The recruiter joins organisation B, then leaves it.
    membership = Membership.objects.create(user=cast.recruiter_a, organisation=cast.org_b)
    assert listed(client) == {on_a.pk, on_b.pk}
    membership.delete()
    assert listed(client) == {on_a.pk}

    # The coordinator reaches both postings through the programme their organisation operates, until the
    # programme changes operator or posting B leaves the session.
    client.force_login(cast.coordinator, backend=BACKEND)
    assert listed(client) == {on_a.pk, on_b.pk}
    cast.posting_b.session = None
    cast.posting_b.save()
    assert listed(client) == {on_a.pk}
    cast.programme.operator = cast.org_b
    cast.programme.save()
    assert listed(client) == set()


def test_the_list_builds_its_queryset_once_per_reach(cast, client, applications, monkeypatch):
    """Building the list's queryset (reach, duplicate flag, host organisation) is done once per reach: the next
    page of the same user clones it, another user or a change of reach builds their own."""
    from postings.models import PostingOrganisation

    monkeypatch.setattr(applications_admin, "_built_querysets", {})
    built = []
    build_queryset = ApplicationAdmin.build_queryset

    def recording(model_admin, request):
        built.append(request.user.username)
        return build_queryset(model_admin, request)

    monkeypatch.setattr(ApplicationAdmin, "build_queryset", recording)

    def in_reach(user) -> set[int]:
        return set(Application.objects.visible_to(user).values_list("pk", flat=True))

    client.force_login(cast.recruiter_a, backend=BACKEND)
    first, second = listed(client), listed(client)
    on_b = f.make_application(posting=cast.posting_b)
    assert first == second == in_reach(cast.recruiter_a)
    assert on_b.pk not in first
    assert built == ["recruteur-a"]

    client.force_login(cast.recruiter_b, backend=BACKEND)
    assert listed(client) == in_reach(cast.recruiter_b)
    assert built == ["recruteur-a", "recruteur-b"]

    # Organisation A becomes a partner of posting B: the recruiter's next page is built for the new reach.
    PostingOrganisation.objects.create(
        posting=cast.posting_b, organisation=cast.org_a, role=PostingOrganisation.Role.LOCAL_PARTNER
    )
    client.force_login(cast.recruiter_a, backend=BACKEND)
    assert listed(client) == in_reach(cast.recruiter_a) == first | {on_b.pk, applications[1].pk}
    assert built == ["recruteur-a", "recruteur-b", "recruteur-a"]


# PostgreSQL: the list's queries are prepared statements of the database session ----------------------------


def list_page(client, **params):
    """The list's ChangeList, and the SQL of the prepared statements the request sent (but the user's)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    sent = [q["sql"] for q in queries if "passerelle_" in q["sql"]]
    return response.context["cl"], [sql for sql in sent if statement(sql) != user_statement()]


def user_statement() -> str:
    """The name of the signed-in user's prepared statement (config/auth.py)."""
    sql, params, at = user_query("postgresql")
    params[at] = ARGUMENT
    return statement_name(sql, shown_parameters(params))


def statement(sql: str) -> str:
    return re.search(r"passerelle_\w+", sql).group()


def test_postgresql_plans_the_lists_queries_once_per_session(
    cast, client, applications, postgresql, monkeypatch
):
    """The count, the page's ids and the page's rows (the queries that name the postings in reach) are planned
    once per database session; the rows' statement takes the page's ids as its parameter, so every page of the
    list shares it. The rows themselves are read again on every request."""
    monkeypatch.setattr(ApplicationAdmin, "list_per_page", 2)
    client.force_login(cast.recruiter_a, backend=BACKEND)

    first, first_sql = list_page(client)
    later = f.make_application(posting=cast.posting_a, email="plus-tard@example.org")
    second, second_sql = list_page(client)
    third, third_sql = list_page(client, p=2)

    assert [sql.split(" ", 1)[0] for sql in first_sql] == ["PREPARE", "PREPARE", "PREPARE"]
    assert "COUNT(*)" in first_sql[0] and re.search(r"PREPARE passerelle_\w+\(bigint\[\]\) AS", first_sql[2])
    assert all(re.fullmatch(r"EXECUTE passerelle_\w+(\(ARRAY\[[\d, ]+\]\))?", sql) for sql in second_sql)
    assert list(map(statement, second_sql)) == list(map(statement, first_sql))
    # Page 2: the same count and rows statements, its own ids statement (another OFFSET).
    assert [sql.split(" ", 1)[0] for sql in third_sql] == ["EXECUTE", "PREPARE", "EXECUTE"]
    assert statement(third_sql[2]) == statement(first_sql[2])

    assert (first.result_count, second.result_count) == (4, 5)
    assert later.pk in [row.pk for row in second.result_list]
    for cl, page in ((second, 1), (third, 2)):
        expected = list(cl.queryset[(page - 1) * 2 : page * 2])
        assert [row.pk for row in cl.result_list] == [row.pk for row in expected]
        assert [row.is_possible_duplicate for row in cl.result_list] == [
            row.is_possible_duplicate for row in expected
        ]


def test_postgresql_plans_the_signed_in_users_query_once_per_session(cast, client, postgresql):
    """Every signed-in request reads its user with memberships and permissions: one statement of the session
    for every user, their id its parameter, and each request reads its own user."""
    sent = []
    for persona in ("recruiter_a", "recruiter_b", "recruiter_a"):
        client.force_login(getattr(cast, persona), backend=BACKEND)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(CHANGELIST))
        assert response.status_code == 200 and response.context["user"].pk == getattr(cast, persona).pk
        sent += [q["sql"] for q in queries if user_statement() in q["sql"]]

    assert re.match(rf"PREPARE {user_statement()}\(integer\) AS SELECT .*\bauth_user\b", sent[0])
    assert sent[0].endswith(f"EXECUTE {user_statement()}({cast.recruiter_a.pk})")
    assert sent[1:] == [
        f"EXECUTE {user_statement()}({cast.recruiter_b.pk})",
        f"EXECUTE {user_statement()}({cast.recruiter_a.pk})",
    ]


def test_postgresql_compiles_the_page_rows_query_once_per_reach(
    cast, client, applications, postgresql, monkeypatch
):
    """The rows of a page are read by key with the list's queryset alone (no filter, order or page of its
    own): compiled once per reach, shared by every page, filter, search and order of the list; each page gets
    the rows, the duplicate flags and the host organisation Django's own queryset gives it."""
    from applications import admin_changelist
    from postings.models import PostingOrganisation

    monkeypatch.setattr(applications_admin, "_built_querysets", {})
    monkeypatch.setattr(ApplicationAdmin, "list_per_page", 2)
    compiled = []
    compile_query = admin_changelist.PreparedQuery.compile.__func__

    def recording(cls, queryset, argument_type=None):
        compiled.append(queryset.model)
        return compile_query(cls, queryset, argument_type)

    monkeypatch.setattr(admin_changelist.PreparedQuery, "compile", classmethod(recording))
    client.force_login(cast.recruiter_a, backend=BACKEND)
    pages = [
        {},
        {"p": 2},
        {"o": "-4"},
        {"q": "a"},
        {"status__exact": Application.Status.RECEIVED},
        {"posting__id__exact": cast.posting_a.pk},
    ]
    for params in pages:
        cl, sent = list_page(client, **params)
        expected = list(cl.queryset[cl.page_num * 2 - 2 : cl.page_num * 2])
        assert expected and [row.pk for row in cl.result_list] == [row.pk for row in expected]
        for row, django_row in zip(cl.result_list, expected, strict=True):
            assert (row.is_possible_duplicate, row.organisation_name) == (
                django_row.is_possible_duplicate,
                django_row.organisation_name,
            )
            assert row.posting.session.programme.name == django_row.posting.session.programme.name
    assert compiled == [Application]

    # A change of reach: its own queryset, its own rows query.
    PostingOrganisation.objects.create(
        posting=cast.posting_b, organisation=cast.org_a, role=PostingOrganisation.Role.LOCAL_PARTNER
    )
    cl, _sent = list_page(client)
    assert applications[1].pk in {row.pk for row in cl.queryset}
    assert compiled == [Application, Application]


@pytest.mark.django_db(transaction=True)  # a real commit
def test_a_change_of_reach_bumps_the_postings_version_again_when_it_commits(cast):
    """A request reading the reach between a change's save and its commit caches the old rows under the new
    version; the second bump, at commit (one per transaction), leaves that entry behind."""
    from django.db import connection, transaction

    from postings import cache as postings_cache
    from postings.models import PostingOrganisation

    with transaction.atomic():
        PostingOrganisation.objects.create(
            posting=cast.posting_b, organisation=cast.org_a, role=PostingOrganisation.Role.LOCAL_PARTNER
        )
        f.published_posting(organisations={"host": cast.org_a})  # more rows, the same transaction
        before_commit = postings_cache.version()
        assert len(connection.run_on_commit) == 1
    assert postings_cache.version() != before_commit


@pytest.mark.parametrize("persona", ["superuser", "coordinator", "recruiter_a"])
def test_the_kept_actions_are_djangos_and_follow_the_permissions(cast, client, persona, monkeypatch):
    """The list's actions are kept per set of permissions: Django's for each persona, and a permission granted
    (the erasure's) shows its action on the next page."""
    from django.contrib.admin import ModelAdmin

    monkeypatch.setattr(applications_admin, "_kept_actions", {})
    user = getattr(cast, persona)
    client.force_login(user, backend=BACKEND)

    def choices():
        response = client.get(reverse(CHANGELIST))
        model_admin = response.context["cl"].model_admin
        request = response.wsgi_request
        django = {
            name: action.description for name, action in ModelAdmin.get_actions(model_admin, request).items()
        }
        kept = {name: action.description for name, action in model_admin.get_actions(request).items()}
        assert kept == django
        return [name for name, _label in response.context["action_form"].fields["action"].choices if name]

    before = choices()
    assert choices() == before and len(applications_admin._kept_actions) == 1
    assert ("erase_on_request" in before) == (persona != "recruiter_a")  # coordinators erase on request
    user.user_permissions.add(Permission.objects.get(codename="delete_application"))
    assert "erase_on_request" in choices()
