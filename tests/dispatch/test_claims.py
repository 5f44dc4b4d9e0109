"""Claims, leases and the reaper: a stale claim writes nothing; a dead worker's work is found."""

import asyncio
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from app.db import unit_of_work
from app.deliveries.states import DeliveryStatus
from app.dispatch import liveness
from app.dispatch.engine import Dispatcher
from app.dispatch.outcomes import Outcome
from app.models import AuditEvent, Worker
from tests.dispatch.conftest import EnvFactory
from tests.dispatch.helpers import (
    api_post,
    deliveries,
    install_id,
    key_of,
    more_channels,
    schedule,
    until_absence_is_believed,
)


async def test_a_stale_claim_token_writes_nothing(dispatch_env: EnvFactory) -> None:
    env = await dispatch_env(lease_seconds=60)
    install = await install_id(env.state)
    [post_id] = await schedule(env.state, env.setup, [env.clock()])
    slow = Dispatcher(env.state, worker_id="slow")
    [job], _ = await slow.claim(10)
    # The slow worker's lease runs out; the reaper and another worker take over: reconciliation
    # finds nothing on the channel, twice, late enough, so the other worker publishes it.
    env.clock.advance(61)
    assert await liveness.reap(env.state.session_factory, now=env.clock()) == 1
    other = Dispatcher(env.state, worker_id="other")
    await other.tick()
    env.clock.advance(until_absence_is_believed(env.state))
    await other.tick()
    await other.tick()
    after_takeover = [
        (d.status, d.claim_token, d.last_error) for d in await deliveries(env.state, [post_id])
    ]
    # The slow worker finally comes back with its own answer: nothing of it is written.
    written = await slow.record([(job, Outcome(DeliveryStatus.FAILED, error="too late"))])
    assert written == set()
    assert [
        (d.status, d.claim_token, d.last_error) for d in await deliveries(env.state, [post_id])
    ] == after_takeover
    post = await api_post(env.http, env.setup.writer.token, post_id)
    assert post["status"] == "published"
    assert env.calls.published() == {key_of(post["deliveries"][0]["id"], install): 1}


async def test_the_reaper_turns_expired_leases_into_unknown_outcomes(
    dispatch_env: EnvFactory,
) -> None:
    env = await dispatch_env(lease_seconds=60)
    install = await install_id(env.state)
    post_ids = await schedule(env.state, env.setup, [env.clock()] * 3)
    await Dispatcher(env.state, worker_id="doomed").claim(10)
    env.clock.advance(30)
    assert await liveness.reap(env.state.session_factory, now=env.clock()) == 0
    env.clock.advance(31)
    assert await liveness.reap(env.state.session_factory, now=env.clock()) == 3
    assert await liveness.reap(env.state.session_factory, now=env.clock()) == 0  # idempotent
    assert {d.status for d in await deliveries(env.state, post_ids)} == {DeliveryStatus.UNKNOWN}
    async with unit_of_work(env.state.session_factory) as session:
        actions = (
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.subject_type == "delivery")
            )
        ).all()
    assert actions.count("delivery.publishing") == 3 and actions.count("delivery.unknown") == 3
    # Reconciled: not found, and still not found once the lost calls could no longer land, so
    # they go out then, once each.
    await Dispatcher(env.state, worker_id="heir").tick()
    assert {d.status for d in await deliveries(env.state, post_ids)} == {DeliveryStatus.UNKNOWN}
    env.clock.advance(until_absence_is_believed(env.state))
    await Dispatcher(env.state, worker_id="heir").tick()
    await Dispatcher(env.state, worker_id="heir").tick()
    found = await deliveries(env.state, post_ids)
    assert {d.status for d in found} == {DeliveryStatus.PUBLISHED}
    assert env.calls.published() == {key_of(d.id, install): 1 for d in found}


