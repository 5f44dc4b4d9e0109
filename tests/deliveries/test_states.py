"""The delivery state machine: what may follow what."""

import pytest

from app.deliveries.states import (
    TRANSITIONS,
    DeliveryStatus,
    PostStatus,
    can_transition,
    post_status,
    sources_of,
)

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
        (S.PUBLISHED, S.TAKEN_DOWN),  # taken down, or found deleted on the destination
        (S.TAKEN_DOWN, S.PUBLISHED),  # a re-sync finds it there again
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
        (S.TAKEN_DOWN, S.SCHEDULED),  # taken down is never sent again on its own
        (S.SCHEDULED, S.TAKEN_DOWN),  # only what went out can be taken down
    ],
)
def test_refused(old: S, new: S) -> None:
    assert not can_transition(old, new)


def test_every_status_is_covered_and_terminal_ones_lead_nowhere() -> None:
    assert set(TRANSITIONS) == set(S)
    assert TRANSITIONS[S.FAILED] == frozenset()
    assert TRANSITIONS[S.PUBLISHED] == {S.TAKEN_DOWN} and TRANSITIONS[S.TAKEN_DOWN] == {S.PUBLISHED}
    assert set(sources_of(S.PUBLISHING)) == {S.SCHEDULED, S.RETRYING}


def test_a_post_taken_down_everywhere_reads_removed_and_somewhere_partly_published() -> None:
    assert post_status([S.TAKEN_DOWN]) == PostStatus.TAKEN_DOWN
    assert post_status([S.TAKEN_DOWN, S.CANCELLED]) == PostStatus.TAKEN_DOWN
    assert post_status([S.PUBLISHED, S.TAKEN_DOWN]) == PostStatus.PARTIALLY_PUBLISHED
    assert post_status([S.PUBLISHED, S.CANCELLED]) == PostStatus.PUBLISHED
