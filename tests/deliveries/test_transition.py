"""transition(): the one writer of a delivery's status checks the table, writes only what still
holds, audits each change and recomputes the post's status."""

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from app.db import unit_of_work
from app.deliveries import service as deliveries
from app.deliveries.service import IllegalTransition, Move
from app.deliveries.states import DeliveryStatus, can_transition, post_status
from app.models import AuditEvent, Delivery, Post
from app.state import AppState
from tests.factories import engaged_writer, write_post

S = DeliveryStatus
APP = Path(__file__).resolve().parents[2] / "app"


async def one_delivery(state: AppState, http: httpx.AsyncClient, status: S) -> tuple[int, int]:
    """A post with one delivery, put in `status` behind the product's back (test set-up)."""
    writer = await engaged_writer(state, http)
    post = await write_post(http, writer, scheduled_at=state.clock().isoformat())
    delivery_id = post["deliveries"][0]["id"]
    async with unit_of_work(state.session_factory) as session:
        await session.execute(
            update(Delivery).where(Delivery.id == delivery_id).values(status=status)
        )
    return delivery_id, post["id"]


async def read(
    state: AppState, delivery_id: int, post_id: int
) -> tuple[str, str, list[AuditEvent]]:
    async with unit_of_work(state.session_factory) as session:
        delivery = await session.get(Delivery, delivery_id)
        post = await session.get(Post, post_id)
        events = (
            await session.scalars(
                select(AuditEvent).where(
                    AuditEvent.subject_type == "delivery", AuditEvent.subject_id == delivery_id
                )
            )
        ).all()
        assert delivery is not None and post is not None
        return delivery.status, post.status, list(events)


PAIRS = [(old, new) for old in S for new in S if old != new]


@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[f"{o}->{n}" for o, n in PAIRS])
async def test_each_change_is_checked_written_audited_and_derives_the_post(
    state: AppState, client: httpx.AsyncClient, old: S, new: S
) -> None:
    delivery_id, post_id = await one_delivery(state, client, old)
    now = state.clock()
    async with unit_of_work(state.session_factory) as session:
        if not can_transition(old, new):
            with pytest.raises(IllegalTransition):
                await deliveries.transition(session, [Move(delivery_id, old, new)], now=now)
            written = []
        else:
            written = await deliveries.transition(
                session, [Move(delivery_id, old, new, error="why")], now=now, actor_id=None
            )
    status, post_status_now, events = await read(state, delivery_id, post_id)
    if not can_transition(old, new):
        assert (status, events) == (old, [])
        return
    assert [row.id for row in written] == [delivery_id]
    assert status == new
    assert post_status_now == post_status([new])
    (event,) = events
    assert event.action == f"delivery.{new}"
    assert event.data == {"post_id": post_id, "from": str(old), "to": str(new), "error": "why"}


async def test_a_change_decided_on_a_stale_status_writes_nothing(
    state: AppState, client: httpx.AsyncClient
) -> None:
    delivery_id, post_id = await one_delivery(state, client, S.SCHEDULED)
    async with unit_of_work(state.session_factory) as session:
        written = await deliveries.transition(
            session, [Move(delivery_id, S.PUBLISHING, S.PUBLISHED)], now=state.clock()
        )
    assert written == []
    status, _, events = await read(state, delivery_id, post_id)
    assert (status, events) == (S.SCHEDULED, [])


async def test_a_worker_writes_only_under_its_claim_token(
    state: AppState, client: httpx.AsyncClient
) -> None:
    delivery_id, post_id = await one_delivery(state, client, S.SCHEDULED)
    async with unit_of_work(state.session_factory) as session:
        (claim,) = await deliveries.claim(
            session, worker_id="w1", now=state.clock(), limit=10, lease=timedelta(seconds=60)
        )
    async with unit_of_work(state.session_factory) as session:
        stale = await deliveries.transition(
            session,
            [Move(delivery_id, S.PUBLISHING, S.PUBLISHED, token="someone-else")],
            now=state.clock(),
        )
        fresh = await deliveries.transition(
            session,
            [Move(delivery_id, S.PUBLISHING, S.PUBLISHED, token=claim.token)],
            now=state.clock(),
            worker_id="w1",
        )
    assert stale == [] and [row.id for row in fresh] == [delivery_id]
    status, post, events = await read(state, delivery_id, post_id)
    assert (status, post) == (S.PUBLISHED, "published")
    assert [e.action for e in events] == ["delivery.publishing", "delivery.published"]
    assert events[0].data["worker"] == "w1"


def test_no_status_is_written_outside_the_deliveries_repository() -> None:
    """The column has one writer: `repository.write`, called by `transition()`."""
    offenders = []
    for path in APP.rglob("*.py"):
        text = path.read_text()
        relative = path.relative_to(APP).as_posix()
        if relative == "deliveries/repository.py":
            # Inside it, only write() sets the columns it is given; no other statement on the
            # deliveries table sets a status.
            for statement in text.split("session.execute(")[1:]:
                if "update(Delivery)" in statement.split("\n\n")[0]:
                    assert "status=" not in statement.split("\n\n")[0], statement[:200]
            continue
        if re.search(r"update\((Delivery|_TABLE)\b", text) or re.search(
            r"delivery\.status\s*=(?!=)", text, re.I
        ):
            offenders.append(relative)
    assert offenders == []
