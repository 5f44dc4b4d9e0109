"""Engine and sessions. Services never commit: the request dependency or a worker's unit of work does."""

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from app.kit import inline_sqlite

SessionFactory = async_sessionmaker[AsyncSession]
READ_ONLY = "byline_read_only"
"""Execution option: this connection only reads (on SQLite: a deferred BEGIN, no write lock)."""
DbSession = AsyncSession
"""The session type, for code that passes a session on but writes no SQL (app.dispatch)."""


SQLITE_LOCK_TIMEOUT = 30.0
"""Seconds a SQLite statement waits for another process's write lock before failing."""


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        # SQLAlchemy's aiosqlite dialect, fed connections that run on the event loop's thread
        # (app.kit.inline_sqlite says why) rather than on one aiosqlite thread each.
        parsed = make_url(url)
        arguments, options = parsed.get_dialect()().create_connect_args(parsed)
        for ours in ("timeout", "check_same_thread"):
            options.pop(ours, None)
        connect = inline_sqlite.connector(arguments[0], timeout=SQLITE_LOCK_TIMEOUT, **options)
        engine = create_async_engine(url, async_creator=connect, **kwargs)
        _tune_sqlite(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def _tune_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, and every transaction begun with BEGIN IMMEDIATE (the wait for
    another process's lock is the driver's: app.kit.inline_sqlite).

    pysqlite's own transaction handling defers BEGIN until the first write, which breaks
    isolation; SQLAlchemy's documented recipe turns it off and emits BEGIN itself. IMMEDIATE takes
    the write lock up front: a deferred transaction that read and then writes after another
    connection committed fails at once with "database is locked" (the busy timeout cannot help it),
    while an immediate one simply waits its turn. Readers outside transactions are not blocked (WAL).
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A reader that asked for READ_ONLY (health and metrics) must not queue for the lock.
        deferred = connection.get_execution_options().get(READ_ONLY)
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


class _WriteGate:
    """SQLite takes one writer at a time, and a transaction that finds the write lock taken
    waits in SQLite's busy handler, which sleeps 1, 2, 5… up to 100 ms between tries: under a few
    concurrent requests most of the time goes to those sleeps. Queueing this process's write
    transactions here instead hands the lock over as soon as it is free. Other processes still
    meet the busy timeout. Re-entrant for the task that holds it (a nested transaction then waits
    in SQLite, as without the gate)."""

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._owner: asyncio.Task[Any] | None = None

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            yield
            return
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        async with lock:
            self._owner = task
            try:
                yield
            finally:
                self._owner = None


_GATES: weakref.WeakKeyDictionary[Engine, _WriteGate] = weakref.WeakKeyDictionary()


def write_gate(factory: SessionFactory) -> contextlib.AbstractAsyncContextManager[None]:
    """What a write transaction of `factory` waits on in this process before it begins (SQLite;
    nothing elsewhere)."""
    bind = factory.kw.get("bind")
    if not isinstance(bind, AsyncEngine) or bind.dialect.name != "sqlite":
        return contextlib.nullcontext()
    gate = _GATES.get(bind.sync_engine)
    if gate is None:
        gate = _GATES[bind.sync_engine] = _WriteGate()
    return gate.held()


@asynccontextmanager
async def unit_of_work(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """One transaction: commits when the block ends normally, rolls back on any exception."""
    async with write_gate(factory), factory() as session, session.begin():
        yield session


@asynccontextmanager
async def read_only(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A transaction that only reads: on SQLite it does not wait for (or take) the write lock."""
    async with factory() as session, session.begin():
        await session.connection(execution_options={READ_ONLY: True})
        yield session
