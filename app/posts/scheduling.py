"""Reading `scheduled_at`: ISO 8601 with an offset, or a local time read in the client's zone."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.errors import AppError

# A time a few seconds old is "now" that took a while to arrive, not a mistake.
PAST_TOLERANCE = timedelta(seconds=60)


def resolve(value: str | None, zone_name: str, now: datetime) -> datetime:
    """The UTC instant `value` names; omitted means now. Raises AppError on anything unclear."""
    if value is None:
        return now
    text = value.strip()
    # A bare date says nothing about the hour: refuse rather than guess midnight. Python's
    # parser accepts any separator after the date ("2027-01-15+01:00" would read as 01:00).
    if len(text) <= 10 or text[10] not in "Tt ":
        raise AppError("scheduled_at_invalid", field="scheduled_at", value=value)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise AppError("scheduled_at_invalid", field="scheduled_at", value=value) from None
    if parsed.tzinfo is None:
        parsed = _localize(parsed, zone_name, value)
    instant = parsed.astimezone(UTC)
    if instant < now - PAST_TOLERANCE:
        raise AppError("scheduled_at_in_past", field="scheduled_at", value=value)
    return instant


def _localize(naive: datetime, zone_name: str, original: str) -> datetime:
    zone = ZoneInfo(zone_name)
    local = naive.replace(tzinfo=zone)
    # A time in the spring-forward gap does not survive the round trip through UTC.
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise AppError(
            "scheduled_at_nonexistent", field="scheduled_at", value=original, zone=zone_name
        )
    # In the autumn overlap, fold=0 (the earlier instant) is what people mean by "09:30".
    return local
