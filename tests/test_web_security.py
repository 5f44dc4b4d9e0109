"""The web app as an attacker meets it: sessions that end, sign-ins that wait, forms that need
their CSRF token, and the headers and limits every answer carries."""

import asyncio
import os
import re
import stat
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select

from app.accounts import service as accounts
from app.config import Settings
from app.db import unit_of_work
from app.kit.time import utc_now
from app.models import AuditEvent
from app.state import AppState
from tests.conftest import BASE_URL, AppFactory
from tests.factories import Org, bearer, ok, setup_org
from tests.helpers.web import OWNER_EMAIL, browser, csrf_of, log_in

API = "/api/v1"


async def signed_in(web: httpx.AsyncClient) -> bool:
    page = await web.get("/app")
    return page.status_code == 200 and 'action="/logout"' in page.text


@pytest.fixture
async def org(state: AppState) -> Org:
    return await setup_org(state)


@pytest.fixture
async def web(app: FastAPI, org: Org) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(app) as client:
        yield client


async def add_cm(api: httpx.AsyncClient, org: Org, email: str = "guy@cl-consult.fr") -> int:
    person = await ok(
        await api.post(
            f"{API}/people",
            headers=bearer(org.owner_token),
            json={
                "email": email,
                "full_name": "Guy Couturier",
                "role": "cm",
                "password": "a long enough passphrase 7",
            },
        ),
        201,
    )
    return int(person["id"])


# --- Sessions -------------------------------------------------------------------------------


async def test_a_cookie_replayed_after_logout_is_refused(
    app: FastAPI, web: httpx.AsyncClient
) -> None:
    assert (await log_in(web)).status_code == 303
    stolen = web.cookies["byline_session"]
    assert await signed_in(web)
    out = await web.post("/logout", data={"csrftoken": await csrf_of(web, "/app")})
    assert out.status_code == 303 and out.headers["location"] == f"{BASE_URL}/login"
    async with browser(app) as thief:
        thief.cookies.set("byline_session", stolen)
        assert not await signed_in(thief)
        assert (await thief.get("/app")).headers["location"] == f"{BASE_URL}/login"


async def test_a_password_change_ends_every_session_of_that_person(
    app: FastAPI, web: httpx.AsyncClient, org: Org
) -> None:
    await log_in(web)
    async with browser(app) as laptop:
        await log_in(laptop)
        assert await signed_in(web) and await signed_in(laptop)
        sessions = await ok(
            await web.get(f"{API}/people/{org.owner_id}/sessions", headers=bearer(org.owner_token))
        )
        assert len(sessions) == 2
        changed = await web.patch(
            f"{API}/people/{org.owner_id}",
            headers=bearer(org.owner_token),
            json={"password": "another long passphrase 42"},
        )
        assert changed.status_code == 200, changed.text
        assert not await signed_in(web) and not await signed_in(laptop)
        # The old password no longer signs in; the new one does.
        assert (await log_in(laptop)).status_code == 401
        assert (await log_in(laptop, password="another long passphrase 42")).status_code == 303
        assert await signed_in(laptop)


async def test_a_person_who_leaves_is_signed_out_everywhere(app: FastAPI, org: Org) -> None:
    async with browser(app) as api, browser(app) as cm_web:
        cm_id = await add_cm(api, org)
        assert (
            await log_in(cm_web, "guy@cl-consult.fr", "a long enough passphrase 7")
        ).status_code == 303
        assert await signed_in(cm_web)
        await ok(
            await api.post(f"{API}/people/{cm_id}/leave", headers=bearer(org.owner_token), json={})
        )
        assert not await signed_in(cm_web)


