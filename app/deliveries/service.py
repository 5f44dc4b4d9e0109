"""The delivery queue: the one place a delivery's status changes.

`transition()` is the only writer of `deliveries.status`. It checks each change against the table
in `app.deliveries.states`, writes only where the delivery is still in the status (and, for a
worker, under the claim token) the change was decided on, audits each change as
`delivery.<status>`, and recomputes the status of the posts concerned. Everything else here (claims,
outcomes, holds and releases, cancelling, retargeting, what a person decides) is a selection of
deliveries handed to it.
"""

import logging
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.accounts.actor import Actor
from app.audit import service as audit
from app.clients import service as clients
from app.deliveries import repository, wakeup
from app.deliveries.markers import Markers, new_install_id
from app.deliveries.repository import Current
from app.deliveries.states import NOT_STARTED, DeliveryStatus, PostStatus, can_transition
from app.errors import AppError, not_found
from app.models import Delivery, Post

log = logging.getLogger("byline.deliveries")

_S = DeliveryStatus

STATUS_WORDS: dict[DeliveryStatus, dict[str, str]] = {
    _S.SCHEDULED: {"en": "scheduled", "fr": "programmé"},
    _S.PUBLISHING: {"en": "being published", "fr": "en cours de publication"},
    _S.PUBLISHED: {"en": "published", "fr": "publié"},
    _S.RETRYING: {"en": "waiting to be tried again", "fr": "en attente d'un nouvel essai"},
    _S.FAILED: {"en": "failed", "fr": "en échec"},
    _S.UNKNOWN: {"en": "being checked", "fr": "en cours de vérification"},
    _S.NEEDS_ATTENTION: {"en": "waiting for a check", "fr": "en attente de vérification"},
    _S.HELD: {"en": "held", "fr": "retenu"},
    _S.CANCELLED: {"en": "cancelled", "fr": "annulé"},
    _S.TAKEN_DOWN: {"en": "taken down from its channel", "fr": "retiré de son canal"},
}


class IllegalTransition(ValueError):
    """A change the state machine does not allow: a bug in the caller, never a user's error."""


@dataclass(frozen=True)
class Move:
    """One delivery's change of status, decided on the status (and claim) it was seen in."""

    delivery_id: int
    old: DeliveryStatus
    new: DeliveryStatus
    values: Mapping[str, Any] = field(default_factory=dict)
    """Other columns to write with the status (last_error, due_at, lease…)."""
    token: str | None = None
    """Written only while the delivery still carries this claim token (a worker's outcome)."""
    error: str | None = None
    external_url: str | None = None
    """For the audit trail."""


def check(old: DeliveryStatus, new: DeliveryStatus) -> None:
    """Raise IllegalTransition unless `old → new` is in the table. An unknown outcome may stay
    unknown (looked at again later); no other status changes into itself."""
    if old == new == _S.UNKNOWN:
        return
    if old == new or not can_transition(old, new):
        raise IllegalTransition(f"{old} → {new}")


async def transition(
    session: AsyncSession,
    moves: Sequence[Move],
    *,
    now: datetime,
    worker_id: str | None = None,
    actor_id: int | None = None,
    locked: Mapping[int, Current] | None = None,
) -> list[Current]:
    """Apply `moves` that still hold; returns the deliveries changed (as they were before).

    `locked`: the rows as this transaction already locked them (a caller that selected them for
    the change); otherwise they are locked here."""
    for move in moves:
        check(move.old, move.new)
    current = locked if locked is not None else await repository.lock(
        session, [move.delivery_id for move in moves]
    )
    holding: list[tuple[Move, Current]] = []
    for move in moves:
        row = current.get(move.delivery_id)
        if row is None or row.status != move.old or (
            move.token is not None and row.claim_token != move.token
        ):
            log.warning(
                "delivery %s: not %s any more; %s not written", move.delivery_id, move.old, move.new
            )
            continue
        holding.append((move, row))
    if not holding:
        return []
    await repository.write(
        session,
        [
            (move.delivery_id, {**move.values, "status": move.new, "updated_at": now})
            for move, _ in holding
        ],
    )
    await audit.record_many(
        session,
        [
            _audit_row(move, row, now=now, worker_id=worker_id, actor_id=actor_id)
            for move, row in holding
            if move.old != move.new
        ],
    )
    # A post with a delivery being published (or checked) is `publishing`, whatever its others.
    in_flight = all(move.new in (_S.PUBLISHING, _S.UNKNOWN) for move, _ in holding)
    await repository.refresh_posts(
        session,
        {row.post_id for _, row in holding},
        now,
        known=PostStatus.PUBLISHING if in_flight else None,
    )
    return [row for _, row in holding]


