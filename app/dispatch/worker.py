"""`byline worker`: the dispatcher alone, until SIGTERM or SIGINT."""

import asyncio
import logging
import signal

from prometheus_client import start_http_server

from app.dispatch.runner import DispatchRunner
from app.state import AppState

log = logging.getLogger("byline.dispatch")


async def run_worker(state: AppState) -> None:
    """Dispatch until told to stop; then stop claiming, let calls in flight finish within
    `shutdown_grace` and give back what never started."""
    settings = state.settings
    if settings.metrics_port is not None:
        server, thread = start_http_server(settings.metrics_port, addr=settings.metrics_host)
        log.info("metrics at http://%s:%d/metrics", settings.metrics_host, settings.metrics_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    runner = DispatchRunner(state)
    await runner.start()
    try:
        await stop.wait()
    finally:
        log.info("worker %s is stopping", runner.worker_id)
        await runner.stop()
        if settings.metrics_port is not None:
            server.shutdown()
            thread.join(timeout=5)