async def test_an_owner_ends_someone_s_sessions_and_a_cm_cannot_end_the_owner_s(
    app: FastAPI, web: httpx.AsyncClient, org: Org, state: AppState
) -> None:
    async with browser(app) as api, browser(app) as cm_web:
        cm_id = await add_cm(api, org)
        await log_in(cm_web, "guy@cl-consult.fr", "a long enough passphrase 7")
        await log_in(web)
        async with unit_of_work(state.session_factory) as session:
            _, cm_token = await accounts.create_token(
                session, await accounts.actor_for(session, cm_id), "cm", now=state.clock()
            )
        refused = await api.delete(
            f"{API}/people/{org.owner_id}/sessions", headers=bearer(cm_token)
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "sessions_owner_only"
        assert (
            await api.get(f"{API}/people/{org.owner_id}/sessions", headers=bearer(cm_token))
        ).status_code == 403
        assert await signed_in(web)

        ended = await ok(
            await api.delete(f"{API}/people/{cm_id}/sessions", headers=bearer(org.owner_token))
        )
        assert ended == {"ended": 1, "tokens_revoked": 0}
        assert not await signed_in(cm_web)
        assert await signed_in(web)
        # The CM's API token still works: sessions and tokens are ended separately, unless
        # the owner asks for both (a stolen session can make a token).
        assert (await api.get(f"{API}/people/me", headers=bearer(cm_token))).status_code == 200
        both = await ok(
            await api.delete(
                f"{API}/people/{cm_id}/sessions?tokens=true", headers=bearer(org.owner_token)
            )
        )
        assert both == {"ended": 0, "tokens_revoked": 1}
        assert (await api.get(f"{API}/people/me", headers=bearer(cm_token))).status_code == 401
        # Someone of another organisation is not found, whoever asks.
        assert (
            await api.delete(f"{API}/people/99999/sessions", headers=bearer(org.owner_token))
        ).status_code == 404


async def test_signing_in_gives_a_new_session_id(app: FastAPI, web: httpx.AsyncClient) -> None:
    await log_in(web)
    first = web.cookies["byline_session"]
    await log_in(web)
    second = web.cookies["byline_session"]
    assert first != second
    async with browser(app) as old:
        old.cookies.set("byline_session", first)
        assert not await signed_in(old)
    assert await signed_in(web)


# --- Login throttling ---------------------------------------------------------------------


async def _audit(state: AppState, action: str) -> list[AuditEvent]:
    async with unit_of_work(state.session_factory) as session:
        return list(await session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


async def test_the_eleventh_wrong_password_waits_and_the_right_one_then_waits_too(
    web: httpx.AsyncClient, state: AppState, org: Org
) -> None:
    for _ in range(10):
        assert (await log_in(web, password="wrong password!")).status_code == 401
    throttled = await log_in(web, password="wrong password!")
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["retry-after"]) <= 60
    assert "Too many failed sign-ins" in throttled.text
    right = await log_in(web)
    assert right.status_code == 429
    assert not await signed_in(web)
    failed = await _audit(state, "person.login_failed")
    locked = await _audit(state, "person.login_locked")
    assert len(failed) == 9 and len(locked) == 1
    assert {event.subject_id for event in failed + locked} == {org.owner_id}
    assert {event.organisation_id for event in failed + locked} == {org.organisation_id}


async def test_unknown_and_known_addresses_get_the_same_answers(
    app: FastAPI, org: Org, state: AppState
) -> None:
    answers: dict[str, list[tuple[int, str]]] = {}
    for email in (OWNER_EMAIL, "nobody@cl-consult.fr"):
        async with browser(app) as web:
            seen = []
            for _ in range(11):
                page = await log_in(web, email, "wrong password!")
                error = re.search(r'class="error"[^>]*>(.*?)<', page.text, re.S)
                # The same words; only the seconds to wait may differ.
                words = re.sub(r"\d+", "N", error.group(1).strip()) if error else ""
                seen.append((page.status_code, words))
            answers[email] = seen
    assert answers[OWNER_EMAIL] == answers["nobody@cl-consult.fr"]
    assert [status for status, _ in answers[OWNER_EMAIL]] == [401] * 10 + [429]
    # The unknown address leaves one trace, when it is locked, in no organisation.
    unknown = [e for e in await _audit(state, "person.login_locked") if e.subject_id is None]
    assert len(unknown) == 1 and unknown[0].organisation_id is None


async def test_wrong_passwords_sent_all_at_once_are_counted_all_the_same(
    web: httpx.AsyncClient, org: Org
) -> None:
    csrf = await csrf_of(web)
    form = {"csrftoken": csrf, "email": OWNER_EMAIL, "password": "wrong password!"}
    answers = await asyncio.gather(*[web.post("/login", data=form) for _ in range(25)])
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(401) == 10 and statuses.count(429) == 15, statuses


async def test_the_right_password_of_someone_who_left_is_just_a_failed_sign_in(
    app: FastAPI, org: Org
) -> None:
    async with browser(app) as api, browser(app) as web:
        cm_id = await add_cm(api, org)
        await ok(
            await api.post(f"{API}/people/{cm_id}/leave", headers=bearer(org.owner_token), json={})
        )
        right = await log_in(web, "guy@cl-consult.fr", "a long enough passphrase 7")
        wrong = await log_in(web, "guy@cl-consult.fr", "not the passphrase 8")
        assert right.status_code == wrong.status_code == 401
        assert re.search(r'class="error"[^>]*>(.*?)<', right.text, re.S).group(1) == re.search(
            r'class="error"[^>]*>(.*?)<', wrong.text, re.S
        ).group(1)


async def test_one_address_trying_many_accounts_is_throttled(app: FastAPI, org: Org) -> None:
    async with browser(app) as web:
        statuses = [
            (await log_in(web, f"guess{n}@cl-consult.fr", "wrong password!")).status_code
            for n in range(31)
        ]
        assert statuses == [401] * 30 + [429]
        # Even the owner's right password, from that address.
        assert (await log_in(web)).status_code == 429


async def test_a_success_forgets_the_account_s_failures(web: httpx.AsyncClient, org: Org) -> None:
    for _ in range(9):
        await log_in(web, password="wrong password!")
    assert (await log_in(web)).status_code == 303
    for _ in range(10):
        assert (await log_in(web, password="wrong password!")).status_code == 401


# --- CSRF ---------------------------------------------------------------------------------


async def test_a_form_without_its_token_is_refused_whatever_else_it_carries(
    web: httpx.AsyncClient, org: Org
) -> None:
    await log_in(web)
    for headers in ({}, bearer(org.owner_token), {"Authorization": "Bearer whatever"}):
        forged = await web.post("/app/tokens", data={"name": "forged"}, headers=headers)
        assert forged.status_code == 403, headers
        assert "Reload the page" in forged.text
    tokens = await ok(await web.get(f"{API}/tokens", headers=bearer(org.owner_token)))
    assert "forged" not in [token["name"] for token in tokens]
    made = await web.post(
        "/app/tokens", data={"name": "laptop", "csrftoken": await csrf_of(web, "/app/tokens")}
    )
    assert made.status_code == 200
    assert made.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (
            "multipart/form-data; boundary=xyz",
            b"--xyz\r\nContent-Disposition: form-data\r\n\r\nbroken",
        ),
        ("multipart/form-data", b"no boundary at all"),
        ("multipart/form-data; boundary=", b"--\r\n"),
        ("application/x-www-form-urlencoded", b"name=\xff\xfe&csrftoken=\xc3"),
    ],
)
async def test_a_malformed_form_is_a_400_not_a_500(
    web: httpx.AsyncClient, org: Org, content_type: str, body: bytes
) -> None:
    await log_in(web)
    answer = await web.post("/app/tokens", content=body, headers={"Content-Type": content_type})
    assert answer.status_code == 400, answer.text
    assert "The form could not be read" in answer.text


