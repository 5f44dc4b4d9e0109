"""Dates and times as a reader of the page says them, in their language (Babel)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from app.kit.time import as_utc


def day(moment: datetime, zone: str, locale: str) -> str:
    """« 1er décembre 2026 », "1 December 2026"."""
    local = as_utc(moment).astimezone(ZoneInfo(zone))
    text = format_date(local, "d MMMM y", locale=locale)
    if locale == "fr" and local.day == 1:
        text = "1er" + text[1:]
    return text


def moment(value: datetime, zone: str, locale: str) -> str:
    """The day and the time in `zone`, with the zone named: « 1er décembre 2026, 09:30 (Europe/Paris) »."""
    local = as_utc(value).astimezone(ZoneInfo(zone))
    return f"{day(value, zone, locale)}, {format_time(local, 'HH:mm', locale=locale)} ({zone})"


def initials(full_name: str) -> str:
    """ "Mauricette Raoul" → "MR": what stands for a person without a photo."""
    words = [word for word in full_name.replace("-", " ").split() if word[:1].isalpha()]
    if not words:
        return "?"
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()
