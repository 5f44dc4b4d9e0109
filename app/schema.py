"""Running Alembic migrations from Byline itself (CLI, `serve` start, tests)."""

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.paths import ALEMBIC_INI


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