def _audit_row(
    move: Move, row: Current, *, now: datetime, worker_id: str | None, actor_id: int | None
) -> dict[str, Any]:
    data: dict[str, object] = {"post_id": row.post_id, "from": str(move.old), "to": str(move.new)}
    if worker_id:
        data["worker"] = worker_id
    if move.error:
        data["error"] = move.error
    if move.external_url:
        data["external_url"] = move.external_url
    return {
        "organisation_id": row.organisation_id,
        "actor_id": actor_id,
        "action": f"delivery.{move.new}",
        "subject_type": "delivery",
        "subject_id": move.delivery_id,
        "created_at": now,
        "data": data,
    }


# -- new deliveries, and the post edits that change them ------------------------------------


def _new(post_id: int, channel_id: int, due_at: datetime, now: datetime) -> dict[str, Any]:
    return {
        "post_id": post_id,
        "channel_id": channel_id,
        "status": _S.SCHEDULED,
        "attempts": 0,
        "due_at": due_at,
        "created_at": now,
        "updated_at": now,
    }


async def schedule(
    session: AsyncSession, post: Post, channel_ids: Sequence[int], *, now: datetime
) -> list[Delivery]:
    """A new post's deliveries, one per channel, due at its scheduled time (returned as
    written)."""
    added = await repository.insert_new(
        session, [_new(post.id, c, post.scheduled_at, now) for c in channel_ids]
    )
    await wakeup.announce(session, post.scheduled_at)  # wake dispatchers if sooner than planned
    return added


async def of_posts(session: AsyncSession, post_ids: Sequence[int]) -> dict[int, list[Delivery]]:
    return await repository.of_posts(session, post_ids)


async def lock_unstarted(session: AsyncSession, post_id: int, *, now: datetime) -> bool:
    """Lock a post's deliveries for an edit; True when none has started (all can still change)."""
    touched, total = await repository.touch(session, post_id, NOT_STARTED, now)
    return total > 0 and touched == total


async def retarget(
    session: AsyncSession,
    post: Post,
    channel_ids: Sequence[int],
    *,
    actor_id: int,
    now: datetime,
) -> None:
    """The edited post goes to `channel_ids`, at its (maybe new) scheduled time: deliveries to
    channels taken off are removed, new ones added, cancelled ones brought back."""
    wanted = set(channel_ids)
    current = (await repository.of_posts(session, [post.id]))[post.id]
    existing = {delivery.channel_id: delivery for delivery in current}
    removed = [d for d in current if d.channel_id not in wanted and d.status in NOT_STARTED]
    await repository.delete_ids(session, [d.id for d in removed])
    for delivery in removed:
        session.expunge(delivery)
    await audit.record_many(
        session,
        [
            {
                "organisation_id": post.organisation_id,
                "actor_id": actor_id,
                "action": "delivery.removed",
                "subject_type": "delivery",
                "subject_id": delivery.id,
                "created_at": now,
                "data": {"post_id": post.id, "from": delivery.status, "channel_id": delivery.channel_id},
            }
            for delivery in removed
        ],
    )
    await repository.insert_new(
        session, [_new(post.id, c, post.scheduled_at, now) for c in channel_ids if c not in existing]
    )
    await transition(
        session,
        [
            Move(delivery.id, _S.CANCELLED, _S.SCHEDULED, {"last_error": None})
            for channel_id, delivery in existing.items()
            if channel_id in wanted and delivery.status == _S.CANCELLED
        ],
        now=now,
        actor_id=actor_id,
    )
    await repository.set_due(session, post.id, NOT_STARTED, post.scheduled_at)
    await repository.refresh_posts(session, [post.id], now)
    await wakeup.announce(session, post.scheduled_at)


async def cancel_unstarted(
    session: AsyncSession, post_id: int, *, actor_id: int, now: datetime
) -> int:
    """Cancel what of the post has not started; returns how many deliveries."""
    rows = await repository.lock_where(
        session, Delivery.post_id == post_id, Delivery.status.in_(NOT_STARTED)
    )
    moved = await transition(
        session,
        [Move(row.id, row.status, _S.CANCELLED, {"claim_token": None}) for row in rows],
        now=now,
        actor_id=actor_id,
        locked={row.id: row for row in rows},
    )
    return len(moved)


