"""Delivery and post statuses, and the delivery state machine."""

from collections.abc import Iterable
from enum import StrEnum


class DeliveryStatus(StrEnum):
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    RETRYING = "retrying"
    FAILED = "failed"
    UNKNOWN = "unknown"
    NEEDS_ATTENTION = "needs_attention"
    HELD = "held"
    CANCELLED = "cancelled"
    TAKEN_DOWN = "taken_down"
    """It was published, and is no longer on the destination: taken down through Byline, or
    found deleted there by a re-sync."""


class PostStatus(StrEnum):
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    PARTIALLY_PUBLISHED = "partially_published"
    FAILED = "failed"
    NEEDS_ATTENTION = "needs_attention"
    HELD = "held"
    CANCELLED = "cancelled"
    TAKEN_DOWN = "taken_down"
    """Published, then taken down (or deleted) everywhere it went out."""


# Deliveries that have not left yet: a post whose deliveries are all in these can still change.
NOT_STARTED = (DeliveryStatus.SCHEDULED, DeliveryStatus.RETRYING, DeliveryStatus.HELD)

_S = DeliveryStatus
TRANSITIONS: dict[DeliveryStatus, frozenset[DeliveryStatus]] = {
    # Claimed by a worker, held at dispatch (author can no longer sign), or cancelled by a person.
    _S.SCHEDULED: frozenset({_S.PUBLISHING, _S.HELD, _S.CANCELLED}),
    _S.RETRYING: frozenset({_S.PUBLISHING, _S.HELD, _S.CANCELLED}),
    # The connector call: its outcome, a hold, or back to scheduled when a stopping worker
    # releases a claim whose call never started.
    _S.PUBLISHING: frozenset(
        {
            _S.PUBLISHED,
            _S.RETRYING,
            _S.FAILED,
            _S.UNKNOWN,
            _S.NEEDS_ATTENTION,
            _S.HELD,
            _S.SCHEDULED,
        }
    ),
    # The call may have gone out: reconciled (found: published; not found: retry, or failed past
    # the deadline), or left to a person. Never straight back to publishing.
    _S.UNKNOWN: frozenset({_S.PUBLISHED, _S.RETRYING, _S.FAILED, _S.NEEDS_ATTENTION, _S.HELD}),
    # A person checked the channel: it is there (confirm), or it is not (publish again).
    _S.NEEDS_ATTENTION: frozenset({_S.PUBLISHED, _S.SCHEDULED, _S.CANCELLED}),
    # A held delivery waits for a person (reconnect the channel, re-attest the author).
    _S.HELD: frozenset({_S.SCHEDULED, _S.CANCELLED}),
    # Re-targeting an edited post back onto a channel it had been taken off.
    _S.CANCELLED: frozenset({_S.SCHEDULED}),
    # Taken down through Byline, or found deleted on the destination by a re-sync.
    _S.PUBLISHED: frozenset({_S.TAKEN_DOWN}),
    # A re-sync finds it there again (restored from the destination's trash).
    _S.TAKEN_DOWN: frozenset({_S.PUBLISHED}),
    _S.FAILED: frozenset(),
}


def can_transition(old: str, new: str) -> bool:
    return DeliveryStatus(new) in TRANSITIONS[DeliveryStatus(old)]


def sources_of(new: DeliveryStatus) -> tuple[DeliveryStatus, ...]:
    """The statuses a delivery may be in to move to `new`: the guard of every status write."""
    return tuple(old for old, targets in TRANSITIONS.items() if new in targets)


def post_status(delivery_statuses: Iterable[str]) -> PostStatus:
    """A post's status, from what happened to each of its deliveries."""
    statuses = {DeliveryStatus(status) for status in delivery_statuses}
    live = statuses - {DeliveryStatus.CANCELLED, DeliveryStatus.TAKEN_DOWN}
    if not live:
        return PostStatus.TAKEN_DOWN if DeliveryStatus.TAKEN_DOWN in statuses else PostStatus.CANCELLED
    if statuses & {DeliveryStatus.PUBLISHING, DeliveryStatus.UNKNOWN}:
        return PostStatus.PUBLISHING
    if DeliveryStatus.NEEDS_ATTENTION in statuses:
        return PostStatus.NEEDS_ATTENTION
    if DeliveryStatus.HELD in statuses:
        return PostStatus.HELD
    if statuses & {DeliveryStatus.SCHEDULED, DeliveryStatus.RETRYING}:
        return PostStatus.SCHEDULED
    if live == {DeliveryStatus.PUBLISHED}:
        if DeliveryStatus.TAKEN_DOWN in statuses:
            return PostStatus.PARTIALLY_PUBLISHED
        return PostStatus.PUBLISHED
    if DeliveryStatus.PUBLISHED in live:
        return PostStatus.PARTIALLY_PUBLISHED
    return PostStatus.FAILED
