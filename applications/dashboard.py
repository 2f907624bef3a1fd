"""What the back-office home page shows a user, all of it through the `visible_to` rules (a selector)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from postings.models import Posting

CHART_DAYS = 60
DEADLINE_DAYS = 14
CHART_WIDTH = 600
CHART_HEIGHT = 120
BAR_GAP = 2


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    x: int
    y: int
    width: int
    height: int


# Column headers of the open postings' table: short enough to stay on one line (the full status is the
# header's title).
STATUS_COLUMNS = {
    Application.Status.RECEIVED: _("Reçues"),
    Application.Status.IN_REVIEW: _("En examen"),
    Application.Status.SHORTLISTED: _("Présélection"),
    Application.Status.INTERVIEW: _("Entretien"),
    Application.Status.OFFERED: _("Proposition"),
    Application.Status.ACCEPTED: _("Acceptées"),
    Application.Status.DECLINED: _("Déclinées"),
    Application.Status.REJECTED: _("Non retenues"),
    Application.Status.WITHDRAWN: _("Retirées"),
}


@dataclass(frozen=True)
class PostingRow:
    posting: Posting
    counts: list[int]
    total: int


def applications_per_day(applications, *, today: date, days: int = CHART_DAYS) -> list[tuple[date, int]]:
    """(day, count) for each of the last `days` days up to today, in local time, empty days included."""
    first = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(first, time.min))
    counted = dict(
        applications.filter(submitted_at__gte=since)
        .annotate(day=TruncDate("submitted_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
        .order_by()
    )
    return [(first + timedelta(days=i), counted.get(first + timedelta(days=i), 0)) for i in range(days)]


def chart_bars(series: list[tuple[date, int]]) -> list[Bar]:
    """Bars in SVG user units: the tallest day fills the chart height."""
    highest = max((count for _, count in series), default=0) or 1
    width = CHART_WIDTH // max(len(series), 1)
    bars = []
    for i, (day, count) in enumerate(series):
        height = round(count * CHART_HEIGHT / highest)
        bars.append(Bar(day, count, i * width, CHART_HEIGHT - height, width - BAR_GAP, height))
    return bars


def axis_ticks(highest: int) -> list[int]:
    """The counts written beside the chart, top first: its highest day, the middle when it is a whole
    number of applications, and zero."""
    if highest == 0:
        return [0]
    if highest == 1:
        return [1, 0]
    if highest % 2 == 0:
        return [highest, highest // 2, 0]
    return [highest, 0]


def day_labels(series: list[tuple[date, int]]) -> list[date]:
    """The dates written under the chart: its first day, its middle, its last."""
    if not series:
        return []
    return [series[0][0], series[len(series) // 2][0], series[-1][0]]


def dashboard_for(user, *, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    postings = Posting.objects.visible_to(user)
    applications = Application.objects.visible_to(user)
    statuses = list(Application.Status)
    open_postings = (
        postings.open_for_applications(now)
        .select_related("session__programme")
        .annotate(
            total=Count("applications"),
            **{f"n_{s.value}": Count("applications", filter=Q(applications__status=s)) for s in statuses},
        )
        .order_by("deadline", "title")
    )
    series = applications_per_day(applications, today=timezone.localdate(now))
    return {
        "statuses": statuses,
        "status_columns": [(status, STATUS_COLUMNS[status]) for status in statuses],
        "open_postings": [
            PostingRow(p, [getattr(p, f"n_{s.value}") for s in statuses], p.total) for p in open_postings
        ],
        "closing_soon": list(postings.closing_within(DEADLINE_DAYS, now).order_by("deadline")),
        "deadline_days": DEADLINE_DAYS,
        "unanswered_count": applications.unanswered().count(),
        "chart": {
            "bars": chart_bars(series),
            "total": sum(count for _, count in series),
            "days": CHART_DAYS,
            "width": CHART_WIDTH,
            "height": CHART_HEIGHT,
            "first": series[0][0],
            "last": series[-1][0],
            "ticks": axis_ticks(max((count for _, count in series), default=0)),
            "day_labels": day_labels(series),
        },
    }
