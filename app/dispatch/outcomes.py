"""What happened to a claimed delivery, and the queue change it makes.

The dispatcher decides an `Outcome` for each claim; `app.deliveries.service.record` writes it, only
where the claim token still matches and the delivery is still in the status it was claimed in
(the lease was reaped, a person acted, another worker holds it now: nothing is written).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.deliveries.service import Claim, Move
from app.deliveries.states import DeliveryStatus
from connectors.base import PublishResult

_S = DeliveryStatus


@dataclass(frozen=True)
class Doubt:
    """An attempt whose outcome is unknown: when it was sent, how many look-ups found nothing."""

    sent_at: datetime
    absent: int = 0


@dataclass(frozen=True)
class Outcome:
    status: DeliveryStatus
    result: PublishResult | None = None
    error: str | None = None
    due_at: datetime | None = None
    """When to look again (retrying, or an unknown outcome to reconcile)."""
    reauth: bool = False
    """The channel refused its credentials: mark it and hold its other deliveries."""
    doubt: Doubt | None = None
    """Still in doubt (`unknown`, `needs_attention`): what the next look-up builds on."""


@dataclass(frozen=True)
class Subject:
    """What an outcome is about: the claim, and where its delivery belongs."""

    claim: Claim
    organisation_id: int
    post_id: int
    channel_id: int


def to_move(subject: Subject, outcome: Outcome, now: datetime) -> Move:
    values: dict[str, Any] = {
        "claim_token": None,
        "lease_expires_at": None,
        "last_error": outcome.error,
    }
    result = outcome.result
    if outcome.status == _S.PUBLISHED and result is not None:
        values |= {
            "published_at": result.published_at or now,
            "external_id": result.external_id,
            "external_url": result.external_url,
        }
    if outcome.due_at is not None:
        values["due_at"] = outcome.due_at
    if outcome.doubt is not None:
        values |= {"doubt_sent_at": outcome.doubt.sent_at, "absent_lookups": outcome.doubt.absent}
    elif subject.claim.status == _S.UNKNOWN:
        values |= {"doubt_sent_at": None, "absent_lookups": 0}
    return Move(
        subject.claim.delivery_id,
        subject.claim.status,
        outcome.status,
        values,
        token=subject.claim.token,
        error=outcome.error,
        external_url=result.external_url if result is not None else None,
    )
