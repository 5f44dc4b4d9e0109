"""SQLite runs on the event loop's thread (app.kit.inline_sqlite): another process's write lock
is waited for without freezing the loop, and gives up after the lock timeout as before."""

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from app import db
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's driver")


def locked_by_another(path: Path) -> sqlite3.Connection:
    """A second connection, as another process's would be, holding the write lock."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


async def ticks_while(work: "asyncio.Future[object]") -> int:
    ticks = 0
    while not work.done():
        await asyncio.sleep(0.01)
        ticks += 1
    return ticks


async def test_a_write_waits_for_another_process_lock_while_the_loop_runs_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "byline.db"
    engine = db.create_engine(f"sqlite+aiosqlite:///{path}")
    factory = db.create_session_factory(engine)
    async with db.unit_of_work(factory) as session:
        await session.execute(text("CREATE TABLE notes (body TEXT)"))
    other = locked_by_another(path)

    async def write() -> None:
        async with db.unit_of_work(factory) as session:
            await session.execute(text("INSERT INTO notes VALUES ('bonjour')"))

    started = time.monotonic()
    work = asyncio.ensure_future(write())
    asyncio.get_running_loop().call_later(0.3, other.execute, "COMMIT")
    ticks = await ticks_while(work)
    await work
    assert time.monotonic() - started >= 0.3
    assert ticks >= 15  # the loop kept turning while the write waited
    async with db.read_only(factory) as session:
        assert (await session.execute(text("SELECT body FROM notes"))).scalars().all() == [
            "bonjour"
        ]
    other.close()
    await engine.dispose()


async def test_a_write_gives_up_when_the_lock_is_held_past_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "SQLITE_LOCK_TIMEOUT", 0.2)
    path = tmp_path / "byline.db"
    engine = db.create_engine(f"sqlite+aiosqlite:///{path}")
    factory = db.create_session_factory(engine)
    async with db.unit_of_work(factory) as session:
        await session.execute(text("CREATE TABLE notes (body TEXT)"))
    other = locked_by_another(path)
    started = time.monotonic()
    with pytest.raises(Exception, match="database is locked"):
        async with db.unit_of_work(factory) as session:
            await session.execute(text("INSERT INTO notes VALUES ('bonjour')"))
    assert 0.2 <= time.monotonic() - started < 2
    other.execute("ROLLBACK")
    other.close()
    await engine.dispose()
