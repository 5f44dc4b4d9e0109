"""`make run HOST=… PORT=…` / `byline serve`: every link Byline writes leads to where it listens."""

import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from app.config import Settings, base_url_mismatch, listening_url
from app.dispatch.engine import Dispatcher
from tests.conftest import AppFactory
from tests.factories import bearer, engaged_writer, ok, write_post
from tests.helpers.needs import missing
from tests.helpers.processes import (
    REPO,
    byline_command,
    byline_env,
    free_port,
    run_byline,
    running,
)


def test_make_run_passes_host_and_port_to_serve() -> None:
    if shutil.which("make") is None:
        missing("make", "the test runs `make -n run`")
    dry = subprocess.run(
        ["make", "-n", "-s", "run", "HOST=0.0.0.0", "PORT=8123"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "byline serve --host 0.0.0.0 --port 8123" in dry.stdout


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8123, "http://127.0.0.1:8123"),
        ("0.0.0.0", 8000, "http://127.0.0.1:8000"),
        ("::", 9000, "http://[::1]:9000"),
        ("localhost", 8080, "http://localhost:8080"),
    ],
)
def test_an_unset_base_url_is_the_address_served(host: str, port: int, url: str) -> None:
    assert listening_url(host, port) == url
    assert Settings().served_at(host, port).base_url == url


def test_a_configured_base_url_is_kept() -> None:
    settings = Settings(base_url="https://byline.agence.fr/")
    assert settings.served_at("0.0.0.0", 8123).base_url == "https://byline.agence.fr"


@pytest.mark.parametrize(
    ("base_url", "host", "port", "warns"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1", 8123, True),
        ("http://localhost:8000", "0.0.0.0", 8123, True),
        ("http://localhost", "127.0.0.1", 8000, True),
        ("http://127.0.0.1:8123", "127.0.0.1", 8123, False),
        ("http://[::1]:8123", "::1", 8123, False),
        # Another host is a proxy's public address: the usual production set-up.
        ("https://byline.agence.fr", "0.0.0.0", 8000, False),
        ("http://10.1.2.3:8000", "10.1.2.3", 8123, True),
    ],
)
def test_a_base_url_pointing_here_must_name_the_port(
    base_url: str, host: str, port: int, warns: bool
) -> None:
    warning = base_url_mismatch(base_url, host, port)
    assert (warning is not None) == warns
    if warning:
        assert f"port {port}" in warning and "BYLINE_BASE_URL" in warning


async def test_an_article_published_by_a_service_on_8123_links_to_8123(
    make_app: AppFactory, settings: Settings
) -> None:
    served = Settings(**{**settings.model_dump(), "base_url": ""}).served_at("127.0.0.1", 8123)
    app = await make_app(settings=served)
    state = app.state.byline
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8123"
    ) as http:
        writer = await engaged_writer(state, http)
        post = await write_post(http, writer)
        assert await Dispatcher(state).tick() == 1
        done = await ok(await http.get(f"/api/v1/posts/{post['id']}", headers=bearer(writer.token)))
        article_url = done["deliveries"][0]["external_url"]
        assert article_url.startswith(f"http://127.0.0.1:8123/blog/{writer.client_slug}/")
        article = (await http.get(article_url)).text
        feed = (await http.get(f"/blog/{writer.client_slug}/feed.xml")).text
    for page in (article, feed):
        links = re.findall(r"https?://[^\s\"'<>]+", page)
        ours = [link for link in links if "127.0.0.1" in link or "localhost" in link]
        assert ours, page
        assert all(link.startswith("http://127.0.0.1:8123/") for link in ours), ours
    # The name link baked into the article leads to the transparency page on 8123.
    assert f'href="http://127.0.0.1:8123/t/{writer.client_slug}"' in article


def test_serve_on_another_port_links_to_it_and_warns_of_a_stale_base_url(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    env = byline_env(var_dir)
    run_byline(
        env,
        "setup",
        "--org",
        "CL Consult",
        "--email",
        "aline@cl-consult.fr",
        "--full-name",
        "Aline Lamour",
        check=True,
    )
    token = run_byline(env, "tokens", "create", "--email", "aline@cl-consult.fr", check=True)
    token = token.stdout.strip()

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running(
        byline_command("serve", "--port", str(port), "--no-dispatcher"),
        env,
        tmp_path / "serve.log",
        ready_url=f"{url}/healthz",
    ):
        client = httpx.post(
            f"{url}/api/v1/clients",
            headers=bearer(token),
            json={"name": "Boulangerie Corre", "timezone": "Europe/Paris", "locale": "fr"},
        ).json()
    assert client["blog_url"] == f"{url}/blog/boulangerie-corre"
    assert client["transparency_url"] == f"{url}/t/boulangerie-corre"
    assert "WARNING" not in (tmp_path / "serve.log").read_text()

    stale = byline_env(var_dir, BYLINE_BASE_URL="http://127.0.0.1:8000")
    with running(
        byline_command("serve", "--port", str(port), "--no-dispatcher"),
        stale,
        tmp_path / "stale.log",
        ready_url=f"{url}/healthz",
    ):
        pass
    log = (tmp_path / "stale.log").read_text()
    assert "WARNING" in log and f"listens on port {port}" in log


@pytest.mark.parametrize(
    "value", ["localhost:8123", "127.0.0.1:8000", "byline.agence.fr", "ftp://x"]
)
def test_a_base_url_must_be_a_full_address(value: str) -> None:
    with pytest.raises(ValueError, match="full address"):
        Settings(base_url=value)


def test_https_on_this_machine_is_a_warning() -> None:
    warning = base_url_mismatch("https://127.0.0.1:8000", "127.0.0.1", 8000)
    assert warning is not None and "plain http" in warning
