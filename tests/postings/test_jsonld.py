import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from postings.jsonld import description_html, employment_types, job_posting_jsonld, safe_json
from postings.models import Posting, PostingLocation
from tests import factories as f

pytestmark = pytest.mark.django_db

BASE = "https://passerelle.example"


def jsonld(posting, **kwargs):
    """Build, then round-trip through the serialiser the template uses, as a crawler would read it."""
    data = job_posting_jsonld(posting, request_or_base_url=BASE, **kwargs)
    return None if data is None else json.loads(str(safe_json(data)))


def test_a_service_civique_mission_is_a_volunteer_job_posting_with_its_stipend():
    sending = f.make_organisation(name="Gisti", website="https://www.gisti.org")
    host = f.make_organisation(
        name="Plateforme des Soutiens aux Migrant·e·s", website="https://psmigrants.org"
    )
    published_at = timezone.make_aware(datetime(2026, 9, 1, 10, 0), timezone.get_default_timezone())
    deadline = timezone.now() + timedelta(days=20)
    posting = f.published_posting(
        kind=Posting.Kind.VOLUNTEER,
        scheme=Posting.Scheme.SERVICE_CIVIQUE,
        organisations={"sending": sending, "host": host},
        country="FR",
        city="Calais",
        monthly_pay=Decimal("500.00"),
        published_at=published_at,
        deadline=deadline,
        starts_on=date(2027, 11, 1),
    )

    data = jsonld(posting)

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "JobPosting"
    assert data["title"] == posting.title
    assert data["employmentType"] == ["VOLUNTEER"]
    assert data["hiringOrganization"] == {
        "@type": "Organization",
        "name": "Plateforme des Soutiens aux Migrant·e·s",
        "sameAs": "https://psmigrants.org",
    }
    assert data["datePosted"] == "2026-09-01T10:00:00+02:00"
    assert datetime.fromisoformat(data["validThrough"]) == deadline
    assert data["validThrough"].endswith(("+01:00", "+02:00"))
    assert data["jobLocation"] == [
        {
            "@type": "Place",
            "address": {"@type": "PostalAddress", "addressCountry": "FR", "addressLocality": "Calais"},
        }
    ]
    assert data["baseSalary"] == {
        "@type": "MonetaryAmount",
        "currency": "EUR",
        "value": {"@type": "QuantitativeValue", "value": 500, "unitText": "MONTH"},
    }
    assert data["jobStartDate"] == "2027-11-01"
    assert "jobImmediateStart" not in data
    assert data["directApply"] is True
    assert data["identifier"]["value"] == posting.slug
    assert data["url"].startswith(BASE + "/") and data["url"].endswith(f"/{posting.slug}/")


def test_an_erasmus_traineeship_is_an_intern_posting_even_for_a_volunteer_mission():
    posting = f.published_posting(
        kind=Posting.Kind.VOLUNTEER, scheme=Posting.Scheme.ERASMUS_TRAINEE, monthly_pay=Decimal("750")
    )
    data = jsonld(posting)
    assert data["employmentType"] == ["INTERN"]
    assert data["baseSalary"]["value"]["value"] == 750


def test_an_internship_is_an_intern_posting_with_a_decimal_gratification():
    posting = f.published_posting(
        kind=Posting.Kind.INTERNSHIP,
        scheme=Posting.Scheme.INTERNSHIP_AGREEMENT,
        monthly_pay=Decimal("630.45"),
        pay_currency="EUR",
    )
    data = jsonld(posting)
    assert data["employmentType"] == ["INTERN"]
    assert data["baseSalary"]["value"]["value"] == 630.45


def test_a_full_time_fixed_term_job_starting_asap_without_an_amount():
    employer = f.make_organisation(name="Plate-forme Mineurs en exil", website="")
    host = f.make_organisation(name="Autre association")
    posting = f.published_posting(
        kind=Posting.Kind.JOB,
        scheme=Posting.Scheme.FIXED_TERM,
        working_time=Posting.WorkingTime.FULL_TIME,
        organisations={"host": host, "employer": employer},
        monthly_pay=None,
        pay_kind=Posting.PayKind.SALARY,
        pay_scale="CP 319.02",
        starts_asap=True,
    )

    data = jsonld(posting)

    assert data["employmentType"] == ["FULL_TIME", "TEMPORARY"]
    assert data["hiringOrganization"] == {"@type": "Organization", "name": "Plate-forme Mineurs en exil"}
    assert "baseSalary" not in data
    assert data["jobImmediateStart"] is True
    assert "jobStartDate" not in data