# --- Cookies, headers, limits ---------------------------------------------------------------


async def test_every_page_forbids_inline_script_and_framing(web: httpx.AsyncClient) -> None:
    for path in ("/login", "/docs", "/api/v1/people", "/healthz"):
        headers = (await web.get(path)).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, path
        assert "frame-ancestors 'none'" in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in headers  # served over http here


async def test_under_https_cookies_are_secure_and_hsts_is_sent(
    make_app: AppFactory, settings: Settings, org: Org
) -> None:
    app = await make_app(
        settings=settings.model_copy(update={"base_url": "https://byline.example"})
    )
    async with browser(app, "https://byline.example") as web:
        page = await web.get("/login")
        assert "max-age=" in page.headers["strict-transport-security"]
        assert "Secure" in page.headers["set-cookie"]  # the CSRF cookie
        done = await log_in(web)
        assert done.status_code == 303
        session_cookie = next(
            c for c in done.headers.get_list("set-cookie") if c.startswith("byline_session=")
        )
        assert "Secure" in session_cookie and "HttpOnly" in session_cookie


async def test_redirects_follow_the_base_url_not_the_host_header(web: httpx.AsyncClient) -> None:
    answer = await web.get("/", headers={"Host": "evil.example"})
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(BASE_URL + "/")
    back = await web.post(
        "/lang",
        data={"lang": "fr", "csrftoken": await csrf_of(web)},
        headers={"Referer": "http://evil.example/login", "Host": "evil.example"},
    )
    assert back.headers["location"] == f"{BASE_URL}/login"  # the path only, on Byline
    for path in ("/login/", "/app/", "/api/v1/people/", "/docs/"):
        slash = await web.get(path, headers={"Host": "evil.example"})
        assert "evil.example" not in slash.headers.get("location", ""), path
        assert slash.status_code == 404, path


