"""SQL for the queue: deliveries, the post status derived from them, and the dispatcher workers.

Every write of a delivery's status goes through `app.deliveries.service.transition`, which calls
`write` here; the other statements only select, lock, or change what is not a status (due times,
leases, heartbeats).

The statements the dispatcher runs on every turn are built once, with bound parameters: building
a statement (and its cache key) costs several times what running it does.

Locks: `lock` and `lock_where` take the rows' locks (FOR UPDATE on PostgreSQL; SQLite's
transaction already holds the database's write lock, see app.db), so that what a transition was
checked against is still true when it is written. `lock_due` skips rows another worker holds
(SKIP LOCKED), so concurrent workers take disjoint batches without waiting on each other.
"""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Integer, Table, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Update
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from app.deliveries.states import DeliveryStatus, PostStatus, post_status
from app.models import Channel, Client, Delivery, Installation, Post, Worker

_S = DeliveryStatus
_TABLE = cast(Table, Delivery.__table__)
_POSTS = cast(Table, Post.__table__)


@dataclass(frozen=True)
class Current:
    """A delivery as it is in the database, locked by this transaction."""

    id: int
    post_id: int
    organisation_id: int
    status: DeliveryStatus
    claim_token: str | None
    attempts: int
    channel_id: int = 0


_CURRENT = (
    _TABLE.c.id,
    _TABLE.c.post_id,
    _POSTS.c.organisation_id,
    _TABLE.c.status,
    _TABLE.c.claim_token,
    _TABLE.c.attempts,
    _TABLE.c.channel_id,
)
_SELECT_CURRENT = select(*_CURRENT).join(_POSTS, _POSTS.c.id == _TABLE.c.post_id)


def _current(rows: Iterable[Any]) -> list[Current]:
    return [Current(row[0], row[1], row[2], _S(row[3]), row[4], row[5], row[6]) for row in rows]


def _ids(name: str = "ids") -> BindParameter[Any]:
    return bindparam(name, expanding=True)


# -- reading and locking ---------------------------------------------------------------------

_LOCK = _SELECT_CURRENT.where(_TABLE.c.id.in_(_ids())).with_for_update(of=_TABLE)


async def lock(session: AsyncSession, delivery_ids: Sequence[int]) -> dict[int, Current]:
    if not delivery_ids:
        return {}
    rows = await session.execute(_LOCK, {"ids": list(delivery_ids)})
    return {current.id: current for current in _current(rows)}


async def lock_where(session: AsyncSession, *conditions: ColumnElement[bool]) -> list[Current]:
    rows = await session.execute(
        _SELECT_CURRENT.where(*conditions).order_by(_TABLE.c.id).with_for_update(of=_TABLE)
    )
    return _current(rows)


def waiting(now: datetime | BindParameter[Any]) -> ColumnElement[bool]:
    """Deliveries a dispatcher may take once due.

    An unknown outcome whose reconciling worker vanished is claimable again once its lease ends.
    Written as `status IN (…)` first so that the (status, due_at) index serves the query."""
    return and_(
        _TABLE.c.status.in_((_S.SCHEDULED, _S.RETRYING, _S.UNKNOWN)),
        or_(
            _TABLE.c.status != _S.UNKNOWN,
            _TABLE.c.lease_expires_at.is_(None),
            _TABLE.c.lease_expires_at < now,
        ),
    )


_DUE = (
    _SELECT_CURRENT.where(waiting(bindparam("now")), _TABLE.c.due_at <= bindparam("now"))
    .order_by(_TABLE.c.due_at, _TABLE.c.id)
    .limit(bindparam("limit", type_=Integer))
)
# SKIP LOCKED on PostgreSQL; SQLite renders no FOR UPDATE (its transaction holds the lock).
_DUE_ANYWHERE = _DUE.with_for_update(of=_TABLE, skip_locked=True)
_DUE_ELSEWHERE = _DUE.where(_TABLE.c.channel_id.not_in(_ids("skip"))).with_for_update(
    of=_TABLE, skip_locked=True
)

