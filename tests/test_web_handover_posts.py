"""What the two people of a handover write on the web: the outgoing CM's farewell, from the
handover's page, and the posts the handover held, which the incoming CM takes over as their own.
Each form shows its refusal inline, keeping what was typed (their CSRF check is with the other
forms, in test_web_clients)."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from app.db import unit_of_work
from app.handovers import service as handovers
from app.state import AppState
from tests.conftest import AppFactory
from tests.dispatch.helpers import FakeClock
from tests.factories import bearer, ok, setup_org, token_for
from tests.helpers.web import browser, log_in
from tests.test_api_refusals import cheap_password_hashing

API = "/api/v1"
CM_PASSWORD = "a long enough passphrase 7"
PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


@dataclass
class Story:
    """Mauricette Raoul speaks for Fromagerie Lamour (a built-in blog) and hands it over to Guy
    Couturier, who accepted, at `effective_at`; her post "Raclette" is due a day after."""

    app: FastAPI
    state: AppState
    clock: FakeClock
    api: httpx.AsyncClient
    handover_id: int
    client_id: int
    channel_id: int
    held_post_id: int
    effective_at: datetime

    async def take_effect(self) -> None:
        self.clock.move_to(self.effective_at)
        async with unit_of_work(self.state.session_factory) as session:
            await handovers.activate_due(session, now=self.clock())

    @asynccontextmanager
    async def web(self, email: str) -> AsyncIterator[httpx.AsyncClient]:
        async with browser(self.app) as web:
            await log_in(web, email, CM_PASSWORD)
            yield web


async def _member(api: httpx.AsyncClient, owner: str, full_name: str, email: str) -> int:
    payload = {"email": email, "full_name": full_name, "role": "cm", "password": CM_PASSWORD}
    person = await ok(await api.post(f"{API}/people", headers=bearer(owner), json=payload), 201)
    attest = f"{API}/people/{person['id']}/attest"
    await ok(await api.post(attest, headers=bearer(owner), json={"method": "declared"}))
    return int(person["id"])


@pytest.fixture
async def story(make_app: AppFactory) -> AsyncIterator[Story]:
    clock = FakeClock(START)
    app = await make_app(clock=clock)
    state: AppState = app.state.byline
    async with browser(app) as api:
        owner = (await setup_org(state)).owner_token
        outgoing = await _member(api, owner, "Mauricette Raoul", "mauricette@cl-consult.fr")
        incoming = await _member(api, owner, "Guy Couturier", "guy@cl-consult.fr")
        client = await ok(
            await api.post(
                f"{API}/clients",
                headers=bearer(owner),
                json={"name": "Fromagerie Lamour", "timezone": "Europe/Paris", "locale": "fr"},
            ),
            201,
        )
        channel = await ok(
            await api.post(
                f"{API}/clients/{client['id']}/channels",
                headers=bearer(owner),
                json={"kind": "local_blog", "name": "Blog"},
            ),
            201,
        )
        mauricette = await token_for(state, "mauricette@cl-consult.fr")
        engagement = await ok(
            await api.post(
                f"{API}/clients/{client['id']}/engagements",
                headers=bearer(owner),
                json={"person_id": outgoing},
            ),
            201,
        )
        accept = f"{API}/engagements/{engagement['id']}/accept"
        await ok(await api.post(accept, headers=bearer(mauricette)))
        effective_at = START + timedelta(hours=3)
        post = await ok(
            await api.post(
                f"{API}/posts",
                headers=bearer(mauricette),
                json={
                    "client_id": client["id"],
                    "channel_ids": [channel["id"]],
                    "title": "Raclette",
                    "body": "La raclette revient samedi.",
                    "scheduled_at": (START + timedelta(days=1)).isoformat(),
                },
            ),
            201,
        )
        handover = await ok(
            await api.post(
                f"{API}/clients/{client['id']}/handovers",
                headers=bearer(owner),
                json={
                    "outgoing_person_id": outgoing,
                    "incoming_person_id": incoming,
                    "effective_at": effective_at.isoformat(),
                },
            ),
            201,
        )
        guy = await token_for(state, "guy@cl-consult.fr")
        await ok(await api.post(f"{API}/handovers/{handover['id']}/accept", headers=bearer(guy)))
        yield Story(
            app,
            state,
            clock,
            api,
            handover["id"],
            client["id"],
            channel["id"],
            post["id"],
            effective_at,
        )


def _local(moment: datetime) -> tuple[str, str]:
    local = moment.astimezone(PARIS)
    return local.date().isoformat(), local.strftime("%H:%M")


def _form(page: httpx.Response) -> dict[str, Any]:
    """What the compose form holds, as a browser would send it back."""
    html = page.text
    fields: dict[str, Any] = {
        "csrftoken": re.search(r'name="csrftoken" value="([^"]+)"', html).group(1),  # type: ignore[union-attr]
        "channel_ids": re.findall(r'name="channel_ids" value="(\d+)" checked', html),
        "body": re.search(r'<textarea id="body" name="body"[^>]*>(.*?)</textarea>', html, re.S)
        .group(1)  # type: ignore[union-attr]
        .replace("&#39;", "'"),
    }
    for name in ("title", "link", "date", "time"):
        found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
        fields[name] = found.group(1) if found else ""
    return fields


async def _post_of(story: Story, post_id: int) -> dict[str, Any]:
    owner = await token_for(story.state, "aline@cl-consult.fr")
    return await ok(await story.api.get(f"{API}/posts/{post_id}", headers=bearer(owner)))  # type: ignore[no-any-return]


# -- the farewell ----------------------------------------------------------------------------


async def test_the_outgoing_cm_writes_her_farewell_from_the_handover_page(story: Story) -> None:
    async with story.web("mauricette@cl-consult.fr") as web:
        page = await web.get(f"/app/handovers/{story.handover_id}")
        farewell = f"/app/handovers/{story.handover_id}/farewell"
        assert f'href="{farewell}"' in page.text
        form = await web.get(farewell)
        assert form.status_code == 200
        assert "Write your farewell" in form.text and "Europe/Paris" in form.text
        # The draft, an hour before the handover, in the client's zone, on every channel.
        sent = _form(form)
        assert (sent["date"], sent["time"]) == _local(story.effective_at - timedelta(hours=1))
        assert sent["channel_ids"] == [str(story.channel_id)]
        assert "Guy Couturier" in sent["body"]
        sent["body"] = "Merci à tous, Guy prend le relais."
        done = await web.post(farewell, data=sent)
        assert done.status_code == 303, done.text
        post_id = int(done.headers["location"].split("/")[-1].split("?")[0])
        again = await web.get(f"/app/handovers/{story.handover_id}")
        assert f'href="/app/posts/{post_id}"' in again.text
        assert "Your farewell is scheduled" in again.text
    post = await _post_of(story, post_id)
    assert post["body"] == "Merci à tous, Guy prend le relais."
    assert post["author"]["full_name"] == "Mauricette Raoul"


async def test_a_farewell_at_the_handover_time_is_refused_next_to_the_time(story: Story) -> None:
    async with story.web("mauricette@cl-consult.fr") as web:
        web.cookies.set("lang", "fr")
        farewell = f"/app/handovers/{story.handover_id}/farewell"
        sent = _form(await web.get(farewell))
        sent["date"], sent["time"] = _local(story.effective_at)
        sent["body"] = "Au revoir, et merci."
        refused = await web.post(farewell, data=sent)
        assert refused.status_code == 422
        assert 'id="scheduled_at-error"' in refused.text
        assert "Au revoir, et merci." in refused.text  # what she typed is kept
        assert "part avant la prise d&#39;effet de la passation" in refused.text
        page = await web.get(f"/app/handovers/{story.handover_id}")
        assert "/app/posts/" not in page.text.split('id="farewell-title"')[1].split("</section>")[0]


async def test_only_the_outgoing_cm_is_offered_the_farewell(story: Story) -> None:
    async with story.web("guy@cl-consult.fr") as web:
        page = await web.get(f"/app/handovers/{story.handover_id}")
        assert f"/app/handovers/{story.handover_id}/farewell" not in page.text
        refused = await web.get(f"/app/handovers/{story.handover_id}/farewell")
        assert refused.status_code == 403 and "Mauricette Raoul" in refused.text


# -- taking over a held post -----------------------------------------------------------------


async def test_the_incoming_cm_takes_over_a_held_post_with_his_edits(story: Story) -> None:
    await story.take_effect()
    take_over = f"/app/handovers/{story.handover_id}/posts/{story.held_post_id}/take-over"
    async with story.web("guy@cl-consult.fr") as web:
        page = await web.get(f"/app/handovers/{story.handover_id}")
        assert "Raclette" in page.text and f'href="{take_over}"' in page.text
        form = await web.get(take_over)
        assert form.status_code == 200 and "Take over the post" in form.text
        assert "Mauricette Raoul wrote this post" in form.text
        sent = _form(form)
        assert sent["body"] == "La raclette revient samedi."
        assert (sent["date"], sent["time"]) == _local(START + timedelta(days=1))
        previewed = await web.post(take_over, data={**sent, "action": "preview"})
        assert previewed.status_code == 200
        preview = previewed.text.split('id="previews"')[1]
        assert "La raclette revient samedi." in preview and "Guy Couturier" in preview
        sent["body"] = "La raclette revient samedi, avec Guy."
        done = await web.post(take_over, data=sent)
        assert done.status_code == 303, done.text
        new_id = int(done.headers["location"].split("/")[-1].split("?")[0])
        shown = await web.get(done.headers["location"])
        assert "Taken over" in shown.text and "Guy Couturier" in shown.text
    new, old = await _post_of(story, new_id), await _post_of(story, story.held_post_id)
    assert new["author"]["full_name"] == "Guy Couturier"
    assert new["body"] == "La raclette revient samedi, avec Guy."
    assert old["status"] == "cancelled"


async def test_taking_over_at_a_past_time_is_refused_next_to_the_time(story: Story) -> None:
    await story.take_effect()
    take_over = f"/app/handovers/{story.handover_id}/posts/{story.held_post_id}/take-over"
    async with story.web("guy@cl-consult.fr") as web:
        web.cookies.set("lang", "fr")
        sent = _form(await web.get(take_over))
        sent["date"], sent["time"] = _local(START)
        sent["body"] = "Raclette samedi !"
        refused = await web.post(take_over, data=sent)
        assert refused.status_code == 422
        assert 'id="scheduled_at-error"' in refused.text and "Raclette samedi !" in refused.text
        assert "est passée" in refused.text
    old = await _post_of(story, story.held_post_id)
    assert old["status"] == "held"  # nothing was written


async def test_an_owner_sees_the_held_post_offered_to_the_incoming_cm_only(story: Story) -> None:
    await story.take_effect()
    async with browser(story.app) as owner:
        await log_in(owner)
        detail = await owner.get(f"/app/posts/{story.held_post_id}")
        assert "/take-over" not in detail.text
        page = await owner.get(f"/app/handovers/{story.handover_id}")
        assert f'href="/app/posts/{story.held_post_id}"' in page.text
    async with story.web("mauricette@cl-consult.fr") as web:
        refused = await web.get(
            f"/app/handovers/{story.handover_id}/posts/{story.held_post_id}/take-over"
        )
        assert refused.status_code == 403 and "Guy Couturier" in refused.text