async def hold_posts_of(
    session: AsyncSession,
    author_id: int,
    *,
    client_id: int | None = None,
    due_from: datetime | None = None,
    reason: str,
    actor_id: int | None = None,
    now: datetime,
) -> set[int]:
    """Hold what of an author's posts is still waiting to go out (for one client; due from
    `due_from`): they can no longer speak for it then. Returns the posts concerned."""
    conditions = [Post.author_id == author_id]
    if client_id is not None:
        conditions.append(Post.client_id == client_id)
    if due_from is not None:
        conditions.append(Delivery.due_at >= due_from)
    moved = await _hold_waiting(session, conditions, reason, now=now, actor_id=actor_id)
    return {row.post_id for row in moved}


async def _hold_waiting(
    session: AsyncSession,
    conditions: Sequence[ColumnElement[bool]],
    reason: str | None,
    *,
    now: datetime,
    actor_id: int | None = None,
) -> list[Current]:
    """Hold, with `reason`, the deliveries matching `conditions` that wait to go out."""
    rows = await repository.lock_where(
        session, *conditions, Delivery.status.in_((_S.SCHEDULED, _S.RETRYING))
    )
    return await transition(
        session,
        [Move(row.id, row.status, _S.HELD, {"last_error": reason}, error=reason) for row in rows],
        now=now,
        actor_id=actor_id,
        locked={row.id: row for row in rows},
    )


# -- channels --------------------------------------------------------------------------------


async def hold_channel(
    session: AsyncSession, channel_id: int, reason: str | None, *, now: datetime
) -> int:
    """The channel needs reconnecting: hold what was waiting to go out on it."""
    return len(await _hold_waiting(session, [Delivery.channel_id == channel_id], reason, now=now))


async def release_channel(
    session: AsyncSession, channel_id: int, *, actor_id: int, now: datetime
) -> int:
    """The channel works again: what it held goes back in the queue.

    Every held delivery of the channel goes back: one held for another reason (its author can no
    longer sign) is held again at its next claim, which re-checks the signing rules."""
    rows = await repository.lock_where(
        session, Delivery.channel_id == channel_id, Delivery.status == _S.HELD
    )
    moved = await transition(
        session,
        [Move(row.id, _S.HELD, _S.SCHEDULED, {"last_error": None}) for row in rows],
        now=now,
        actor_id=actor_id,
        locked={row.id: row for row in rows},
    )
    if moved:
        await wakeup.announce(session, now)
    return len(moved)


# -- what a person decides about a delivery that may have gone out ---------------------------


async def _waiting_for_person(
    session: AsyncSession, actor: Actor, delivery_id: int
) -> tuple[Delivery, Post]:
    found = await repository.get_with_post(session, actor.organisation_id, delivery_id)
    # Owners and managers act on the organisation's deliveries; a CM on their own posts'.
    if found is None or (not actor.is_manager and found[1].author_id != actor.person_id):
        raise not_found("delivery", "envoi", "/api/v1/posts")
    delivery, post = found
    if delivery.status != _S.NEEDS_ATTENTION:
        status = _S(delivery.status)
        raise AppError("delivery_not_waiting", status_word=STATUS_WORDS.get(status, str(status)))
    return delivery, post


async def _decide(
    session: AsyncSession,
    actor: Actor,
    delivery: Delivery,
    new: DeliveryStatus,
    values: dict[str, Any],
    now: datetime,
) -> Delivery:
    moved = await transition(
        session,
        [
            Move(
                delivery.id,
                _S.NEEDS_ATTENTION,
                new,
                values,
                external_url=values.get("external_url"),
            )
        ],
        now=now,
        actor_id=actor.person_id,
    )
    if not moved:  # someone else acted first
        raise AppError("delivery_not_waiting", status_word=STATUS_WORDS[_S.PUBLISHING])
    await session.refresh(delivery)
    return delivery


async def confirm_published(
    session: AsyncSession,
    actor: Actor,
    delivery_id: int,
    *,
    external_url: str | None,
    now: datetime,
) -> Delivery:
    """The person found the post on the channel."""
    delivery, _ = await _waiting_for_person(session, actor, delivery_id)
    values: dict[str, Any] = {"published_at": now, "last_error": None}
    if external_url:
        values["external_url"] = external_url
    return await _decide(session, actor, delivery, _S.PUBLISHED, values, now)


