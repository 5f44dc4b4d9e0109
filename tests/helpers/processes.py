"""Byline's own commands run as an operator runs them: in subprocesses, on real ports."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def byline_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh install: a var dir of its own and no BYLINE_ setting but `extra`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("BYLINE_")}
    return env | {"BYLINE_VAR_DIR": str(var_dir)} | extra


def byline_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "app.cli", *args]


def wait_until_answers(url: str, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{process.args} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout} s")


@contextmanager
def running(
    command: Sequence[str], env: dict[str, str], log: Path, *, ready_url: str | None = None
) -> Iterator[subprocess.Popen[str]]:
    """Run `command` (its output to `log`) until the block ends, then SIGTERM it and wait."""
    with log.open("a") as output:
        process = subprocess.Popen(
            list(command), env=env, stdout=output, stderr=subprocess.STDOUT, text=True, cwd=REPO
        )
    try:
        if ready_url is not None:
            wait_until_answers(ready_url, process)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def run_byline(
    env: dict[str, str], *args: str, stdin: str | None = None, check: bool = False
) -> subprocess.CompletedProcess[str]:
    """One `byline` command to its end, as an operator types it, in `env`."""
    return subprocess.run(
        byline_command(*args),
        env=env,
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )
