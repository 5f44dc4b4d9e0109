"""APScheduler drives the dispatcher's maintenance: heartbeats and the lease reaper.

It never stores posts (the deliveries table is the queue) and it does not drive publishing: the
dispatch loop (app.dispatch.runner) sleeps until the next due time and is woken early.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from app.kit.time import utc_now


def build_scheduler(
    jobs: dict[str, Callable[[], Awaitable[object]]], interval: float
) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=UTC)
    for offset, (name, job) in enumerate(jobs.items()):
        scheduler.add_job(
            job,
            "interval",
            seconds=interval,
            id=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            # Spread the jobs so that they do not all take the (SQLite) write lock at once.
            next_run_time=utc_now() + timedelta(seconds=interval * (offset + 1) / (len(jobs) + 1)),
        )
    return scheduler
