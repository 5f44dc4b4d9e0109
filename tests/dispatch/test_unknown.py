"""A call that may have gone out is never sent again blindly."""

from app.deliveries.states import DeliveryStatus
from tests.dispatch.conftest import EnvFactory
from tests.dispatch.helpers import (
    api_post,
    deliveries,
    install_id,
    key_of,
    schedule,
    until_absence_is_believed,
)
from tests.factories import bearer, engaged_writer, ok, setup_org


async def test_a_timeout_after_sending_is_reconciled_as_published(
    dispatch_env: EnvFactory,
) -> None:
    env = await dispatch_env(plan=lambda key, attempt: "timeout_after_send")
    install = await install_id(env.state)
    [post_id] = await schedule(env.state, env.setup, [env.clock()])
    await env.dispatcher.tick()
    post = await api_post(env.http, env.setup.writer.token, post_id)
    assert post["status"] == "published"
    assert env.calls.published() == {key_of(post["deliveries"][0]["id"], install): 1}


async def test_not_found_on_reconciliation_is_sent_again(dispatch_env: EnvFactory) -> None:
    env = await dispatch_env(
        plan=lambda key, attempt: "lost_before_send" if attempt == 1 else None
    )
    install = await install_id(env.state)
    [post_id] = await schedule(env.state, env.setup, [env.clock()])
    await env.dispatcher.tick()
    # Not found at once: not believed yet (the request could still land).
    [delivery] = await deliveries(env.state, [post_id])
    assert delivery.status == DeliveryStatus.UNKNOWN
    assert (delivery.last_error or "").endswith(
        "not found yet; looked up again once the request can no longer land: the connection dropped"
    )
    env.clock.advance(until_absence_is_believed(env.state))
    await env.dispatcher.tick()
    [delivery] = await deliveries(env.state, [post_id])
    assert delivery.status == DeliveryStatus.RETRYING
    assert "not published (the connection dropped)" in (delivery.last_error or "")
    await env.dispatcher.tick()
    assert (await api_post(env.http, env.setup.writer.token, post_id))["status"] == "published"
    assert env.calls.published() == {key_of(delivery.id, install): 1}


async def test_without_reconciliation_a_person_decides(dispatch_env: EnvFactory) -> None:
    env = await dispatch_env(plan=lambda key, attempt: "unknown_after_send", kind="recording_blind")
    install = await install_id(env.state)
    first, second = await schedule(env.state, env.setup, [env.clock(), env.clock()])
    await env.dispatcher.tick()
    token = env.setup.writer.token
    post = await api_post(env.http, token, first)
    [delivery] = post["deliveries"]
    assert post["status"] == "needs_attention" and delivery["status"] == "needs_attention"
    assert "502 after the request was sent" in delivery["last_error"]
    assert "confirm" in delivery["last_error"]
    env.clock.advance(3600)
    assert await env.dispatcher.tick() == 0  # never retried on its own

    confirmed = await ok(
        await env.http.post(
            f"/api/v1/deliveries/{delivery['id']}/confirm-published",
            headers=bearer(token),
            json={"external_url": "https://www.facebook.com/123_456"},
        )
    )
    assert confirmed["status"] == "published"
    assert confirmed["external_url"] == "https://www.facebook.com/123_456"
    assert (await api_post(env.http, token, first))["status"] == "published"

    [other] = (await api_post(env.http, token, second))["deliveries"]
    again = await ok(
        await env.http.post(
            f"/api/v1/deliveries/{other['id']}/publish-again", headers=bearer(token)
        )
    )
    assert again["status"] == "scheduled"
    # The person asked for it: it goes out again (the connector now answers normally).
    type(env.state.registry.get("recording_blind")).plan = None
    await env.dispatcher.tick()
    assert (await api_post(env.http, token, second))["status"] == "published"
    assert env.calls.published()[key_of(other["id"], install)] == 2  # once lost, once asked for

    # Only a delivery waiting for a check can be confirmed or sent again.
    refused = await env.http.post(
        f"/api/v1/deliveries/{other['id']}/publish-again", headers=bearer(token)
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "delivery_not_waiting"


async def test_delivery_actions_are_scoped(dispatch_env: EnvFactory) -> None:
    env = await dispatch_env(plan=lambda key, attempt: "unknown_after_send", kind="recording_blind")
    [post_id] = await schedule(env.state, env.setup, [env.clock()])
    await env.dispatcher.tick()
    [delivery] = await deliveries(env.state, [post_id])
    assert delivery.status == DeliveryStatus.NEEDS_ATTENTION
    path = f"/api/v1/deliveries/{delivery.id}/confirm-published"

    other_org = await setup_org(env.state, name="Autre Agence", email="zoe@autre.fr")
    stranger = await env.http.post(path, headers=bearer(other_org.owner_token))
    assert stranger.status_code == 404
    colleague = await engaged_writer(
        env.state,
        env.http,
        org=env.setup.writer.org,
        full_name="Gaëlle Quéré",
        email="gaelle@cl-consult.fr",
        client_name="Crêperie Ty Breizh",
    )
    not_author = await env.http.post(path, headers=bearer(colleague.token))
    assert not_author.status_code == 404
    french = await env.http.post(
        path, headers={**bearer(colleague.token), "Accept-Language": "fr"}
    )
    assert "envoi" in french.json()["error"]["message"]

    manager = await env.http.post(path, headers=bearer(env.setup.writer.org.owner_token))
    assert manager.status_code == 200
    assert manager.json()["status"] == "published"
