"""A delivery after it went out: the edits its destination still owes, taking it down there,
and what a re-sync found. The connector calls themselves are `app.aftercare`'s; this module
writes what they did (status changes through `service.transition`, like every other)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.audit import service as audit
from app.deliveries import repository
from app.deliveries.service import STATUS_WORDS, Move, transition
from app.deliveries.states import NOT_STARTED, DeliveryStatus
from app.errors import AppError, not_found
from app.models import Delivery, Post

_S = DeliveryStatus
SETTLED = (_S.PUBLISHED, _S.FAILED, _S.TAKEN_DOWN)
"""Deliveries that are done: with those not started, a post in these can still be edited."""
NOT_SENT_YET = "the edit has not reached this channel yet"


async def lock_for_edit(session: AsyncSession, post_id: int, *, now: datetime) -> bool:
    """Lock a post's deliveries for an edit after publishing; True when none is in flight
    (each is not started yet, or done), so that an edit meets no call on its way."""
    touched, total = await repository.touch(session, post_id, (*NOT_STARTED, *SETTLED), now)
    return total > 0 and touched == total


async def owe_revision(
    session: AsyncSession, delivery_ids: Sequence[int], *, now: datetime
) -> None:
    """These published deliveries' channels must get the edited post: owed until one goes
    through (so that an edit is not lost if the call fails or the process stops)."""
    await repository.write(
        session,
        [(d, {"revision_error": NOT_SENT_YET, "updated_at": now}) for d in delivery_ids],
    )


async def of_actor(session: AsyncSession, actor: Actor, delivery_id: int) -> tuple[Delivery, Post]:
    """A delivery the actor may act on after publishing: the post's author, an owner or a
    manager (as for cancelling the post)."""
    found = await repository.get_with_post(session, actor.organisation_id, delivery_id)
    if found is None or (not actor.is_manager and found[1].author_id != actor.person_id):
        raise not_found("delivery", "envoi", "/api/v1/posts")
    return found


def require_status(delivery: Delivery, *allowed: DeliveryStatus) -> None:
    if delivery.status not in allowed:
        status = _S(delivery.status)
        raise AppError("delivery_not_published", status_word=STATUS_WORDS.get(status, str(status)))


def _event(
    delivery: Delivery, post: Post, action: str, actor_id: int | None, now: datetime, **data: Any
) -> dict[str, Any]:
    return {
        "organisation_id": post.organisation_id,
        "actor_id": actor_id,
        "action": action,
        "subject_type": "delivery",
        "subject_id": delivery.id,
        "created_at": now,
        "data": {"post_id": post.id, "channel_id": delivery.channel_id, **data},
    }


async def revised(
    session: AsyncSession,
    delivery: Delivery,
    post: Post,
    *,
    external_url: str | None,
    actor_id: int | None,
    now: datetime,
) -> None:
    """The channel now shows the edited post."""
    values: dict[str, Any] = {"revised_at": now, "revision_error": None, "updated_at": now}
    if external_url:
        values["external_url"] = external_url
    await repository.write(session, [(delivery.id, values)])
    await audit.record_many(
        session,
        [
            _event(
                delivery,
                post,
                "delivery.revised",
                actor_id,
                now,
                content_hash=post.content_hash,
                external_url=external_url or delivery.external_url,
            )
        ],
    )


async def revision_failed(
    session: AsyncSession,
    delivery: Delivery,
    post: Post,
    reason: str,
    *,
    actor_id: int | None,
    now: datetime,
) -> None:
    """The channel did not take the edit: owed still, with why."""
    await repository.write(session, [(delivery.id, {"revision_error": reason, "updated_at": now})])
    await audit.record_many(
        session,
        [_event(delivery, post, "delivery.revision_failed", actor_id, now, error=reason)],
    )


async def taken_down(
    session: AsyncSession,
    delivery: Delivery,
    *,
    reason: str,
    actor_id: int | None,
    now: datetime,
) -> bool:
    """The post is no longer on the channel (taken down through Byline, or deleted there):
    its address is no longer offered as live (the audit keeps it). False if it was not
    published any more."""
    moved = await transition(
        session,
        [
            Move(
                delivery.id,
                _S.PUBLISHED,
                _S.TAKEN_DOWN,
                {
                    "taken_down_at": now,
                    "external_url": None,
                    "last_error": reason,
                    "revision_error": None,
                },
                error=reason,
                external_url=delivery.external_url,
            )
        ],
        now=now,
        actor_id=actor_id,
    )
    return bool(moved)


async def found_again(
    session: AsyncSession,
    delivery: Delivery,
    post: Post,
    *,
    external_url: str | None,
    actor_id: int | None,
    now: datetime,
) -> None:
    """A re-sync found the post on its channel: its address refreshed, and a delivery shown
    as taken down is published again (restored on the channel)."""
    if delivery.status == _S.TAKEN_DOWN:
        await transition(
            session,
            [
                Move(
                    delivery.id,
                    _S.TAKEN_DOWN,
                    _S.PUBLISHED,
                    {"taken_down_at": None, "external_url": external_url, "last_error": None},
                    external_url=external_url,
                )
            ],
            now=now,
            actor_id=actor_id,
        )
        return
    await repository.write(session, [(delivery.id, {"external_url": external_url})])
    await audit.record_many(
        session,
        [_event(delivery, post, "delivery.resynced", actor_id, now, external_url=external_url)],
    )