async def publish_again(
    session: AsyncSession, actor: Actor, delivery_id: int, *, default_minutes: int, now: datetime
) -> Delivery:
    """The person checked that the post is not on the channel: send it now, with a fresh
    deadline counted from this decision."""
    delivery, post = await _waiting_for_person(session, actor, delivery_id)
    client = await clients.get(session, actor, post.client_id)
    minutes = client.publish_deadline_minutes or default_minutes
    values: dict[str, Any] = {
        "due_at": now,
        "deadline_at": now + timedelta(minutes=minutes),
        "last_error": None,
    }
    decided = await _decide(session, actor, delivery, _S.SCHEDULED, values, now)
    await wakeup.announce(session, now)
    return decided


# -- the dispatchers' side: claims, outcomes, leases -----------------------------------------


@dataclass(frozen=True)
class Claim:
    """A delivery a worker took: `publishing` (publish it) or `unknown` (find out whether it went
    out; its claim is for a reconciliation, never a blind publish)."""

    delivery_id: int
    token: str
    post_id: int = 0
    status: DeliveryStatus = _S.PUBLISHING
    attempts: int = 1


async def claim(
    session: AsyncSession,
    *,
    worker_id: str,
    now: datetime,
    limit: int,
    lease: timedelta,
    admit: Callable[[int], bool] | None = None,
    full_channels: Collection[int] = (),
    spread: bool = False,
) -> list[Claim]:
    """Claim up to `limit` due deliveries inside the caller's (short) transaction: each gets a
    lease and the batch's fresh claim token, which every later write about it must name.

    `admit(channel_id)`, asked of each due delivery in turn (oldest first): whether the caller
    takes it, for it has room for one more of that channel now; nothing of `full_channels` is
    read. So a claim does not hold deliveries that would only wait on a busy channel while
    other channels have work: when the rows read fill some channels before the claim is full
    (a channel's posts written one after another have neighbouring ids), it reads on past
    those channels, spread over the channels (`repository.lock_due`, `spread`). With
    `spread` it reads that way from the start: the caller's last claim had to."""
    if admit is None:
        rows = await repository.lock_due(session, now=now, limit=limit)
    else:
        rows = await _admitted(session, now, limit, admit, full_channels, spread)
    if not rows:
        return []
    token = uuid.uuid4().hex
    held = {"claimed_by": worker_id, "claim_token": token, "lease_expires_at": now + lease}
    moves = [
        Move(row.id, _S.UNKNOWN, _S.UNKNOWN, held)
        if row.status == _S.UNKNOWN
        else Move(row.id, row.status, _S.PUBLISHING, {**held, "attempts": row.attempts + 1})
        for row in rows
    ]
    await transition(
        session, moves, now=now, worker_id=worker_id, locked={row.id: row for row in rows}
    )
    return [
        Claim(
            row.id,
            token,
            row.post_id,
            move.new,
            row.attempts if move.new == _S.UNKNOWN else row.attempts + 1,
        )
        for row, move in sorted(zip(rows, moves, strict=True), key=lambda pair: pair[0].id)
    ]


async def _admitted(
    session: AsyncSession,
    now: datetime,
    limit: int,
    admit: Callable[[int], bool],
    full_channels: Collection[int],
    spread: bool,
) -> list[repository.Current]:
    """Up to `limit` due deliveries that `admit` takes. Each read goes a little further than
    what is left to take, since some rows may be on channels with no room; a channel that
    refuses one is full and left out of the next read. Unless `spread`, the first read takes
    the oldest in id order; once a read met full channels, the next ones spread over the
    channels (posts written one channel after another would otherwise go out one channel after
    another). It stops when the claim is full, nothing is left, or a read admitted nothing."""
    rows: list[repository.Current] = []
    skip, taken = set(full_channels), set[int]()
    # A read only goes on after meeting a full channel, so every later read is spread.
    while len(rows) < limit:
        wanted = 2 * (limit - len(rows))
        found = await repository.lock_due(
            session, now=now, limit=wanted, skip_channels=skip, taken=taken, spread=spread
        )
        admitted = 0
        for row in found:
            if admit(row.channel_id):
                rows.append(row)
                taken.add(row.id)
                admitted += 1
                if len(rows) == limit:
                    break
            else:
                skip.add(row.channel_id)
                spread = True
        if len(found) < wanted or not admitted:
            break
    return rows


