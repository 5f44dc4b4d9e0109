"""What a test needs from the machine (a PostgreSQL server, the docker compose client…).

On a developer's machine a missing part skips the test with a one-line reason. In CI, where
`.ci/run` installs or starts every part, `BYLINE_TEST_REQUIRE` names them (comma-separated, or
`all`) and a missing one fails instead: CI never passes by skipping.
"""

import os

import pytest


def required(part: str) -> bool:
    wanted = {name.strip() for name in os.environ.get("BYLINE_TEST_REQUIRE", "").split(",")}
    return part in wanted or "all" in wanted


def missing(part: str, reason: str) -> None:
    """Skip the calling test, or fail it when `part` is required here."""
    if required(part):
        pytest.fail(f"{part} is required here (BYLINE_TEST_REQUIRE) but missing: {reason}")
    pytest.skip(f"{part} missing: {reason}")