# The same, spread over the channels: among the oldest `horizon` due rows on channels other
# than `skip` (and other than `taken`), oldest first, and among those due at the same instant
# the next of the channel with the most left behind it (`behind`: its rows in the horizon after
# this one), so that the channels of a burst are worked down together and finish together;
# channels with as many left take turns. Read in id order alone, a burst whose posts were
# written one channel after another would fill one channel after the next while the others
# wait, and its last channel would go out alone at the end, a call at a time. It costs more
# (three sorts of up to `horizon` rows: 3 to 7 ms on SQLite for a full horizon of 2,000, against
# about 1 ms for the plain read of a 2,000 backlog), so a claim reads this way only once claims
# meet channels with no room left, and until the burst is through (`app.deliveries.service.
# claim`, `app.dispatch.runner`).
_HORIZON_ROWS = (
    select(_TABLE.c.id, _TABLE.c.channel_id, _TABLE.c.due_at)
    .where(
        waiting(bindparam("now")),
        _TABLE.c.due_at <= bindparam("now"),
        _TABLE.c.channel_id.not_in(_ids("skip")),
        _TABLE.c.id.not_in(_ids("taken")),
    )
    .order_by(_TABLE.c.due_at, _TABLE.c.id)
    .limit(bindparam("horizon", type_=Integer))
    .subquery("horizon")
)
_CHANNEL = _HORIZON_ROWS.c.channel_id
_SPREAD = select(
    _HORIZON_ROWS.c.id,
    _HORIZON_ROWS.c.due_at,
    (
        func.count().over(partition_by=_CHANNEL)
        - func.row_number().over(
            partition_by=_CHANNEL, order_by=(_HORIZON_ROWS.c.due_at, _HORIZON_ROWS.c.id)
        )
    ).label("behind"),
).subquery("spread")
_FIRST_SPREAD = (
    select(_SPREAD)
    .order_by(_SPREAD.c.due_at, _SPREAD.c.behind.desc(), _SPREAD.c.id)
    .limit(bindparam("limit", type_=Integer))
    .subquery("first_spread")
)
_DUE_SPREAD = (
    _SELECT_CURRENT.join(_FIRST_SPREAD, _FIRST_SPREAD.c.id == _TABLE.c.id)
    .order_by(_FIRST_SPREAD.c.due_at, _FIRST_SPREAD.c.behind.desc(), _FIRST_SPREAD.c.id)
    .with_for_update(of=_TABLE, skip_locked=True)
)
HORIZON = 2000
"""How many of the oldest due deliveries a claim spreads over the channels. A burst of up to
this many goes out over all its channels from the start; a larger backlog, over the channels
of its oldest `HORIZON` at a time. The cost of a read grows with it, not with the backlog."""


async def lock_due(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    skip_channels: Collection[int] = (),
    taken: Collection[int] = (),
    spread: bool = False,
) -> list[Current]:
    """Up to `limit` deliveries due now that no other transaction holds, on channels other
    than `skip_channels`, oldest first. With `spread`, among those due at one instant (within
    the `HORIZON` oldest), the channels with the most left first, taking turns when they have
    as many; and none of `taken` (rows this transaction took already: only a claim's later
    reads, which are spread, have any)."""
    if spread:
        parameters = {
            "now": now,
            "limit": limit,
            "skip": sorted(skip_channels),
            "taken": sorted(taken),
            "horizon": max(HORIZON, limit),
        }
        rows = await session.execute(_DUE_SPREAD, parameters)
    elif skip_channels:
        rows = await session.execute(
            _DUE_ELSEWHERE, {"now": now, "limit": limit, "skip": sorted(skip_channels)}
        )
    else:
        rows = await session.execute(_DUE_ANYWHERE, {"now": now, "limit": limit})
    return _current(rows)


_NEXT_DUE = select(func.min(_TABLE.c.due_at)).where(waiting(bindparam("now")))


async def next_due_at(session: AsyncSession, now: datetime) -> datetime | None:
    """When the next claimable delivery falls due (maybe already), or None if nothing waits."""
    return await session.scalar(_NEXT_DUE, {"now": now})


_UPCOMING = (
    select(func.min(_TABLE.c.id))
    .join(_POSTS, _POSTS.c.id == _TABLE.c.post_id)
    .where(
        waiting(bindparam("after")),
        _TABLE.c.due_at > bindparam("after"),
        _TABLE.c.due_at <= bindparam("until"),
    )
    .group_by(_TABLE.c.channel_id, _POSTS.c.author_id)
    .limit(bindparam("limit", type_=Integer))
)


async def upcoming(
    session: AsyncSession, *, after: datetime, until: datetime, limit: int
) -> list[int]:
    """Of the deliveries falling due after `after` and by `until`, the first of each channel and
    author (at most `limit`)."""
    rows = await session.scalars(_UPCOMING, {"after": after, "until": until, "limit": limit})
    return list(rows)


