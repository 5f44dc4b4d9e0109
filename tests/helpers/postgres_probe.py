"""`python -m tests.helpers.postgres_probe`: may `make test` run the PostgreSQL suite?

Exit 0: a server answers. Exit 3: none does, and the run is skipped (one line says so and how to
run it). Exit 1: none does and `BYLINE_TEST_REQUIRE` names postgres (CI): a failure.
"""

import sys

from tests.helpers.needs import required
from tests.helpers.postgres import answers, shown


def main() -> int:
    problem = answers()
    if problem is None:
        return 0
    if required("postgres"):
        print(f"PostgreSQL is required but cannot be reached at {shown()}: {problem}")
        return 1
    print(
        f"PostgreSQL run skipped: cannot connect to {shown()} ({problem}). Start a server "
        "there, or set BYLINE_TEST_DATABASE_URL, then run `make test-postgres`."
    )
    return 3


if __name__ == "__main__":
    sys.exit(main())
