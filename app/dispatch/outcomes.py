"""Recording what happened to claimed deliveries: one transaction for a batch of outcomes.

Each outcome is written only where the claim token still matches and the delivery is still in the
status it was claimed in; anything else (the lease was reaped, a person acted, another worker
holds it now) writes nothing. Every status change is audited, and the posts concerned get their
status recomputed.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.dispatch.claims import Claim
from app.models import Channel, Delivery, Post
from app.posts.states import DeliveryStatus, can_transition, post_status
from connectors.base import PublishResult

log = logging.getLogger("byline.dispatch")

_S = DeliveryStatus


@dataclass(frozen=True)
class Outcome:
    status: DeliveryStatus
    result: PublishResult | None = None
    error: str | None = None
    due_at: datetime | None = None
    """When to look again (retrying, or an unknown outcome to reconcile)."""
    reauth: bool = False
    """The channel refused its credentials: mark it and hold its other deliveries."""


@dataclass(frozen=True)
class Subject:
    """What an outcome is about: the claim, and where its delivery belongs."""

    claim: Claim
    organisation_id: int
    post_id: int
    channel_id: int


def _values(outcome: Outcome, now: datetime) -> dict[str, object]:
    values: dict[str, object] = {
        "status": outcome.status,
        "claim_token": None,
        "lease_expires_at": None,
        "updated_at": now,
        "last_error": outcome.error,
    }
    if outcome.status == _S.PUBLISHED and outcome.result is not None:
        values |= {
            "published_at": outcome.result.published_at or now,
            "external_id": outcome.result.external_id,
            "external_url": outcome.result.external_url,
        }
    if outcome.due_at is not None:
        values["due_at"] = outcome.due_at
    return values


async def write(
    session: AsyncSession,
    items: Sequence[tuple[Subject, Outcome]],
    *,
    now: datetime,
    worker_id: str,
) -> set[int]:
    """Write the outcomes whose claims still hold; returns the delivery ids written."""
    for subject, outcome in items:
        claim = subject.claim
        stays = outcome.status == claim.status == _S.UNKNOWN
        if not stays and not can_transition(claim.status, outcome.status):
            raise ValueError(f"delivery {claim.delivery_id}: {claim.status} → {outcome.status}")
    # Lock the rows (PostgreSQL; SQLite's transaction already holds the write lock), keep those
    # whose claim still holds, then write them with one statement per shape of outcome.
    rows = await session.execute(
        select(Delivery.id, Delivery.claim_token, Delivery.status)
        .where(Delivery.id.in_([subject.claim.delivery_id for subject, _ in items]))
        .with_for_update()
    )
    current = {row.id: (row.claim_token, row.status) for row in rows}
    holding: list[tuple[Subject, Outcome]] = []
    for subject, outcome in items:
        claim = subject.claim
        if current.get(claim.delivery_id) == (claim.token, claim.status):
            holding.append((subject, outcome))
        else:
            log.warning(
                "delivery %s: claim lost before recording %s", claim.delivery_id, outcome.status
            )
    shapes: dict[tuple[str, ...], list[dict[str, object]]] = {}
    for subject, outcome in holding:
        values = _values(outcome, now)
        shapes.setdefault(tuple(sorted(values)), []).append(
            {"b_id": subject.claim.delivery_id, **{f"v_{k}": v for k, v in values.items()}}
        )
    table = cast(Table, Delivery.__table__)
    for keys, params in shapes.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({key: bindparam(f"v_{key}") for key in keys})
        )
        await session.execute(statement, params)
    posts = {subject.post_id for subject, _ in holding}
    insert_audit(
        session,
        [
            audit_row(
                organisation_id=subject.organisation_id,
                delivery_id=subject.claim.delivery_id,
                post_id=subject.post_id,
                old=subject.claim.status,
                new=outcome.status,
                at=now,
                worker_id=worker_id,
                error=outcome.error,
                external_url=outcome.result.external_url if outcome.result else None,
            )
            for subject, outcome in holding
            if outcome.status != subject.claim.status
        ],
    )
    for subject, outcome in holding:
        if outcome.reauth:
            posts |= await hold_channel(
                session, subject.channel_id, subject.organisation_id, outcome.error, now
            )
    await refresh_posts(session, posts, now)
    return {subject.claim.delivery_id for subject, _ in holding}


async def hold_channel(
    session: AsyncSession, channel_id: int, organisation_id: int, reason: str | None, now: datetime
) -> set[int]:
    """The channel needs reconnecting: mark it, and hold what was waiting to go out on it."""
    await session.execute(
        update(Channel).where(Channel.id == channel_id).values(status="needs_reauth")
    )
    rows = await session.execute(
        update(Delivery)
        .where(Delivery.channel_id == channel_id, Delivery.status.in_((_S.SCHEDULED, _S.RETRYING)))
        .values(status=_S.HELD, last_error=reason, updated_at=now)
        .returning(Delivery.id, Delivery.post_id, Delivery.status),
        execution_options={"synchronize_session": False},
    )
    held = set()
    for row in rows:
        held.add(row.post_id)
        audit_transition(
            session,
            organisation_id=organisation_id,
            delivery_id=row.id,
            post_id=row.post_id,
            old=None,
            new=_S.HELD,
            at=now,
            worker_id=None,
            error=reason,
        )
    return held


def audit_transition(session: AsyncSession, **row: Any) -> None:
    """One audited status change, through the audit service."""
    audit.record(session, **audit_row(**row))


def insert_audit(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Many audited status changes at once (the dispatcher's hot path)."""
    for row in rows:
        audit.record(session, **row)


