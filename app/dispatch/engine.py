"""Publishing claimed deliveries and recording what happened.

Rules this module keeps:
* The signing rules are checked again right before sending; a post whose author can no longer
  sign is `held` with the reason, never sent.
* The connector call runs outside any transaction, bounded by `publish_timeout`.
* An outcome is written only where the claim token still matches: a worker whose lease was taken
  over writes nothing.
* A call that may have gone out is never retried blindly: it is reconciled when the connector
  can look it up, otherwise it waits for a person (`needs_attention`).
"""

import asyncio
import logging
import os
import random
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update

from app.audit import service as audit
from app.channels import service as channels
from app.clients import service as clients
from app.db import unit_of_work
from app.dispatch.claims import Claim, claim_due
from app.errors import AppError
from app.identity.signing import ensure_can_sign
from app.models import Channel, Delivery
from app.posts import repository as post_repository
from app.posts import service as posts
from app.posts.states import DeliveryStatus
from app.state import AppState
from connectors.base import (
    ChannelContext,
    Connector,
    ConnectorError,
    OutgoingPost,
    PermanentError,
    PublishResult,
    ReauthRequired,
    TransientError,
    UnknownOutcome,
)

log = logging.getLogger("byline.dispatch")

BACKOFF_START = 20.0
BACKOFF_CAP = 15 * 60.0
PUBLISH_DEADLINE = timedelta(hours=2)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class Outcome:
    status: DeliveryStatus
    result: PublishResult | None = None
    error: str | None = None
    retry_in: float | None = None
    reauth: bool = False


@dataclass(frozen=True)
class Job:
    """Everything one delivery needs, read in a short transaction before the connector call."""

    claim: Claim
    organisation_id: int
    post_id: int
    connector: Connector
    channel: ChannelContext
    outgoing: OutgoingPost
    scheduled_at: datetime


def backoff(attempt: int, retry_after: float | None) -> float:
    delay = min(BACKOFF_START * 2 ** max(attempt - 1, 0), BACKOFF_CAP)
    delay *= random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security
    return max(delay, retry_after or 0.0)


