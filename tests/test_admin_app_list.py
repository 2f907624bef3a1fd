"""The admin's app list (the sidebar of every admin page, the dashboard) is kept per permissions, language and
URL prefix (config/admin.py): it must stay the list Django works out for the person, and follow a change of
their permissions on the next page."""

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from config.auth import PasserelleModelBackend
from tests import factories as f

pytestmark = pytest.mark.django_db

BACKEND = "config.auth.PasserelleModelBackend"


def shown(app_list) -> list:
    """What the sidebar shows of an app list, its lazy names translated."""
    return [
        (
            app["app_label"],
            str(app["name"]),
            app["app_url"],
            [
                (str(model["name"]), model["admin_url"], model["add_url"], model["view_only"], model["perms"])
                for model in app["models"]
            ],
        )
        for app in app_list
    ]


def request_for(user):
    request = RequestFactory().get(reverse("admin:index"))
    request.user = user
    return request


@pytest.fixture
def no_kept_lists():
    admin.site._app_lists.clear()
    yield
    admin.site._app_lists.clear()


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("persona", ["superuser", "coordinator", "recruiter_a", "staff_without_role"])
def test_the_kept_app_list_is_djangos(cast, no_kept_lists, persona, language):
    if persona == "staff_without_role":
        user = f.make_user("sans-role", is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="view_organisation"))
    else:
        user = getattr(cast, persona)
    with translation.override(language):
        for _ in range(2):  # worked out, then kept
            kept = admin.site.get_app_list(request_for(PasserelleModelBackend().get_user(user.pk)))
            fresh = get_user_model().objects.get(pk=user.pk)
            assert shown(kept) == shown(AdminSite.get_app_list(admin.site, request_for(fresh)))
        assert kept  # every persona sees something
        assert admin.site.get_app_list(
            request_for(PasserelleModelBackend().get_user(user.pk)), "applications"
        ) == AdminSite.get_app_list(admin.site, request_for(fresh), "applications")


def sidebar_models(client) -> set[str]:
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return {model["object_name"] for app in response.context["available_apps"] for model in app["models"]}


def test_a_change_of_permissions_shows_on_the_next_page(cast, client, no_kept_lists):
    client.force_login(cast.recruiter_a, backend=BACKEND)
    before = sidebar_models(client)
    assert "Group" not in before

    group = Group.objects.create(name="Lecteurs des groupes")
    group.permissions.add(Permission.objects.get(codename="view_group"))
    cast.recruiter_a.groups.add(group)
    assert sidebar_models(client) == before | {"Group"}

    cast.recruiter_a.groups.remove(group)
    assert sidebar_models(client) == before
    assert len(admin.site._app_lists) == 2  # one list per set of permissions, kept


def sidebar(client, url, **headers) -> str:
    html = client.get(url, headers=headers).content.decode()
    start = html.index('<nav class="sticky" id="nav-sidebar"')
    return html[start : html.index("</nav>", start)]


@pytest.mark.parametrize("persona", ["superuser", "recruiter_a"])
def test_the_kept_sidebar_is_djangos_and_marks_the_current_page(cast, client, no_kept_lists, persona):
    user = getattr(cast, persona)
    pages = [
        reverse("admin:applications_application_changelist"),
        reverse("admin:postings_posting_changelist"),
        reverse("admin:password_change"),  # no model of the list
        reverse("admin:applications_application_changelist"),  # its sidebar, kept
    ]
    client.force_login(user)  # Django's own backend: nothing kept
    django = [sidebar(client, url) for url in pages]
    client.force_login(user, backend=BACKEND)
    kept = [sidebar(client, url) for url in pages]

    assert kept == django
    assert 'aria-current="page"' in kept[0] and kept[0] != kept[1]
    assert f'href="{pages[1]}" aria-current="page"' in kept[1]
    assert 'aria-current="page"' not in kept[2]
    (app_list,) = admin.site._app_lists.values()
    assert sorted(app_list.sidebars) == sorted(set(pages))


def test_the_sidebar_speaks_the_pages_language(cast, client, no_kept_lists):
    client.force_login(cast.recruiter_a, backend=BACKEND)
    french = sidebar(client, reverse("admin:applications_application_changelist"))
    with translation.override("en"):
        english = sidebar(client, reverse("admin:applications_application_changelist"))

    assert ">Candidatures</a>" in french and 'placeholder="Écrivez ici pour filtrer…"' in french
    assert ">Candidatures</a>" not in english and 'placeholder="Start typing to filter…"' in english
    assert sidebar(client, reverse("admin:applications_application_changelist")) == french
