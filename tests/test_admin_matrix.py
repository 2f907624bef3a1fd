"""Who gets what on every back-office URL: each persona × each admin page of postings, applications,
organisations and sessions, and the staff pages outside the admin (a candidate's CV, an export's page and
file). Out of reach is a 404 (the object does not exist for them), a missing permission a 403, and anonymous
visitors are sent to the login page.

The same matrix runs in each two-factor state of the session (`tests/two_factor.py`): with a confirmed device,
a session that did not give the code is sent to the login page on every URL, one that did gets the same
answers as a person without a device."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from applications.models import ExportJob
from tests import factories as f
from tests.two_factor import open_session

pytestmark = pytest.mark.django_db

PERSONAS = ("coordinator", "recruiter_a", "recruiter_b", "anonymous", "superuser")


@pytest.fixture
def world(cast):
    cast.application_a = f.make_application(posting=cast.posting_a)
    programme_b = f.make_programme(name="Programme de B")
    cast.session_b = f.make_session(programme=programme_b, name="Session de B")
    f.published_posting(session=cast.session_b, organisations={"host": cast.org_b})
    cast.export_a = ExportJob.objects.create(
        requested_by=cast.recruiter_a, format=ExportJob.Format.CSV, status=ExportJob.Status.DONE, row_count=1
    )
    cast.export_a.file.save("export.csv", ContentFile(b"reference\r\n"))
    return cast


def admin_url(name, *args):
    return lambda w: reverse(f"admin:{name}", args=[a(w) for a in args])


def autocomplete(app_label, model_name, field_name):
    def build(w):
        query = f"app_label={app_label}&model_name={model_name}&field_name={field_name}&term="
        return f"{reverse('admin:autocomplete')}?{query}"

    return build


def site_url(name, **kwargs):
    return lambda w: reverse(f"applications:{name}", kwargs={key: get(w) for key, get in kwargs.items()})


posting_a = lambda w: w.posting_a.pk  # noqa: E731
application_a = lambda w: w.application_a.pk  # noqa: E731
org_a = lambda w: w.org_a.pk  # noqa: E731
session = lambda w: w.session.pk  # noqa: E731
session_b = lambda w: w.session_b.pk  # noqa: E731

#               (page, url,                                                  coord rec_a rec_b anon  super)
MATRIX = [
    ("posting list", admin_url("postings_posting_changelist"), (200, 200, 200, 302, 200)),
    ("posting add", admin_url("postings_posting_add"), (200, 200, 200, 302, 200)),
    ("posting A change", admin_url("postings_posting_change", posting_a), (200, 200, 404, 302, 200)),
    ("posting A delete", admin_url("postings_posting_delete", posting_a), (200, 403, 404, 302, 200)),
    ("posting A history", admin_url("postings_posting_history", posting_a), (200, 200, 404, 302, 200)),
    (
        "posting autocomplete",
        autocomplete("applications", "application", "posting"),
        (200, 200, 200, 302, 200),
    ),
    ("application list", admin_url("applications_application_changelist"), (200, 200, 200, 302, 200)),
    ("application add", admin_url("applications_application_add"), (403, 403, 403, 302, 403)),
    (
        "application A change",
        admin_url("applications_application_change", application_a),
        (200, 200, 404, 302, 200),
    ),
    (
        "application A delete",
        admin_url("applications_application_delete", application_a),
        # Closed to everyone: applications are erased only through the "Effacer (demande RGPD)" action.
        (403, 403, 404, 302, 403),
    ),
    (
        "application A history",
        admin_url("applications_application_history", application_a),
        (200, 200, 404, 302, 200),
    ),
    (
        "application autocomplete",
        autocomplete("applications", "recruiternote", "application"),
        (200, 200, 200, 302, 200),
    ),
    ("organisation list", admin_url("organisations_organisation_changelist"), (200, 200, 200, 302, 200)),
    ("organisation add", admin_url("organisations_organisation_add"), (200, 403, 403, 302, 200)),
    (
        "organisation A change",
        admin_url("organisations_organisation_change", org_a),
        (200, 200, 404, 302, 200),
    ),
    (
        "organisation A delete",
        admin_url("organisations_organisation_delete", org_a),
        (403, 403, 404, 302, 200),
    ),
    (
        "organisation A history",
        admin_url("organisations_organisation_history", org_a),
        (200, 200, 404, 302, 200),
    ),
    (
        "organisation autocomplete",
        autocomplete("postings", "postingorganisation", "organisation"),
        (200, 200, 200, 302, 200),
    ),
    ("session list", admin_url("postings_session_changelist"), (200, 200, 200, 302, 200)),
    ("session add", admin_url("postings_session_add"), (200, 403, 403, 302, 200)),
    ("shared session change", admin_url("postings_session_change", session), (200, 200, 200, 302, 200)),
    ("session of B change", admin_url("postings_session_change", session_b), (404, 404, 200, 302, 200)),
    ("shared session delete", admin_url("postings_session_delete", session), (403, 403, 403, 302, 200)),
    ("session of B delete", admin_url("postings_session_delete", session_b), (404, 404, 403, 302, 200)),
    ("shared session history", admin_url("postings_session_history", session), (200, 200, 200, 302, 200)),
    ("session of B history", admin_url("postings_session_history", session_b), (404, 404, 200, 302, 200)),
    ("session autocomplete", autocomplete("postings", "posting", "session"), (200, 200, 200, 302, 200)),
    # Staff pages outside the admin, under the admin's rule (organisations.staff.staff_required).
    (
        "application A CV",
        site_url("download", uuid=lambda w: w.application_a.uuid, document=lambda w: "cv"),
        (200, 200, 404, 302, 200),
    ),
    (
        "export of recruiter A page",
        site_url("export-job", uuid=lambda w: w.export_a.uuid),
        # An export is its requester's only (and the superusers').
        (404, 200, 404, 302, 200),
    ),
    (
        "export of recruiter A file",
        site_url("export-download", uuid=lambda w: w.export_a.uuid),
        (404, 200, 404, 302, 200),
    ),
]

CASES = [
    (page, url, persona, expected)
    for page, url, codes in MATRIX
    for persona, expected in zip(PERSONAS, codes, strict=True)
]


@pytest.mark.parametrize(
    ("page", "url", "persona", "expected"), CASES, ids=[f"{page}-{persona}" for page, _, persona, _ in CASES]
)
def test_each_persona_gets_the_expected_answer(world, client, page, url, persona, expected):
    if persona != "anonymous":
        client.force_login(getattr(world, persona))

    response = client.get(url(world))

    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("admin:login"))


STAFF = [persona for persona in PERSONAS if persona != "anonymous"]
TWO_FACTOR_CASES = [
    (page, url, persona, state, expected)
    for page, url, codes in MATRIX
    for persona, expected in zip(PERSONAS, codes, strict=True)
    if persona in STAFF
    for state in ("unverified", "verified")
]


@pytest.mark.parametrize(
    ("page", "url", "persona", "state", "expected"),
    TWO_FACTOR_CASES,
    ids=[f"{page}-{persona}-{state}" for page, _, persona, state, _ in TWO_FACTOR_CASES],
)
def test_with_a_device_each_persona_needs_the_code_on_every_staff_url(
    world, client, page, url, persona, state, expected
):
    open_session(client, getattr(world, persona), state)

    response = client.get(url(world))

    if state == "unverified":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    else:
        assert response.status_code == expected


def test_change_pages_in_reach_are_read_only_when_only_viewing_is_allowed(world, client):
    client.force_login(world.coordinator)

    response = client.get(reverse("admin:organisations_organisation_change", args=[world.org_a.pk]))

    assert response.context["has_change_permission"] is False
    client.force_login(world.recruiter_a)
    response = client.get(reverse("admin:organisations_organisation_change", args=[world.org_a.pk]))
    assert response.context["has_change_permission"] is True


def test_autocomplete_results_stay_in_reach(world, client):
    application_b = f.make_application(posting=world.posting_b)
    client.force_login(world.recruiter_a)

    results = client.get(autocomplete("applications", "recruiternote", "application")(world)).json()[
        "results"
    ]
    postings = client.get(autocomplete("applications", "application", "posting")(world)).json()["results"]

    assert [r["id"] for r in results] == [str(world.application_a.pk)]
    assert str(application_b.pk) not in {r["id"] for r in results}
    assert [r["text"] for r in postings] == ["Mission A"]