async def record(
    session: AsyncSession, moves: Sequence[Move], *, now: datetime, worker_id: str
) -> set[int]:
    """Write a worker's outcomes whose claims still hold; returns the delivery ids written."""
    written = await transition(session, moves, now=now, worker_id=worker_id)
    return {row.id for row in written}


async def next_due_at(session: AsyncSession, now: datetime) -> datetime | None:
    return await repository.next_due_at(session, now)


async def upcoming(
    session: AsyncSession, *, after: datetime, until: datetime, limit: int
) -> list[int]:
    """One delivery of each channel and author falling due after `after` and by `until` (not
    yet due), for connectors to get ready (`Dispatcher.warm_up`)."""
    return await repository.upcoming(session, after=after, until=until, limit=limit)


async def for_dispatch(session: AsyncSession, delivery_ids: Sequence[int]) -> dict[int, Any]:
    return await repository.for_dispatch(session, delivery_ids)


async def doubts(
    session: AsyncSession, delivery_ids: Sequence[int]
) -> dict[int, tuple[datetime | None, int]]:
    """For deliveries in doubt: when the uncertain attempt was sent (None: not known), and how
    many look-ups found nothing since."""
    return await repository.doubts(session, delivery_ids)


_NO_CLAIM = {"claim_token": None, "lease_expires_at": None}


async def release(
    session: AsyncSession, claims: Sequence[Claim], *, now: datetime, worker_id: str
) -> int:
    """Give back claims whose connector call never started (a stopping worker): publishing goes
    back to scheduled, the attempt not counted; an unknown outcome simply loses its lease.
    Returns how many went back to scheduled."""
    if not claims:
        return 0
    current = await repository.lock(session, [claim.delivery_id for claim in claims])
    moves = [
        Move(claim.delivery_id, _S.UNKNOWN, _S.UNKNOWN, _NO_CLAIM, token=claim.token)
        if claim.status == _S.UNKNOWN
        else Move(
            claim.delivery_id,
            _S.PUBLISHING,
            _S.SCHEDULED,
            {**_NO_CLAIM, "attempts": max(current[claim.delivery_id].attempts - 1, 0)}
            if claim.delivery_id in current
            else _NO_CLAIM,
            token=claim.token,
        )
        for claim in claims
    ]
    moved = await transition(session, moves, now=now, worker_id=worker_id, locked=current)
    return sum(1 for row in moved if row.status == _S.PUBLISHING)


async def extend_leases(
    session: AsyncSession, claims: Sequence[Claim], *, now: datetime, lease: timedelta
) -> int:
    """A live worker keeps what it is still working on."""
    return await repository.extend_leases(
        session,
        [claim.delivery_id for claim in claims],
        [claim.token for claim in claims],
        until=now + lease,
    )


async def expire_leases(session: AsyncSession, *, now: datetime, reason: str) -> int:
    """The reaper's step: a `publishing` delivery whose lease ran out may have gone out, so it
    becomes `unknown` (to be reconciled, never blindly retried). Idempotent: a second run finds
    nothing. Returns how many it turned."""
    rows = await repository.lock_where(
        session, Delivery.status == _S.PUBLISHING, Delivery.lease_expires_at < now
    )
    values = {**_NO_CLAIM, "due_at": now, "last_error": reason}
    moved = await transition(
        session,
        [Move(row.id, _S.PUBLISHING, _S.UNKNOWN, values, error=reason) for row in rows],
        now=now,
        locked={row.id: row for row in rows},
    )
    return len(moved)


async def heartbeat(
    session: AsyncSession,
    worker_id: str,
    *,
    hostname: str,
    pid: int,
    in_flight: int,
    now: datetime,
) -> None:
    await repository.heartbeat(
        session, worker_id, hostname=hostname, pid=pid, in_flight=in_flight, now=now
    )


async def worker_stopped(session: AsyncSession, worker_id: str, *, now: datetime) -> None:
    await repository.worker_stopped(session, worker_id, now)


async def markers(session: AsyncSession, *, now: datetime) -> Markers:
    """This install's idempotency markers; its identifier is created on first need (the first
    of two processes starting together wins, both then read the same)."""
    row = await repository.installation(session)
    if row is None:
        await repository.add_installation(session, new_install_id(), now)
        row = await repository.installation(session)
        assert row is not None
    return Markers(row.install_id, row.legacy_keys_through)
