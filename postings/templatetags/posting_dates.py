"""Dates as postings state them, in the typography of the page's language.

French writes the first day of a month "1er novembre" and leaves the year off the first date of a range
within one year ("du 13 septembre au 8 octobre 2021"); Django's `date` filter does neither.
"""

from datetime import date, datetime

from django import template
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from postings.models import posting_time_zone

register = template.Library()


def _day(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return value.astimezone(posting_time_zone()).date()
    return value


def _is_french() -> bool:
    return (get_language() or "fr").split("-")[0] == "fr"


@register.filter
def day_month(value: date | datetime | None) -> str:
    """ "1er novembre", "13 septembre", "1 November": a day without its year."""
    if value is None:
        return ""
    day = _day(value)
    month = formats.date_format(day, "F")
    if _is_french():
        return f"{'1er' if day.day == 1 else day.day} {month}"
    return formats.date_format(day, "j F")


@register.filter
def natural_date(value: date | datetime | None) -> str:
    """ "1er novembre 2021" in French, "1 November 2021" in English: a date, never a time of day."""
    if value is None:
        return ""
    day = _day(value)
    return f"{day_month(day)} {day.year}"


@register.filter
def natural_datetime(value: datetime | None) -> str:
    """ "1er novembre 2021 à 12:00": a date with its time, for deadlines stated with an hour."""
    if value is None:
        return ""
    local = value.astimezone(posting_time_zone())
    return _("%(date)s à %(time)s") % {"date": natural_date(local), "time": formats.time_format(local, "H:i")}


@register.simple_tag
def date_range(start: date, end: date) -> str:
    """ "du 13 septembre au 8 octobre 2021", "du 13 octobre 2021 au 11 mars 2022"."""
    start, end = _day(start), _day(end)
    first = day_month(start) if start.year == end.year else natural_date(start)
    return _("du %(start)s au %(end)s") % {"start": first, "end": natural_date(end)}
