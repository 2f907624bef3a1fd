"""The admin home page dashboard: counts through the same reach rules, and a chart drawn on the server."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.dashboard import CHART_HEIGHT, chart_bars, dashboard_for
from applications.models import Application
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(cast):
    now = timezone.now()
    closing = f.published_posting(
        session=cast.session,
        organisations={"host": cast.org_a},
        title="Ferme bientôt",
        deadline=now + timedelta(days=5),
    )
    f.make_application(posting=cast.posting_a, status=Application.Status.SHORTLISTED)
    f.make_application(posting=cast.posting_a, status=Application.Status.SHORTLISTED, answered_at=now)
    f.make_application(posting=cast.posting_a, submitted_at=now - timedelta(days=3))
    f.make_application(posting=closing, submitted_at=now - timedelta(days=3))
    f.make_application(posting=closing, submitted_at=now - timedelta(days=70))
    f.make_application(posting=cast.posting_b)
    return closing


def test_open_postings_show_application_counts_per_status(cast, activity):
    rows = {row.posting: row for row in dashboard_for(cast.recruiter_a)["open_postings"]}

    assert set(rows) == {cast.posting_a, activity}
    statuses = list(Application.Status)
    counts_a = dict(zip(statuses, rows[cast.posting_a].counts, strict=True))
    assert counts_a[Application.Status.SHORTLISTED] == 2
    assert counts_a[Application.Status.RECEIVED] == 1
    assert rows[cast.posting_a].total == 3
    assert rows[activity].total == 2


def test_deadlines_of_the_next_fourteen_days_are_listed(cast, activity):
    f.published_posting(organisations={"host": cast.org_b}, deadline=timezone.now() + timedelta(days=2))

    assert dashboard_for(cast.recruiter_a)["closing_soon"] == [activity]


def test_unanswered_applications_are_counted_in_reach(cast, activity):
    assert dashboard_for(cast.recruiter_a)["unanswered_count"] == 4
    assert dashboard_for(cast.recruiter_b)["unanswered_count"] == 1
    assert dashboard_for(cast.coordinator)["unanswered_count"] == 5


def test_the_chart_counts_applications_per_day_over_sixty_days(cast, activity):
    chart = dashboard_for(cast.recruiter_a)["chart"]
    by_day = {bar.day: bar.count for bar in chart["bars"]}
    today = timezone.localdate()

    assert len(chart["bars"]) == 60
    assert chart["last"] == today
    assert by_day[today] == 2
    assert by_day[today - timedelta(days=3)] == 2
    assert chart["total"] == 4  # the one from 70 days ago is out of the window, B's is out of reach


def test_the_tallest_bar_fills_the_chart():
    today = timezone.localdate()
    bars = chart_bars([(today - timedelta(days=1), 2), (today, 4)])

    assert [(bar.height, bar.y) for bar in bars] == [
        (CHART_HEIGHT // 2, CHART_HEIGHT // 2),
        (CHART_HEIGHT, 0),
    ]


def test_the_admin_home_page_renders_the_dashboard_without_inline_style(cast, activity, client):
    client.force_login(cast.recruiter_a)

    text = client.get(reverse("admin:index")).content.decode()

    assert re.search(r'<strong id="unanswered-count">4</strong>', text)
    assert 'data-posting="mission-a"' in text
    assert "Mission B" not in text
    assert text.count('class="passerelle-chart-bar"') == 2
    assert "Ferme bientôt" in text
    assert "style=" not in text.split('<section class="passerelle-dashboard"')[1].split("</section>")[0]
    assert "admin_passerelle/backoffice.css" in text


def test_withdrawn_declined_and_erased_applications_are_not_waiting_for_an_answer(cast, activity, client):
    from applications import retention

    f.make_application(posting=cast.posting_a, status=Application.Status.WITHDRAWN)
    f.make_application(posting=cast.posting_a, status=Application.Status.DECLINED)
    erased = f.make_application(posting=cast.posting_a)
    retention.erase_application(erased, by=cast.superuser)

    assert dashboard_for(cast.recruiter_a)["unanswered_count"] == 4
    client.force_login(cast.recruiter_a)
    listed = client.get(reverse("admin:applications_application_changelist"), {"answered": "no"})
    assert {a.status for a in listed.context["cl"].result_list} == {
        Application.Status.RECEIVED,
        Application.Status.SHORTLISTED,
    }
    assert len(listed.context["cl"].result_list) == 4
