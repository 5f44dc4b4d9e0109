"""Where the PostgreSQL run of the suite finds its server."""

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

POSTGRES_URL = os.environ.get(
    "BYLINE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def admin_url(url: str = POSTGRES_URL) -> str:
    """The plain libpq spelling of a PostgreSQL URL (what psycopg takes)."""
    for prefix in ("postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def shown(url: str = POSTGRES_URL) -> str:
    """The URL without its password, for messages that land in CI logs."""
    return re.sub(r"(//[^:/@]+):[^@/]*@", r"\1:***@", url)


def answers(url: str = POSTGRES_URL, timeout: int = 3) -> str | None:
    """None when a server accepts a connection at `url`, else why not (one line)."""
    import psycopg

    try:
        with psycopg.connect(admin_url(url), connect_timeout=timeout) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return None


@contextmanager
def scratch_database(prefix: str = "byline_test") -> Iterator[str]:
    """A new, empty database on the test server for the block (its psycopg URL); dropped after."""
    import psycopg
    from psycopg import sql

    admin = admin_url()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield admin.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