_FOR_DISPATCH = (
    select(Delivery.id, Delivery.deadline_at, Delivery.last_error, Delivery.channel_id, Post)
    .join(Post, Post.id == Delivery.post_id)
    .where(Delivery.id.in_(_ids()))
)
_CHANNELS = select(Channel).where(Channel.id.in_(_ids()))
_CLIENTS = select(Client).where(Client.id.in_(_ids()))


async def for_dispatch(
    session: AsyncSession, delivery_ids: Sequence[int]
) -> dict[int, tuple[int, datetime | None, str | None, Post, Channel, Client]]:
    """What a dispatcher needs to send each delivery: its deadline and last error, its post,
    channel and client. A batch names few channels and clients: each is loaded once."""
    rows = (await session.execute(_FOR_DISPATCH, {"ids": list(delivery_ids)})).all()
    channels = {
        channel.id: channel
        for channel in await session.scalars(_CHANNELS, {"ids": list({row[3] for row in rows})})
    }
    clients = {
        client.id: client
        for client in await session.scalars(
            _CLIENTS, {"ids": list({row[4].client_id for row in rows})}
        )
    }
    return {
        row[0]: (row[0], row[1], row[2], row[4], channels[row[3]], clients[row[4].client_id])
        for row in rows
    }


_DOUBTS = select(_TABLE.c.id, _TABLE.c.doubt_sent_at, _TABLE.c.absent_lookups).where(
    _TABLE.c.id.in_(_ids())
)


async def doubts(
    session: AsyncSession, delivery_ids: Sequence[int]
) -> dict[int, tuple[datetime | None, int]]:
    if not delivery_ids:
        return {}
    rows = await session.execute(_DOUBTS, {"ids": list(delivery_ids)})
    return {row[0]: (row[1], row[2]) for row in rows}


async def of_posts(session: AsyncSession, post_ids: Sequence[int]) -> dict[int, list[Delivery]]:
    grouped: dict[int, list[Delivery]] = {post_id: [] for post_id in post_ids}
    # populate_existing: statuses change through Core statements, which the identity map of this
    # session does not see; a read must show what the database holds.
    rows = await session.scalars(
        select(Delivery)
        .where(Delivery.post_id.in_(post_ids))
        .order_by(Delivery.id)
        .execution_options(populate_existing=True)
    )
    for delivery in rows:
        grouped[delivery.post_id].append(delivery)
    return grouped


