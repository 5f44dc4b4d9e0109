"""The dispatch loop of one process (`byline worker`, or inside `byline serve`).

It claims only what it can start now (free concurrency slots), sleeps until the next due time
(never longer than `dispatch_interval`, the polling fallback), and wakes early when a sooner post
is announced (app.deliveries.wakeup). Heartbeats extend its leases; the reaper and handover
activation run here too.

Stopping (SIGTERM): it stops claiming, lets calls in flight finish within `shutdown_grace`,
records a call cut short as an unknown outcome (it may have gone out), and gives back the claims
whose call never started.
"""

import asyncio
import logging
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from app.db import unit_of_work
from app.deliveries import service as deliveries
from app.deliveries import wakeup
from app.deliveries.service import Claim
from app.deliveries.states import DeliveryStatus
from app.dispatch import liveness
from app.dispatch.engine import Dispatcher, Job
from app.dispatch.outcomes import Outcome
from app.dispatch.scheduler import build_scheduler
from app.handovers import service as handovers
from app.kit import logs
from app.operations import metrics
from app.state import AppState

log = logging.getLogger("byline.dispatch")

# Shortest sleep between two looks at the queue: deliveries falling due within it are claimed
# together, which keeps the loop cheap under load at the cost of a few milliseconds of lateness.
GRANULARITY = 0.05
_WRITE_BATCH = 200


