"""The real-WordPress tests (marked `wordpress`) need PHP, Debian's WordPress and MariaDB: where
they are missing, those tests are left out with one line at the end of the run, unless
BYLINE_TEST_REQUIRE names `wordpress` (as `.ci/run` does when it could install them): then they
fail. They run once, with the SQLite pass: they do not touch Byline's database."""

from typing import Any

import pytest

from tests.conftest import ON_POSTGRES
from tests.helpers.needs import required
from tests.helpers.wordpress import absent

_LEFT_OUT = pytest.StashKey[tuple[int, str]]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    real = [item for item in items if item.get_closest_marker("wordpress")]
    if not real:
        return
    reason = "they run with the SQLite pass" if ON_POSTGRES else absent()
    if reason is None or (required("wordpress") and not ON_POSTGRES):
        return
    items[:] = [item for item in items if not item.get_closest_marker("wordpress")]
    config.hook.pytest_deselected(items=real)
    config.stash[_LEFT_OUT] = (len(real), reason)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    count, reason = config.stash.get(_LEFT_OUT, (0, ""))
    if count and not ON_POSTGRES:
        terminalreporter.write_line(
            f"wordpress missing: {reason}; {count} real WordPress tests skipped"
        )
