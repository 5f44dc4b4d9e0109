"""Alembic environment. Runs on a connection handed in by Byline, or opens one from settings."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.config import Settings
from app.db import create_engine
from app.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Processes starting together (`serve` and `worker` both migrate at start) take turns:
            # the second finds the schema current instead of creating the same tables again.
            connection.execute(text("SELECT pg_advisory_xact_lock(7405532)"))
        context.run_migrations()


async def _run_async() -> None:
    url = config.attributes.get("database_url") or Settings().resolved_database_url
    engine = create_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


connection = config.attributes.get("connection")
if context.is_offline_mode():
    raise SystemExit("Byline runs migrations online only: use `byline migrate`.")
elif connection is not None:
    _run(connection)
else:
    asyncio.run(_run_async())