class DispatchRunner:
    def __init__(self, state: AppState, *, worker_id: str | None = None) -> None:
        self.state = state
        self.dispatcher = Dispatcher(state, worker_id)
        self.worker_id = self.dispatcher.worker_id
        self._wake = asyncio.Event()
        self._stopping = False
        self._claims: dict[int, Claim] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._started: set[int] = set()
        self._written: asyncio.Queue[tuple[Job, Outcome] | None] = asyncio.Queue()
        self._listener = wakeup.Listener(state.engine, self.wake)
        self._unregister = wakeup.register(state.engine, self.wake)
        self._scheduler: AsyncIOScheduler | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._writer_task: asyncio.Task[None] | None = None

    @property
    def _capacity(self) -> int:
        return self.state.settings.dispatch_concurrency

    def wake(self, _due_at: object = None) -> None:
        self._wake.set()

    async def start(self) -> None:
        logs.worker_id.set(self.worker_id)  # the tasks created below carry it into their logs
        await self._listener.start()
        await self.heartbeat()
        await self.reap()
        await self.activate_handovers()
        settings = self.state.settings
        self._scheduler = build_scheduler(
            {
                "dispatch-heartbeat": self.heartbeat,
                "dispatch-reaper": self.reap,
                "handover-activation": self.activate_handovers,
            },
            settings.heartbeat_interval,
        )
        self._scheduler.start()
        self._writer_task = asyncio.create_task(self._write_loop(), name="dispatch-writer")
        self._loop_task = asyncio.create_task(self._loop(), name="dispatch-loop")
        log.info("worker %s is dispatching", self.worker_id)

    async def heartbeat(self) -> None:
        try:
            async with self.dispatcher.gate:
                await liveness.heartbeat(
                    self.state.session_factory,
                    self.worker_id,
                    list(self._claims.values()),
                    now=self.state.clock(),
                    lease=timedelta(seconds=self.state.settings.lease_seconds),
                )
            if not self._stopping:
                await self._listener.start()  # reconnects a lost LISTEN connection
        except Exception:
            log.exception("heartbeat failed")

    async def reap(self) -> int:
        try:
            async with self.dispatcher.gate:
                turned = await liveness.reap(self.state.session_factory, now=self.state.clock())
        except Exception:
            log.exception("reaper failed")
            return 0
        if turned:
            log.warning("%d deliveries lost their worker; reconciling them", turned)
            self.wake()
        return turned

    async def activate_handovers(self) -> int:
        """Handovers whose time has come take effect (every worker tries; one wins each)."""
        try:
            async with self.dispatcher.gate, unit_of_work(self.state.session_factory) as session:
                activated = await handovers.activate_due(session, now=self.state.clock())
        except Exception:
            log.exception("handover activation failed")
            return 0
        if activated:
            log.info("%d handovers took effect", activated)
        return activated

    # -- the loop ---------------------------------------------------------------------------

    async def _loop(self) -> None:
        batch = self.state.settings.dispatch_batch_size
        while not self._stopping:
            metrics.loop_timestamp.set_to_current_time()
            try:
                free = self._capacity - len(self._claims)
                if free > 0:
                    limit = min(batch, free)
                    jobs, settled = await self.dispatcher.claim(limit)
                    for job in jobs:
                        self._spawn(job)
                    if len(jobs) + settled == limit:
                        continue  # more may be due already
                await self._sleep()
            except Exception:
                log.exception("dispatch loop error; trying again shortly")
                await asyncio.sleep(self.state.settings.dispatch_interval)

    async def _sleep(self) -> None:
        self._wake.clear()
        timeout = self.state.settings.dispatch_interval
        if len(self._claims) < self._capacity:
            async with self.dispatcher.gate, unit_of_work(self.state.session_factory) as session:
                now = self.state.clock()
                next_due = await deliveries.next_due_at(session, now)
            if next_due is not None:
                timeout = min(timeout, max((next_due - now).total_seconds(), GRANULARITY))
        if self._stopping:
            return
        try:
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        except TimeoutError:
            pass

    def _spawn(self, job: Job) -> None:
        delivery_id = job.claim.delivery_id
        self._claims[delivery_id] = job.claim
        self._tasks[delivery_id] = asyncio.create_task(self._handle(job))

    async def _handle(self, job: Job) -> None:
        delivery_id = job.claim.delivery_id
        try:
            outcome = await self.dispatcher.run(
                job, on_start=lambda started: self._started.add(started.claim.delivery_id)
            )
        except asyncio.CancelledError:
            if delivery_id not in self._started:
                raise  # never started: given back by stop()
            outcome = Outcome(
                DeliveryStatus.UNKNOWN,
                error="the worker stopped while the call was in flight; checking whether it went out",
                due_at=self.state.clock(),
            )
        except Exception as error:  # a bug: never leave a claim that heartbeats keep alive
            log.exception("delivery %s: unexpected error", delivery_id)
            outcome = Outcome(
                DeliveryStatus.UNKNOWN,
                error=f"unexpected error ({error!r}); checking whether it went out",
                due_at=self.state.clock()
                + timedelta(seconds=self.state.settings.retry_backoff_start),
            )
        finally:
            self._tasks.pop(delivery_id, None)
        await self._written.put((job, outcome))

    async def _write_loop(self) -> None:
        while True:
            item = await self._written.get()
            if item is None:
                return
            done = [item]
            while len(done) < _WRITE_BATCH and not self._written.empty():
                more = self._written.get_nowait()
                if more is None:
                    self._written.put_nowait(None)
                    break
                done.append(more)
            try:
                await self.dispatcher.record(done)
            except Exception:
                # The leases will run out and the reaper will reconcile these deliveries.
                log.exception("could not record %d outcomes", len(done))
            finally:
                full = len(self._claims) >= self._capacity
                for job, _ in done:
                    self._claims.pop(job.claim.delivery_id, None)
                    self._started.discard(job.claim.delivery_id)
                if full:
                    self.wake()

    # -- stopping ---------------------------------------------------------------------------

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming, finish or cut short what is in flight, give back the rest."""
        grace = self.state.settings.shutdown_grace if grace is None else grace
        self._stopping = True
        self.wake()
        if self._loop_task is not None:
            await self._loop_task
        waiting = [t for d, t in self._tasks.items() if d not in self._started]
        for task in waiting:
            task.cancel()
        running = [t for d, t in self._tasks.items() if d in self._started]
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await asyncio.gather(*waiting, return_exceptions=True)
        if self._writer_task is not None:
            await self._written.put(None)
            await self._writer_task
        never_started = list(self._claims.values())
        now = self.state.clock()
        try:
            if never_started:
                released = await liveness.release(
                    self.state.session_factory, never_started, now=now, worker_id=self.worker_id
                )
                log.info("gave back %d deliveries that had not started", released)
            await liveness.stopped(self.state.session_factory, self.worker_id, now=now)
        finally:
            self._claims.clear()
            if self._scheduler is not None:
                self._scheduler.shutdown(wait=False)
            await self._listener.stop()
            self._unregister()
