"""What a person does about a delivery whose outcome is unknown (`needs_attention`).

Byline never publishes such a delivery again on its own: the call may have gone out. A person
checks the channel, then either confirms it was published or asks to publish it again.
"""

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.dispatch import outcomes, wakeup
from app.errors import AppError, not_found
from app.models import Client, Delivery, Post
from app.posts.states import DeliveryStatus

_S = DeliveryStatus

_WORDS = {
    _S.SCHEDULED: {"en": "scheduled", "fr": "programmé"},
    _S.PUBLISHING: {"en": "being published", "fr": "en cours de publication"},
    _S.PUBLISHED: {"en": "published", "fr": "publié"},
    _S.RETRYING: {"en": "waiting to be tried again", "fr": "en attente d'un nouvel essai"},
    _S.FAILED: {"en": "failed", "fr": "en échec"},
    _S.UNKNOWN: {"en": "being checked", "fr": "en cours de vérification"},
    _S.HELD: {"en": "held", "fr": "retenu"},
    _S.CANCELLED: {"en": "cancelled", "fr": "annulé"},
}


async def _waiting(session: AsyncSession, actor: Actor, delivery_id: int) -> tuple[Delivery, Post]:
    row = (
        await session.execute(
            select(Delivery, Post)
            .join(Post, Post.id == Delivery.post_id)
            .where(Delivery.id == delivery_id, Post.organisation_id == actor.organisation_id)
        )
    ).first()
    # Owners and managers act on the organisation's deliveries; a CM on their own posts'.
    if row is None or (not actor.is_manager and row.Post.author_id != actor.person_id):
        raise not_found("delivery", "envoi", "/api/v1/posts")
    delivery, post = row.Delivery, row.Post
    if delivery.status != _S.NEEDS_ATTENTION:
        status = _S(delivery.status)
        raise AppError("delivery_not_waiting", status_word=_WORDS.get(status, str(status)))
    return delivery, post


async def _move(
    session: AsyncSession,
    actor: Actor,
    delivery: Delivery,
    post: Post,
    new: DeliveryStatus,
    values: dict[str, object],
    now: datetime,
) -> Delivery:
    moved = await session.scalar(
        update(Delivery)
        .where(Delivery.id == delivery.id, Delivery.status == _S.NEEDS_ATTENTION)
        .values(status=new, updated_at=now, **values)
        .returning(Delivery.id),
        execution_options={"synchronize_session": False},
    )
    if moved is None:  # someone else acted first
        raise AppError("delivery_not_waiting", status_word=_WORDS[_S.PUBLISHING])
    outcomes.audit_transition(
        session,
        organisation_id=post.organisation_id,
        delivery_id=delivery.id,
        post_id=post.id,
        old=_S.NEEDS_ATTENTION,
        new=new,
        at=now,
        worker_id=None,
        actor_id=actor.person_id,
        external_url=str(values.get("external_url") or "") or None,
    )
    await outcomes.refresh_posts(session, [post.id], now)
    await session.refresh(delivery)
    return delivery


async def confirm_published(
    session: AsyncSession,
    actor: Actor,
    delivery_id: int,
    *,
    external_url: str | None,
    now: datetime,
) -> Delivery:
    """The person found the post on the channel."""
    delivery, post = await _waiting(session, actor, delivery_id)
    values: dict[str, object] = {"published_at": now, "last_error": None}
    if external_url:
        values["external_url"] = external_url
    return await _move(session, actor, delivery, post, _S.PUBLISHED, values, now)


async def publish_again(
    session: AsyncSession, actor: Actor, delivery_id: int, *, default_minutes: int, now: datetime
) -> Delivery:
    """The person checked that the post is not on the channel: send it now, with a fresh
    deadline counted from this decision."""
    delivery, post = await _waiting(session, actor, delivery_id)
    client = await session.get(Client, post.client_id)
    minutes = (client.publish_deadline_minutes if client else None) or default_minutes
    values: dict[str, object] = {
        "due_at": now,
        "deadline_at": now + timedelta(minutes=minutes),
        "last_error": None,
    }
    moved = await _move(session, actor, delivery, post, _S.SCHEDULED, values, now)
    await wakeup.announce(session, now)
    return moved
