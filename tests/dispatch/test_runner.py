"""The long-running loop: it wakes when a sooner post is scheduled, and stops cleanly."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.deliveries.states import DeliveryStatus
from app.dispatch import runner
from app.dispatch.engine import Dispatcher
from app.dispatch.runner import DispatchRunner
from app.kit.time import utc_now
from tests.conftest import ON_POSTGRES, AppFactory
from tests.dispatch.conftest import Env, EnvFactory
from tests.dispatch.helpers import (
    api_post,
    deliveries,
    install_id,
    key_of,
    more_channels,
    schedule,
    status_counts,
)
from tests.factories import bearer, ok


async def _eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Poll until `check` holds; the bound only ends a broken run."""
    for _ in range(300):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not reached")


async def _post_now(env: Env, http: httpx.AsyncClient) -> int:
    created = await ok(
        await http.post(
            "/api/v1/posts",
            headers=bearer(env.setup.writer.token),
            json={
                "client_id": env.setup.writer.client_id,
                "channel_ids": [env.setup.channel_id],
                "body": "Ouverture exceptionnelle ce dimanche.",
            },
        ),
        201,
    )
    return int(created["id"])


async def test_a_post_for_now_wakes_the_sleeping_dispatcher(dispatch_env: EnvFactory) -> None:
    # The loop would otherwise look only once an hour: the new post wakes it.
    env = await dispatch_env(real_clock=True, dispatcher=True, dispatch_interval=3600)
    await asyncio.sleep(0.2)  # the loop is asleep now
    post_id = await _post_now(env, env.http)

    async def published() -> bool:
        return (await api_post(env.http, env.setup.writer.token, post_id))["status"] == "published"

    await _eventually(published)


async def test_posts_for_tomorrow_do_not_keep_the_dispatcher_looking(
    dispatch_env: EnvFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Four clients creating posts due tomorrow: the loop has nothing to look for, and looks only
    # when its interval runs out, however busy the API is (it once looked again after nearly
    # every post).
    interval = 0.1
    env = await dispatch_env(real_clock=True, dispatcher=True, dispatch_interval=interval)
    looks = 0
    next_due_at = runner.deliveries.next_due_at

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal looks
        looks += 1
        return await next_due_at(*args, **kwargs)

    monkeypatch.setattr(runner.deliveries, "next_due_at", counted)
    tomorrow = (utc_now() + timedelta(days=1)).isoformat()
    writer = env.setup.writer

    async def client(first: int) -> None:
        for n in range(first, first + 50):
            await ok(
                await env.http.post(
                    "/api/v1/posts",
                    headers=bearer(writer.token),
                    json={
                        "client_id": writer.client_id,
                        "channel_ids": [env.setup.channel_id],
                        "body": f"Galette n° {n} en boutique demain.",
                        "scheduled_at": tomorrow,
                    },
                ),
                201,
            )

    started = time.monotonic()
    await asyncio.gather(*(client(first) for first in (0, 50, 100, 150)))
    intervals = (time.monotonic() - started) / interval
    assert looks <= intervals + 2, f"{looks} looks in {intervals:.0f} intervals"


async def test_connectors_get_ready_once_per_channel_and_author_before_posts_fall_due(
    dispatch_env: EnvFactory,
) -> None:
    # A WordPress channel finds its author's user this way: at the instant, the posts only go out.
    env = await dispatch_env(real_clock=True, dispatcher=True, dispatch_interval=0.2)
    due = env.state.clock() + timedelta(seconds=runner.WARM_UP / 2)
    post_ids = await schedule(env.state, env.setup, [due] * 3)
    install = await install_id(env.state)
    keys = [key_of(delivery.id, install) for delivery in await deliveries(env.state, post_ids)]

    async def got_ready() -> bool:
        return any(kind == "ready" for kind, _, _ in env.calls.lines())

    await _eventually(got_ready)
    assert env.state.clock() < due
    assert [(kind, key) for kind, key, _ in env.calls.lines()] == [("ready", keys[0])]
    # Nothing claimed ahead of its time.
    assert {d.status for d in await deliveries(env.state, post_ids)} == {DeliveryStatus.SCHEDULED}

    async def all_out() -> bool:
        # Recorded, not only sent: the outcome is written after the call returns.
        found = await deliveries(env.state, post_ids)
        return all(d.status == DeliveryStatus.PUBLISHED for d in found)

    await _eventually(all_out)
    assert sum(env.calls.published().values()) == 3
    kinds = [kind for kind, _, _ in env.calls.lines()]
    assert kinds.count("ready") == 1 and kinds[0] == "ready"
    published = await deliveries(env.state, post_ids)
    assert all(d.published_at is not None and d.published_at >= due for d in published)


async def test_a_connector_that_cannot_get_ready_still_publishes_on_time(
    dispatch_env: EnvFactory,
) -> None:
    env = await dispatch_env(
        real_clock=True,
        dispatcher=True,
        dispatch_interval=0.2,
        plan=lambda key, attempt: "unready" if attempt == 0 else None,
    )
    due = env.state.clock() + timedelta(seconds=runner.WARM_UP / 2)
    post_ids = await schedule(env.state, env.setup, [due, due])

    async def all_out() -> bool:
        found = await deliveries(env.state, post_ids)
        return all(d.status == DeliveryStatus.PUBLISHED for d in found)

    await _eventually(all_out)
    assert env.calls.lines()[0][0] == "ready"
    assert sum(env.calls.published().values()) == 2


@pytest.mark.skipif(not ON_POSTGRES, reason="LISTEN/NOTIFY: PostgreSQL only")
async def test_an_api_process_wakes_workers_through_notify(
    dispatch_env: EnvFactory, make_app: AppFactory
) -> None:
    # Two apps, two engines: the worker's loop hears of the post only through NOTIFY.
    worker = await dispatch_env(real_clock=True, dispatcher=True, dispatch_interval=3600)
    api_app = await make_app(connectors=worker.app.state.byline.registry._classes)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api_app), base_url="http://testserver"
    ) as api:
        await asyncio.sleep(0.2)
        post_id = await _post_now(worker, api)

        async def published() -> bool:
            post = await api_post(api, worker.setup.writer.token, post_id)
            return post["status"] == "published"

        await _eventually(published)


