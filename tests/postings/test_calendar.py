from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from postings.calendar import Event, escape_text, fold_line, render_calendar
from postings.models import Phase
from tests import factories as f

pytestmark = pytest.mark.django_db


def unfold(body: bytes) -> list[str]:
    """Content lines of an iCalendar body, after checking CRLF endings and the 75-octet limit."""
    assert body.endswith(b"\r\n")
    physical = body[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in physical)
    assert all(len(line) <= 75 for line in physical), [line for line in physical if len(line) > 75]
    text_lines = [line.decode("utf-8") for line in physical]  # folding never splits a UTF-8 character
    lines: list[str] = []
    for line in text_lines:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("\n" if following in "nN" else following)
        else:
            out.append(char)
    return "".join(out)


def events(body: bytes) -> list[dict[str, str]]:
    """Each VEVENT as {property name with its parameters: raw value}."""
    found, current = [], None
    for line in unfold(body):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            name, value = line.split(":", 1)
            current[name] = value
    return found


def calendar_url(posting) -> str:
    return f"/offres/{posting.slug}/calendrier.ics"


def test_a_posting_calendar_is_an_attachment_with_one_event_per_phase_and_the_deadline(client):
    session = f.make_session()
    posting = f.published_posting(session=session)

    response = client.get(calendar_url(posting))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{posting.slug}.ics"'
    lines = unfold(response.content)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    found = events(response.content)
    assert len(found) == 4  # three session phases + the deadline
    phase_ids = list(session.phases.values_list("pk", flat=True))
    assert [e["UID"] for e in found[:3]] == [
        f"posting-{posting.pk}-phase-{pk}@passerelle" for pk in phase_ids
    ]
    assert found[3]["UID"] == f"posting-{posting.pk}-deadline@passerelle"
    assert all(len(e["DTSTAMP"]) == 16 and e["DTSTAMP"].endswith("Z") for e in found)


def test_day_precision_phases_are_all_day_events_with_an_exclusive_end(client):
    session = f.make_session(with_phases=False)
    Phase.objects.create(
        session=session,
        kind=Phase.Kind.PREPARATION,
        starts_on=date(2027, 10, 23),
        ends_on=date(2027, 11, 16),
        place="Paris",
    )
    posting = f.published_posting(session=session)

    (phase, _deadline) = events(client.get(calendar_url(posting)).content)

    assert phase["DTSTART;VALUE=DATE"] == "20271023"
    assert phase["DTEND;VALUE=DATE"] == "20271117"
    assert phase["LOCATION"] == "Paris"
    assert unescape(phase["SUMMARY"]) == f"Préparation collective au départ – {posting.title}"


def test_month_precision_phases_span_their_whole_months(client):
    posting = f.published_posting()
    # "Terrain : novembre 2027 – avril 2028", "Capitalisation : mai 2028" (own calendar of the posting).
    field = Phase.objects.create(
        posting=posting,
        kind=Phase.Kind.FIELD,
        starts_on=date(2027, 11, 1),
        ends_on=date(2028, 4, 1),
        date_precision=Phase.Precision.MONTH,
    )
    capitalisation = Phase.objects.create(
        posting=posting,
        kind=Phase.Kind.CAPITALISATION,
        starts_on=date(2028, 5, 15),
        ends_on=date(2028, 5, 15),
        date_precision=Phase.Precision.MONTH,
    )

    found = {e["UID"]: e for e in events(client.get(calendar_url(posting)).content)}

    field_event = found[f"posting-{posting.pk}-phase-{field.pk}@passerelle"]
    assert (field_event["DTSTART;VALUE=DATE"], field_event["DTEND;VALUE=DATE"]) == ("20271101", "20280501")
    capitalisation_event = found[f"posting-{posting.pk}-phase-{capitalisation.pk}@passerelle"]
    assert capitalisation_event["DTSTART;VALUE=DATE"] == "20280501"
    assert capitalisation_event["DTEND;VALUE=DATE"] == "20280601"
    assert "au mois près" in unescape(capitalisation_event["DESCRIPTION"])


def test_the_deadline_event_is_at_the_deadline_time_in_utc(client):
    deadline = timezone.make_aware(datetime(2027, 1, 22, 23, 59), timezone.get_default_timezone())
    posting = f.published_posting(deadline=deadline)

    (deadline_event,) = events(client.get(calendar_url(posting)).content)

    assert deadline_event["DTSTART"] == "20270122T225900Z"  # 23:59 in Brussels/Paris winter time
    assert "DTEND;VALUE=DATE" not in deadline_event
    assert unescape(deadline_event["SUMMARY"]) == f"Date limite de candidature – {posting.title}"


