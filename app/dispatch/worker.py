"""`byline worker`: the dispatcher alone, until SIGTERM or SIGINT."""

import asyncio
import signal

from app.dispatch.runner import DispatchRunner
from app.state import AppState


async def run_worker(state: AppState) -> None:
    """Dispatch until told to stop; then stop claiming, let calls in flight finish within
    `shutdown_grace` and give back what never started."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    runner = DispatchRunner(state)
    await runner.start()
    print(f"worker {runner.worker_id} is dispatching", flush=True)
    try:
        await stop.wait()
    finally:
        print(f"worker {runner.worker_id} is stopping", flush=True)
        await runner.stop()
