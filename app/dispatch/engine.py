"""Publishing claimed deliveries: claim → re-check → connector call → record.

Rules this module keeps:
* The signing rules are checked again right before sending, in the claim's transaction; a post
  whose author can no longer sign is `held` with the reason, never sent.
* The connector call runs outside any transaction, bounded by `publish_timeout`, with bounded
  concurrency overall and per channel.
* An outcome is written only where the claim token still matches (see `outcomes`).
* A call that may have gone out is never retried blindly: it is reconciled when the connector
  can look it up, otherwise it waits for a person (`needs_attention`).
* A look-up that finds nothing is believed only once the request in doubt can no longer land:
  asked at least `publish_timeout` + `reconcile_margin` after that request was sent, and a
  second time (the first answer may precede a stalled insert). Until then the delivery stays
  `unknown` and is looked up again at that time (`Doubt`).
* Each delivery carries the install's idempotency marker (`app.deliveries.markers`).
* Transient errors back off exponentially with jitter, never sooner than the destination's
  `retry_after`, and give up at the publish deadline (`failed`, with the reason).
"""

import asyncio
import json
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

from app.channels import service as channels
from app.db import DbSession, read_only, unit_of_work
from app.deliveries import service as deliveries
from app.deliveries.markers import Markers
from app.deliveries.service import Claim
from app.deliveries.states import DeliveryStatus
from app.dispatch.outcomes import Doubt, Outcome, Subject, to_move
from app.errors import AppError
from app.kit import logs
from app.models import Channel, Client, Post
from app.operations import metrics
from app.people import service as people
from app.posts import signature as signatures
from app.signing.service import ensure_can_sign
from app.state import AppState
from connectors import destinations
from connectors.base import (
    ChannelContext,
    Connector,
    ConnectorError,
    OutgoingPost,
    PermanentError,
    ReauthRequired,
    SettingsRequired,
    TransientError,
    UnknownOutcome,
)

log = logging.getLogger("byline.dispatch")

_S = DeliveryStatus
T = TypeVar("T")
_CONTEXTS = 1024
"""Channel settings kept decrypted at most (a worker serves this many channels at once)."""
_WARM_UPS = 256
"""Channel and author pairs got ready at most per look ahead (the rest look up as they go)."""
_CALLS_PER_POOL = 10
"""About how many calls in flight share one pool of connections (see `_pool_of`)."""
_NOT_FOUND_YET = "not found yet; looked up again once the request can no longer land: "


def _failure_label(error: Exception) -> str:
    """How a connector call ended, for /metrics."""
    for kind, label in (
        (TransientError, "transient"),
        (ReauthRequired, "reauth"),
        (PermanentError, "permanent"),
        (UnknownOutcome, "unknown"),
        (TimeoutError, "timeout"),
    ):
        if isinstance(error, kind):
            return label
    return "error"


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def backoff(attempt: int, *, start: float, cap: float) -> float:
    """Exponential, with ±20 % jitter so that a burst of failures does not retry in lockstep."""
    delay = min(start * 2 ** max(attempt - 1, 0), cap)
    return delay * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security


def deadline_for(scheduled_at: datetime, client: Client, default_minutes: int) -> datetime:
    return scheduled_at + timedelta(minutes=client.publish_deadline_minutes or default_minutes)


@dataclass(frozen=True)
class Job:
    """Everything one connector call needs, read in the claim's transaction."""

    subject: Subject
    connector: Connector
    channel: ChannelContext
    outgoing: OutgoingPost
    deadline_at: datetime
    doubt: str
    """Why an `unknown` delivery is in doubt (shown if a person has to decide)."""
    in_doubt: Doubt | None = None
    """For an `unknown` delivery: when its uncertain attempt was sent, what look-ups found."""

    @property
    def claim(self) -> Claim:
        return self.subject.claim


