"""Building blocks for dispatcher tests: a clock to move by hand, posts in bulk, and reads."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select

from app.db import unit_of_work
from app.deliveries import service as deliveries_service
from app.deliveries.states import DeliveryStatus, PostStatus
from app.models import Channel, Delivery, Post
from app.state import AppState
from tests.factories import Writer, bearer, engaged_writer, ok


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def move_to(self, moment: datetime) -> None:
        self.now = max(self.now, moment)


@dataclass
class Setup:
    writer: Writer
    channel_id: int
    template_post_id: int


async def writer_with_channel(
    state: AppState, http: httpx.AsyncClient, kind: str = "recording"
) -> Setup:
    """An attested, engaged CM; a channel of `kind` for their client; one post written through
    the API (signed for real) that `schedule` copies."""
    writer = await engaged_writer(state, http)
    channel = await ok(
        await http.post(
            f"/api/v1/clients/{writer.client_id}/channels",
            headers=bearer(writer.org.owner_token),
            json={"kind": kind, "name": kind, "config": {}, "credentials": {}},
        ),
        201,
    )
    due = (state.clock() + timedelta(days=30)).isoformat()
    post = await ok(
        await http.post(
            "/api/v1/posts",
            headers=bearer(writer.token),
            json={
                "client_id": writer.client_id,
                "channel_ids": [channel["id"]],
                "body": "Les galettes sont de retour dès samedi.",
                "scheduled_at": due,
            },
        ),
        201,
    )
    await ok(await http.post(f"/api/v1/posts/{post['id']}/cancel", headers=bearer(writer.token)))
    return Setup(writer, channel["id"], post["id"])


async def more_channels(
    http: httpx.AsyncClient, setup: Setup, count: int, kind: str = "recording"
) -> list[int]:
    """`count` more channels of `kind` for the setup's client; returns their ids."""
    ids = []
    for n in range(count):
        channel = await ok(
            await http.post(
                f"/api/v1/clients/{setup.writer.client_id}/channels",
                headers=bearer(setup.writer.org.owner_token),
                json={"kind": kind, "name": f"page {n}", "config": {}, "credentials": {}},
            ),
            201,
        )
        ids.append(channel["id"])
    return ids


async def schedule(
    state: AppState, setup: Setup, due_times: list[datetime], channel_id: int | None = None
) -> list[int]:
    """Copies of the template post (same signed content), one delivery each; returns post ids."""
    channel_id = channel_id or setup.channel_id
    async with unit_of_work(state.session_factory) as session:
        template = await session.get(Post, setup.template_post_id)
        assert template is not None
        columns = {
            column.key: getattr(template, column.key)
            for column in Post.__table__.columns
            if column.key not in ("id", "cancelled_at")
        }
        now = state.clock()
        rows = [
            {**columns, "scheduled_at": due, "status": PostStatus.SCHEDULED} for due in due_times
        ]
        post_ids = list((await session.scalars(insert(Post).returning(Post.id), rows)).all())
        await session.execute(
            insert(Delivery),
            [
                {
                    "post_id": post_id,
                    "channel_id": channel_id,
                    "status": DeliveryStatus.SCHEDULED,
                    "attempts": 0,
                    "due_at": due,
                    "created_at": now,
                    "updated_at": now,
                }
                for post_id, due in zip(post_ids, due_times, strict=True)
            ],
        )
    return post_ids


async def deliveries(state: AppState, post_ids: list[int] | None = None) -> list[Delivery]:
    async with unit_of_work(state.session_factory) as session:
        query = select(Delivery).order_by(Delivery.id)
        if post_ids is not None:
            query = query.where(Delivery.post_id.in_(post_ids))
        return list((await session.scalars(query)).all())


async def status_counts(state: AppState) -> dict[str, int]:
    async with unit_of_work(state.session_factory) as session:
        rows = await session.execute(
            select(Delivery.status, func.count()).group_by(Delivery.status)
        )
        return {row[0]: row[1] for row in rows}


async def channel_status(state: AppState, channel_id: int) -> str:
    async with unit_of_work(state.session_factory) as session:
        channel = await session.get(Channel, channel_id)
        assert channel is not None
        return channel.status


def until_absence_is_believed(state: AppState) -> float:
    """Seconds after an uncertain attempt before a look-up's "not there" is believed."""
    return state.settings.publish_timeout + state.settings.reconcile_margin


async def install_id(state: AppState) -> str:
    async with unit_of_work(state.session_factory) as session:
        return (await deliveries_service.markers(session, now=state.clock())).install_id


def key_of(delivery_id: int, install: str) -> str:
    return f"byline-{install}-delivery-{delivery_id}"


async def api_post(http: httpx.AsyncClient, token: str, post_id: int) -> Any:
    return await ok(await http.get(f"/api/v1/posts/{post_id}", headers=bearer(token)))


def log_path(tmp_path: Path) -> Path:
    return tmp_path / "calls.log"
