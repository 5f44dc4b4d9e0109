"""The `byline` command as an operator runs it, in a subprocess against a real database file."""

import json
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from app.config import Settings
from app.db import unit_of_work
from app.dispatch.engine import Dispatcher
from app.handovers import service as handovers
from app.kit.time import utc_now
from app.main import build_state, close_state
from tests.conftest import BASE_URL, AppFactory
from tests.factories import bearer, ok
from tests.helpers.processes import byline_env, run_byline


def byline(
    var_dir: Path, *args: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    return run_byline(byline_env(var_dir, BYLINE_BASE_URL=BASE_URL, **env), *args, stdin=stdin)


def settings_for(var_dir: Path) -> Settings:
    return Settings(var_dir=var_dir, base_url=BASE_URL, secret_key=SecretStr(""))


async def test_setup_then_token_then_api(tmp_path: Path, make_app: AppFactory) -> None:
    var_dir = tmp_path / "var"
    setup = byline(
        var_dir,
        "setup",
        "--org",
        "CL Consult",
        "--email",
        "Didier@CL-consult.fr",
        "--full-name",
        "Didier Corre",
        "--role-title",
        "Gérant",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert setup.returncode == 0, setup.stderr
    assert "Didier Corre" in setup.stdout and "attested" in setup.stdout
    assert (var_dir / "byline.db").is_file() and (var_dir / "secret_key").is_file()

    token = byline(var_dir, "tokens", "create", "--email", "didier@cl-consult.fr")
    assert token.returncode == 0, token.stderr
    raw = token.stdout.strip()
    assert raw.startswith("byl_")

    app = await make_app(settings=settings_for(var_dir))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        me = await ok(await http.get("/api/v1/people/me", headers=bearer(raw)))
        assert me["full_name"] == "Didier Corre"
        assert me["role"] == "owner" and me["attested"] is True
        # The password given on stdin logs into the web app.
        login = await http.get("/login")
        csrf = login.text.split('name="csrftoken" value="')[1].split('"')[0]
        done = await http.post(
            "/login",
            data={
                "csrftoken": csrf,
                "email": "didier@cl-consult.fr",
                "password": "a long enough password",
            },
        )
        assert done.status_code == 303 and done.headers["location"] == f"{BASE_URL}/app"


def test_setup_refuses_a_handle_and_an_existing_email(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    refused = byline(
        var_dir, "setup", "--org", "CL Consult", "--email", "a@b.fr", "--full-name", "jojo_cm"
    )
    assert refused.returncode == 2
    assert "name_refused" in refused.stderr

    first = byline(
        var_dir, "setup", "--org", "CL Consult", "--email", "a@b.fr", "--full-name", "Didier Corre"
    )
    assert first.returncode == 0, first.stderr
    again = byline(
        var_dir, "setup", "--org", "Autre", "--email", "a@b.fr", "--full-name", "Aline Lamour"
    )
    assert again.returncode == 2 and "email_taken" in again.stderr


def test_unknown_email_for_token_is_a_clear_error(tmp_path: Path) -> None:
    result = byline(tmp_path / "var", "tokens", "create", "--email", "nobody@example.org")
    assert result.returncode == 2
    assert "not_found" in result.stderr


async def test_demo_publishes_its_post_when_due(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    demo = byline(var_dir, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "Guy Couturier" in demo.stdout
    blog_url = next(line for line in demo.stdout.splitlines() if "/blog/" in line).split()[-1]

    # A dispatcher whose clock is a minute and a bit ahead publishes the demo post.
    state = build_state(settings_for(var_dir), clock=lambda: utc_now() + timedelta(seconds=70))
    try:
        assert await Dispatcher(state).tick() == 1
    finally:
        await close_state(state)

    from app.main import create_app

    app = create_app(settings_for(var_dir), dispatcher=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http,
    ):
        page = await http.get(blog_url.removeprefix(BASE_URL))
    assert page.status_code == 200
    assert "Les galettes sont de retour" in page.text and "Guy Couturier" in page.text

    # A minute later, Lucie Fontaine takes over: the dispatcher activates the handover and
    # publishes her announcement.
    assert "Lucie Fontaine" in demo.stdout
    later = build_state(settings_for(var_dir), clock=lambda: utc_now() + timedelta(seconds=130))
    try:
        async with unit_of_work(later.session_factory) as session:
            assert await handovers.activate_due(session, now=later.clock()) == 1
        assert await Dispatcher(later).tick() == 1
    finally:
        await close_state(later)
    app = create_app(
        settings_for(var_dir), dispatcher=False, clock=lambda: utc_now() + timedelta(seconds=130)
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http,
    ):
        page = await http.get(blog_url.removeprefix(BASE_URL))
        story = (
            await http.get(blog_url.removeprefix(BASE_URL).replace("/blog/", "/t/") + ".json")
        ).json()
    assert "Lucie Fontaine prend le relais" in page.text
    assert [voice["full_name"] for voice in story["current"]] == ["Lucie Fontaine"]
    assert story["handovers"][0]["outgoing"] == "Guy Couturier"


def test_stdout_carries_only_the_result_and_logs_go_to_stderr(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    setup = byline(
        var_dir, "setup", "--org", "CL Consult", "--email", "a@b.fr", "--full-name", "Didier Corre"
    )
    assert setup.returncode == 0, setup.stderr
    assert len(setup.stdout.splitlines()) == 1 and "Didier Corre" in setup.stdout
    # The migrations ran, quietly: no log line on either stream.
    assert "alembic" not in setup.stdout + setup.stderr

    token = byline(var_dir, "tokens", "create", "--email", "a@b.fr")
    assert re.fullmatch(r"byl_[A-Za-z0-9_-]+\n", token.stdout), token.stdout
    assert token.stderr == ""

    demo = byline(tmp_path / "demo", "demo")
    assert demo.returncode == 0, demo.stderr
    assert not [line for line in demo.stdout.splitlines() if re.match(r"\d{4}-\d\d-\d\d ", line)]
    assert "Owner:" in demo.stdout and "CM API token: byl_" in demo.stdout

    migrate = byline(tmp_path / "fresh", "migrate")
    assert migrate.stdout == "database is up to date\n"
    assert "Running upgrade" in migrate.stderr


def test_json_logs_are_one_object_a_line(tmp_path: Path) -> None:
    migrate = byline(tmp_path / "var", "migrate", BYLINE_LOG_FORMAT="json")
    assert migrate.returncode == 0, migrate.stderr
    records = [json.loads(line) for line in migrate.stderr.splitlines()]
    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any("Running upgrade" in record["message"] for record in records)


def test_a_bad_setting_is_named_not_a_traceback(tmp_path: Path) -> None:
    result = byline(tmp_path / "var", "migrate", BYLINE_LOG_FORMAT="xml")
    assert result.returncode == 2
    assert result.stderr.startswith("error: BYLINE_LOG_FORMAT: ")
    assert "Traceback" not in result.stderr


def test_a_bad_allowed_network_says_how_to_write_one(tmp_path: Path) -> None:
    result = byline(
        tmp_path / "var", "migrate", BYLINE_ALLOW_PRIVATE_DESTINATIONS="192.168.1.0/24,10.0.0.300/8"
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: BYLINE_ALLOW_PRIVATE_DESTINATIONS: ")
    assert "“10.0.0.300/8” is not a network" in result.stderr
    assert "192.168.1.0/24" in result.stderr and "Traceback" not in result.stderr


def test_allowed_networks_are_read_from_a_comma_separated_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BYLINE_ALLOW_PRIVATE_DESTINATIONS", " 192.168.1.0/24, 10.0.0.0/8,fd00::/8,")
    assert [str(network) for network in Settings().allow_private_destinations] == [
        "192.168.1.0/24",
        "10.0.0.0/8",
        "fd00::/8",
    ]
    monkeypatch.setenv("BYLINE_ALLOW_PRIVATE_DESTINATIONS", "192.168.1.5/24")
    with pytest.raises(ValidationError, match=r"write 192\.168\.1\.0/24 for the whole network"):
        Settings()
