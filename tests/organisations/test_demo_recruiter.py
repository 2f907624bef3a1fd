"""`manage.py create_demo_recruiter`: two staff accounts on the demo copies of the organisations."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from organisations.models import Membership

pytestmark = pytest.mark.django_db

PASSWORD = "passerelle-demo-2026"


def create_demo_recruiter() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_demo_recruiter", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def demo_set():
    call_command("load_reference_data", stdout=StringIO())


def memberships(username: str) -> list[tuple[str, str, bool]]:
    return [
        (m.organisation.slug, m.role, m.organisation.is_demo)
        for m in Membership.objects.filter(user__username=username).select_related("organisation")
    ]


def test_it_creates_a_recruiter_of_the_demo_cncd(demo_set):
    out, err = create_demo_recruiter()

    user = get_user_model().objects.get(username="recruteur-demo")
    assert user.is_staff and user.is_active and not user.is_superuser
    assert user.check_password(PASSWORD)
    assert memberships("recruteur-demo") == [("cncd-11-11-11-demo", Membership.Role.RECRUITER, True)]
    assert list(user.groups.values_list("name", flat=True)) == ["Recruteurs"]
    assert "recruteur-demo" in out and PASSWORD in out and "démonstration" in out
    assert "Attention" in err


def test_it_creates_a_coordinator_of_the_demo_operator(demo_set):
    create_demo_recruiter()

    user = get_user_model().objects.get(username="coordination-demo")
    assert user.is_staff and user.check_password(PASSWORD)
    assert memberships("coordination-demo") == [
        ("echanges-partenariats-demo", Membership.Role.COORDINATOR, True)
    ]
    assert list(user.groups.values_list("name", flat=True)) == ["Coordinateurs"]
    demo_operator = Membership.objects.get(user=user).organisation
    assert demo_operator.programmes.get().sessions.get().name == "Session démo"


def test_it_joins_groups_that_already_exist(demo_set):
    recruiters = Group.objects.get_or_create(name="Recruteurs")[0]

    create_demo_recruiter()

    assert Group.objects.filter(name="Recruteurs").count() == 1
    assert recruiters.user_set.filter(username="recruteur-demo").exists()


def test_running_it_twice_changes_nothing_and_resets_the_password(demo_set):
    create_demo_recruiter()
    user = get_user_model().objects.get(username="recruteur-demo")
    user.set_password("another-password-entirely")
    user.save()
    counts = (get_user_model().objects.count(), Membership.objects.count(), Group.objects.count())

    create_demo_recruiter()

    assert (get_user_model().objects.count(), Membership.objects.count(), Group.objects.count()) == counts
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert memberships("recruteur-demo") == [("cncd-11-11-11-demo", Membership.Role.RECRUITER, True)]


def test_it_never_attaches_a_demo_account_to_a_real_organisation(demo_set):
    create_demo_recruiter()

    assert not Membership.objects.filter(organisation__is_demo=False).exists()


def test_it_asks_for_the_demo_set_first(db):
    call_command("load_reference_data", "--no-demo", stdout=StringIO())

    with pytest.raises(CommandError, match="load_reference_data"):
        create_demo_recruiter()

    assert not get_user_model().objects.filter(username__endswith="-demo").exists()
