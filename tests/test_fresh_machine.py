"""`make test` on a machine without PostgreSQL: one line says the PostgreSQL run is skipped, and
CI (BYLINE_TEST_REQUIRE=postgres) fails instead."""

import os
import subprocess
import sys

from tests.helpers.processes import REPO, free_port


def probe(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("BYLINE_")}
    return subprocess.run(
        [sys.executable, "-m", "tests.helpers.postgres_probe"],
        env=clean | env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_postgresql_is_one_line_and_a_skip() -> None:
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    result = probe(BYLINE_TEST_DATABASE_URL=nowhere)
    assert result.returncode == 3, result
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"PostgreSQL run skipped: cannot connect to {nowhere}")
    assert "make test-postgres" in line and "BYLINE_TEST_DATABASE_URL" in line


def test_no_postgresql_fails_where_it_is_required() -> None:
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    result = probe(BYLINE_TEST_DATABASE_URL=nowhere, BYLINE_TEST_REQUIRE="postgres,compose")
    assert result.returncode == 1
    assert result.stdout.startswith(f"PostgreSQL is required but cannot be reached at {nowhere}")


def test_the_skip_line_hides_a_password() -> None:
    hidden = f"postgresql://ci:hunter2@127.0.0.1:{free_port()}/postgres"
    result = probe(BYLINE_TEST_DATABASE_URL=hidden)
    assert "hunter2" not in result.stdout and "ci:***@" in result.stdout
