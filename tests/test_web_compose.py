"""Compose, a post's detail and the calendar as a browser without JavaScript meets them: a post
scheduled in the client's zone, refusals inline on the form that keeps what was typed, in the
reader's language, the live preview's JSON behind the session and the CSRF header, and a week
that shows each post at its local time across a change of clocks."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import AppFactory
from tests.factories import Writer, bearer, engaged_writer, ok, write_post
from tests.helpers.web import browser, csrf_of, log_in

CM_PASSWORD = "a long enough passphrase 7"
# A week before Europe's clocks go forward (Sunday 29 March 2026, 02:00 → 03:00).
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
async def app(make_app: AppFactory) -> FastAPI:
    started: FastAPI = await make_app(clock=lambda: NOW)
    return started


@pytest.fixture
async def writer(app: FastAPI, client: httpx.AsyncClient) -> Writer:
    return await engaged_writer(app.state.byline, client, password=CM_PASSWORD)


@pytest.fixture
async def cm(app: FastAPI, writer: Writer) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(app) as web:
        await log_in(web, "mauricette@cl-consult.fr", CM_PASSWORD)
        yield web


async def _compose(web: httpx.AsyncClient, writer: Writer, **fields: str) -> httpx.Response:
    form = {
        "csrftoken": await csrf_of(web, "/app/compose"),
        "client_id": str(writer.client_id),
        "channel_ids": str(writer.channel_id),
        "title": "Les galettes",
        "body": "Dès samedi, en boutique.",
        "date": "2026-03-28",
        "time": "09:30",
        **fields,
    }
    return await web.post("/app/compose", data=form)


async def test_a_post_is_scheduled_at_the_local_time_of_the_client(
    cm: httpx.AsyncClient, client: httpx.AsyncClient, writer: Writer
) -> None:
    sent = await _compose(cm, writer)
    assert sent.status_code == 303
    detail = await cm.get(sent.headers["location"])
    assert "Scheduled: it goes out" in detail.text
    assert "28 March 2026, 09:30 (Europe/Paris)" in detail.text
    post = (await ok(await client.get("/api/v1/posts", headers=bearer(writer.token))))[0]
    assert post["scheduled_at"].startswith("2026-03-28T08:30")


async def test_the_compose_page_names_the_zone_and_offers_only_accepted_clients(
    app: FastAPI, client: httpx.AsyncClient, writer: Writer, cm: httpx.AsyncClient
) -> None:
    await engaged_writer(
        app.state.byline,
        client,
        org=writer.org,
        full_name="Guy Couturier",
        email="guy@cl-consult.fr",
        client_name="Cave Corre",
    )
    page = await cm.get("/app/compose")
    assert "When, in Europe/Paris" in page.text
    assert "Boulangerie Corre" in page.text and "Cave Corre" not in page.text


async def test_a_time_in_the_past_is_refused_next_to_it_and_the_text_is_kept(
    cm: httpx.AsyncClient, writer: Writer
) -> None:
    page = await _compose(cm, writer, date="2026-03-01", body="Un texte à garder")
    assert page.status_code == 422
    assert 'id="scheduled_at-error"' in page.text and "in the past" in page.text
    assert "Un texte à garder" in page.text and 'value="2026-03-01"' in page.text


async def test_a_time_the_clocks_skip_is_refused_in_french(
    cm: httpx.AsyncClient, writer: Writer
) -> None:
    cm.cookies.set("lang", "fr")
    page = await _compose(cm, writer, date="2026-03-29", time="02:30")
    assert page.status_code == 422
    assert 'id="scheduled_at-error"' in page.text and "(changement d&#39;heure)" in page.text


async def test_an_empty_text_and_no_channel_are_refused_inline(
    cm: httpx.AsyncClient, writer: Writer
) -> None:
    empty = await _compose(cm, writer, body="  ")
    assert empty.status_code == 422 and 'id="body-error"' in empty.text
    none = await _compose(cm, writer, channel_ids="")
    assert none.status_code == 422 and 'id="channel_ids-error"' in none.text


async def test_a_client_she_does_not_speak_for_is_refused_on_the_form(
    app: FastAPI, client: httpx.AsyncClient, writer: Writer, cm: httpx.AsyncClient
) -> None:
    other = await engaged_writer(
        app.state.byline,
        client,
        org=writer.org,
        full_name="Guy Couturier",
        email="guy@cl-consult.fr",
        client_name="Cave Corre",
    )
    page = await _compose(
        cm, writer, client_id=str(other.client_id), channel_ids=str(other.channel_id)
    )
    assert page.status_code == 403
    assert 'class="error" role="alert"' in page.text and "You do not speak for" in page.text


async def test_the_preview_button_shows_each_channel_with_the_signature(
    cm: httpx.AsyncClient, writer: Writer
) -> None:
    page = await _compose(cm, writer, action="preview")
    assert page.status_code == 200
    assert 'class="preview-card"' in page.text and "Mauricette Raoul" in page.text
    assert "Dès samedi, en boutique." in page.text


async def test_the_live_preview_answers_json_with_the_signature(
    cm: httpx.AsyncClient, writer: Writer
) -> None:
    token = await csrf_of(cm, "/app/compose")
    draft = {
        "client_id": str(writer.client_id),
        "channel_ids": [str(writer.channel_id)],
        "body": "Bientôt",
    }
    answer = await cm.post("/app/compose/preview", json=draft, headers={"X-CSRFToken": token})
    assert answer.status_code == 200
    (preview,) = answer.json()["previews"]
    assert "Bientôt" in preview["text"] and "Mauricette Raoul" in preview["signature_text"]
    refused = await cm.post(
        "/app/compose/preview", json={**draft, "body": ""}, headers={"X-CSRFToken": token}
    )
    assert refused.status_code == 422 and refused.json()["field"] == "body"


async def test_the_live_preview_needs_the_csrf_header(
    cm: httpx.AsyncClient, writer: Writer
) -> None:
    refused = await cm.post("/app/compose/preview", json={"body": "x"})
    assert refused.status_code == 403


async def test_an_edit_is_signed_again_and_an_empty_text_is_refused(
    cm: httpx.AsyncClient, client: httpx.AsyncClient, writer: Writer
) -> None:
    post = await write_post(client, writer, scheduled_at="2026-03-28T09:30:00")
    page = await cm.get(f"/app/posts/{post['id']}/edit")
    assert 'value="2026-03-28"' in page.text and 'value="09:30"' in page.text
    form = {
        "csrftoken": await csrf_of(cm, f"/app/posts/{post['id']}/edit"),
        "channel_ids": str(writer.channel_id),
        "title": "Bonjour",
        "date": "2026-03-28",
        "time": "09:30",
    }
    refused = await cm.post(f"/app/posts/{post['id']}/edit", data={**form, "body": ""})
    assert refused.status_code == 422 and 'id="body-error"' in refused.text
    saved = await cm.post(
        f"/app/posts/{post['id']}/edit",
        data={**form, "body": "Deuxième version", "time": "10:15"},
        follow_redirects=True,
    )
    assert "Saved and signed again." in saved.text and "Deuxième version" in saved.text
    assert "28 March 2026, 10:15 (Europe/Paris)" in saved.text


async def test_cancelling_asks_first_and_cancels_only_once_confirmed(
    cm: httpx.AsyncClient, client: httpx.AsyncClient, writer: Writer
) -> None:
    post = await write_post(client, writer, scheduled_at="2026-03-28T09:30:00")
    detail = await cm.get(f"/app/posts/{post['id']}")
    assert f'href="/app/posts/{post["id"]}/cancel"' in detail.text
    cm.cookies.set("lang", "fr")
    question = await cm.get(f"/app/posts/{post['id']}/cancel")
    assert "Annuler la publication ?" in question.text and "28 mars 2026, 09:30" in question.text
    assert 'name="confirmed" value="yes"' in question.text
    token = await csrf_of(cm, f"/app/posts/{post['id']}/cancel")
    # The old one-click form (no confirmation) only asks.
    asked = await cm.post(f"/app/posts/{post['id']}/cancel", data={"csrftoken": token})
    assert asked.status_code == 200 and "Oui, annuler la publication" in asked.text
    still = await client.get(f"/api/v1/posts/{post['id']}", headers=bearer(writer.token))
    assert still.json()["status"] == "scheduled"
    cm.cookies.delete("lang")
    done = await cm.post(
        f"/app/posts/{post['id']}/cancel",
        data={"csrftoken": token, "confirmed": "yes"},
        follow_redirects=True,
    )
    assert "Cancelled: nothing more of it goes out." in done.text


async def test_a_cancelled_post_cannot_be_cancelled_again(
    cm: httpx.AsyncClient, client: httpx.AsyncClient, writer: Writer
) -> None:
    post = await write_post(client, writer, scheduled_at="2026-03-28T09:30:00")
    token = await csrf_of(cm, f"/app/posts/{post['id']}")
    confirmed = {"csrftoken": token, "confirmed": "yes"}
    await cm.post(f"/app/posts/{post['id']}/cancel", data=confirmed)
    again = await cm.post(f"/app/posts/{post['id']}/cancel", data=confirmed)
    assert again.status_code == 409 and "can no longer be changed" in again.text


async def test_confirming_a_delivery_that_waits_for_nobody_is_refused_on_its_card(
    cm: httpx.AsyncClient, client: httpx.AsyncClient, writer: Writer
) -> None:
    post = await write_post(client, writer, scheduled_at="2026-03-28T09:30:00")
    delivery_id = post["deliveries"][0]["id"]
    page = await cm.post(
        f"/app/posts/{post['id']}/deliveries/{delivery_id}/confirm-published",
        data={"csrftoken": await csrf_of(cm, f"/app/posts/{post['id']}")},
    )
    assert page.status_code == 409
    assert f'id="delivery-{delivery_id}"' in page.text and 'role="alert"' in page.text


async def test_the_week_shows_each_post_at_its_local_time_across_the_change_of_clocks(
    cm: httpx.AsyncClient, client: httpx.AsyncClient, writer: Writer
) -> None:
    before = await write_post(client, writer, title="Samedi", scheduled_at="2026-03-28T09:30:00")
    after = await write_post(client, writer, title="Dimanche", scheduled_at="2026-03-29T09:30:00")
    assert before["scheduled_at"].startswith("2026-03-28T08:30")
    assert after["scheduled_at"].startswith("2026-03-29T07:30")
    page = await cm.get(f"/app/calendar?client={writer.client_id}&date=2026-03-25")
    assert "Times in Europe/Paris" in page.text
    for post, day in ((before, "Saturday 28 March"), (after, "Sunday 29 March")):
        day_at = page.text.index(day)
        link = page.text.index(f'href="/app/posts/{post["id"]}"')
        assert day_at < link
        assert page.text[link:].split("</time>")[0].endswith("09:30")
    month = await cm.get(f"/app/calendar?client={writer.client_id}&view=month&date=2026-03-25")
    assert "March 2026" in month.text and f'href="/app/posts/{after["id"]}"' in month.text


async def test_the_list_filters_by_status_and_days(
    cm: httpx.AsyncClient, client: httpx.AsyncClient, writer: Writer
) -> None:
    await write_post(client, writer, title="Samedi", scheduled_at="2026-03-28T09:30:00")
    await write_post(client, writer, title="Avril", scheduled_at="2026-04-02T09:30:00")
    page = await cm.get("/app/posts?client=all&start=2026-04-01&end=2026-04-30")
    assert "Avril" in page.text and "Samedi" not in page.text
    cancelled = await cm.get("/app/posts?status=cancelled")
    assert "Avril" not in cancelled.text and "No post matches" in cancelled.text


@pytest.mark.parametrize(
    "action",
    [
        "/app/compose",
        "/app/posts/1/edit",
        "/app/posts/1/cancel",
        "/app/posts/1/deliveries/1/confirm-published",
        "/app/posts/1/deliveries/1/publish-again",
    ],
)
async def test_every_post_form_needs_its_csrf_token(cm: httpx.AsyncClient, action: str) -> None:
    refused = await cm.post(action, data={"body": "x"})
    assert refused.status_code == 403 and "csrf_failed" in refused.text
