"""Engine and sessions. Services never commit: the request dependency or a worker's unit of work does."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

SessionFactory = async_sessionmaker[AsyncSession]
READ_ONLY = "byline_read_only"
"""Execution option: this connection only reads (on SQLite: a deferred BEGIN, no write lock)."""
DbSession = AsyncSession
"""The session type, for code that passes a session on but writes no SQL (app.dispatch)."""


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        _tune_sqlite(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def _tune_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, a busy timeout, and every transaction begun with BEGIN IMMEDIATE.

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
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A reader that asked for READ_ONLY (health and metrics) must not queue for the lock.
        deferred = connection.get_execution_options().get(READ_ONLY)
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """One transaction: commits when the block ends normally, rolls back on any exception."""
    async with factory() as session, session.begin():
        yield session


@asynccontextmanager
async def read_only(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A transaction that only reads: on SQLite it does not wait for (or take) the write lock."""
    async with factory() as session, session.begin():
        await session.connection(execution_options={READ_ONLY: True})
        yield session
