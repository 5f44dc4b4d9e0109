"""Where the PostgreSQL run of the suite finds its server."""

import os

POSTGRES_URL = os.environ.get(
    "BYLINE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def admin_url(url: str = POSTGRES_URL) -> str:
    """The plain libpq spelling of a PostgreSQL URL (what psycopg takes)."""
    for prefix in ("postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def answers(url: str = POSTGRES_URL, timeout: int = 3) -> str | None:
    """None when a server accepts a connection at `url`, else why not (one line)."""
    import psycopg

    try:
        with psycopg.connect(admin_url(url), connect_timeout=timeout) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return None
