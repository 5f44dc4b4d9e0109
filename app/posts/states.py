"""Delivery and post statuses."""

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


class PostStatus(StrEnum):
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    PARTIALLY_PUBLISHED = "partially_published"
    FAILED = "failed"
    NEEDS_ATTENTION = "needs_attention"
    HELD = "held"
    CANCELLED = "cancelled"


# Deliveries that have not left yet: a post whose deliveries are all in these can still change.
NOT_STARTED = (DeliveryStatus.SCHEDULED, DeliveryStatus.RETRYING, DeliveryStatus.HELD)


def post_status(delivery_statuses: Iterable[str]) -> PostStatus:
    """A post's status, from what happened to each of its deliveries."""
    statuses = {DeliveryStatus(status) for status in delivery_statuses}
    live = statuses - {DeliveryStatus.CANCELLED}
    if not live:
        return PostStatus.CANCELLED
    if statuses & {DeliveryStatus.PUBLISHING, DeliveryStatus.UNKNOWN}:
        return PostStatus.PUBLISHING
    if DeliveryStatus.NEEDS_ATTENTION in statuses:
        return PostStatus.NEEDS_ATTENTION
    if DeliveryStatus.HELD in statuses:
        return PostStatus.HELD
    if statuses & {DeliveryStatus.SCHEDULED, DeliveryStatus.RETRYING}:
        return PostStatus.SCHEDULED
    if live == {DeliveryStatus.PUBLISHED}:
        return PostStatus.PUBLISHED
    if DeliveryStatus.PUBLISHED in live:
        return PostStatus.PARTIALLY_PUBLISHED
    return PostStatus.FAILED
