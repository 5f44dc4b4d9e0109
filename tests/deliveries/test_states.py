"""The delivery state machine: what may follow what."""

import pytest

from app.deliveries.states import TRANSITIONS, DeliveryStatus, can_transition, sources_of

S = DeliveryStatus


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (S.SCHEDULED, S.PUBLISHING),
        (S.PUBLISHING, S.PUBLISHED),
        (S.PUBLISHING, S.UNKNOWN),
        (S.UNKNOWN, S.PUBLISHED),
        (S.UNKNOWN, S.RETRYING),
        (S.RETRYING, S.PUBLISHING),
        (S.NEEDS_ATTENTION, S.PUBLISHED),
        (S.NEEDS_ATTENTION, S.SCHEDULED),
        (S.PUBLISHING, S.SCHEDULED),  # a stopping worker gives back what never started
    ],
)
def test_allowed(old: S, new: S) -> None:
    assert can_transition(old, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (S.UNKNOWN, S.PUBLISHING),  # an unknown outcome is never published blindly
        (S.NEEDS_ATTENTION, S.PUBLISHING),  # nor one waiting for a person
        (S.PUBLISHED, S.SCHEDULED),
        (S.FAILED, S.PUBLISHING),
        (S.SCHEDULED, S.PUBLISHED),  # nothing is published without being claimed
        (S.CANCELLED, S.PUBLISHING),
    ],
)
def test_refused(old: S, new: S) -> None:
    assert not can_transition(old, new)


def test_every_status_is_covered_and_terminal_ones_lead_nowhere() -> None:
    assert set(TRANSITIONS) == set(S)
    assert TRANSITIONS[S.PUBLISHED] == TRANSITIONS[S.FAILED] == frozenset()
    assert set(sources_of(S.PUBLISHING)) == {S.SCHEDULED, S.RETRYING}
