"""APScheduler drives the dispatch tick; it never stores posts (the deliveries table is the queue)."""

from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from app.dispatch.engine import Dispatcher
from app.kit.time import utc_now


def build_scheduler(dispatcher: Dispatcher, interval: float) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        dispatcher.tick,
        "interval",
        seconds=interval,
        id="dispatch-tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=utc_now(),
    )
    return scheduler
