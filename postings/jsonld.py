"""schema.org `JobPosting` structured data for search engines (Google for Jobs and the like).

Only a posting that takes applications carries a JobPosting: a closed or expired offer must not be advertised
as vacant. Nor does a posting missing one of the fields Google requires (datePosted, hiringOrganization, a
place): Passerelle has no "remote" posting, so a posting without a place carries no markup rather than a
jobLocationType it never stated. Demonstration postings carry none either: they are not real jobs, and structured data would present
them to search engines as if they were.
"""

import json
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe

from postings.models import Posting, PostingOrganisation

# Organisation roles that can stand as the hiring organisation, most specific first.
HIRING_ROLES = (
    PostingOrganisation.Role.EMPLOYER,
    PostingOrganisation.Role.HOST,
    PostingOrganisation.Role.SENDING,
)

_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def safe_json(data: Any) -> SafeString:
    """JSON safe to place inside a <script> element: `<`, `>` and `&` become \\u escapes.

    The same escaping as `django.utils.html.json_script`, which only writes type="application/json" elements.
    """
    return mark_safe(json.dumps(data, ensure_ascii=False, sort_keys=False).translate(_SCRIPT_ESCAPES))


def absolute_url(path: str, request_or_base_url: HttpRequest | str) -> str:
    if isinstance(request_or_base_url, str):
        return request_or_base_url.rstrip("/") + path
    return request_or_base_url.build_absolute_uri(path)


def employment_types(posting: Posting) -> list[str]:
    """Google's employmentType values for the posting's status (scheme), then its kind and working time."""
    scheme = posting.scheme
    time_type = {
        Posting.WorkingTime.FULL_TIME: "FULL_TIME",
        Posting.WorkingTime.PART_TIME: "PART_TIME",
    }.get(posting.working_time)
    if scheme in (Posting.Scheme.SERVICE_CIVIQUE, Posting.Scheme.VOLUNTEERING):
        return ["VOLUNTEER"]
    if scheme in (Posting.Scheme.ERASMUS_TRAINEE, Posting.Scheme.INTERNSHIP_AGREEMENT):
        return ["INTERN"]
    if scheme == Posting.Scheme.FIXED_TERM:
        return [time_type, "TEMPORARY"] if time_type else ["TEMPORARY"]
    if posting.kind == Posting.Kind.VOLUNTEER:
        return ["VOLUNTEER"]
    if posting.kind == Posting.Kind.INTERNSHIP:
        return ["INTERN"]
    return [time_type] if time_type else ["OTHER"]


def hiring_organisation(posting: Posting) -> dict | None:
    links = list(posting.organisation_roles.all())
    for role in HIRING_ROLES:
        for link in links:
            if link.role == role:
                organisation = link.organisation
                data = {"@type": "Organization", "name": organisation.name}
                if organisation.website:
                    data["sameAs"] = organisation.website
                return data
    return None


def job_locations(posting: Posting) -> list[dict]:
    places = []
    for location in posting.locations.all():
        address = {"@type": "PostalAddress", "addressCountry": location.country.code}
        if location.city:
            address["addressLocality"] = location.city
        if location.region:
            address["addressRegion"] = location.region
        if location.address:
            address["streetAddress"] = location.address
        places.append({"@type": "Place", "address": address})
    return places


def description_html(posting: Posting) -> str:
    """Summary then missions as escaped HTML paragraphs (Google reads the description as HTML), in the page's
    language where the posting has a translation, otherwise in French."""
    blocks = [text for text in (posting.localized("summary"), posting.localized("missions")) if text.strip()]
    return "\n".join(linebreaks(text, autoescape=True) for text in blocks) or posting.localized("title")


def _number(amount: Decimal) -> int | float:
    return int(amount) if amount == amount.to_integral_value() else float(amount)


# What Google for Jobs requires of a JobPosting (jobLocation, or jobLocationType TELECOMMUTE for remote work).
REQUIRED_FIELDS = ("title", "description", "datePosted", "hiringOrganization", "jobLocation")


def job_posting_jsonld(posting: Posting, *, request_or_base_url: HttpRequest | str, now=None) -> dict | None:
    """The JobPosting dict for an open, real posting with every required field; None otherwise."""
    if not posting.is_open(now) or posting.is_demo:
        return None
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "title": str(posting.localized("title")),
        "description": description_html(posting),
        "identifier": {"@type": "PropertyValue", "name": "Passerelle", "value": posting.slug},
        "url": absolute_url(posting.get_absolute_url(), request_or_base_url),
        "employmentType": employment_types(posting),
        "directApply": True,
    }
    if posting.published_at:
        data["datePosted"] = timezone.localtime(posting.published_at).isoformat()
    if posting.deadline:
        data["validThrough"] = timezone.localtime(posting.deadline).isoformat()
    organisation = hiring_organisation(posting)
    if organisation:
        data["hiringOrganization"] = organisation
    locations = job_locations(posting)
    if locations:
        data["jobLocation"] = locations
    if posting.monthly_pay is not None:
        data["baseSalary"] = {
            "@type": "MonetaryAmount",
            "currency": posting.pay_currency,
            "value": {
                "@type": "QuantitativeValue",
                "value": _number(posting.monthly_pay),
                "unitText": "MONTH",
            },
        }
    if posting.starts_on:
        data["jobStartDate"] = posting.starts_on.isoformat()
    if posting.starts_asap:
        data["jobImmediateStart"] = True
    if any(not data.get(name) for name in REQUIRED_FIELDS):
        return None
    return data
