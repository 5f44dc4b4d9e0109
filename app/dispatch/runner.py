"""The dispatch loop of one process (`byline worker`, or inside `byline serve`).

It keeps every free slot busy: besides the calls in flight it holds claimed deliveries ready to
start (a reserve of twice the concurrency: enough for the calls that end during a turn's wait
for outcomes, `RECORD`), so that a call that ends is followed at once by the next one, without
waiting for a database turn. It claims only what it can start soon: the free slots, then that
reserve, and of each channel no more than its free slots plus half of them again (a delivery
that would only wait on a busy channel stays in the queue for whichever worker has room; one
waiting ready on a busy channel takes nothing from the slots of other channels).
Only channels whose connector reconciles keep a reserve: if the process dies, what it held is in
doubt, and only such a connector can tell that a delivery which never started did not go out.

One task writes to the database: each turn records the outcomes that came back since the last
one and claims to refill the reserve, in one transaction, while the calls in flight go on. It
sleeps until the next due time (never longer than `dispatch_interval`, the polling fallback),
and wakes early when a call ends or a sooner post is announced (app.deliveries.wakeup).
When deliveries fall due within `WARM_UP` seconds, their connectors get ready in the background
(`Dispatcher.warm_up`: a WordPress channel finds its author's user), so that they leave at their
time; nothing is claimed before it.
Heartbeats extend its leases; the reaper and handover activation run here too.

Stopping (SIGTERM): it stops claiming, lets calls in flight finish within `shutdown_grace`,
records a call cut short as an unknown outcome (it may have gone out), and gives back the claims
whose call never started.
"""

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Callable
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
RECORD = 0.25
"""While deliveries wait ready for the slots that free, how long an outcome may wait to be
recorded with the next ones (its `published_at` is when the destination answered)."""
WARM_UP = 5.0
"""How long before deliveries fall due their connectors get ready (seconds): time for a few
look-ups at a slow site. The loop looks at least every `dispatch_interval`."""


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
        self._ready: deque[Job] = deque()
        """Claimed, waiting for a free slot (in the order claimed: oldest due first)."""
        self._load: Counter[int] = Counter()
        """Claimed and not yet ended (ready or running), per channel."""
        self._running: Counter[int] = Counter()
        """Calls started and not yet ended, per channel."""
        self._in_process: set[int] = set()
        """Channels whose connector publishes into Byline itself: no per-channel limit (seen
        on their first job; until then, the claim treats them as any channel)."""
        self._passed_over = 0
        """Due deliveries the last claim left for want of room on their channel."""
        self._spread = False
        """Whether the next claim reads spread over the channels from the start: the last one
        met channels with no room, or read that way and took all it asked for (a burst written
        one channel after another is going out). Reads in id order, which cost less, come back
        once a claim finds the queue worked through."""
        self._reconcilable: set[int] = set()
        """Channels whose connector can find out whether a post went out (seen on their first
        job): only their deliveries wait ready beyond the free slots."""
        self._listener = wakeup.Listener(state.engine, self.wake)
        self._unregister = wakeup.register(state.engine, self.wake)
        self._scheduler: AsyncIOScheduler | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._looks_at: datetime | None = None
        """While the loop sleeps: when it will look for due deliveries anyway."""
        self._warming: asyncio.Task[None] | None = None
        self._warmed_until: datetime | None = None
        """Deliveries falling due by then have had their connectors got ready (or are having)."""

    @property
    def _capacity(self) -> int:
        return self.state.settings.dispatch_concurrency

    @property
    def _ahead(self) -> int:
        """Claimed deliveries kept ready beyond the free slots."""
        return 2 * self._capacity

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

    def _reserve(self, channel_id: int) -> int:
        """How many of the channel's deliveries may wait ready beyond its slots: none until its
        connector is known to reconcile (a crash leaves the deliveries it held `unknown`, and
        only such a connector can tell that one which never started did not go out)."""
        if channel_id not in self._reconcilable:
            return 0
        return max(1, self._per_channel(channel_id) // 2)

    def _budget(self) -> tuple[int, int]:
        """Free slots nothing ready will take, and the global reserve left."""
        startable = sum(
            1
            for job in self._ready
            if self._running[job.subject.channel_id] < self._per_channel(job.subject.channel_id)
        )
        free = self._capacity - self._running.total() - startable
        return max(free, 0), max(self._ahead + min(free, 0), 0)

    def _limit(self) -> int:
        free, reserve = self._budget()
        return min(self.state.settings.dispatch_batch_size, free + reserve)

    def _worth_a_turn(self) -> bool:
        """Whether to claim again at once: a slot is free that nothing ready will take, or a
        turn can claim as much as `_refill`. Otherwise the few calls that ended during the last
        turn wait to be recorded with the next ones (`_gather`)."""
        return self._budget()[0] > 0 or self._limit() >= self._refill

    @property
    def _refill(self) -> int:
        """How much a turn waits to be able to claim: three quarters of the reserve, or a whole
        batch if that is less (a claim never takes more than `dispatch_batch_size`)."""
        return max(1, min(self._ahead * 3 // 4, self.state.settings.dispatch_batch_size))

    def _full(self) -> list[int]:
        return [
            channel
            for channel, load in self._load.items()
            if load >= self._per_channel(channel) + self._reserve(channel)
        ]

    def _admission(self) -> Callable[[int], bool]:
        """For one claim: whether to take the next due delivery of a channel. It takes one that
        can start at once while slots are free, then (on channels whose connector reconciles)
        one to wait ready, within the global and the channel's reserve."""
        free, reserve = self._budget()
        taken: Counter[int] = Counter()
        self._passed_over = 0

        def admit(channel_id: int) -> bool:
            nonlocal free, reserve
            load = self._load[channel_id] + taken[channel_id]
            per_channel = self._per_channel(channel_id)
            if free > 0 and load < per_channel:
                free -= 1
            elif reserve > 0 and load < per_channel + self._reserve(channel_id):
                reserve -= 1
            else:
                self._passed_over += 1
                return False
            taken[channel_id] += 1
            return True

        return admit

    async def _loop(self) -> None:
        while not self._stopping:
            metrics.loop_timestamp.set_to_current_time()
            try:
                done, self._done = self._done, []
                known = len(self._reconcilable)
                limit = self._limit()
                try:
                    jobs, settled, _ = await self.dispatcher.cycle(
                        done,
                        limit,
                        admit=self._admission(),
                        full_channels=self._full(),
                        spread=self._spread,
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
                    self._take(job)
                self._start_ready()
                took_all = limit > 0 and len(jobs) + settled == limit
                if limit > 0:
                    self._spread = self._passed_over > 0 or (self._spread and took_all)
                learned = self._passed_over > 0 and len(self._reconcilable) > known
                if (learned and self._limit() > 0) or (took_all and self._worth_a_turn()):
                    # More may be due already, and slots are free or the reserve is low; or
                    # channels just seen to reconcile may now have deliveries claimed ahead.
                    continue
                # Due deliveries left in the queue: the claim took all it asked for, or passed
                # some over for want of room on their channel; a call that ends makes room.
                backlog = took_all or self._passed_over > 0
                if self._done and not self._ready:
                    continue
                await self._sleep(backlog)
            except Exception:
                log.exception("dispatch loop error; trying again shortly")
                await asyncio.sleep(self.state.settings.dispatch_interval)

    def _forget(self, done: list[tuple[Job, Outcome]]) -> None:
        for job, _ in done:
            self._claims.pop(job.claim.delivery_id, None)
            self._started.discard(job.claim.delivery_id)

    async def _sleep(self, backlog: bool) -> None:
        """Until there is something to do. `backlog`: the last claim took all it asked for, so
        more is due already; the loop waits only for room."""
        self._wake.clear()
        timeout = self.state.settings.dispatch_interval
        # Already while the next due time is looked up: a post announced meanwhile wakes the loop
        # only if it falls due before the loop looks anyway (an API busy creating posts for
        # tomorrow would otherwise wake it after every one, to look again for nothing).
        self._looks_at = self.state.clock() + timedelta(seconds=timeout)
        try:
            if not backlog and self._limit() > 0:
                async with read_only(self.state.session_factory) as session:
                    now = self.state.clock()
                    next_due = await deliveries.next_due_at(session, now)
                if next_due is not None:
                    timeout = min(timeout, max((next_due - now).total_seconds(), GRANULARITY))
                    self._warm_up(now, next_due)
            if self._stopping or (self._done and not self._ready):
                return
            self._looks_at = self.state.clock() + timedelta(seconds=timeout)
            try:
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            except TimeoutError:
                return
        finally:
            self._looks_at = None
        if self._done and self._running and not self._stopping:
            await self._gather()

    def _warm_up(self, now: datetime, next_due: datetime) -> None:
        """When deliveries fall due within `WARM_UP`, get their connectors ready in the
        background; each stretch of time once (a post written for a stretch already got ready
        for simply looks up what it needs as it goes)."""
        until = now + timedelta(seconds=WARM_UP)
        after = max(now, self._warmed_until or now)
        if next_due > until or after >= until or self._warming is not None:
            return
        self._warmed_until = until
        self._warming = asyncio.create_task(self._warm(after, until), name="dispatch-warm-up")

    async def _warm(self, after: datetime, until: datetime) -> None:
        try:
            await self.dispatcher.warm_up(after, until)
        except Exception:
            log.exception("could not get ready for the posts due soon")
        finally:
            self._warming = None

    async def _gather(self) -> None:
        """Let the calls ending together come back, so that they are recorded (and their slots
        claimed for) in one turn rather than one each: a moment (`GATHER`), and while deliveries
        wait ready to take the freed slots, until most of the reserve is used (`_refill`,
        within `RECORD`)."""
        await asyncio.sleep(GATHER)
        loop = asyncio.get_running_loop()
        until = loop.time() + RECORD
        while (
            self._ready
            and not self._stopping
            and self._limit() < self._refill
            and loop.time() < until
        ):
            self._wake.clear()
            try:
                async with asyncio.timeout(until - loop.time()):
                    await self._wake.wait()
            except TimeoutError:
                return

    def _take(self, job: Job) -> None:
        """A claimed delivery: ready to start when a slot frees."""
        self._claims[job.claim.delivery_id] = job.claim
        if job.connector.in_process:
            self._in_process.add(job.subject.channel_id)
        if job.connector.can_reconcile():
            self._reconcilable.add(job.subject.channel_id)
        self._load[job.subject.channel_id] += 1
        self._ready.append(job)

    def _start_ready(self) -> None:
        """Start the ready deliveries that have a free slot, oldest first."""
        if self._stopping or not self._ready:
            return
        free = self._capacity - self._running.total()
        waiting: deque[Job] = deque()
        while self._ready and free > 0:
            job = self._ready.popleft()
            channel_id = job.subject.channel_id
            if self._running[channel_id] >= self._per_channel(channel_id):
                waiting.append(job)
                continue
            self._running[channel_id] += 1
            free -= 1
            self._tasks[job.claim.delivery_id] = asyncio.create_task(self._handle(job))
        waiting.extend(self._ready)
        self._ready = waiting

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
        for counter in (self._running, self._load):
            counter[channel_id] -= 1
            if counter[channel_id] <= 0:
                del counter[channel_id]
        self._start_ready()  # the freed slot goes to the next ready delivery at once

    # -- stopping ---------------------------------------------------------------------------

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming, finish or cut short what is in flight, give back the rest."""
        grace = self.state.settings.shutdown_grace if grace is None else grace
        self._stopping = True
        self._ready.clear()  # never started: given back below
        self.wake()
        if self._loop_task is not None:
            await self._loop_task
        if self._warming is not None:
            self._warming.cancel()
            await asyncio.gather(self._warming, return_exceptions=True)
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
