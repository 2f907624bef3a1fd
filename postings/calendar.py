"""iCalendar (RFC 5545) export of a posting's or a session's calendar: its phases and application deadlines.

Written by hand rather than with the `icalendar` package: we only emit (never parse) a handful of all-day and
UTC events, so no VTIMEZONE is needed, and the three rules that matter (TEXT escaping, folding at 75 octets
without splitting a UTF-8 character, CRLF line endings) fit in a few lines that the tests check directly.
"""

import calendar as std_calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from postings.models import Phase, Posting, Session

PRODID = "-//Passerelle//Calendrier des offres//FR"
UID_DOMAIN = "passerelle"
MAX_LINE_OCTETS = 75


@dataclass(frozen=True)
class Event:
    uid: str
    summary: str
    # All-day events carry dates (DTEND exclusive); a moment carries an aware datetime and no end.
    starts: date | datetime
    ends: date | None = None
    location: str = ""
    description: str = ""
    # A reminder this long before the start (VALARM), with its text.
    alarm_before: timedelta | None = None
    alarm_text: str = ""


# Serialisation ---------------------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11): backslash first, then `;`, `,` and line breaks."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 §3.1), never inside a multi-byte UTF-8 character.

    Continuation lines start with one space, which counts in their 75 octets.
    """
    parts: list[str] = []
    current = ""
    current_octets = 0
    limit = MAX_LINE_OCTETS
    for char in line:
        size = len(char.encode("utf-8"))
        if current_octets + size > limit:
            parts.append(current)
            current, current_octets = " ", 1
        current += char
        current_octets += size
    parts.append(current)
    return "\r\n".join(parts)


def format_date(value: date) -> str:
    return value.strftime("%Y%m%d")


def format_utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def format_duration(value: timedelta) -> str:
    """A positive RFC 5545 duration in days, hours and minutes (P2D, PT12H, P1DT6H)."""
    hours, minutes = divmod(value.seconds // 60, 60)
    date_part = f"{value.days}D" if value.days else ""
    time_part = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if not date_part and not time_part:
        return "PT0M"
    return "P" + date_part + (f"T{time_part}" if time_part else "")


def render_calendar(*, name: str, events: Iterable[Event], now: datetime | None = None) -> str:
    stamp = format_utc(now or timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{event.uid}", f"DTSTAMP:{stamp}"]
        if isinstance(event.starts, datetime):
            lines.append(f"DTSTART:{format_utc(event.starts)}")
        else:
            lines.append(f"DTSTART;VALUE=DATE:{format_date(event.starts)}")
            lines.append(f"DTEND;VALUE=DATE:{format_date(event.ends or event.starts + timedelta(days=1))}")
        lines.append(f"SUMMARY:{escape_text(event.summary)}")
        if event.location:
            lines.append(f"LOCATION:{escape_text(event.location)}")
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        lines.append("TRANSP:TRANSPARENT")
        if event.alarm_before is not None:
            lines += [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"DESCRIPTION:{escape_text(event.alarm_text or event.summary)}",
                f"TRIGGER:-{format_duration(event.alarm_before)}",
                "END:VALARM",
            ]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)


# Events of the domain --------------------------------------------------------------------------------


def phase_dates(phase: Phase) -> tuple[date, date]:
    """First day and exclusive end of a phase. A month-precision phase spans its whole first and last months."""
    if phase.date_precision == Phase.Precision.MONTH:
        first = phase.starts_on.replace(day=1)
        last_day = std_calendar.monthrange(phase.ends_on.year, phase.ends_on.month)[1]
        return first, phase.ends_on.replace(day=last_day) + timedelta(days=1)
    return phase.starts_on, phase.ends_on + timedelta(days=1)


def demo_title(title: str, *, is_demo: bool) -> str:
    return _("[Démonstration] %(title)s") % {"title": title} if is_demo else title


def phase_event(phase: Phase, *, uid_prefix: str, context_title: str) -> Event:
    starts, ends = phase_dates(phase)
    notes = [phase.notes] if phase.notes else []
    if phase.date_precision == Phase.Precision.MONTH:
        notes.append(_("Dates connues au mois près."))
    return Event(
        uid=f"{uid_prefix}-phase-{phase.pk}@{UID_DOMAIN}",
        summary=f"{phase.title} – {context_title}",
        starts=starts,
        ends=ends,
        location=phase.place,
        description="\n".join(notes),
    )


# How long before a deadline the calendar reminds the candidate: time enough to finish a letter.
DEADLINE_REMINDER = timedelta(days=2)


def deadline_event(posting: Posting, *, title: str) -> Event:
    # A deadline stated as a day is that whole day in a calendar, not an invented time of day.
    day = posting.deadline_day() if posting.deadline_is_date_only else None
    return Event(
        uid=f"posting-{posting.pk}-deadline@{UID_DOMAIN}",
        summary=_("Date limite de candidature – %(title)s") % {"title": title},
        starts=day or posting.deadline,
        ends=day + timedelta(days=1) if day else None,
        alarm_before=DEADLINE_REMINDER,
        alarm_text=_("Plus que deux jours pour candidater – %(title)s") % {"title": title},
    )


def posting_calendar(posting: Posting, *, now: datetime | None = None) -> str:
    title = demo_title(posting.localized("title"), is_demo=posting.is_demo)
    events = [
        phase_event(phase, uid_prefix=f"posting-{posting.pk}", context_title=title)
        for phase in posting.phases_for_display()
    ]
    if posting.deadline is not None:
        events.append(deadline_event(posting, title=title))
    return render_calendar(name=title, events=events, now=now)


def session_calendar(session: Session, *, postings: Iterable[Posting], now: datetime | None = None) -> str:
    """The session's phases, then the deadline of each of the given (public) postings of the session."""
    name = demo_title(str(session), is_demo=session.is_demo)
    events = [
        phase_event(phase, uid_prefix=f"session-{session.pk}", context_title=name)
        for phase in session.phases.all()
    ]
    for posting in postings:
        if posting.deadline is not None:
            events.append(
                deadline_event(posting, title=demo_title(posting.localized("title"), is_demo=posting.is_demo))
            )
    return render_calendar(name=name, events=events, now=now)