async def test_stopping_finishes_calls_in_flight_and_gives_back_the_rest(
    dispatch_env: EnvFactory,
) -> None:
    env = await dispatch_env(
        real_clock=True, latency=0.5, dispatch_concurrency=6, dispatch_channel_concurrency=2
    )
    install = await install_id(env.state)
    post_ids = await schedule(env.state, env.setup, [env.state.clock()] * 10)
    runner = DispatchRunner(env.state)
    await runner.start()

    async def two_sent() -> bool:
        return len(env.calls.published()) == 2

    await _eventually(two_sent)
    await runner.stop(grace=5)
    found = await deliveries(env.state, post_ids)
    published = [d for d in found if d.status == DeliveryStatus.PUBLISHED]
    # The two calls in flight finished; the four claimed but never started went back.
    assert len(published) == 2
    assert {key_of(d.id, install) for d in published} == set(env.calls.published())
    assert await status_counts(env.state) == {"cancelled": 1, "published": 2, "scheduled": 8}
    assert all(d.attempts == 0 for d in found if d.status == DeliveryStatus.SCHEDULED)


async def test_a_call_cut_short_by_stopping_is_reconciled_not_resent(
    dispatch_env: EnvFactory,
) -> None:
    env = await dispatch_env(real_clock=True, latency=30)
    [post_id] = await schedule(env.state, env.setup, [env.state.clock()])
    runner = DispatchRunner(env.state)
    await runner.start()

    async def sent() -> bool:
        return len(env.calls.published()) == 1

    await _eventually(sent)
    await runner.stop(grace=0.1)
    [delivery] = await deliveries(env.state, [post_id])
    assert delivery.status == DeliveryStatus.UNKNOWN
    type(env.state.registry.get("recording")).latency = 0.0
    restarted = DispatchRunner(env.state)
    await restarted.start()

    async def published() -> bool:
        return (await api_post(env.http, env.setup.writer.token, post_id))["status"] == "published"

    await _eventually(published)
    await restarted.stop()
    assert sum(env.calls.published().values()) == 1


async def test_overdue_posts_go_out_when_the_service_starts(dispatch_env: EnvFactory) -> None:
    env = await dispatch_env(real_clock=True)
    install = await install_id(env.state)
    now = env.state.clock()
    post_ids = await schedule(
        env.state, env.setup, [now - timedelta(minutes=30), now - timedelta(hours=3)]
    )
    runner = DispatchRunner(env.state)
    await runner.start()

    async def settled() -> bool:
        counts = await status_counts(env.state)
        return counts.get("published") == 1 and counts.get("failed") == 1

    await _eventually(settled)
    await runner.stop()
    recent, stale = await deliveries(env.state, post_ids)
    assert recent.status == DeliveryStatus.PUBLISHED
    assert stale.status == DeliveryStatus.FAILED and "deadline" in (stale.last_error or "")
    assert env.calls.published() == {key_of(recent.id, install): 1}