async def test_without_a_base_url_redirects_are_paths_that_stay_on_byline(
    make_app: AppFactory, settings: Settings, org: Org
) -> None:
    unset = Settings(
        var_dir=settings.var_dir,
        database_url=settings.database_url,
        secret_key=settings.secret_key,
    )
    app = await make_app(settings=unset)
    async with browser(app, "http://localhost:8000") as web:
        assert (await log_in(web)).headers["location"] == "/app"
        assert await signed_in(web)  # on the host name the browser used
        for referer, back in (
            ("http://localhost:8000/app/tokens", "/app/tokens"),
            ("http://evil.example//evil.example/x", "/"),
            ("http://evil.example/\\evil.example", "/"),
        ):
            answer = await web.post(
                "/lang",
                data={"lang": "fr", "csrftoken": await csrf_of(web, "/app")},
                headers={"Referer": referer},
            )
            assert answer.headers["location"] == back, referer


async def test_a_body_over_the_limit_is_a_413(
    web: httpx.AsyncClient, org: Org, settings: Settings
) -> None:
    big = b"x" * (settings.max_body_size + 1)
    announced = await web.post(
        f"{API}/posts",
        content=big,
        headers={**bearer(org.owner_token), "Content-Type": "application/json"},
    )
    assert announced.status_code == 413
    assert announced.json()["error"]["code"] == "body_too_large"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it streams
        for _ in range(3):
            yield b"x" * (settings.max_body_size // 2)

    streamed = await web.post(
        f"{API}/posts",
        content=chunks(),
        headers={**bearer(org.owner_token), "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413
    assert streamed.json()["error"]["code"] == "body_too_large"


def test_var_and_the_database_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    var_dir = tmp_path / "fresh" / "var"
    settings = Settings(var_dir=var_dir, secret_key=SecretStr(""))
    url = settings.resolved_database_url
    assert settings.resolved_secret_key
    database = Path(url.split("///", 1)[1])
    assert stat.S_IMODE(os.stat(var_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(database).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(var_dir / "secret_key").st_mode) == 0o600


async def test_a_session_ends_when_unused_too_long_and_at_its_age_limit(
    make_app: AppFactory, settings: Settings
) -> None:
    now = [utc_now()]
    app = await make_app(
        clock=lambda: now[0],
        settings=settings.model_copy(
            update={"session_idle_timeout": 3600, "session_max_age": 5 * 3600}
        ),
    )
    await setup_org(app.state.byline)
    async with browser(app) as web:
        await log_in(web)
        for _ in range(4):  # used every 50 minutes: the idle limit never comes
            now[0] += timedelta(minutes=50)
            assert await signed_in(web)
        now[0] += timedelta(minutes=50)  # 4 h 10 min in
        assert await signed_in(web)
        now[0] += timedelta(minutes=55)  # past 5 h since sign-in
        assert not await signed_in(web)
        await log_in(web)
        now[0] += timedelta(minutes=61)  # an hour and a minute unused
        assert not await signed_in(web)


async def test_an_unreadable_cookie_or_length_is_a_4xx(web: httpx.AsyncClient) -> None:
    page = await web.get("/login", headers={"Cookie": b"csrftoken=\xff\xfe"})
    assert page.status_code == 400
    assert "cookie Byline cannot read" in page.text
    huge = await web.post(f"{API}/posts", content=b"{}", headers={"Content-Length": "9" * 5000})
    assert huge.status_code == 413


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/app/posts/{big}"),
        ("GET", "/app/clients/{big}"),
        ("GET", "/app/handovers/{big}"),
        ("POST", "/app/engagements/{big}/accept"),
        ("POST", "/app/people/{big}/attest"),
    ],
)
async def test_a_web_page_id_past_what_the_database_keeps_is_a_4xx(
    web: httpx.AsyncClient, method: str, path: str
) -> None:
    await log_in(web)
    url = path.format(big=2**63)
    data = {"csrftoken": await csrf_of(web, "/app"), "method": "declared"}
    answer = await (web.get(url) if method == "GET" else web.post(url, data=data))
    assert answer.status_code == 422, answer.text
    assert "Something went wrong" not in answer.text