def test_text_is_escaped_and_long_lines_are_folded_without_breaking_characters(client):
    posting = f.published_posting(
        title="Observatoire; frontière, Calais\\Dunkerque " + "é" * 60,
    )
    Phase.objects.create(
        posting=posting,
        kind=Phase.Kind.FIELD,
        starts_on=date(2027, 11, 1),
        ends_on=date(2028, 4, 30),
        notes="Deux lieux :\nCalais, Grande-Synthe",
    )

    body = client.get(calendar_url(posting)).content

    assert b"\r\n " in body  # at least one folded line
    phase, _deadline = events(body)
    assert "Observatoire\\; frontière\\, Calais\\\\Dunkerque" in phase["SUMMARY"]
    assert unescape(phase["SUMMARY"]).endswith("Calais\\Dunkerque " + "é" * 60)
    assert phase["DESCRIPTION"] == "Deux lieux :\\nCalais\\, Grande-Synthe"


def test_folding_counts_octets_not_characters():
    line = "SUMMARY:" + "€" * 40  # 8 + 120 octets
    folded = fold_line(line).encode("utf-8").split(b"\r\n")
    assert [len(part) for part in folded] == [74, 55]  # 75 would split the 23rd euro sign
    assert b"".join(part.removeprefix(b" ") for part in folded).decode("utf-8") == line


def test_escape_text_escapes_the_backslash_before_the_others():
    assert escape_text("a\\;b,c\r\nd") == "a\\\\\\;b\\,c\\nd"


def test_a_posting_without_deadline_nor_phases_gives_an_empty_calendar(client):
    posting = f.published_posting(deadline=None)

    response = client.get(calendar_url(posting))

    assert response.status_code == 200
    assert events(response.content) == []


@pytest.mark.parametrize("factory", [f.draft_posting, f.archived_posting])
def test_a_non_public_posting_has_no_calendar(client, factory):
    posting = factory()
    assert client.get(calendar_url(posting)).status_code == 404


def test_a_closed_posting_keeps_its_calendar(client):
    posting = f.expired_posting(session=f.make_session())
    response = client.get(calendar_url(posting))
    assert response.status_code == 200
    assert len(events(response.content)) == 4


def test_an_unknown_posting_has_no_calendar(client):
    assert client.get("/offres/nexiste-pas/calendrier.ics").status_code == 404


def test_a_session_calendar_has_its_phases_and_the_deadlines_of_its_public_postings(client):
    session = f.make_session()
    first = f.published_posting(session=session, deadline=timezone.now() + timedelta(days=10))
    second = f.closed_posting(session=session, deadline=timezone.now() + timedelta(days=20))
    f.draft_posting(session=session)

    response = client.get(f"/sessions/{session.slug}/calendrier.ics")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{session.slug}.ics"'
    uids = [e["UID"] for e in events(response.content)]
    phase_ids = list(session.phases.values_list("pk", flat=True))
    assert uids == [f"session-{session.pk}-phase-{pk}@passerelle" for pk in phase_ids] + [
        f"posting-{first.pk}-deadline@passerelle",
        f"posting-{second.pk}-deadline@passerelle",
    ]


def test_a_session_without_public_posting_has_no_calendar(client):
    session = f.make_session()
    f.draft_posting(session=session)
    assert client.get(f"/sessions/{session.slug}/calendrier.ics").status_code == 404


def test_calendar_of_a_demonstration_posting_says_so(client):
    posting = f.published_posting(is_demo=True)
    lines = unfold(client.get(calendar_url(posting)).content)
    assert f"X-WR-CALNAME:[Démonstration] {posting.title}" in lines


def test_the_calendar_answers_under_the_english_prefix_too(client):
    posting = f.published_posting()
    assert client.get(f"/en/offres/{posting.slug}/calendrier.ics").status_code == 200


def test_every_event_is_stamped_with_the_time_of_rendering_in_utc():
    event = Event(uid="x@passerelle", summary="Terrain", starts=date(2027, 11, 1), ends=date(2028, 5, 1))
    now = timezone.make_aware(datetime(2027, 1, 1, 12, 30), timezone.get_default_timezone())

    (rendered,) = events(render_calendar(name="Session", events=[event], now=now).encode("utf-8"))

    assert rendered["DTSTAMP"] == "20270101T113000Z"


def test_the_deadline_event_carries_a_reminder_that_a_calendar_application_reads(client):
    import icalendar

    posting = f.published_posting(title="Mission à Liège")

    calendar = icalendar.Calendar.from_ical(client.get(f"/offres/{posting.slug}/calendrier.ics").content)

    [deadline] = [e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]).startswith("Date limite")]
    assert deadline.decoded("DTSTART") == posting.deadline.replace(microsecond=0)
    [alarm] = deadline.walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY"
    assert alarm.decoded("TRIGGER") == -timedelta(days=2)
    assert "Mission à Liège" in str(alarm["DESCRIPTION"])
