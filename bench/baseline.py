"""The baseline: plain APScheduler 3, one date job per post in its SQLAlchemy job store on the same
database, run by its default thread pool (10 threads), with the same simulated destination."""

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobEvent
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from bench.simulated import Destination

_destination: Destination | None = None


def publish(key: str) -> None:
    """The job: one post, through the simulated destination (blocking, as a thread-pool job)."""
    destination = _destination
    assert destination is not None
    fault = destination.fault()
    time.sleep(destination.latency)
    if fault in ("transient", "rate_limited"):
        raise RuntimeError(f"{fault}: not published")
    destination.store(key)
    if fault == "timeout":
        raise TimeoutError("no answer after sending")


@dataclass
class BaselineRun:
    ended: int
    missed: int
    errors: int
    cpu: float
    started_at: float
    finished_at: float
    late_start: float
    """How late the job store was ready after the window's start (0 if in time)."""


def run(
    database_url: str, destination: Destination, due: dict[str, datetime], timeout: float
) -> BaselineRun:
    global _destination
    _destination = destination
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=database_url, tablename="bench_apscheduler")},
        timezone=UTC,
    )
    counts = {"ended": 0, "missed": 0, "errors": 0}
    done = threading.Event()
    lock = threading.Lock()

    def listen(event: JobEvent) -> None:
        with lock:
            counts["ended"] += 1
            if event.code == EVENT_JOB_MISSED:
                counts["missed"] += 1
            elif event.code == EVENT_JOB_ERROR:
                counts["errors"] += 1
            if counts["ended"] == len(due):
                done.set()

    scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    scheduler.start(paused=True)
    for key, at in due.items():
        scheduler.add_job(publish, "date", run_date=at, args=[key], id=key)
    first = min(due.values()).timestamp()
    late_start = max(0.0, time.time() - first)
    time.sleep(max(0.0, first - time.time() - 0.5))
    cpu = time.process_time()
    started = time.time()
    scheduler.resume()
    done.wait(timeout)
    finished = time.time()
    cpu = time.process_time() - cpu
    scheduler.shutdown(wait=True)
    return BaselineRun(
        counts["ended"], counts["missed"], counts["errors"], cpu, started, finished, late_start
    )
