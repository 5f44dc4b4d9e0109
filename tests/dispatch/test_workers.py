"""Real worker processes sharing one database: every delivery published exactly once, even when
a worker is killed in the middle of publishing."""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from app.config import Settings
from app.deliveries.states import DeliveryStatus
from tests.conftest import ON_POSTGRES
from tests.dispatch.conftest import Env, EnvFactory
from tests.dispatch.helpers import deliveries, install_id, key_of, schedule, status_counts

ROOT = Path(__file__).resolve().parents[2]


class Workers:
    def __init__(self, settings: Settings, log: Path) -> None:
        self.env = {
            **os.environ,
            "BYLINE_DATABASE_URL": settings.resolved_database_url,
            "BYLINE_SECRET_KEY": settings.resolved_secret_key,
            "BYLINE_VAR_DIR": str(settings.var_dir),
            "BYLINE_TEST_CALL_LOG": str(log),
            "BYLINE_LEASE_SECONDS": "5",
            "BYLINE_HEARTBEAT_INTERVAL": "1",
            "BYLINE_DISPATCH_INTERVAL": "0.5",
            "BYLINE_SHUTDOWN_GRACE": "5",
        }
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, count: int = 1, **env: str) -> list[subprocess.Popen[bytes]]:
        started = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.dispatch.worker_main"],
                cwd=ROOT,
                env={**self.env, **env},
                stdout=subprocess.DEVNULL,
            )
            for _ in range(count)
        ]
        self.processes += started
        return started

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def workers(settings: Settings, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(settings, tmp_path / "calls.log")
    yield pool
    pool.stop_all()


async def _wait_until(check: Callable[[], Awaitable[bool]]) -> None:
    """Poll until `check` holds; a generous bound only so that a broken run ends."""
    for _ in range(600):
        if await check():
            return
        await asyncio.sleep(0.25)
    raise AssertionError("the workers did not finish")


async def test_four_workers_publish_five_thousand_deliveries_once_each(
    dispatch_env: EnvFactory, workers: Workers
) -> None:
    env = await dispatch_env(real_clock=True)
    install = await install_id(env.state)
    count = 5000 if ON_POSTGRES else 1000  # SQLite is the single-node default; keep it short
    now = env.state.clock()
    due = [now + timedelta(milliseconds=n) for n in range(count)]
    post_ids = await schedule(env.state, env.setup, due)
    workers.start(4, BYLINE_DISPATCH_CONCURRENCY="50", BYLINE_TEST_LATENCY="0.002")

    async def all_published() -> bool:
        return (await status_counts(env.state)).get(DeliveryStatus.PUBLISHED, 0) == count

    await _wait_until(all_published)
    workers.stop_all()
    found = await deliveries(env.state, post_ids)
    assert all(d.status == DeliveryStatus.PUBLISHED for d in found)
    sent = env.calls.published()
    assert len(sent) == count and set(sent.values()) == {1}
    assert {key_of(d.id, install) for d in found} == set(sent)
    # The work was shared. Not necessarily by all four: a process that starts late may find
    # nothing left, which is fine; what matters is that no delivery went out twice.
    pids = {pid for kind, _, pid in env.calls.lines() if kind == "sent"}
    assert len(pids) >= 2


@pytest.mark.parametrize("kind", ["recording", "recording_blind"])
async def test_a_worker_killed_mid_publish_never_causes_a_duplicate(
    dispatch_env: EnvFactory, workers: Workers, kind: str
) -> None:
    env = await dispatch_env(real_clock=True, kind=kind)
    install = await install_id(env.state)
    post_ids = await schedule(env.state, env.setup, [env.state.clock()] * 40)
    # A slow destination: the worker has calls in flight when it is killed.
    [victim] = workers.start(
        1,
        BYLINE_TEST_LATENCY="600",
        BYLINE_DISPATCH_CONCURRENCY="10",
        BYLINE_DISPATCH_CHANNEL_CONCURRENCY="10",
    )

    async def in_flight() -> bool:
        return (await status_counts(env.state)).get(DeliveryStatus.PUBLISHING, 0) == 10

    await _wait_until(in_flight)
    await _wait_until(_sent(env, 10))
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    # Restarted, with a quick destination: the reaper finds the dead worker's leases.
    workers.start(1, BYLINE_TEST_LATENCY="0")

    async def settled() -> bool:
        counts = await status_counts(env.state)
        return set(counts) <= {DeliveryStatus.PUBLISHED, DeliveryStatus.NEEDS_ATTENTION,
                               DeliveryStatus.CANCELLED}

    await _wait_until(settled)
    found = await deliveries(env.state, post_ids)
    sent = env.calls.published()
    assert set(sent.values()) == {1}  # never twice
    assert len(sent) == 40
    killed_mid_call = {key for kind, key, pid in env.calls.lines() if pid == victim.pid}
    in_doubt = {key_of(d.id, install) for d in found if d.status == DeliveryStatus.NEEDS_ATTENTION}
    if kind == "recording":
        # Reconciliation found the ten calls the dead worker had made.
        assert all(d.status == DeliveryStatus.PUBLISHED for d in found)
    else:
        # Nobody can tell whether those ten went out: a person decides, nothing is resent.
        assert in_doubt == killed_mid_call and len(in_doubt) == 10
        assert all(
            "stopped answering" in (d.last_error or "")
            for d in found
            if d.status == DeliveryStatus.NEEDS_ATTENTION
        )


def _sent(env: Env, count: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return len(env.calls.published()) >= count

    return check
