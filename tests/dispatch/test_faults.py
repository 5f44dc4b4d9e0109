"""Under a storm of faults every post ends published before its deadline, or failed with its
reason, and none is ever published twice."""

import random
from datetime import timedelta

from sqlalchemy import func, select

from app.db import unit_of_work
from app.deliveries.states import DeliveryStatus
from app.models import Delivery
from tests.dispatch.conftest import EnvFactory
from tests.dispatch.helpers import deliveries, install_id, key_of, schedule

FAULTS = ["transient", "rate_limited", "hang", "timeout_after_send", "lost_before_send"]


def stormy(key: str, attempt: int) -> str | None:
    """30 % of calls fail, in every way a destination can; one post in 50 never gets through."""
    draw = random.Random(f"{key}/{attempt}")
    if int(key.rsplit("-", 1)[1]) % 50 == 0:
        return "transient"
    return draw.choice(FAULTS) if draw.random() < 0.3 else None


async def test_thirty_percent_faults_end_published_once_or_failed(
    dispatch_env: EnvFactory,
) -> None:
    env = await dispatch_env(plan=stormy, publish_timeout=0.05)
    install = await install_id(env.state)
    start = env.clock()
    due = [start + timedelta(seconds=2 * n) for n in range(300)]
    post_ids = await schedule(env.state, env.setup, due)
    waiting = (DeliveryStatus.SCHEDULED, DeliveryStatus.RETRYING, DeliveryStatus.UNKNOWN)
    for _ in range(500):
        await env.dispatcher.tick()
        async with unit_of_work(env.state.session_factory) as session:
            next_due = await session.scalar(
                select(func.min(Delivery.due_at)).where(Delivery.status.in_(waiting))
            )
        if next_due is None:
            break
        env.clock.move_to(next_due)
    found = await deliveries(env.state, post_ids)
    by_status = {d.status for d in found}
    assert by_status <= {DeliveryStatus.PUBLISHED, DeliveryStatus.FAILED}, by_status
    sent = env.calls.published()
    assert max(sent.values()) == 1  # never twice
    deadline = timedelta(hours=2)
    scheduled = dict(zip(post_ids, due, strict=True))
    for delivery in found:
        if delivery.status == DeliveryStatus.PUBLISHED:
            assert sent[key_of(delivery.id, install)] == 1
            assert delivery.published_at is not None
            assert delivery.published_at <= scheduled[delivery.post_id] + deadline
        else:
            assert key_of(delivery.id, install) not in sent
            assert "publish deadline" in (delivery.last_error or "")
            assert "(503)" in (delivery.last_error or "") or "(429)" in (delivery.last_error or "")
    failed = [d for d in found if d.status == DeliveryStatus.FAILED]
    assert 6 <= len(failed) <= 12  # the hopeless ones, and rare unlucky streaks
    assert env.calls.attempts().total() > 350  # the faults did happen
