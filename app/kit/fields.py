"""Field types shared by the API's schemas, bounded by what both databases store.

A value outside these bounds would pass pydantic and then fail in the database (an id past 32
bits, a time whose UTC date falls outside years 1–9999): it is refused here, as a field error,
before anything is written. The bounds are in the OpenAPI document too, so a client can know them.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import AwareDatetime, Field, GetCoreSchemaHandler, GetJsonSchemaHandler, HttpUrl
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

ID_LIMIT = 2**31
"""Ids and counts stay below it: the id columns are INTEGER, 32 bits on PostgreSQL (SQLite's are
wider; the limit is the same on both). An exclusive bound, because the OpenAPI document holds
bounds as floats, and 2**31 is one exactly."""

Id = Annotated[int, Field(ge=1, lt=ID_LIMIT)]
"""An object's id, in a path, a query or a body."""

Count = Annotated[int, Field(ge=0, lt=ID_LIMIT)]
"""A whole number from 0 that the database compares with ids (an offset): the same limit."""

URL_MAX_LENGTH = 2000
WebAddress = Annotated[HttpUrl, Field(max_length=URL_MAX_LENGTH)]
"""An http(s) address that fits the columns that keep them."""

TIME_MAX_LENGTH = 64
"""A time as text ("2027-01-15T09:00:00+01:00") is far shorter; more is not a time."""

# The latest instant kept: the last day of 9998 in UTC, so that what Byline adds to a time (a
# publishing deadline of up to a week, an hour before a handover) stays inside year 9999.
LATEST = datetime(9999, 1, 1, tzinfo=UTC) - timedelta(microseconds=1)


def storable_instant(value: datetime) -> datetime | None:
    """`value` in UTC, or None when its UTC date falls outside what Byline keeps."""
    try:
        instant = value.astimezone(UTC)
    except OverflowError:
        return None
    return instant if instant <= LATEST else None


def _instant(value: datetime) -> datetime:
    instant = storable_instant(value)
    if instant is None:
        raise PydanticCustomError("time_out_of_range", "the time is outside the years 1 to 9998")
    return instant


def _iso_8601(value: Any) -> Any:
    # pydantic would also read "71299" as seconds since 1970: a time here is ISO 8601 text.
    if not isinstance(value, str):
        return value
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise PydanticCustomError("datetime_parsing", "not an ISO 8601 time") from None
    if parsed.tzinfo is not None:
        _instant(parsed)  # refused here, where the error still holds the text as it was sent
    return parsed


@dataclass(frozen=True)
class _InstantCheck:
    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        checked = core_schema.no_info_after_validator_function(_instant, handler(source))
        return core_schema.no_info_before_validator_function(_iso_8601, checked)


Instant = Annotated[AwareDatetime, _InstantCheck()]
"""A time with offset (a query's), refused when its UTC date is outside what Byline keeps."""


def _refuse_null(value: Any) -> Any:
    # Runs only for a value the caller sent: pydantic does not validate a default.
    if value is None:
        raise PydanticCustomError("null_refused", "this field cannot be null")
    return value


@dataclass(frozen=True)
class NotNull:
    """For a PATCH field that may be left out but not emptied: `null` is refused (pydantic
    would let it through to a NOT NULL column), and the schema shows no null."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_refuse_null, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        branches = json_schema.get("anyOf")
        if isinstance(branches, list):
            kept = [branch for branch in branches if branch.get("type") != "null"]
            if len(kept) == 1:
                rest = {key: value for key, value in json_schema.items() if key != "anyOf"}
                return {**kept[0], **rest}
        return json_schema


NOT_NULL = NotNull()
