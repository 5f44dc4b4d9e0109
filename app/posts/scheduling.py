"""Reading a time people give (`scheduled_at`, a handover's `effective_at`): ISO 8601 with an
offset, or a local time read in the client's zone."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.errors import AppError
from app.kit.fields import storable_instant

# A time a few seconds old is "now" that took a while to arrive, not a mistake.
PAST_TOLERANCE = timedelta(seconds=60)


def resolve(
    value: str | None,
    zone_name: str,
    now: datetime,
    *,
    field: str = "scheduled_at",
    refuse_ambiguous: bool = False,
) -> datetime:
    """The UTC instant `value` names; omitted means now. Raises AppError on anything unclear,
    with the codes `{field}_invalid`, `_in_past`, `_nonexistent` and (when `refuse_ambiguous`)
    `_ambiguous`."""
    if value is None:
        return now
    text = value.strip()
    # A bare date says nothing about the hour: refuse rather than guess midnight. Python's
    # parser accepts any separator after the date ("2027-01-15+01:00" would read as 01:00).
    if len(text) <= 10 or text[10] not in "Tt ":
        raise AppError(f"{field}_invalid", field=field, value=value)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise AppError(f"{field}_invalid", field=field, value=value) from None
    try:
        if parsed.tzinfo is None:
            parsed = _localize(
                parsed, zone_name, value, field=field, refuse_ambiguous=refuse_ambiguous
            )
        instant = storable_instant(parsed)
    except OverflowError:  # a local time at the very edge of the calendar, read in the zone
        instant = None
    if instant is None:
        raise AppError("time_out_of_range", field=field, value=value)
    if instant < now - PAST_TOLERANCE:
        raise AppError(f"{field}_in_past", field=field, value=value)
    return instant


def _localize(
    naive: datetime, zone_name: str, original: str, *, field: str, refuse_ambiguous: bool
) -> datetime:
    zone = ZoneInfo(zone_name)
    local = naive.replace(tzinfo=zone)
    # A time in the spring-forward gap does not survive the round trip through UTC.
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise AppError(f"{field}_nonexistent", field=field, value=original, zone=zone_name)
    # In the autumn overlap the two readings (fold 0 and 1) are an hour apart.
    later = naive.replace(tzinfo=zone, fold=1)
    if refuse_ambiguous and later.utcoffset() != local.utcoffset():
        raise AppError(
            f"{field}_ambiguous",
            field=field,
            value=original,
            zone=zone_name,
            first=local.isoformat(),
            second=later.isoformat(),
        )
    # For a post, fold=0 (the earlier instant) is what people mean by "02:30".
    return local
