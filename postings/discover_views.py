"""Views that make postings reachable from outside the site: calendars and robots.txt.

Feeds are views themselves (postings/feeds.py) and the sitemap is Django's view (postings/sitemaps.py).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_safe

from postings.calendar import posting_calendar, session_calendar
from postings.models import Posting, Session


def calendar_response(content: str, *, filename: str) -> HttpResponse:
    response = HttpResponse(content.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def posting_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """The posting's phases (its own, else its session's) and its deadline. Drafts and archives: 404."""
    posting = get_object_or_404(
        Posting.objects.published()
        .select_related("session")
        .prefetch_related("own_phases", "session__phases"),
        slug=slug,
    )
    return calendar_response(posting_calendar(posting), filename=f"{posting.slug}.ics")


@require_safe
def session_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """The session's phases and the deadlines of its public postings; 404 while it has no public posting."""
    postings = Posting.objects.published().order_by("deadline", "pk")
    session = get_object_or_404(
        Session.objects.filter(postings__in=postings).distinct().prefetch_related("phases"), slug=slug
    )
    content = session_calendar(session, postings=postings.filter(session=session))
    return calendar_response(content, filename=f"{session.slug}.ics")


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    # The admin and the apply flow live under i18n_patterns: disallow them under every language prefix.
    prefixes = [""] + [f"/{code}" for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    content = render_to_string(
        "robots.txt",
        {
            "disallowed": [f"{prefix}{path}" for prefix in prefixes for path in ("/admin/", "/candidature/")],
            "sitemap_url": settings.SITE_URL + reverse("seo:sitemap"),
        },
    )
    return HttpResponse(content, content_type="text/plain; charset=utf-8")