@pytest.mark.parametrize(
    ("scheme", "working_time", "expected"),
    [
        (Posting.Scheme.PERMANENT, Posting.WorkingTime.FULL_TIME, ["FULL_TIME"]),
        (Posting.Scheme.PERMANENT, Posting.WorkingTime.PART_TIME, ["PART_TIME"]),
        (Posting.Scheme.FIXED_TERM, Posting.WorkingTime.PART_TIME, ["PART_TIME", "TEMPORARY"]),
        (Posting.Scheme.FIXED_TERM, Posting.WorkingTime.UNSPECIFIED, ["TEMPORARY"]),
        (Posting.Scheme.PERMANENT, Posting.WorkingTime.UNSPECIFIED, ["OTHER"]),
        (Posting.Scheme.OTHER, Posting.WorkingTime.UNSPECIFIED, ["OTHER"]),
    ],
)
def test_jobs_map_their_contract_and_working_time(scheme, working_time, expected):
    posting = f.published_posting(kind=Posting.Kind.JOB, scheme=scheme, working_time=working_time)
    assert employment_types(posting) == expected


def test_unpaid_volunteering_is_a_volunteer_posting_and_the_sending_organisation_hires_when_alone():
    sending = f.make_organisation(name="Migreurop")
    posting = f.published_posting(
        scheme=Posting.Scheme.VOLUNTEERING, organisations={"sending": sending}, monthly_pay=None
    )
    data = jsonld(posting)
    assert data["employmentType"] == ["VOLUNTEER"]
    assert data["hiringOrganization"]["name"] == "Migreurop"
    assert "baseSalary" not in data


def test_a_posting_in_two_places_has_two_job_locations():
    posting = f.published_posting(country="FR", city="Calais")
    PostingLocation.objects.create(
        posting=posting,
        country="FR",
        city="Grande-Synthe",
        region="Hauts-de-France",
        address="1 rue X",
        order=1,
    )

    data = jsonld(posting)

    assert [place["address"] for place in data["jobLocation"]] == [
        {"@type": "PostalAddress", "addressCountry": "FR", "addressLocality": "Calais"},
        {
            "@type": "PostalAddress",
            "addressCountry": "FR",
            "addressLocality": "Grande-Synthe",
            "addressRegion": "Hauts-de-France",
            "streetAddress": "1 rue X",
        },
    ]


def test_the_description_is_escaped_html_from_the_summary_and_the_missions():
    posting = f.published_posting(summary="Observer <b>& documenter</b>", missions="- Enquêter\n- Rédiger")
    assert description_html(posting) == (
        "<p>Observer &lt;b&gt;&amp; documenter&lt;/b&gt;</p>\n<p>- Enquêter<br>- Rédiger</p>"
    )


@pytest.mark.parametrize(
    "factory", [f.closed_posting, f.expired_posting, f.draft_posting, f.archived_posting]
)
def test_a_posting_not_taking_applications_carries_no_job_posting(factory):
    assert job_posting_jsonld(factory(), request_or_base_url=BASE) is None


def test_a_demonstration_posting_carries_no_job_posting():
    posting = f.published_posting(is_demo=True)
    assert job_posting_jsonld(posting, request_or_base_url=BASE) is None


def test_the_serialiser_escapes_what_could_end_the_script_element():
    serialised = str(safe_json({"title": "</script><script>alert(1)</script> & co"}))
    assert "<" not in serialised and ">" not in serialised and "&" not in serialised
    assert json.loads(serialised)["title"] == "</script><script>alert(1)</script> & co"


def render_include(posting) -> str:
    request = RequestFactory().get(f"/offres/{posting.slug}/", secure=True)
    template = Template('{% include "postings/_jsonld.html" %}')
    return template.render(Context({"posting": posting, "request": request, "csp_nonce": "n0nce"}))


def test_the_include_renders_a_script_element_with_the_nonce_and_absolute_url():
    posting = f.published_posting(title="Chargé·e de projet </script> & co")

    html = render_include(posting)

    match = re.fullmatch(r'<script type="application/ld\+json" nonce="n0nce">(.*)</script>\s*', html, re.S)
    assert match, html
    assert "</script>" not in match.group(1)
    data = json.loads(match.group(1))
    assert data["title"] == "Chargé·e de projet </script> & co"
    # On the canonical origin, never the request's Host (issue #17 §4).
    assert data["url"] == f"{settings.SITE_URL}/offres/{posting.slug}/"


def test_the_include_renders_nothing_for_a_closed_posting():
    assert render_include(f.closed_posting()).strip() == ""
