"""Time helpers: everything stored and compared is timezone-aware UTC."""

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def shown_in(instant: datetime, zone_name: str) -> str:
    """An instant as people of a zone read it, for messages: "2027-01-15 09:00 (Europe/Paris)"."""
    from zoneinfo import ZoneInfo

    return f"{as_utc(instant).astimezone(ZoneInfo(zone_name)):%Y-%m-%d %H:%M} ({zone_name})"