async def test_the_built_in_blog_is_not_held_to_the_per_channel_limit(
    dispatch_env: EnvFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A remote destination gets at most 2 calls at once here; a connector that publishes into
    # Byline itself (the built-in blog) gets every free slot: six posts go out in one wave.
    env = await dispatch_env(
        real_clock=True, latency=1.0, dispatch_concurrency=6, dispatch_channel_concurrency=2
    )
    monkeypatch.setattr(type(env.state.registry.get("recording")), "in_process", True)
    post_ids = await schedule(env.state, env.setup, [env.state.clock()] * 6)
    runner = DispatchRunner(env.state)
    started = asyncio.get_running_loop().time()
    await runner.start()

    async def all_sent() -> bool:
        return len(env.calls.published()) == 6

    await _eventually(all_sent)
    assert asyncio.get_running_loop().time() - started < 0.9  # within one call's latency
    await runner.stop(grace=5)
    found = await deliveries(env.state, post_ids)
    assert [d.status for d in found] == [DeliveryStatus.PUBLISHED] * 6


async def _timed_calls(
    env: Env, monkeypatch: pytest.MonkeyPatch, kind: str
) -> list[tuple[float, float]]:
    """Each connector call's start and end (loop time), and every database turn that records
    outcomes made 0.5 s slower: what a call waits for, if it waits for a turn, shows."""
    loop = asyncio.get_running_loop()
    connector = type(env.state.registry.get(kind))
    publish, cycle = connector.publish, Dispatcher.cycle
    calls: list[tuple[float, float]] = []

    async def timed(self: Any, channel: Any, post: Any) -> Any:
        started = loop.time()
        try:
            return await publish(self, channel, post)
        finally:
            calls.append((started, loop.time()))

    async def slow(self: Dispatcher, done: Any, limit: int, **options: Any) -> Any:
        if done:
            await asyncio.sleep(0.5)
        return await cycle(self, done, limit, **options)

    monkeypatch.setattr(connector, "publish", timed)
    monkeypatch.setattr(Dispatcher, "cycle", slow)
    return calls


async def test_a_freed_slot_goes_at_once_to_a_delivery_claimed_ahead(
    dispatch_env: EnvFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two slots, one channel whose connector reconciles: a third delivery is claimed ahead and
    # starts the moment a call ends, without waiting for the (slow) turn that records it.
    env = await dispatch_env(
        real_clock=True, latency=0.3, dispatch_concurrency=2, dispatch_channel_concurrency=2
    )
    calls = await _timed_calls(env, monkeypatch, "recording")
    post_ids = await schedule(env.state, env.setup, [env.state.clock()] * 4)
    runner = DispatchRunner(env.state)
    await runner.start()

    async def all_sent() -> bool:
        return len(calls) == 4

    await _eventually(all_sent)
    await runner.stop(grace=5)
    ordered = sorted(calls)
    first_end = min(end for _, end in ordered[:2])
    assert ordered[2][0] - first_end < 0.25, "the third call waited for a database turn"
    assert [d.status for d in await deliveries(env.state, post_ids)] == [
        DeliveryStatus.PUBLISHED
    ] * 4
    assert sum(env.calls.published().values()) == 4


async def test_a_channel_that_cannot_reconcile_has_nothing_claimed_ahead(
    dispatch_env: EnvFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Were the process to die, a delivery it held would be in doubt, and this connector could
    # not tell that it never went out: a person would have to check. So nothing waits claimed.
    env = await dispatch_env(
        real_clock=True,
        latency=0.3,
        kind="recording_blind",
        dispatch_concurrency=2,
        dispatch_channel_concurrency=2,
    )
    calls = await _timed_calls(env, monkeypatch, "recording_blind")
    post_ids = await schedule(env.state, env.setup, [env.state.clock()] * 4)
    runner = DispatchRunner(env.state)
    await runner.start()
    claimed: list[int] = []

    async def all_sent() -> bool:
        claimed.append((await status_counts(env.state)).get(DeliveryStatus.PUBLISHING, 0))
        return len(calls) == 4

    await _eventually(all_sent)
    await runner.stop(grace=5)
    assert max(claimed) <= 2
    ordered = sorted(calls)
    assert ordered[2][0] - min(end for _, end in ordered[:2]) >= 0.4  # after the turn
    assert [d.status for d in await deliveries(env.state, post_ids)] == [
        DeliveryStatus.PUBLISHED
    ] * 4


async def test_posts_written_one_channel_after_another_go_out_on_every_channel_at_once(
    dispatch_env: EnvFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A CM writes each client's week in one go: a channel's posts have neighbouring ids. At the
    # instant, all four channels start at once, one call each, not the first ones while the
    # others wait for a later turn (the claim once read 2 × its limit in id order: 2 channels).
    env = await dispatch_env(
        real_clock=True, latency=0.3, dispatch_concurrency=4, dispatch_channel_concurrency=1
    )
    channel_ids = [env.setup.channel_id, *await more_channels(env.http, env.setup, 3)]
    loop = asyncio.get_running_loop()
    connector = type(env.state.registry.get("recording"))
    publish = connector.publish
    started: list[tuple[float, int]] = []

    async def timed(self: Any, channel: Any, post: Any) -> Any:
        started.append((loop.time(), channel.channel_id))
        return await publish(self, channel, post)

    monkeypatch.setattr(connector, "publish", timed)
    due = env.state.clock()
    post_ids = [
        post_id
        for channel_id in channel_ids
        for post_id in await schedule(env.state, env.setup, [due] * 8, channel_id)
    ]
    runner = DispatchRunner(env.state)
    await runner.start()

    async def all_out() -> bool:
        found = await deliveries(env.state, post_ids)
        return all(d.status == DeliveryStatus.PUBLISHED for d in found)

    await _eventually(all_out)
    await runner.stop(grace=5)
    first_wave = [channel for at, channel in started if at - started[0][0] < 0.15]
    assert sorted(first_wave) == sorted(channel_ids)
    assert sum(env.calls.published().values()) == 32