async def test_a_burst_written_channel_by_channel_is_worked_down_longest_channel_first(
    dispatch_env: EnvFactory,
) -> None:
    # Posts written one channel after another, the longest channel last. Claims of two, one per
    # channel (each channel has one free slot), spread over the channels from the first read:
    # each takes the channel with the most left, so the three finish together after four
    # claims. Taken in turn by id, two claims would go to A and B and the last two calls of C
    # would each go out alone.
    env = await dispatch_env()
    a, (b, c) = env.setup.channel_id, await more_channels(env.http, env.setup, 2)
    for channel_id, count in ((a, 2), (b, 2), (c, 4)):
        await schedule(env.state, env.setup, [env.clock()] * count, channel_id)
    dispatcher = env.dispatcher
    claims: list[list[int]] = []

    def one_per_channel() -> Callable[[int], bool]:
        taken: set[int] = set()

        def admit(channel_id: int) -> bool:
            if channel_id in taken:
                return False
            taken.add(channel_id)
            return True

        return admit

    while True:
        jobs, _ = await dispatcher.claim(2, admit=one_per_channel(), spread=True)
        if not jobs:
            break
        claims.append(sorted(job.subject.channel_id for job in jobs))
        await dispatcher.record([(job, await dispatcher.run(job)) for job in jobs])
    assert claims == [sorted(pair) for pair in ([c, a], [c, b], [c, a], [c, b])]
    assert sum(env.calls.published().values()) == 8


async def test_concurrent_claims_never_share_a_delivery(dispatch_env: EnvFactory) -> None:
    env = await dispatch_env()
    await schedule(env.state, env.setup, [env.clock()] * 60)
    workers = [Dispatcher(env.state, worker_id=f"w{n}") for n in range(4)]
    batches = await asyncio.gather(*(worker.claim(10) for worker in workers * 2))
    claimed = [job.claim.delivery_id for jobs, _ in batches for job in jobs]
    assert len(claimed) == len(set(claimed)) == 60


async def test_after_downtime_overdue_posts_go_out_once_unless_past_deadline(
    dispatch_env: EnvFactory,
) -> None:
    env = await dispatch_env()
    install = await install_id(env.state)
    start = env.clock()
    too_late, overdue, upcoming = await schedule(
        env.state,
        env.setup,
        [
            start + timedelta(minutes=1),
            start + timedelta(hours=2, minutes=30),
            start + timedelta(hours=4),
        ],
    )
    env.clock.advance(3 * 3600)  # the service was down for three hours
    assert await env.dispatcher.tick() == 2
    assert await env.dispatcher.tick() == 0
    token = env.setup.writer.token
    missed = await api_post(env.http, token, too_late)
    assert missed["status"] == "failed"
    assert "publish deadline" in missed["deliveries"][0]["last_error"]
    late = await api_post(env.http, token, overdue)
    assert late["status"] == "published"
    assert (await api_post(env.http, token, upcoming))["status"] == "scheduled"
    assert env.calls.published() == {key_of(late["deliveries"][0]["id"], install): 1}


async def test_heartbeats_keep_a_live_workers_claims(dispatch_env: EnvFactory) -> None:
    env = await dispatch_env(lease_seconds=60)
    [post_id] = await schedule(env.state, env.setup, [env.clock()])
    alive = Dispatcher(env.state, worker_id="alive")
    [job], _ = await alive.claim(10)
    lease = timedelta(seconds=60)
    env.clock.advance(50)
    beat_at = env.clock()
    await liveness.heartbeat(
        env.state.session_factory, "alive", [job.claim], now=beat_at, lease=lease
    )
    env.clock.advance(50)  # past the first lease, within the extended one
    assert await liveness.reap(env.state.session_factory, now=env.clock()) == 0
    async with unit_of_work(env.state.session_factory) as session:
        worker = await session.get(Worker, "alive")
        assert worker is not None and worker.heartbeat_at == beat_at and worker.in_flight == 1
    env.clock.advance(11)  # the heartbeats stopped: the worker is gone
    assert await liveness.reap(env.state.session_factory, now=env.clock()) == 1
    [delivery] = await deliveries(env.state, [post_id])
    assert delivery.status == DeliveryStatus.UNKNOWN
