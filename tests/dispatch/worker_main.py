"""`byline worker` with the recording connectors, for tests that run real worker processes.

    python -m tests.dispatch.worker_main   (settings from BYLINE_*, the call log from
    BYLINE_TEST_CALL_LOG, the simulated latency in seconds from BYLINE_TEST_LATENCY)
"""

import asyncio
import logging
import os
from pathlib import Path

from app.config import Settings
from app.dispatch.worker import run_worker
from app.main import build_state, close_state
from tests.dispatch.connectors import recording_connectors


async def main() -> None:
    connectors = recording_connectors(
        Path(os.environ["BYLINE_TEST_CALL_LOG"]),
        latency=float(os.environ.get("BYLINE_TEST_LATENCY", "0")),
    )
    state = build_state(Settings(), connectors=connectors)
    try:
        await run_worker(state)
    finally:
        await close_state(state)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main())
