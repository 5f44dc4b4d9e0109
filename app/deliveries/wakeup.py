"""Waking dispatchers early when a post is scheduled sooner than they planned to look.

The application announces due times (`announce`, inside the transaction that scheduled the
post). Once that transaction commits, dispatchers of the same engine in this process wake at once;
on PostgreSQL the announcement is also a NOTIFY on `CHANNEL` (sent by the application, delivered
by PostgreSQL at commit), which `listen` turns into wake-ups in other processes. Polling remains
the fallback: a missed wake-up delays a post by at most `dispatch_interval`.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

log = logging.getLogger("byline.dispatch")

CHANNEL = "byline_dispatch"
_INFO_KEY = "byline_wake_at"

Waker = Callable[[datetime | None], None]
_wakers: dict[int, set[Waker]] = {}


def register(engine: AsyncEngine, waker: Waker) -> Callable[[], None]:
    """Call `waker` after commits that announced a due time on `engine`; returns the undo."""
    key = id(engine.sync_engine)
    _wakers.setdefault(key, set()).add(waker)
    return lambda: _wakers.get(key, set()).discard(waker)


async def announce(session: AsyncSession, due_at: datetime) -> None:
    """Say, inside the current transaction, that something falls due at `due_at`."""
    info = session.sync_session.info
    earliest = info.get(_INFO_KEY)
    if earliest is not None and earliest <= due_at:
        return  # this transaction already wakes them sooner (a bulk import announces once)
    info[_INFO_KEY] = due_at
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        await session.execute(select(func.pg_notify(CHANNEL, due_at.isoformat())))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    due_at = session.info.pop(_INFO_KEY, None)
    if due_at is None:
        return
    engine = session.get_bind()
    for waker in list(_wakers.get(id(engine), ())):
        waker(due_at)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_INFO_KEY, None)


class Listener:
    """LISTEN on PostgreSQL for announcements made by other processes."""

    def __init__(self, engine: AsyncEngine, waker: Waker) -> None:
        self._engine = engine
        self._waker = waker
        self._connection: Any = None
        self._raw: Any = None

    @property
    def alive(self) -> bool:
        return self._raw is not None and not self._raw.is_closed()

    async def start(self) -> None:
        if self._engine.dialect.name != "postgresql" or self.alive:
            return
        await self.stop()
        try:
            self._connection = await self._engine.connect()
            pooled = await self._connection.get_raw_connection()
            self._raw = pooled.driver_connection
            await self._raw.add_listener(CHANNEL, self._notified)
        except Exception:
            log.warning("cannot LISTEN for wake-ups; polling only", exc_info=True)
            await self.stop()

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            due_at: datetime | None = datetime.fromisoformat(payload)
        except ValueError:
            due_at = None
        self._waker(due_at)

    async def stop(self) -> None:
        raw, connection = self._raw, self._connection
        self._raw = self._connection = None
        if raw is not None and not raw.is_closed():
            with contextlib.suppress(Exception):  # the connection is going away anyway
                await raw.remove_listener(CHANNEL, self._notified)
        if connection is not None:
            try:
                await asyncio.shield(connection.close())
            except Exception:
                log.debug("closing the LISTEN connection failed", exc_info=True)
