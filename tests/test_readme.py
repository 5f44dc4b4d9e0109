"""README.md as a new user follows it.

The walkthrough's commands are read from the README (the shell block after the `quickstart`
marker), not copied here, and run against a fresh service. Two things are adapted to this machine,
as a reader would adapt them: the service listens on a free port instead of 8000, and
`.venv/bin/byline` is this interpreter's `byline`. One line is added at the end, to read the CM's
token the walkthrough made.
"""

import re
import shlex
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import ON_POSTGRES
from tests.helpers.needs import missing
from tests.helpers.processes import REPO, byline_command, byline_env, free_port, running

README = REPO / "README.md"
_OPERATIONS = ("/healthz", "/readyz", "/metrics", "/docs")


def quickstart() -> str:
    text = README.read_text(encoding="utf-8")
    marker = text.index("<!-- quickstart:")
    block = re.search(r"```sh\n(.*?)```", text[marker:], re.DOTALL)
    assert block, "README.md: no shell block after the quickstart marker"
    return block.group(1)


def _shape(path: str) -> str:
    """/posts/{post_id}/cancel and /posts/{id}/cancel are the same route."""
    return re.sub(r"\{[^}]*\}", "{}", path.split("?")[0])


def test_every_endpoint_the_readme_names_exists() -> None:
    from app.main import create_app

    routes = {_shape(path) for path in create_app(dispatcher=False).openapi()["paths"]}
    named = set(re.findall(r"`(?:GET|POST|PATCH|DELETE) (/[^ `]*)", README.read_text()))
    assert len(named) > 20, named
    full = {
        _shape(path if path.startswith(("/api/v1", *_OPERATIONS)) else "/api/v1" + path)
        for path in named
    }
    assert sorted(full - routes) == []


def test_the_quickstart_publishes_a_signed_post(tmp_path: Path) -> None:
    if ON_POSTGRES:
        pytest.skip("runs in the SQLite run of the suite (it starts its own service)")
    if shutil.which("curl") is None:
        missing("curl", "the README's walkthrough calls the API with curl")
    if shutil.which("bash") is None:
        missing("bash", "the README's walkthrough is a shell script")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = byline_env(tmp_path / "var")
    script = quickstart()
    assert "127.0.0.1:8000" in script and ".venv/bin/byline" in script
    script = script.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    script = script.replace(".venv/bin/python", shlex.quote(sys.executable))
    script = script.replace(".venv/bin/byline", shlex.join(byline_command()))
    script += '\nprintf "CM-TOKEN %s POST %s\\n" "$M" "$POST"\n'

    with running(
        byline_command("serve", "--port", str(port)),
        env,
        tmp_path / "serve.log",
        ready_url=f"{base}/healthz",
    ):
        walked = subprocess.run(
            ["bash", "-eu", "-c", script],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert walked.returncode == 0, walked.stdout + walked.stderr
        assert '"error"' not in walked.stdout + walked.stderr, walked.stdout + walked.stderr
        token, post_id = re.findall(r"CM-TOKEN (\S+) POST (\d+)", walked.stdout)[0]
        cm = {"Authorization": f"Bearer {token}"}
        post_url = f"{base}/api/v1/posts/{post_id}"

        scheduled = httpx.get(post_url, headers=cm).json()
        assert scheduled["status"] == "scheduled", scheduled
        assert scheduled["author"]["full_name"] == "Mauricette Raoul"
        ahead = datetime.fromisoformat(scheduled["scheduled_at"]) - datetime.now(UTC)
        assert timedelta(0) < ahead <= timedelta(minutes=1), ahead
        me = httpx.get(f"{base}/api/v1/people/me", headers=cm).json()
        assert me["locale"] == "fr"  # the organisation's language

        published = _wait_for(post_url, cm, timeout=ahead.total_seconds() + 30)
        article_url = published["deliveries"][0]["external_url"]
        assert article_url.startswith(f"{base}/blog/boulangerie-corre/")
        article = httpx.get(article_url).text
        index = httpx.get(f"{base}/blog/boulangerie-corre").text
    assert "Premier billet." in article and "Bonjour" in index
    byline = re.search(r'<aside class="byline".*?</aside>', article, re.DOTALL)
    assert byline, article
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", byline.group(0))).strip()
    assert text.startswith("Par Mauricette Raoul, Community Manager"), text


def _wait_for(url: str, headers: dict[str, str], timeout: float) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        post: dict[str, object] = httpx.get(url, headers=headers).json()
        if post["status"] == "published":
            return post
        time.sleep(1)
    raise AssertionError(f"{url} was not published within {timeout:.0f} s: {post}")
