"""Running Alembic migrations from Byline itself (CLI, `serve` start, tests)."""

from functools import lru_cache

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import READ_ONLY
from app.paths import ALEMBIC_INI

VERSION_TABLE = "alembic_version"


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.attributes["configure_logging"] = False
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str) -> None:
    """Bring the database at `database_url` to the newest schema (call outside an event loop)."""
    command.upgrade(alembic_config(database_url), "head")


async def upgrade_engine(engine: AsyncEngine) -> None:
    """The same, on an engine already open inside a running event loop."""

    def _upgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


@lru_cache
def head_revisions() -> frozenset[str]:
    """The revisions a current schema is at (read once from the migration scripts)."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def current_revisions(engine: AsyncEngine) -> frozenset[str]:
    """The revisions the database is at (empty for a database never migrated)."""

    def _read(connection: Connection) -> frozenset[str]:
        if not inspect(connection).has_table(VERSION_TABLE):
            return frozenset()
        rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))  # noqa: S608
        return frozenset(rows.scalars())

    async with engine.connect() as connection:
        connection = await connection.execution_options(**{READ_ONLY: True})
        return await connection.run_sync(_read)
