"""What each connector answer does to a delivery, as its author sees it through the API."""

from datetime import timedelta

from sqlalchemy import update

from app.db import unit_of_work
from app.deliveries.states import DeliveryStatus
from app.models import Client
from tests.dispatch.conftest import Env, EnvFactory
from tests.dispatch.helpers import (
    api_post,
    channel_status,
    deliveries,
    install_id,
    key_of,
    schedule,
)
from tests.factories import bearer, ok


async def test_a_due_post_is_published_once_when_due(dispatch_env: EnvFactory) -> None:
    env = await dispatch_env()
    install = await install_id(env.state)
    [post_id] = await schedule(env.state, env.setup, [env.clock() + timedelta(minutes=5)])
    assert await env.dispatcher.tick() == 0  # not due yet
    env.clock.advance(300)
    assert await env.dispatcher.tick() == 1
    post = await api_post(env.http, env.setup.writer.token, post_id)
    [delivery] = post["deliveries"]
    assert post["status"] == "published" and delivery["status"] == "published"
    assert delivery["external_url"] == f"https://example.test/{key_of(delivery['id'], install)}"
    assert env.calls.published() == {key_of(delivery["id"], install): 1}
    assert await env.dispatcher.tick() == 0
    assert env.calls.published() == {key_of(delivery["id"], install): 1}


async def test_transient_errors_back_off_then_publish(dispatch_env: EnvFactory) -> None:
    env = await dispatch_env(plan=lambda key, attempt: "transient" if attempt < 3 else None)
    [post_id] = await schedule(env.state, env.setup, [env.clock()])
    await env.dispatcher.tick()
    [first] = await deliveries(env.state, [post_id])
    assert first.status == DeliveryStatus.RETRYING
    assert first.last_error == "the service is busy (503)"
    wait = (first.due_at - env.clock()).total_seconds()
    assert 16 <= wait <= 24  # near 20 s, with jitter
    env.clock.move_to(first.due_at)
    await env.dispatcher.tick()
    [second] = await deliveries(env.state, [post_id])
    assert second.status == DeliveryStatus.RETRYING
    assert (second.due_at - env.clock()).total_seconds() >= 32  # doubled
    env.clock.move_to(second.due_at)
    await env.dispatcher.tick()
    post = await api_post(env.http, env.setup.writer.token, post_id)
    assert post["status"] == "published"
    assert post["deliveries"][0]["attempts"] == 3


async def test_retry_after_is_honoured(dispatch_env: EnvFactory) -> None:
    env = await dispatch_env(plan=lambda key, attempt: "rate_limited" if attempt == 1 else None)
    [post_id] = await schedule(env.state, env.setup, [env.clock()])
    await env.dispatcher.tick()
    [delivery] = await deliveries(env.state, [post_id])
    assert delivery.status == DeliveryStatus.RETRYING
    assert (delivery.due_at - env.clock()).total_seconds() >= 90
    env.clock.advance(60)
    assert await env.dispatcher.tick() == 0  # not before the destination said
    env.clock.move_to(delivery.due_at)
    await env.dispatcher.tick()
    assert (await api_post(env.http, env.setup.writer.token, post_id))["status"] == "published"


async def test_retries_stop_at_the_deadline_with_the_reason(dispatch_env: EnvFactory) -> None:
    env = await dispatch_env(plan=lambda key, attempt: "transient")
    scheduled_at = env.clock()
    [post_id] = await schedule(env.state, env.setup, [scheduled_at])
    for _ in range(50):
        await env.dispatcher.tick()
        [delivery] = await deliveries(env.state, [post_id])
        if delivery.status != DeliveryStatus.RETRYING:
            break
        env.clock.move_to(delivery.due_at)
    post = await api_post(env.http, env.setup.writer.token, post_id)
    [shown] = post["deliveries"]
    assert post["status"] == "failed" and shown["status"] == "failed"
    assert "publish deadline" in shown["last_error"]
    assert "the service is busy (503)" in shown["last_error"]
    # 20 s doubling to 15 min, given up before the two hours are over: about a dozen tries.
    assert env.clock() < scheduled_at + timedelta(hours=2)
    assert 10 <= shown["attempts"] <= 16
    assert not env.calls.published()


async def test_a_client_may_have_a_shorter_deadline(dispatch_env: EnvFactory) -> None:
    env = await dispatch_env(plan=lambda key, attempt: "transient")
    await _set_deadline(env, minutes=1)
    scheduled_at = env.clock()
    [post_id] = await schedule(env.state, env.setup, [scheduled_at])
    for _ in range(10):
        await env.dispatcher.tick()
        [delivery] = await deliveries(env.state, [post_id])
        if delivery.status != DeliveryStatus.RETRYING:
            break
        env.clock.move_to(delivery.due_at)
    assert delivery.status == DeliveryStatus.FAILED
    assert "publish deadline" in (delivery.last_error or "")
    assert env.clock() < scheduled_at + timedelta(minutes=1)
    assert delivery.attempts <= 3


async def _set_deadline(env: Env, minutes: int) -> None:
    async with unit_of_work(env.state.session_factory) as session:
        await session.execute(
            update(Client)
            .where(Client.id == env.setup.writer.client_id)
            .values(publish_deadline_minutes=minutes)
        )


async def test_permanent_errors_fail_at_once(dispatch_env: EnvFactory) -> None:
    env = await dispatch_env(plan=lambda key, attempt: "permanent")
    [post_id] = await schedule(env.state, env.setup, [env.clock()])
    await env.dispatcher.tick()
    post = await api_post(env.http, env.setup.writer.token, post_id)
    assert post["status"] == "failed"
    assert post["deliveries"][0]["last_error"] == "the page refuses this post: links are not allowed"
    assert post["deliveries"][0]["attempts"] == 1


async def test_refused_credentials_hold_the_channel(dispatch_env: EnvFactory) -> None:
    env = await dispatch_env(plan=lambda key, attempt: "reauth")
    first, later = await schedule(
        env.state, env.setup, [env.clock(), env.clock() + timedelta(hours=1)]
    )
    await env.dispatcher.tick()
    assert await channel_status(env.state, env.setup.channel_id) == "needs_reauth"
    for post_id in (first, later):
        post = await api_post(env.http, env.setup.writer.token, post_id)
        assert post["status"] == "held"
        assert "reconnect the channel" in post["deliveries"][0]["last_error"]
    # Nothing more is sent to a channel that refused its credentials.
    env.clock.advance(3600)
    assert await env.dispatcher.tick() == 0
    assert sum(env.calls.attempts().values()) == 1


async def test_an_author_who_can_no_longer_sign_is_held(dispatch_env: EnvFactory) -> None:
    env = await dispatch_env()
    [post_id] = await schedule(env.state, env.setup, [env.clock() + timedelta(minutes=1)])
    owner = bearer(env.setup.writer.org.owner_token)
    await ok(
        await env.http.post(
            f"/api/v1/engagements/{env.setup.writer.engagement_id}/end", headers=owner
        )
    )
    env.clock.advance(60)
    await env.dispatcher.tick()
    post = await api_post(env.http, env.setup.writer.token, post_id)
    assert post["status"] == "held"
    assert post["deliveries"][0]["last_error"].startswith("no_engagement")
    assert not env.calls.attempts()
