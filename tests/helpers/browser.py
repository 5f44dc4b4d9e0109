"""Browser tests: a real Byline server on a free port, Debian's Chromium driven by Playwright, and
the checks every page visited passes (no horizontal overflow at 390 and 1280 px, no serious or
critical axe-core violation, no console error such as a Content-Security-Policy refusal), with a
screenshot of each page at each width written under test-artifacts/."""

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.helpers.processes import REPO, byline_command, byline_env, free_port, running

ARTIFACTS = REPO / "test-artifacts" / "browser"
WIDTHS = (390, 1280)
# What Chromium needs here, as root, on a machine without a network (see the env notes): no
# sandbox, no GPU, and none of its background connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    """Debian's Chromium: /usr/bin/chromium or one on PATH. BYLINE_TEST_CHROMIUM, when set, is
    the only place looked at (`BYLINE_TEST_CHROMIUM=none` runs the suite as if none were
    installed)."""
    chosen = os.environ.get("BYLINE_TEST_CHROMIUM")
    candidates = (
        [chosen]
        if chosen is not None
        else ["/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")]
    )
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@dataclass
class Server:
    url: str
    env: dict[str, str]


@contextmanager
def byline_server(var_dir: Path, database_url: str, log: Path) -> Iterator[Server]:
    """`byline serve` (no dispatcher) on a free port, against the test's database."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = byline_env(
        var_dir,
        BYLINE_DATABASE_URL=database_url,
        BYLINE_SECRET_KEY="browser-test-secret-" + "x" * 32,
        BYLINE_BASE_URL=url,
    )
    command = byline_command("serve", "--host", "127.0.0.1", "--port", str(port), "--no-dispatcher")
    with running(command, env, log, ready_url=f"{url}/healthz"):
        yield Server(url, env)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "page"


@dataclass
class PageChecks:
    """What each page visited must pass; `visit` records every check and every screenshot."""

    page: Any  # playwright.sync_api.Page
    artifacts: Path
    axe: Any  # axe_playwright_python.sync_playwright.Axe
    console_errors: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    expected_failures: list[str] = field(default_factory=list)
    """Addresses that are meant not to load (a broken photo): their console errors are not."""

    def __post_init__(self) -> None:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _console(self, message: Any) -> None:
        url = (message.location or {}).get("url", "")
        if message.type == "error" and not any(part in url for part in self.expected_failures):
            self.console_errors.append(f"{message.text} ({url})")

    def check(self, name: str) -> None:
        """The page as it is now, at each width: screenshot, overflow, accessibility."""
        self.page.wait_for_load_state("load")
        number = len(self.visited) + 1
        self.visited.append(name)
        original = self.page.viewport_size
        try:
            for width in WIDTHS:
                self.page.set_viewport_size({"width": width, "height": 900})
                shot = self.artifacts / f"{number:02d}-{_slug(name)}-{width}.png"
                self.page.screenshot(path=str(shot), full_page=True)
                overflow = self.page.evaluate(
                    "() => document.documentElement.scrollWidth"
                    " - document.documentElement.clientWidth"
                )
                assert overflow <= 0, (
                    f"{name} at {width} px scrolls sideways by {overflow} px ({shot})"
                )
                self._accessible(name, width)
        finally:
            if original:
                self.page.set_viewport_size(original)
        assert not self.console_errors, f"{name}: the browser reported {self.console_errors}"

    def _accessible(self, name: str, width: int) -> None:
        results = self.axe.run(self.page)
        bad = [
            f"{violation['id']} ({violation['impact']}): {violation['help']} — "
            + "; ".join(node["html"][:160] for node in violation["nodes"][:3])
            for violation in results.response["violations"]
            if violation.get("impact") in ("serious", "critical")
        ]
        assert not bad, f"{name} at {width} px: accessibility violations: {bad}"

    def visible_text(self) -> str:
        return str(self.page.inner_text("body"))


def api(server: Server, token: str) -> httpx.Client:
    """The REST API of the server under test, as a script would call it."""
    return httpx.Client(
        base_url=f"{server.url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
