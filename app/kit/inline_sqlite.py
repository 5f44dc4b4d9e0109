"""SQLite for SQLAlchemy's asyncio engine, run on the event loop's own thread.

aiosqlite runs each call (cursor, execute, fetch, close: four per statement) on a worker thread
and wakes the event loop for each answer; on a local file in WAL mode a statement takes
microseconds, and those thread hand-offs cost more than the SQL itself. This driver gives
SQLAlchemy's aiosqlite dialect (through `create_async_engine(..., async_creator=...)`) objects
with aiosqlite's asynchronous interface whose calls run at once, on the calling thread.

The one wait SQLite can impose is another process's write lock (`SQLITE_BUSY`). A connection
made here has no busy timeout of its own, which would block the event loop; a statement refused
as busy is retried after an `asyncio.sleep` instead (1 ms, doubling up to 100 ms, as SQLite's own
busy handler sleeps), until `timeout` seconds have passed, and then fails as it would have.
"""

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable
from typing import Any

_FIRST_PAUSE = 0.001
_LONGEST_PAUSE = 0.1


class Cursor:
    """aiosqlite's cursor interface over a sqlite3 cursor."""

    def __init__(self, connection: "Connection", cursor: sqlite3.Cursor) -> None:
        self._connection = connection
        self._cursor = cursor

    async def __aenter__(self) -> "Cursor":
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> "Cursor":
        await self._connection.patiently(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> "Cursor":
        await self._connection.patiently(self._cursor.executemany, sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _Now:
    """Stands for aiosqlite's queue to its worker thread, which SQLAlchemy's dialect reaches
    into to set the isolation level: the function runs at once and its future is resolved."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:
            future.set_exception(error)


class Connection:
    """aiosqlite's connection interface over a sqlite3 connection."""

    def __init__(self, connection: sqlite3.Connection, timeout: float) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection
        """None once closed (the dialect checks it, as aiosqlite's, before commit and rollback)."""
        self._tx = _Now()
        self._timeout = timeout

    async def patiently(self, call: Callable[..., Any], *args: Any) -> Any:
        """`call(*args)`, retried while another connection holds the lock it needs."""
        pause = _FIRST_PAUSE
        give_up: float | None = None
        while True:
            try:
                return call(*args)
            except sqlite3.OperationalError as error:
                # Only plain SQLITE_BUSY: SQLite's busy handler is not called for its
                # extended codes (a stale snapshot, say), so waiting would not help them.
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                    raise
                now = time.monotonic()
                give_up = now + self._timeout if give_up is None else give_up
                if now >= give_up:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)

    def cursor(self) -> Cursor:
        return Cursor(self, self._conn.cursor())

    async def commit(self) -> None:
        await self.patiently(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        self._connection = None
        self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)


def connector(database: str, *, timeout: float, **kwargs: Any) -> Callable[[], Any]:
    """The `async_creator` for `create_async_engine`: connections to `database` (sqlite3.connect's
    other arguments in `kwargs`) that wait up to `timeout` seconds for another's lock."""

    async def connect() -> Connection:
        connection = sqlite3.connect(database, timeout=0, check_same_thread=False, **kwargs)
        return Connection(connection, timeout)

    return connect
