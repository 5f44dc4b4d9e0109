"""After publishing: an edited post sent to the channels it went out on, a post taken down from
a channel, and a re-sync that asks a channel what it still shows.

Each operation reads what it needs in one short transaction, calls the connector outside any
transaction (bounded by `publish_timeout`, as the dispatcher's calls are), and records what
happened in another: the delivery's fields (`app.deliveries.published`) and the audit trail. An
edit is owed to a channel from the moment it is saved (`revision_error`), so one that fails, or
that a stopped process never sent, shows on the delivery and can be sent again.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from app.accounts.actor import Actor
from app.aftercare.schemas import ChannelRevision
from app.channels import service as channels
from app.clients import service as clients
from app.db import unit_of_work
from app.deliveries import published
from app.deliveries import service as deliveries
from app.deliveries.states import DeliveryStatus
from app.errors import AppError
from app.models import Channel, Delivery, Post
from app.posts import signature as signatures
from app.signing.service import ensure_can_sign
from app.state import AppState
from connectors.base import ChannelContext, Connector, ConnectorError, OutgoingPost

log = logging.getLogger("byline.aftercare")

_S = DeliveryStatus
T = TypeVar("T")


@dataclass(frozen=True)
class _Target:
    """A published delivery, and what its connector needs to act on it."""

    delivery: Delivery
    post: Post
    channel: Channel
    connector: Connector
    context: ChannelContext
    outgoing: OutgoingPost | None = None


class _Failed(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


async def _call(state: AppState, call: Callable[[], Awaitable[T]]) -> T:
    """One connector call within `publish_timeout`; raises `_Failed` with what to show."""
    limit = state.settings.publish_timeout
    try:
        async with asyncio.timeout(limit):
            return await call()
    except ConnectorError as error:
        raise _Failed(error.message) from None
    except TimeoutError:
        raise _Failed(f"no answer within {limit:.0f} s") from None
    except Exception as error:
        log.exception("a connector raised an unexpected error after publishing")
        raise _Failed(f"connector error: {error!r}") from None


async def _target(
    state: AppState,
    actor: Actor,
    delivery_id: int,
    *allowed: DeliveryStatus,
    render: bool = False,
) -> _Target:
    async with unit_of_work(state.session_factory) as session:
        delivery, post = await published.of_actor(session, actor, delivery_id)
        published.require_status(delivery, *allowed)
        channel = await channels.get(session, actor, delivery.channel_id)
        connector_class = channels.connector_class(state.registry, channel.kind, field=None)
        outgoing = None
        if render:
            client = await clients.get(session, actor, post.client_id)
            # Signed by its author, who must still be able to sign, with the content signed.
            await ensure_can_sign(
                session,
                organisation_id=post.organisation_id,
                person_id=post.author_id,
                client=client,
                at=state.clock(),
            )
            signatures.verify_signature(post)
            markers = await deliveries.markers(session, now=state.clock())
            outgoing = signatures.render_for_channel(
                post,
                client,
                signatures.stored_signature(post, client, state.settings.base_url),
                channel.kind,
                connector_class.capabilities,
                idempotency_key=markers.key(delivery.id),
            )
        return _Target(
            delivery,
            post,
            channel,
            state.registry.get(channel.kind),
            channels.context_for(channel, connector_class, state.fernet),
            outgoing,
        )


# -- edits -----------------------------------------------------------------------------------


async def revise_all(state: AppState, actor: Actor, post_id: int) -> list[ChannelRevision]:
    """Send an edited post to each channel it is published on that can change it; say, for
    each, what happened."""
    async with unit_of_work(state.session_factory) as session:
        current = (await deliveries.of_posts(session, [post_id]))[post_id]
        sent = [d for d in current if d.status == _S.PUBLISHED]
        kinds = {
            c.id: c.kind
            for c in (await channels.get_many(session, [d.channel_id for d in sent])).values()
        }
    results = []
    for delivery in sent:
        connector_class = state.registry.get_class(kinds[delivery.channel_id])
        if connector_class is None or not connector_class.can_update():
            results.append(
                ChannelRevision(
                    delivery_id=delivery.id,
                    channel_id=delivery.channel_id,
                    outcome="not_supported",
                    detail="this channel cannot change a post once published: edit it there",
                )
            )
        elif delivery.revision_error is not None:
            results.append(await _revise(state, actor, delivery.id))
    return results


async def revise(state: AppState, actor: Actor, delivery_id: int) -> ChannelRevision:
    """Send the post as it is now to one channel that still owes the edit (a retry)."""
    async with unit_of_work(state.session_factory) as session:
        delivery, post = await published.of_actor(session, actor, delivery_id)
        published.require_status(delivery, _S.PUBLISHED)
        channel = await channels.get(session, actor, delivery.channel_id)
        connector_class = channels.connector_class(state.registry, channel.kind, field=None)
        if not connector_class.can_update():
            raise AppError("channel_cannot_update", channel=channel.name)
        if delivery.revision_error is None:
            raise AppError("no_revision_owed", id=post.id)
    return await _revise(state, actor, delivery_id)


async def _revise(state: AppState, actor: Actor, delivery_id: int) -> ChannelRevision:
    try:
        target = await _target(state, actor, delivery_id, _S.PUBLISHED, render=True)
    except AppError as refusal:
        # The author can no longer sign (or the content no longer matches its signature):
        # nothing is sent, and the edit stays owed with why.
        reason = f"{refusal.code}: {refusal.message('en')}"
        async with unit_of_work(state.session_factory) as session:
            delivery, post = await published.of_actor(session, actor, delivery_id)
            await published.revision_failed(
                session, delivery, post, reason, actor_id=actor.person_id, now=state.clock()
            )
        return ChannelRevision(
            delivery_id=delivery_id,
            channel_id=delivery.channel_id,
            outcome="failed",
            detail=reason,
        )
    assert target.outgoing is not None and target.delivery.external_id is not None
    outgoing, external_id = target.outgoing, target.delivery.external_id
    try:
        result = await _call(
            state, lambda: target.connector.update(target.context, external_id, outgoing)
        )
    except _Failed as failure:
        async with unit_of_work(state.session_factory) as session:
            await published.revision_failed(
                session,
                target.delivery,
                target.post,
                failure.detail,
                actor_id=actor.person_id,
                now=state.clock(),
            )
        return ChannelRevision(
            delivery_id=delivery_id,
            channel_id=target.channel.id,
            outcome="failed",
            detail=failure.detail,
        )
    async with unit_of_work(state.session_factory) as session:
        await published.revised(
            session,
            target.delivery,
            target.post,
            external_url=result.external_url,
            actor_id=actor.person_id,
            now=state.clock(),
        )
    return ChannelRevision(
        delivery_id=delivery_id,
        channel_id=target.channel.id,
        outcome="updated",
        detail=f"updated on {target.channel.name}",
    )


# -- taking down, and re-syncing --------------------------------------------------------------


async def remove(state: AppState, actor: Actor, delivery_id: int) -> None:
    """Take the post down from the delivery's channel (trash, delete or unpublish, as the
    channel does); the delivery then shows `taken_down`."""
    target = await _target(state, actor, delivery_id, _S.PUBLISHED)
    if not target.connector.can_remove():
        raise AppError("channel_cannot_remove", channel=target.channel.name)
    external_id = target.delivery.external_id
    if external_id is not None:
        try:
            await _call(state, lambda: target.connector.remove(target.context, external_id))
        except _Failed as failure:
            raise AppError(
                "channel_call_failed", channel=target.channel.name, detail=failure.detail
            ) from None
    async with unit_of_work(state.session_factory) as session:
        await published.taken_down(
            session,
            target.delivery,
            reason=f"removed from {target.channel.name} through Byline",
            actor_id=actor.person_id,
            now=state.clock(),
        )


async def resync(state: AppState, actor: Actor, delivery_id: int) -> None:
    """Ask the channel whether the post is still there: deleted there, the delivery shows
    `taken_down` (its address no longer offered as live); still there, its address is refreshed."""
    target = await _target(state, actor, delivery_id, _S.PUBLISHED, _S.TAKEN_DOWN)
    if not target.connector.can_lookup():
        raise AppError("channel_cannot_resync", channel=target.channel.name)
    external_id = target.delivery.external_id
    found = None
    if external_id is not None:
        try:
            found = await _call(state, lambda: target.connector.lookup(target.context, external_id))
        except _Failed as failure:
            raise AppError(
                "channel_call_failed", channel=target.channel.name, detail=failure.detail
            ) from None
    now = state.clock()
    async with unit_of_work(state.session_factory) as session:
        if found is not None:
            await published.found_again(
                session,
                target.delivery,
                target.post,
                external_url=found.external_url,
                actor_id=actor.person_id,
                now=now,
            )
        elif target.delivery.status == _S.PUBLISHED:
            await published.taken_down(
                session,
                target.delivery,
                reason=f"no longer on {target.channel.name}: deleted there (found by a re-sync)",
                actor_id=actor.person_id,
                now=now,
            )
