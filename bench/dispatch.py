"""Dispatch benchmark: N posts due within a window, through a simulated destination, published by
Byline's dispatcher, then by a baseline (plain APScheduler, one date job per post in its
SQLAlchemy job store on the same database, its thread pool) on the same scenario.

    .venv/bin/python -m bench.dispatch --database sqlite --posts 10000 --window 60 --latency 0.2
    .venv/bin/python -m bench.dispatch --database postgresql ...   (BYLINE_TEST_DATABASE_URL)

Prints throughput, lateness p50/p95/p99 (when the destination had the post, minus its scheduled
time), CPU time per delivery, duplicates and lost posts, and the throughput ratio.
"""

import argparse
import asyncio
import logging
import os
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from pydantic import SecretStr
from sqlalchemy import func, select

from app import schema
from app.config import Settings
from app.db import unit_of_work
from app.deliveries.states import DeliveryStatus
from app.dispatch.runner import DispatchRunner
from app.main import create_app
from app.models import Delivery
from bench import baseline
from bench.simulated import Destination, Faults, simulated
from connectors.local_blog import LocalBlogConnector
from tests.dispatch.helpers import install_id, key_of, schedule, writer_with_channel
from tests.factories import bearer, ok

POSTGRES_URL = os.environ.get(
    "BYLINE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SETTLED = {DeliveryStatus.PUBLISHED, DeliveryStatus.FAILED, DeliveryStatus.NEEDS_ATTENTION,
           DeliveryStatus.HELD, DeliveryStatus.CANCELLED}


@dataclass
class Result:
    name: str
    posts: int
    delivered: int
    duplicates: int
    lost: int
    failed: int
    waiting: int
    lateness: list[float]
    cpu: float
    first_due: float
    last_out: float
    notes: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.delivered / max(self.last_out - self.first_due, 1e-9)

    def lines(self) -> list[str]:
        late = sorted(self.lateness) or [float("nan")]

        def pct(p: float) -> float:
            return late[min(len(late) - 1, round(p / 100 * (len(late) - 1)))]

        return [
            f"{self.name}",
            f"  published     {self.delivered} of {self.posts}"
            f"  (failed with a reason: {self.failed}; still queued or for a person: {self.waiting})",
            f"  throughput    {self.throughput:.1f} posts/s",
            f"  lateness      p50 {pct(50):.3f} s   p95 {pct(95):.3f} s   p99 {pct(99):.3f} s"
            f"   max {late[-1]:.3f} s",
            f"  CPU           {1000 * self.cpu / max(self.delivered, 1):.2f} ms per delivery",
            f"  duplicates    {self.duplicates}",
            f"  lost          {self.lost}",
            *(f"  ({note})" for note in self.notes),
        ]


def offsets(posts: int, window: float, seed: int) -> list[float]:
    rng = random.Random(seed)
    return sorted(rng.uniform(0, window) for _ in range(posts))


def measure(
    name: str,
    destination: Destination,
    due: dict[str, datetime],
    cpu: float,
    failed: int = 0,
    waiting: int = 0,
) -> Result:
    """`failed`: ended failed with a reason shown; `waiting`: not published yet but still queued
    (a later retry) or waiting for a person. Lost is everything else that never went out."""
    lateness, duplicates = [], 0
    last_out = 0.0
    for key, at in due.items():
        times = destination.published.get(key, [])
        if times:
            lateness.append(times[0] - at.timestamp())
            duplicates += len(times) - 1
            last_out = max(last_out, times[0])
    delivered = len(lateness)
    return Result(
        name=name,
        posts=len(due),
        delivered=delivered,
        duplicates=duplicates,
        lost=len(due) - delivered - failed - waiting,
        failed=failed,
        waiting=waiting,
        lateness=lateness,
        cpu=cpu,
        first_due=min(at.timestamp() for at in due.values()),
        last_out=last_out,
    )


