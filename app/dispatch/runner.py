"""The dispatch loop of one process (`byline worker`, or inside `byline serve`).

It claims only what it can start now: free concurrency slots, and of each channel no more than
the channel's free slots (a delivery that would only wait on a busy channel stays in the queue
for whichever worker has room). One task writes to the database: each turn records the outcomes
that came back since the last one and claims for the slots they freed, in one transaction,
while the calls in flight go on. It sleeps until the next due time (never longer than
`dispatch_interval`, the polling fallback), and wakes early when a call ends or a sooner post is
announced (app.deliveries.wakeup). Heartbeats extend its leases; the reaper and handover activation run here
too.

Stopping (SIGTERM): it stops claiming, lets calls in flight finish within `shutdown_grace`,
records a call cut short as an unknown outcome (it may have gone out), and gives back the claims
whose call never started.
"""

import asyncio
import logging
from collections import Counter
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from app.db import read_only, unit_of_work
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

GRANULARITY = 0.05
GATHER = 0.002
"""After a call ends, how long to let the calls ending with it come back, so that they are
recorded (and their slots claimed for) together rather than one transaction each."""


class DispatchRunner:
    def __init__(self, state: AppState, *, worker_id: str | None = None) -> None:
        self.state = state
        self.dispatcher = Dispatcher(state, worker_id)
        self.worker_id = self.dispatcher.worker_id
        self._wake = asyncio.Event()
        self._stopping = False
        self._claims: dict[int, Claim] = {}
        """Claimed and not yet recorded: what heartbeats keep."""
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._started: set[int] = set()
        self._done: list[tuple[Job, Outcome]] = []
        """Outcomes waiting for the loop to record them."""
        self._load: Counter[int] = Counter()
        """Calls not yet ended, per channel."""
        self._in_process: set[int] = set()
        """Channels whose connector publishes into Byline itself: no per-channel limit (seen
        on their first job; until then, the claim treats them as any channel)."""
        self._listener = wakeup.Listener(state.engine, self.wake)
        self._unregister = wakeup.register(state.engine, self.wake)
        self._scheduler: AsyncIOScheduler | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._looks_at: datetime | None = None
        """While the loop sleeps: when it will look for due deliveries anyway."""

    @property
    def _capacity(self) -> int:
        return self.state.settings.dispatch_concurrency

    def wake(self, due_at: datetime | None = None) -> None:
        """Look for work now; a post announced as due at `due_at` need not wake a loop that
        will look by then anyway (a bulk of posts scheduled for tomorrow wakes nothing)."""
        if due_at is not None and self._looks_at is not None and due_at >= self._looks_at:
            return
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
        self._loop_task = asyncio.create_task(self._loop(), name="dispatch-loop")
        log.info("worker %s is dispatching", self.worker_id)

    async def heartbeat(self) -> None:
        try:
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
            async with unit_of_work(self.state.session_factory) as session:
                activated = await handovers.activate_due(session, now=self.state.clock())
        except Exception:
            log.exception("handover activation failed")
            return 0
        if activated:
            log.info("%d handovers took effect", activated)
        return activated

    # -- the loop ---------------------------------------------------------------------------

    def _per_channel(self, channel_id: int) -> int:
        if channel_id in self._in_process:
            return self._capacity
        return self.state.settings.dispatch_channel_concurrency

    def _room(self, channel_id: int) -> int:
        return self._per_channel(channel_id) - self._load[channel_id]

    async def _loop(self) -> None:
        batch = self.state.settings.dispatch_batch_size
        while not self._stopping:
            metrics.loop_timestamp.set_to_current_time()
            try:
                done, self._done = self._done, []
                limit = min(batch, self._capacity - sum(self._load.values()))
                full = [
                    channel
                    for channel, load in self._load.items()
                    if load >= self._per_channel(channel)
                ]
                try:
                    jobs, settled, _ = await self.dispatcher.cycle(
                        done, limit, channel_room=self._room, full_channels=full
                    )
                except Exception:
                    # Unrecorded outcomes: their leases will run out and the reaper will
                    # reconcile these deliveries.
                    if done:
                        log.exception("could not record %d outcomes", len(done))
                    self._forget(done)
                    raise
                self._forget(done)
                for job in jobs:
                    self._spawn(job)
                if limit > 0 and len(jobs) + settled == limit:
                    continue  # more may be due already
                if self._done:
                    continue
                await self._sleep()
            except Exception:
                log.exception("dispatch loop error; trying again shortly")
                await asyncio.sleep(self.state.settings.dispatch_interval)

    def _forget(self, done: list[tuple[Job, Outcome]]) -> None:
        for job, _ in done:
            self._claims.pop(job.claim.delivery_id, None)
            self._started.discard(job.claim.delivery_id)

    async def _sleep(self) -> None:
        self._wake.clear()
        timeout = self.state.settings.dispatch_interval
        # Already while the next due time is looked up: a post announced meanwhile wakes the loop
        # only if it falls due before the loop looks anyway (an API busy creating posts for
        # tomorrow would otherwise wake it after every one, to look again for nothing).
        self._looks_at = self.state.clock() + timedelta(seconds=timeout)
        try:
            if sum(self._load.values()) < self._capacity:
                async with read_only(self.state.session_factory) as session:
                    now = self.state.clock()
                    next_due = await deliveries.next_due_at(session, now)
                if next_due is not None:
                    timeout = min(timeout, max((next_due - now).total_seconds(), GRANULARITY))
            if self._stopping or self._done:
                return
            self._looks_at = self.state.clock() + timedelta(seconds=timeout)
            try:
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            except TimeoutError:
                return
        finally:
            self._looks_at = None
        if self._done and self._load and not self._stopping:
            await asyncio.sleep(GATHER)

    def _spawn(self, job: Job) -> None:
        delivery_id = job.claim.delivery_id
        self._claims[delivery_id] = job.claim
        if job.connector.in_process:
            self._in_process.add(job.subject.channel_id)
        self._load[job.subject.channel_id] += 1
        self._tasks[delivery_id] = asyncio.create_task(self._handle(job))

    async def _handle(self, job: Job) -> None:
        delivery_id = job.claim.delivery_id
        try:
            outcome = await self.dispatcher.run(
                job, on_start=lambda started: self._started.add(started.claim.delivery_id)
            )
        except asyncio.CancelledError:
            if delivery_id not in self._started:
                self._ended(job)
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
        self._ended(job)
        self._done.append((job, outcome))
        self.wake()

    def _ended(self, job: Job) -> None:
        self._tasks.pop(job.claim.delivery_id, None)
        channel_id = job.subject.channel_id
        self._load[channel_id] -= 1
        if self._load[channel_id] <= 0:
            del self._load[channel_id]

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
        done, self._done = self._done, []
        try:
            if done:
                await self.dispatcher.record(done)
        except Exception:
            log.exception("could not record %d outcomes", len(done))
        finally:
            self._forget(done)
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