async def get_with_post(
    session: AsyncSession, organisation_id: int, delivery_id: int
) -> tuple[Delivery, Post] | None:
    row = (
        await session.execute(
            select(Delivery, Post)
            .join(Post, Post.id == Delivery.post_id)
            .where(Delivery.id == delivery_id, Post.organisation_id == organisation_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    return (row[0], row[1]) if row else None


# -- writing -----------------------------------------------------------------------------------


_INSERT = insert(_TABLE).returning(*_TABLE.c)


async def insert_new(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Delivery]:
    """New deliveries (their columns by name) in one INSERT … RETURNING, as they were written,
    in the order of `rows`; not rows of the session. Every new post writes some, and the unit
    of work's flush costs more than the insert itself (and on SQLite inserts one row per
    statement)."""
    if not rows:
        return []
    written = {
        (row.post_id, row.channel_id): Delivery(**row._asdict())
        for row in await session.execute(_INSERT, list(rows))
    }
    return [written[(row["post_id"], row["channel_id"])] for row in rows]


_WRITES: dict[tuple[str, ...], Update] = {}
"""The UPDATE for each set of columns written together (a handful: one per kind of change)."""


def _write_statement(keys: tuple[str, ...]) -> Update:
    statement = _WRITES.get(keys)
    if statement is None:
        statement = _WRITES[keys] = (
            update(_TABLE)
            .where(_TABLE.c.id == bindparam("b_id"))
            .values({key: bindparam(f"v_{key}") for key in keys})
        )
    return statement


async def write(session: AsyncSession, changes: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """Set each delivery's values, one statement per shape of change (executemany)."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for delivery_id, values in changes:
        shapes.setdefault(tuple(sorted(values)), []).append(
            {"b_id": delivery_id, **{f"v_{key}": value for key, value in values.items()}}
        )
    for keys, params in shapes.items():
        await session.execute(_write_statement(keys), params)


async def delete_ids(session: AsyncSession, delivery_ids: Sequence[int]) -> None:
    if delivery_ids:
        await session.execute(
            delete(Delivery).where(Delivery.id.in_(delivery_ids)),
            execution_options={"synchronize_session": False},
        )


async def touch(
    session: AsyncSession, post_id: int, statuses: Sequence[str], at: datetime
) -> tuple[int, int]:
    """Touch the post's deliveries in `statuses`, taking their row locks so no dispatcher claims
    them until this transaction ends. Returns (touched, all deliveries not cancelled)."""
    touched = await session.execute(
        update(Delivery)
        .where(Delivery.post_id == post_id, Delivery.status.in_(statuses))
        .values(updated_at=at)
    )
    total = await session.scalar(
        select(func.count()).where(Delivery.post_id == post_id, Delivery.status != _S.CANCELLED)
    )
    return int(touched.rowcount or 0), int(total or 0)  # type: ignore[attr-defined]


async def set_due(
    session: AsyncSession, post_id: int, statuses: Sequence[str], due_at: datetime
) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.post_id == post_id, Delivery.status.in_(statuses))
        .values(due_at=due_at)
    )


def _held_by(delivery_ids: Sequence[int], tokens: Iterable[str]) -> ColumnElement[bool]:
    return and_(Delivery.id.in_(delivery_ids), Delivery.claim_token.in_(set(tokens)))


async def extend_leases(
    session: AsyncSession,
    delivery_ids: Sequence[int],
    tokens: Iterable[str],
    *,
    until: datetime,
) -> int:
    if not delivery_ids:
        return 0
    result = await session.execute(
        update(Delivery)
        .where(
            _held_by(delivery_ids, tokens),
            Delivery.status.in_((_S.PUBLISHING, _S.UNKNOWN)),
        )
        .values(lease_expires_at=until),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


_STATUSES_OF_POSTS = select(_TABLE.c.post_id, _TABLE.c.status).where(_TABLE.c.post_id.in_(_ids()))
_SET_POST_STATUS = (
    update(_POSTS)
    .where(_POSTS.c.id.in_(_ids()))
    .values(status=bindparam("new_status"), updated_at=bindparam("at"))
)


async def refresh_posts(
    session: AsyncSession,
    post_ids: Iterable[int],
    now: datetime,
    *,
    known: PostStatus | None = None,
) -> None:
    """Recompute and store the status of each post from its deliveries: the only writer of
    `posts.status`. `known`: the status every one of these posts has whatever its other
    deliveries (a delivery of each is being published), so nothing need be read."""
    ids = sorted(set(post_ids))
    if not ids:
        return
    if known is not None:
        await session.execute(_SET_POST_STATUS, {"ids": ids, "new_status": known, "at": now})
        return
    statuses: dict[int, list[str]] = {post_id: [] for post_id in ids}
    for post_id, status in (await session.execute(_STATUSES_OF_POSTS, {"ids": ids})).all():
        statuses[post_id].append(status)
    by_status: dict[str, list[int]] = {}
    for post_id, found in statuses.items():
        by_status.setdefault(post_status(found), []).append(post_id)
    for status, group in by_status.items():
        await session.execute(_SET_POST_STATUS, {"ids": group, "new_status": status, "at": now})


# -- dispatcher workers ------------------------------------------------------------------------


async def heartbeat(
    session: AsyncSession,
    worker_id: str,
    *,
    hostname: str,
    pid: int,
    in_flight: int,
    now: datetime,
) -> None:
    worker = await session.get(Worker, worker_id)
    if worker is None:
        session.add(
            Worker(
                id=worker_id,
                hostname=hostname[:255],
                pid=pid,
                started_at=now,
                heartbeat_at=now,
                in_flight=in_flight,
            )
        )
    else:
        worker.heartbeat_at = now
        worker.in_flight = in_flight


async def worker_stopped(session: AsyncSession, worker_id: str, now: datetime) -> None:
    await session.execute(
        update(Worker).where(Worker.id == worker_id).values(stopped_at=now, in_flight=0)
    )


# -- this install ----------------------------------------------------------------------------


async def installation(session: AsyncSession) -> Installation | None:
    return await session.scalar(select(Installation).where(Installation.id == 1))


async def add_installation(session: AsyncSession, install_id: str, now: datetime) -> None:
    """Insert the install's row unless another process just did (the first one stays)."""
    dialect = session.get_bind().dialect.name
    upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        upsert(Installation)
        .values(id=1, install_id=install_id, legacy_keys_through=0, created_at=now)
        .on_conflict_do_nothing(index_elements=["id"])
    )