async def run_byline(url: str, args: argparse.Namespace, var_dir: Path) -> Result:
    destination = Destination(args.latency, _faults(args))
    settings = Settings(
        database_url=url,
        var_dir=var_dir,
        secret_key=SecretStr("bench-secret-key-" + "x" * 32),
        base_url="http://bench",
        dispatch_concurrency=args.concurrency,
        dispatch_channel_concurrency=args.channel_concurrency,
        dispatch_batch_size=args.batch,
    )
    app = create_app(
        settings,
        dispatcher=False,
        connectors={"local_blog": LocalBlogConnector, "simulated": simulated(destination)},
    )
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as http:
        state = app.state.byline
        setup = await writer_with_channel(state, http, "simulated")
        channels = [setup.channel_id]
        for n in range(1, args.channels):
            channel = await ok(
                await http.post(
                    f"/api/v1/clients/{setup.writer.client_id}/channels",
                    headers=bearer(setup.writer.org.owner_token),
                    json={"kind": "simulated", "name": f"page {n}", "config": {}, "credentials": {}},
                ),
                201,
            )
            channels.append(channel["id"])
        start = datetime.now(UTC) + timedelta(seconds=3)
        due_times = [start + timedelta(seconds=s) for s in offsets(args.posts, args.window, 1)]
        post_ids: list[int] = []
        for index, channel_id in enumerate(channels):
            post_ids += await schedule(state, setup, due_times[index :: len(channels)], channel_id)
        async with unit_of_work(state.session_factory) as session:
            rows = (
                await session.execute(
                    select(Delivery.id, Delivery.due_at).where(
                        Delivery.status == DeliveryStatus.SCHEDULED
                    )
                )
            ).all()
        install = await install_id(state)  # the idempotency key names this install
        due = {key_of(row.id, install): row.due_at for row in rows}
        runner = DispatchRunner(state)
        cpu = time.process_time()
        await runner.start()
        give_up = time.monotonic() + args.window + args.max_wait
        while time.monotonic() < give_up:
            await asyncio.sleep(0.5)
            async with unit_of_work(state.session_factory) as session:
                # Every delivery in this scratch database is the benchmark's (the template's
                # is cancelled), so no list of ids is needed.
                waiting = await session.scalar(
                    select(func.count()).where(Delivery.status.not_in(SETTLED))
                )
            if not waiting:
                break
        await runner.stop()
        cpu = time.process_time() - cpu
        async with unit_of_work(state.session_factory) as session:
            failed = await session.scalar(
                select(func.count()).where(
                    Delivery.status == DeliveryStatus.FAILED, Delivery.last_error.is_not(None)
                )
            )
            waiting = await session.scalar(
                select(func.count()).where(
                    Delivery.status.in_(
                        (
                            DeliveryStatus.SCHEDULED,
                            DeliveryStatus.RETRYING,
                            DeliveryStatus.UNKNOWN,
                            DeliveryStatus.NEEDS_ATTENTION,
                        )
                    )
                )
            )
    return measure(
        "Byline dispatcher", destination, due, cpu, failed=int(failed or 0), waiting=int(waiting or 0)
    )


def run_baseline(url: str, args: argparse.Namespace) -> Result:
    destination = Destination(args.latency, _faults(args))
    # Room to fill the job store (one INSERT per job) before the window opens.
    start = datetime.now(UTC) + timedelta(seconds=5 + args.posts * args.baseline_lead)
    due = {
        f"post-{n}": start + timedelta(seconds=s)
        for n, s in enumerate(offsets(args.posts, args.window, 1))
    }
    sync_url = url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")
    run = baseline.run(sync_url, destination, due, timeout=args.window + args.max_wait)
    result = measure(
        "APScheduler baseline (SQLAlchemy job store, 10 threads)", destination, due, run.cpu
    )
    result.notes.append(f"jobs dropped as misfired: {run.missed}; jobs that raised: {run.errors}")
    if run.late_start:
        result.notes.append(f"its job store was filled {run.late_start:.1f} s into the window")
    return result


def _faults(args: argparse.Namespace) -> Faults:
    return Faults(transient=args.transient, timeouts=args.timeouts, rate_limited=args.rate_limited)


@contextmanager
def database(kind: str) -> Iterator[tuple[str, Path]]:
    with tempfile.TemporaryDirectory(prefix="byline-bench-") as tmp:
        var_dir = Path(tmp)
        if kind == "sqlite":
            url = f"sqlite+aiosqlite:///{var_dir / 'bench.db'}"
            schema.upgrade(url)
            yield url, var_dir
            return
        import psycopg
        from psycopg import sql

        admin = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
        name = f"byline_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + name
        try:
            schema.upgrade(url)
            yield url, var_dir
        finally:
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds the due times span")
    parser.add_argument("--latency", type=float, default=0.2, help="simulated seconds per call")
    parser.add_argument("--transient", type=float, default=0.0, help="share of 503s")
    parser.add_argument("--timeouts", type=float, default=0.0, help="share of lost answers")
    parser.add_argument("--rate-limited", type=float, default=0.0, help="share of 429s")
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--channel-concurrency", type=int, default=50)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--max-wait", type=float, default=120.0, help="seconds after the window")
    parser.add_argument("--baseline-lead", type=float, default=0.004,
                        help="seconds per job allowed to fill the baseline's job store")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    # The baseline logs every misfire and failed job; their counts are printed instead.
    logging.getLogger("apscheduler").setLevel(logging.CRITICAL)

    print(
        f"{args.posts} posts due within {args.window:.0f} s, {1000 * args.latency:.0f} ms latency,"
        f" faults: {args.transient:.0%} 503, {args.timeouts:.0%} timeouts,"
        f" {args.rate_limited:.0%} 429; database: {args.database}"
    )
    with database(args.database) as (url, var_dir):
        ours = asyncio.run(run_byline(url, args, var_dir))
        print("\n".join(ours.lines()), flush=True)
        if args.no_baseline:
            return
        theirs = run_baseline(url, args)
        print("\n".join(theirs.lines()))
        print(f"throughput ratio (Byline / baseline): {ours.throughput / theirs.throughput:.1f}x")


if __name__ == "__main__":
    main()
