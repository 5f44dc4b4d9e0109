"""Fixtures of the browser tests: Debian's Chromium through Playwright (never a browser
Playwright downloads), a Byline server per test, and a page whose every visit is checked.

Where Chromium or Playwright is missing, the browser tests are left out with one line at the end
of the run; `.ci/run` requires them (BYLINE_TEST_REQUIRE=chromium), and then they fail instead."""

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_DB
from tests.helpers.browser import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    PageChecks,
    Server,
    byline_server,
    find_chromium,
)
from tests.helpers.needs import missing, required

HERE = Path(__file__).resolve().parent
CHROMIUM = find_chromium()
if CHROMIUM is None:
    ABSENT: str | None = "no Chromium found (apt-get install chromium)"
elif importlib.util.find_spec("playwright") is None:
    ABSENT = "Playwright is not installed (make install)"
else:
    ABSENT = None
_LEFT_OUT = pytest.StashKey[int]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ABSENT is None or required("chromium"):
        return
    left_out = [item for item in items if HERE in item.path.parents]
    if left_out:
        items[:] = [item for item in items if HERE not in item.path.parents]
        config.hook.pytest_deselected(items=left_out)
        config.stash[_LEFT_OUT] = len(left_out)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    count = config.stash.get(_LEFT_OUT, 0)
    if count:
        terminalreporter.write_line(f"chromium missing: {ABSENT}; {count} browser tests skipped")


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if ABSENT is not None:
        missing("chromium", ABSENT)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    var_dir = tmp_path / "var"
    var_dir.mkdir(exist_ok=True)
    with byline_server(var_dir, database_url, tmp_path / "serve.log") as running:
        yield running


def _artifacts(request: pytest.FixtureRequest) -> Path:
    return ARTIFACTS / TEST_DB / request.node.name.replace("[", "-").replace("]", "")


@pytest.fixture
def open_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """`open_page(locale="fr-FR")`: a new browser context (its own cookies) and its checks."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    contexts: list[Any] = []

    def open_(locale: str = "en-GB", name: str = "") -> PageChecks:
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        folder = _artifacts(request) / (name or f"browser-{len(contexts)}")
        return PageChecks(context.new_page(), folder, axe)

    yield open_
    for context in contexts:
        context.close()