def audit_row(
    *,
    organisation_id: int | None,
    delivery_id: int,
    post_id: int,
    old: str | None,
    new: str,
    at: datetime,
    worker_id: str | None,
    actor_id: int | None = None,
    error: str | None = None,
    external_url: str | None = None,
) -> dict[str, Any]:
    data: dict[str, object] = {"post_id": post_id, "to": str(new)}
    if old is not None:
        data["from"] = str(old)
    if worker_id:
        data["worker"] = worker_id
    if error:
        data["error"] = error
    if external_url:
        data["external_url"] = external_url
    return {
        "organisation_id": organisation_id,
        "actor_id": actor_id,
        "action": f"delivery.{new}",
        "subject_type": "delivery",
        "subject_id": delivery_id,
        "at": at,
        "data": data,
    }


async def organisations_of(session: AsyncSession, post_ids: Iterable[int]) -> dict[int, int]:
    ids = list(set(post_ids))
    if not ids:
        return {}
    rows = await session.execute(select(Post.id, Post.organisation_id).where(Post.id.in_(ids)))
    return {row.id: row.organisation_id for row in rows}


async def refresh_posts(session: AsyncSession, post_ids: Iterable[int], now: datetime) -> None:
    """Recompute and store the status of each post from its deliveries."""
    ids = sorted(set(post_ids))
    if not ids:
        return
    statuses: dict[int, list[str]] = {post_id: [] for post_id in ids}
    rows = await session.execute(
        select(Delivery.post_id, Delivery.status).where(Delivery.post_id.in_(ids))
    )
    for row in rows:
        statuses[row.post_id].append(row.status)
    by_status: dict[str, list[int]] = {}
    for post_id, found in statuses.items():
        by_status.setdefault(post_status(found), []).append(post_id)
    for status, group in by_status.items():
        await session.execute(
            update(Post).where(Post.id.in_(group)).values(status=status, updated_at=now),
            execution_options={"synchronize_session": False},
        )


async def release_channel(
    session: AsyncSession, channel_id: int, organisation_id: int, actor_id: int, now: datetime
) -> int:
    """The channel works again: mark it active and put what it held back in the queue.

    Every held delivery of the channel goes back: one held for another reason (its author can
    no longer sign) is held again at its next claim, which re-checks the signing rules.
    """
    await session.execute(update(Channel).where(Channel.id == channel_id).values(status="active"))
    rows = (
        await session.execute(
            update(Delivery)
            .where(Delivery.channel_id == channel_id, Delivery.status == _S.HELD)
            .values(status=_S.SCHEDULED, last_error=None, updated_at=now)
            .returning(Delivery.id, Delivery.post_id),
            execution_options={"synchronize_session": False},
        )
    ).all()
    for row in rows:
        audit_transition(
            session,
            organisation_id=organisation_id,
            delivery_id=row.id,
            post_id=row.post_id,
            old=_S.HELD,
            new=_S.SCHEDULED,
            at=now,
            worker_id=None,
            actor_id=actor_id,
        )
    await refresh_posts(session, [row.post_id for row in rows], now)
    return len(rows)