class Dispatcher:
    def __init__(self, state: AppState, worker_id: str | None = None) -> None:
        self.state = state
        self.worker_id = worker_id or default_worker_id()
        settings = state.settings
        self._slots = asyncio.Semaphore(settings.dispatch_concurrency)
        self._channel_slots: dict[int, asyncio.Semaphore] = {}
        self._lease = timedelta(seconds=settings.lease_seconds)
        self._contexts: dict[tuple[int, str, str | None, str], ChannelContext] = {}
        self._markers: Markers | None = None

    # -- claim -------------------------------------------------------------------------------

    async def claim(
        self,
        limit: int,
        *,
        admit: Callable[[int], bool] | None = None,
        full_channels: Collection[int] = (),
        spread: bool = False,
    ) -> tuple[list[Job], int]:
        """Claim up to `limit` due deliveries in one short transaction and prepare their calls.

        Returns the jobs to run and how many claimed deliveries were settled on the spot (held
        because the author can no longer sign or the channel needs reconnecting, failed because
        the deadline passed while nobody could send them). `admit`, `full_channels` and
        `spread`: see `app.deliveries.service.claim`.
        """
        jobs, settled, _ = await self.cycle(
            [], limit, admit=admit, full_channels=full_channels, spread=spread
        )
        return jobs, settled

    async def cycle(
        self,
        done: list[tuple[Job, Outcome]],
        limit: int,
        *,
        admit: Callable[[int], bool] | None = None,
        full_channels: Collection[int] = (),
        spread: bool = False,
    ) -> tuple[list[Job], int, set[int]]:
        """Record the outcomes `done`, then claim up to `limit` more, in one transaction (one
        commit, and on SQLite one turn of the write lock, for both).

        Returns the jobs to run, how many claimed deliveries were settled on the spot, and the
        delivery ids of `done` whose claims still held (their outcomes were written)."""
        if not done and limit <= 0:
            return [], 0, set()
        jobs: list[Job] = []
        settled: list[tuple[Subject, Outcome]] = []
        async with unit_of_work(self.state.session_factory) as session:
            now = self.state.clock()
            if self._markers is None and limit > 0:
                self._markers = await deliveries.markers(session, now=now)
            written = (
                await self._write(session, [(job.subject, outcome) for job, outcome in done], now)
                if done
                else set()
            )
            if limit > 0:
                claimed = await deliveries.claim(
                    session,
                    worker_id=self.worker_id,
                    now=now,
                    limit=limit,
                    lease=self._lease,
                    admit=admit,
                    full_channels=full_channels,
                    spread=spread,
                )
                if claimed:
                    metrics.claim_batch_size.observe(len(claimed))
                    jobs, settled = await self._prepare(session, claimed, now)
                    if settled:
                        await self._write(session, settled, now)
        self._observe(done, written, now)
        return jobs, len(settled), written

    async def _prepare(
        self, session: DbSession, claimed: list[Claim], now: datetime
    ) -> tuple[list[Job], list[tuple[Subject, Outcome]]]:
        loaded = await deliveries.for_dispatch(session, [claim.delivery_id for claim in claimed])
        # The authors' current e-mail addresses, once per batch: connectors find the
        # destination's user of the signer by it.
        emails = await people.emails_of(session, {row[3].author_id for row in loaded.values()})
        doubts = await deliveries.doubts(
            session, [claim.delivery_id for claim in claimed if claim.status == _S.UNKNOWN]
        )
        signers: dict[tuple[int, int, int], AppError | None] = {}
        jobs: list[Job] = []
        settled: list[tuple[Subject, Outcome]] = []
        for claim in claimed:
            _, deadline_at, last_error, post, channel, client = loaded[claim.delivery_id]
            subject = Subject(claim, post.organisation_id, post.id, channel.id)
            deadline = deadline_at or deadline_for(
                post.scheduled_at, client, self.state.settings.publish_deadline_minutes
            )
            try:
                if claim.status == _S.PUBLISHING:
                    refusal = await self._why_not_now(session, signers, post, channel, client, now)
                    if refusal is not None:
                        settled.append((subject, Outcome(_S.HELD, error=refusal)))
                        continue
                    if now > deadline:
                        error = (
                            "not published: its publish deadline "
                            f"({deadline:%Y-%m-%d %H:%M} UTC) passed before it could be sent"
                        )
                        settled.append((subject, Outcome(_S.FAILED, error=error)))
                        continue
                job = self._job(
                    subject,
                    post,
                    channel,
                    client,
                    deadline,
                    last_error,
                    email=emails.get(post.author_id),
                )
                if claim.delivery_id in doubts:
                    sent_at, absent = doubts[claim.delivery_id]
                    # A lease that ran out says nothing of when its call was sent: from now.
                    job = replace(job, in_doubt=Doubt(sent_at or now, absent))
                jobs.append(job)
            except AppError as refusal:
                settled.append((subject, Outcome(_S.HELD, error=self._reason(refusal))))
            except Exception as error:
                log.exception("delivery %s: could not be prepared", claim.delivery_id)
                settled.append((subject, Outcome(_S.HELD, error=f"could not prepare: {error!r}")))
        return jobs, settled

    @staticmethod
    def _reason(refusal: AppError) -> str:
        return f"{refusal.code}: {refusal.message('en')}"

    async def _why_not_now(
        self,
        session: DbSession,
        signers: dict[tuple[int, int, int], AppError | None],
        post: Post,
        channel: Channel,
        client: Client,
        now: datetime,
    ) -> str | None:
        if channel.status == "needs_reauth":
            return "reconnect the channel: it refused its credentials"
        key = (post.organisation_id, post.author_id, client.id)
        if key not in signers:
            try:
                # Rules 1-3, again, with what is true now (once per author and client per batch).
                await ensure_can_sign(
                    session,
                    organisation_id=post.organisation_id,
                    person_id=post.author_id,
                    client=client,
                    at=now,
                )
                signers[key] = None
            except AppError as refusal:
                signers[key] = refusal
        refused = signers[key]
        if refused is not None:
            return self._reason(refused)
        signatures.verify_signature(post)
        return None

    def _job(
        self,
        subject: Subject,
        post: Post,
        channel: Channel,
        client: Client,
        deadline: datetime,
        last_error: str | None,
        *,
        email: str | None,
    ) -> Job:
        connector_class, outgoing = self._outgoing(
            subject.claim.delivery_id, post, channel, client, email
        )
        return Job(
            subject=subject,
            connector=self.state.registry.get(channel.kind),
            channel=self._context(channel, connector_class),
            outgoing=outgoing,
            deadline_at=deadline,
            doubt=last_error or "an earlier attempt's outcome is not known",
        )

    def _outgoing(
        self, delivery_id: int, post: Post, channel: Channel, client: Client, email: str | None
    ) -> tuple[type[Connector], OutgoingPost]:
        """The channel's connector class, and the post rendered and signed for it."""
        connector_class = channels.connector_class(self.state.registry, channel.kind, field=None)
        outgoing = signatures.render_for_channel(
            post,
            client,
            signatures.stored_signature(post, client, self.state.settings.base_url, email=email),
            channel.kind,
            connector_class.capabilities,
            idempotency_key=self._key(delivery_id),
        )
        return connector_class, outgoing

    def _key(self, delivery_id: int) -> str:
        assert self._markers is not None, "read in the claim's transaction"
        return self._markers.key(delivery_id)

    def _context(self, channel: Channel, connector_class: type[Connector]) -> ChannelContext:
        """The channel's decrypted, validated settings, worked out once per version of them:
        keyed by what they are made of, so an edited channel (new ciphertext, new config) is
        worked out again."""
        key = (
            channel.id,
            channel.kind,
            channel.credentials_encrypted,
            json.dumps(channel.config, sort_keys=True, default=str),
        )
        context = self._contexts.get(key)
        if context is None or context.name != channel.name:
            if len(self._contexts) >= _CONTEXTS:
                self._contexts.clear()
            context = self._contexts[key] = channels.context_for(
                channel, connector_class, self.state.fernet
            )
        return context

    # -- getting ready ahead ------------------------------------------------------------------

    async def warm_up(self, after: datetime, until: datetime) -> int:
        """Let connectors get ready for the deliveries falling due after `after` and by `until`
        (`Connector.warm_up`): one post of each channel and author, rendered as it would be
        sent, so that a burst's first calls need not look its authors up first. Nothing is
        claimed or sent. Returns how many connectors were asked."""
        if self._markers is None:
            return 0  # read by the first claim, which the runner makes before it ever sleeps
        ready: list[tuple[int, Connector, ChannelContext, OutgoingPost]] = []
        async with read_only(self.state.session_factory) as session:
            ids = await deliveries.upcoming(session, after=after, until=until, limit=_WARM_UPS)
            if not ids:
                return 0
            loaded = await deliveries.for_dispatch(session, ids)
            emails = await people.emails_of(session, {row[3].author_id for row in loaded.values()})
            for delivery_id, (_, _, _, post, channel, client) in loaded.items():
                if channel.status == "needs_reauth":
                    continue
                try:
                    connector_class, outgoing = self._outgoing(
                        delivery_id, post, channel, client, emails.get(post.author_id)
                    )
                    context = self._context(channel, connector_class)
                except Exception as error:  # claiming it reports the problem, on the delivery
                    log.debug("delivery %s: not got ready (%r)", delivery_id, error)
                    continue
                ready.append((channel.id, self.state.registry.get(channel.kind), context, outgoing))
        limit = asyncio.Semaphore(self.state.settings.dispatch_concurrency)

        async def warm(
            channel_id: int, connector: Connector, context: ChannelContext, post: OutgoingPost
        ) -> None:
            destinations.connection_group.set(self._pool_of(channel_id))
            try:
                async with limit, asyncio.timeout(self.state.settings.publish_timeout):
                    await connector.warm_up(context, post)
            except Exception as error:  # publishing meets it again, and says so
                log.debug(
                    "channel %s: %s could not get ready (%r)", channel_id, connector.name, error
                )

        await asyncio.gather(*(warm(*item) for item in ready))
        return len(ready)

    # -- the connector call (no database) -----------------------------------------------------

    def _pool_of(self, channel_id: int) -> tuple[str, int]:
        """Which pool of connections a channel's calls share (`connectors.destinations.
        connection_group`): the channels are spread over pools of about `_CALLS_PER_POOL` calls
        in flight. httpcore looks through every connection of a pool for each request and each
        release, a cost that grows faster than the connections a pool holds (one pool for 200
        calls in flight costs ~20 ms of CPU per call), while every pool more makes each call a
        little slower. Measured at 20 in flight: one pool, 206 ms per 200 ms call and 1.9 ms of
        CPU; two, 207 ms and 1.65 ms; five, 208 ms and 1.4 ms; twenty, 210 ms and 1.2 ms. In a
        burst the latency tells (lateness p99 +0.3 s over a bare loop with two pools, +0.7 s
        with five) more than the CPU does."""
        pools = -(-self.state.settings.dispatch_concurrency // _CALLS_PER_POOL)
        return ("dispatch", channel_id % pools)

    async def run(self, job: Job, on_start: Callable[[Job], None] | None = None) -> Outcome:
        settings = self.state.settings
        channel_slots = self._channel_slots.setdefault(
            job.subject.channel_id,
            asyncio.Semaphore(
                settings.dispatch_concurrency
                if job.connector.in_process
                else settings.dispatch_channel_concurrency
            ),
        )
        logs.delivery_id.set(job.claim.delivery_id)
        destinations.connection_group.set(self._pool_of(job.subject.channel_id))
        async with self._slots, channel_slots:
            if on_start is not None:
                on_start(job)
            if job.claim.status == _S.UNKNOWN:
                return await self._reconcile(
                    job, job_reason=job.doubt, doubt=job.in_doubt or Doubt(self.state.clock())
                )
            return await self._publish(job)

    async def _call(
        self, job: Job, operation: str, call: Callable[[], Awaitable[T]]
    ) -> tuple[T | None, Exception | None]:
        """One connector call within `publish_timeout`, counted and timed for /metrics: its
        value, or the exception it ended with (a timeout is a TimeoutError)."""
        kind = job.connector.name
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.state.settings.publish_timeout):
                value = await call()
        except Exception as error:
            label = _failure_label(error)
            if label == "error":
                # A connector bug: the request may or may not have gone out.
                log.exception("connector %s raised an unexpected error", kind)
            metrics.connector_calls.labels(kind, operation, label).inc()
            metrics.connector_call_duration.labels(kind, operation).observe(
                time.perf_counter() - started
            )
            return None, error
        label = "published" if operation == "publish" else ("found" if value else "not_found")
        metrics.connector_calls.labels(kind, operation, label).inc()
        metrics.connector_call_duration.labels(kind, operation).observe(
            time.perf_counter() - started
        )
        return value, None

    async def _publish(self, job: Job) -> Outcome:
        doubt = Doubt(sent_at=self.state.clock())
        result, error = await self._call(
            job, "publish", lambda: job.connector.deliver(job.channel, job.outgoing)
        )
        if error is None:
            if result is not None and result.published_at is None:
                # Published when the destination answered, not when the outcome is written.
                result = replace(result, published_at=self.state.clock())
            return Outcome(_S.PUBLISHED, result=result)
        if isinstance(error, TransientError):
            return self._retry(job, error.message, error.retry_after)
        if isinstance(error, ReauthRequired):
            if isinstance(error, SettingsRequired):
                reason = f"the channel's settings need a decision: {error.message}"
            else:
                reason = f"reconnect the channel: {error.message}"
            return Outcome(_S.HELD, error=reason, reauth=True)
        if isinstance(error, PermanentError):
            return Outcome(_S.FAILED, error=error.message)
        if isinstance(error, UnknownOutcome):
            return await self._reconcile(job, job_reason=error.message, doubt=doubt)
        if isinstance(error, TimeoutError):
            timeout = self.state.settings.publish_timeout
            return await self._reconcile(
                job, job_reason=f"no answer within {timeout:.0f} s", doubt=doubt
            )
        return await self._reconcile(job, job_reason=f"connector error: {error!r}", doubt=doubt)

    async def _reconcile(self, job: Job, *, job_reason: str, doubt: Doubt) -> Outcome:
        if not job.connector.can_reconcile():
            return Outcome(
                _S.NEEDS_ATTENTION,
                error=f"it may have been published ({job_reason}); check the channel, "
                "then confirm it was published or publish it again",
            )
        found, error = await self._call(
            job, "reconcile", lambda: job.connector.reconcile(job.channel, job.outgoing)
        )
        if error is not None:
            detail = error.message if isinstance(error, ConnectorError) else repr(error)
            reason = f"it may have been published ({job_reason}) and the check failed ({detail})"
            now = self.state.clock()
            if isinstance(error, TransientError) and now < job.deadline_at:
                # Ask again later; an unknown outcome is never published blindly meanwhile.
                delay = backoff(
                    job.claim.attempts,
                    start=self.state.settings.retry_backoff_start,
                    cap=self.state.settings.retry_backoff_cap,
                )
                due = now + timedelta(seconds=max(delay, error.retry_after or 0.0))
                return Outcome(
                    _S.UNKNOWN, error=reason, due_at=min(due, job.deadline_at), doubt=doubt
                )
            return Outcome(_S.NEEDS_ATTENTION, error=reason, doubt=doubt)
        if found is not None:
            return Outcome(_S.PUBLISHED, result=found)
        return self._not_found(job, job_reason, replace(doubt, absent=doubt.absent + 1))

    def _not_found(self, job: Job, job_reason: str, doubt: Doubt) -> Outcome:
        """The destination does not have it: believed only when the request in doubt can no
        longer land (asked late enough after it was sent, and not for the first time), else
        asked again at the time it could be."""
        now = self.state.clock()
        settings = self.state.settings
        job_reason = job_reason.removeprefix(_NOT_FOUND_YET)
        settled_at = doubt.sent_at + timedelta(
            seconds=settings.publish_timeout + settings.reconcile_margin
        )
        if now >= settled_at and doubt.absent >= 2:
            return self._retry(job, f"not published ({job_reason})", None, at_once=True)
        # Past the publish deadline too: only a look-up can say whether it went out.
        due = max(settled_at, now + timedelta(seconds=settings.retry_backoff_start))
        return Outcome(_S.UNKNOWN, error=_NOT_FOUND_YET + job_reason, due_at=due, doubt=doubt)

    def _retry(
        self, job: Job, error: str, retry_after: float | None, *, at_once: bool = False
    ) -> Outcome:
        now = self.state.clock()
        settings = self.state.settings
        delay = (
            0.0
            if at_once
            else backoff(
                job.claim.attempts,
                start=settings.retry_backoff_start,
                cap=settings.retry_backoff_cap,
            )
        )
        due = now + timedelta(seconds=max(delay, retry_after or 0.0))
        if due > job.deadline_at:
            return Outcome(
                _S.FAILED,
                error=f"not published: gave up at its publish deadline "
                f"({job.deadline_at:%Y-%m-%d %H:%M} UTC) after {job.claim.attempts} "
                f"attempt(s); last error: {error}",
            )
        return Outcome(_S.RETRYING, error=error, due_at=due)

    # -- record --------------------------------------------------------------------------------

    async def record(self, done: list[tuple[Job, Outcome]]) -> set[int]:
        """Write outcomes in one transaction; returns the delivery ids whose claims still held."""
        _, _, written = await self.cycle(done, 0)
        return written

    @staticmethod
    def _observe(done: list[tuple[Job, Outcome]], written: set[int], now: datetime) -> None:
        for job, outcome in done:
            if outcome.status == _S.PUBLISHED and job.claim.delivery_id in written:
                published_at = (outcome.result and outcome.result.published_at) or now
                metrics.publish_lateness.labels(job.connector.name).observe(
                    max((published_at - job.outgoing.scheduled_at).total_seconds(), 0.0)
                )

    async def _write(
        self, session: DbSession, done: list[tuple[Subject, Outcome]], now: datetime
    ) -> set[int]:
        """Record outcomes; a channel that refused its credentials is marked for reconnection
        and what waits on it is held. Returns the delivery ids whose claims still held."""
        written = await deliveries.record(
            session,
            [to_move(subject, outcome, now) for subject, outcome in done],
            now=now,
            worker_id=self.worker_id,
        )
        for subject, outcome in done:
            if outcome.reauth and subject.claim.delivery_id in written:
                await channels.needs_reauth(session, subject.channel_id, outcome.error, now=now)
        return written

    async def tick(self) -> int:
        """Publish everything due now and wait for it; returns how many deliveries were handled.

        The long-running loop lives in `app.dispatch.runner`; this is the same work, once.
        """
        handled = 0
        batch = self.state.settings.dispatch_batch_size
        while True:
            jobs, settled = await self.claim(batch)
            handled += len(jobs) + settled
            if jobs:
                results = await asyncio.gather(*(self.run(job) for job in jobs))
                await self.record(list(zip(jobs, results, strict=True)))
            if len(jobs) + settled < batch:
                return handled
