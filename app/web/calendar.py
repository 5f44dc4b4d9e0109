"""The calendar: a client's week or month, in the client's zone, each post at its local time and
linking to its detail. Days are cut at local midnight, so a week across a change of clocks
shows each post on the day and at the hour its readers live."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from babel.dates import format_date
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.accounts.dependencies import Session, State
from app.clients import service as clients
from app.deliveries.states import PostStatus
from app.kit.time import as_utc
from app.posts import service as posts
from app.posts.schemas import PostRead
from app.web.common import go, viewer_of
from app.web.rendering import page_locale, render

router = APIRouter()

_MOST = 200


@dataclass
class Day:
    day: date
    label: str
    in_range: bool
    entries: list[tuple[str, PostRead]] = field(default_factory=list)
    """(local time "09:30", the post), earliest first."""


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


def _span(view: str, around: date) -> tuple[date, date, date, date]:
    """(first and last day shown, the previous and next period's day)."""
    if view == "month":
        first_of_month = around.replace(day=1)
        next_month = (first_of_month + timedelta(days=32)).replace(day=1)
        start = first_of_month - timedelta(days=first_of_month.weekday())
        last = next_month - timedelta(days=1)
        end = last + timedelta(days=6 - last.weekday())
        before = (first_of_month - timedelta(days=1)).replace(day=1)
        return start, end, before, next_month
    start = around - timedelta(days=around.weekday())
    return start, start + timedelta(days=6), start - timedelta(days=7), start + timedelta(days=7)


def _day_label(day: date, locale: str) -> str:
    text = format_date(day, "EEEE d MMMM", locale=locale)
    if locale == "fr" and day.day == 1:
        text = text.replace(" 1 ", " 1er ", 1)
    return text


@router.get("/app/calendar")
async def calendar(
    request: Request,
    session: Session,
    state: State,
    client: str = "",
    view: str = "week",
    day: Annotated[str, Query(alias="date", max_length=10)] = "",
) -> Response:
    viewer = await viewer_of(request, session, state)
    if viewer is None:
        return go(state, "/login")
    locale = page_locale(request)
    view = "month" if view == "month" else "week"
    wanted = int(client) if client.isdigit() else viewer.client_id
    choice = next((c for c in viewer.clients if c.id == wanted), None) or next(
        iter(viewer.clients), None
    )
    if choice is None:
        return render(
            "web/calendar.html", locale=locale, request=request, section="calendar", client=None
        )
    shown = await clients.get(session, viewer.actor, choice.id)
    zone = ZoneInfo(shown.timezone)
    today = state.clock().astimezone(zone).date()
    try:
        around = date.fromisoformat(day) if day else today
    except ValueError:
        around = today
    start, end, before, after = _span(view, around)
    found = await posts.list_posts(
        session,
        viewer.actor,
        client_id=shown.id,
        status=None,
        author_id=None,
        scheduled_from=_local_midnight(start, zone),
        scheduled_to=_local_midnight(end + timedelta(days=1), zone),
        limit=_MOST,
        offset=0,
    )
    days = {
        start + timedelta(days=n): Day(
            start + timedelta(days=n),
            _day_label(start + timedelta(days=n), locale),
            view == "week" or (start + timedelta(days=n)).month == around.month,
        )
        for n in range((end - start).days + 1)
    }
    for post in await posts.read_many(session, found):
        if post.status == PostStatus.CANCELLED:
            continue
        local = as_utc(post.scheduled_at).astimezone(zone)
        days[local.date()].entries.append((local.strftime("%H:%M"), post))
    for shown_day in days.values():
        shown_day.entries.sort(key=lambda entry: entry[0])
    if view == "month":
        title = format_date(around, "LLLL y", locale=locale)
    else:
        title = f"{_day_label(start, locale)} – {_day_label(end, locale)} {end.year}"
    return render(
        "web/calendar.html",
        locale=locale,
        request=request,
        section="calendar",
        client=shown,
        choices=viewer.clients,
        view=view,
        title=title,
        days=list(days.values()),
        around=around.isoformat(),
        before=before.isoformat(),
        after=after.isoformat(),
        today=today,
        full=len(found) >= _MOST,
    )