class Dispatcher:
    def __init__(self, state: AppState, worker_id: str | None = None) -> None:
        self.state = state
        self.worker_id = worker_id or default_worker_id()
        self._limit = asyncio.Semaphore(state.settings.dispatch_concurrency)

    async def tick(self) -> int:
        """Publish everything due now; returns how many deliveries were handled."""
        handled = 0
        batch = self.state.settings.dispatch_batch_size
        while True:
            claims = await claim_due(
                self.state.engine,
                worker_id=self.worker_id,
                now=self.state.clock(),
                limit=batch,
                lease=timedelta(seconds=self.state.settings.lease_seconds),
            )
            if not claims:
                return handled
            await asyncio.gather(*(self._handle(claim) for claim in claims))
            handled += len(claims)
            if len(claims) < batch:
                return handled

    async def _handle(self, claim: Claim) -> None:
        async with self._limit:
            try:
                job = await self._prepare(claim)
            except AppError as refusal:
                await self._record_hold(claim, f"{refusal.code}: {refusal.message('en')}")
                return
            if job is None:
                return
            outcome = await self._publish(job)
            await self._record(job, outcome)

    async def _prepare(self, claim: Claim) -> Job | None:
        async with unit_of_work(self.state.session_factory) as session:
            delivery = await session.get(Delivery, claim.delivery_id)
            if delivery is None or delivery.claim_token != claim.token:
                return None
            post = await post_repository.get(session, delivery.post_id)
            channel = await session.get(Channel, delivery.channel_id)
            assert post is not None and channel is not None
            client = await clients.get_for_organisation(
                session, post.organisation_id, post.client_id
            )
            # Rules 1-3, again, with what is true now.
            await ensure_can_sign(
                session,
                organisation_id=post.organisation_id,
                person_id=post.author_id,
                client=client,
            )
            posts.verify_signature(post)
            connector_class = self.state.registry.get_class(channel.kind)
            if connector_class is None:
                raise AppError(
                    "unknown_channel_kind",
                    kind=channel.kind,
                    kinds=", ".join(self.state.registry.kinds()),
                )
            outgoing = posts.render_for_channel(
                post,
                client,
                posts.stored_signature(post, client, self.state.settings.base_url),
                channel.kind,
                connector_class.capabilities,
                idempotency_key=f"byline-delivery-{delivery.id}",
            )
            return Job(
                claim=claim,
                organisation_id=post.organisation_id,
                post_id=post.id,
                connector=self.state.registry.get(channel.kind),
                channel=channels.context_for(channel, connector_class, self.state.fernet),
                outgoing=outgoing,
                scheduled_at=post.scheduled_at,
            )

    async def _publish(self, job: Job) -> Outcome:
        try:
            async with asyncio.timeout(self.state.settings.publish_timeout):
                result = await job.connector.deliver(job.channel, job.outgoing)
        except TransientError as error:
            return Outcome(
                DeliveryStatus.RETRYING, error=error.message, retry_in=error.retry_after or 0.0
            )
        except ReauthRequired as error:
            return Outcome(
                DeliveryStatus.HELD, error=f"reconnect the channel: {error.message}", reauth=True
            )
        except PermanentError as error:
            return Outcome(DeliveryStatus.FAILED, error=error.message)
        except UnknownOutcome as error:
            return await self._reconcile(job, error.message)
        except TimeoutError:
            return await self._reconcile(
                job, f"no answer within {self.state.settings.publish_timeout:.0f} s"
            )
        except Exception as error:
            # A connector bug: the request may or may not have gone out.
            log.exception("connector %s raised an unexpected error", job.connector.name)
            return await self._reconcile(job, f"connector error: {error!r}")
        return Outcome(DeliveryStatus.PUBLISHED, result=result)

    async def _reconcile(self, job: Job, reason: str) -> Outcome:
        if not job.connector.can_reconcile():
            return Outcome(
                DeliveryStatus.NEEDS_ATTENTION,
                error=f"it may have been published ({reason}); check the channel, then confirm or publish again",
            )
        try:
            async with asyncio.timeout(self.state.settings.publish_timeout):
                found = await job.connector.reconcile(job.channel, job.outgoing)
        except Exception as error:
            detail = error.message if isinstance(error, ConnectorError) else repr(error)
            return Outcome(
                DeliveryStatus.NEEDS_ATTENTION,
                error=f"it may have been published ({reason}) and the check failed ({detail})",
            )
        if found is not None:
            return Outcome(DeliveryStatus.PUBLISHED, result=found)
        return Outcome(DeliveryStatus.RETRYING, error=f"not published ({reason})", retry_in=0.0)

    async def _record(self, job: Job, outcome: Outcome) -> None:
        now = self.state.clock()
        values: dict[str, object] = {
            "claim_token": None,
            "lease_expires_at": None,
            "updated_at": now,
        }
        status = outcome.status
        if status == DeliveryStatus.PUBLISHED and outcome.result is not None:
            values |= {
                "published_at": outcome.result.published_at or now,
                "external_id": outcome.result.external_id,
                "external_url": outcome.result.external_url,
                "last_error": None,
            }
        elif status == DeliveryStatus.RETRYING:
            async with unit_of_work(self.state.session_factory) as session:
                delivery = await session.get(Delivery, job.claim.delivery_id)
                attempts = delivery.attempts if delivery else 1
            due = now + timedelta(seconds=backoff(attempts, outcome.retry_in))
            if due > job.scheduled_at + PUBLISH_DEADLINE:
                status = DeliveryStatus.FAILED
                values["last_error"] = f"gave up after {attempts} attempts: {outcome.error}"
            else:
                values |= {"due_at": due, "last_error": outcome.error}
        else:
            values["last_error"] = outcome.error
        values["status"] = status
        async with unit_of_work(self.state.session_factory) as session:
            written = await session.execute(
                update(Delivery)
                .where(
                    Delivery.id == job.claim.delivery_id,
                    Delivery.claim_token == job.claim.token,
                    Delivery.status == DeliveryStatus.PUBLISHING,
                )
                .values(**values)
            )
            if not written.rowcount:  # type: ignore[attr-defined]
                log.warning(
                    "delivery %s: claim lost before recording %s", job.claim.delivery_id, status
                )
                return
            if outcome.reauth:
                await session.execute(
                    update(Channel)
                    .where(Channel.id == job.channel.channel_id)
                    .values(status="needs_reauth")
                )
            await post_repository.refresh_status(session, job.post_id, now)
            audit.record(
                session,
                organisation_id=job.organisation_id,
                actor_id=None,
                action=f"delivery.{status}",
                subject_type="delivery",
                subject_id=job.claim.delivery_id,
                at=now,
                data={
                    "post_id": job.post_id,
                    "error": values.get("last_error"),
                    "external_url": values.get("external_url"),
                },
            )

    async def _record_hold(self, claim: Claim, reason: str) -> None:
        now = self.state.clock()
        async with unit_of_work(self.state.session_factory) as session:
            delivery = await session.get(Delivery, claim.delivery_id)
            if delivery is None or delivery.claim_token != claim.token:
                return
            delivery.status = DeliveryStatus.HELD
            delivery.last_error = reason
            delivery.claim_token = None
            delivery.lease_expires_at = None
            delivery.updated_at = now
            post = await post_repository.get(session, delivery.post_id)
            await session.flush()
            await post_repository.refresh_status(session, delivery.post_id, now)
            audit.record(
                session,
                organisation_id=post.organisation_id if post else None,
                actor_id=None,
                action="delivery.held",
                subject_type="delivery",
                subject_id=delivery.id,
                at=now,
                data={"post_id": delivery.post_id, "reason": reason},
            )
