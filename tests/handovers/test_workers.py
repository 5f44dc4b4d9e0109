"""Four real worker processes on one database reach a handover's effective time together: it takes
effect once, and its announcement goes out once on each channel."""

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from app.db import unit_of_work
from app.models import AuditEvent, BlogArticle
from tests.dispatch.conftest import Env, EnvFactory, clock, dispatch_env  # noqa: F401
from tests.dispatch.helpers import deliveries, install_id, key_of
from tests.dispatch.test_workers import Workers, workers  # noqa: F401
from tests.factories import bearer, ok, token_for
from tests.handovers.helpers import API, person


async def test_four_workers_announce_once_per_channel(
    dispatch_env: EnvFactory,  # noqa: F811
    workers: Workers,  # noqa: F811
) -> None:
    env: Env = await dispatch_env(real_clock=True)
    install = await install_id(env.state)
    http, writer = env.http, env.setup.writer
    owner = bearer(writer.org.owner_token)
    recording = [env.setup.channel_id]
    for name in ("second", "third"):
        created = await ok(
            await http.post(
                f"{API}/clients/{writer.client_id}/channels",
                headers=owner,
                json={"kind": "recording", "name": name, "config": {}, "credentials": {}},
            ),
            201,
        )
        recording.append(created["id"])
    josephine_id = await person(
        http, writer.org.owner_token, "josephine@cl-consult.fr", "Joséphine Maurice"
    )
    josephine = await token_for(env.state, "josephine@cl-consult.fr")
    effective = env.state.clock() + timedelta(seconds=4)
    proposed = await ok(
        await http.post(
            f"{API}/clients/{writer.client_id}/handovers",
            headers=owner,
            json={
                "outgoing_person_id": writer.person_id,
                "incoming_person_id": josephine_id,
                "effective_at": effective.isoformat(),
            },
        ),
        201,
    )
    accepted = await ok(
        await http.post(f"{API}/handovers/{proposed['id']}/accept", headers=bearer(josephine))
    )
    workers.start(4)
    announcement = accepted["announcement_post_id"]
    for _ in range(240):
        found = await deliveries(env.state, [announcement])
        if found and all(d.status == "published" for d in found):
            break
        await asyncio.sleep(0.25)
    # The workers keep running a little: a second activation or send would show now.
    await asyncio.sleep(2.5)
    workers.stop_all()
    found = await deliveries(env.state, [announcement])
    # Every channel of the client: the three recording ones and the built-in blog.
    assert sorted(d.channel_id for d in found) == sorted([*recording, writer.channel_id])
    assert all(d.status == "published" for d in found), [(d.status, d.last_error) for d in found]
    sent = env.calls.published()
    calls = [key_of(d.id, install) for d in found if d.channel_id in recording]
    assert {key: sent[key] for key in calls} == dict.fromkeys(calls, 1)
    async with unit_of_work(env.state.session_factory) as session:
        articles = await session.scalar(
            select(func.count()).where(BlogArticle.channel_id == writer.channel_id)
        )
        assert articles == 1, "the announcement, once, on the built-in blog"
        activations = await session.scalar(
            select(func.count()).where(
                AuditEvent.action == "handover.effective", AuditEvent.subject_id == proposed["id"]
            )
        )
    assert activations == 1
    done = await ok(await http.get(f"{API}/handovers/{proposed['id']}", headers=owner))
    assert done["status"] == "effective"
