"""The Facebook Page connector against the documented Graph API: request shape, error codes,
check and reconcile. The contract suite covers the generic failures."""

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from pydantic import ValidationError

from connectors.base import (
    PermanentError,
    ReauthRequired,
    TransientError,
    UnknownOutcome,
)
from connectors.facebook import (
    DEFAULT_RETRY_AFTER,
    FacebookPageConfig,
    FacebookPageConnector,
    FacebookPageCredentials,
)
from tests.connectors.fakes import (
    PAGE_ID,
    PAGE_TOKEN,
    FakePage,
    facebook_context,
    form,
    graph_error,
)
from tests.connectors.helpers import connected, outgoing


def _graph_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


async def test_publish_posts_the_signed_message_to_the_page_feed() -> None:
    post = outgoing(FacebookPageConnector)
    async with connected(FacebookPageConnector, FakePage()) as (connector, recorder):
        result = await connector.deliver(facebook_context(graph_version="v21.0"), post)

    (request,) = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == f"https://graph.facebook.com/v21.0/{PAGE_ID}/feed"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    fields = form(request)
    assert fields == {
        "message": post.text,
        "link": "https://boulangerie-corre.fr/galettes",
        "access_token": PAGE_TOKEN,
    }
    assert fields["message"].endswith("Mauricette Raoul, Community Manager · Boulangerie Corre")
    assert PAGE_TOKEN not in str(request.url)
    assert result.external_id == f"{PAGE_ID}_9000"
    assert result.external_url == f"https://www.facebook.com/{PAGE_ID}_9000"


async def test_publish_without_link_sends_no_link_field() -> None:
    post = outgoing(FacebookPageConnector, link=None)
    async with connected(FacebookPageConnector, FakePage()) as (connector, recorder):
        await connector.deliver(facebook_context(), post)
    assert "link" not in form(recorder.requests[0])


# (HTTP status, Graph error code, expected error, words the user must read)
ERROR_TABLE = [
    (400, 190, ReauthRequired, "reconnect"),
    (400, 102, ReauthRequired, "reconnect"),
    (403, 10, ReauthRequired, "pages_manage_posts"),
    (403, 200, ReauthRequired, "reconnect"),
    (403, 299, ReauthRequired, "reconnect"),
    (400, 4, TransientError, "limiting"),
    (400, 17, TransientError, "limiting"),
    (400, 32, TransientError, "limiting"),
    (400, 341, TransientError, "limiting"),
    (400, 613, TransientError, "limiting"),
    (400, 368, PermanentError, "policy"),
    (400, 506, PermanentError, "duplicate"),
    (400, 100, PermanentError, "parameter"),
    (400, 1609005, PermanentError, "link"),
    (404, 803, PermanentError, "refused the post"),
    (500, 1, UnknownOutcome, "failed while handling"),
    (503, 2, UnknownOutcome, "failed while handling"),
    (400, 2, UnknownOutcome, "failed while handling"),
]


@pytest.mark.parametrize(("status", "code", "expected", "says"), ERROR_TABLE)
async def test_graph_errors_map_to_their_retry_meaning(
    status: int, code: int, expected: type[Exception], says: str
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return graph_error(status, code, f"(#{code}) something Facebook says")

    async with connected(FacebookPageConnector, refuse) as (connector, _):
        with pytest.raises(expected) as raised:
            await connector.deliver(facebook_context(), outgoing(FacebookPageConnector))
    assert type(raised.value) is expected
    assert says.lower() in str(raised.value).lower()
    assert f"code {code}" in str(raised.value) and "AbC123" in str(raised.value)


async def test_throttling_waits_as_long_as_facebook_says_or_a_minute() -> None:
    later = datetime.now(UTC) + timedelta(minutes=5)
    answers = iter(
        [
            graph_error(400, 4, "(#4) limit"),
            httpx.Response(429, headers={"Retry-After": "30"}, text="slow down"),
            httpx.Response(429, headers={"Retry-After": format_datetime(later, usegmt=True)}),
        ]
    )
    waits = []
    async with connected(FacebookPageConnector, lambda request: next(answers)) as (connector, _):
        for _ in range(3):
            with pytest.raises(TransientError) as raised:
                await connector.deliver(facebook_context(), outgoing(FacebookPageConnector))
            waits.append(raised.value.retry_after)
    assert waits[0] == DEFAULT_RETRY_AFTER
    assert waits[1] == 30
    assert waits[2] is not None and 280 < waits[2] <= 300


async def test_a_success_without_post_id_is_an_unknown_outcome() -> None:
    def odd(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="OK")

    async with connected(FacebookPageConnector, odd) as (connector, _):
        with pytest.raises(UnknownOutcome):
            await connector.deliver(facebook_context(), outgoing(FacebookPageConnector))


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (httpx.ConnectError, TransientError),
        (httpx.ConnectTimeout, TransientError),
        (httpx.PoolTimeout, TransientError),
        (httpx.ReadTimeout, UnknownOutcome),
        (httpx.WriteTimeout, UnknownOutcome),
        (httpx.RemoteProtocolError, UnknownOutcome),
        (httpx.ReadError, UnknownOutcome),
    ],
)
async def test_network_failures_say_whether_the_post_may_have_gone_out(
    failure: type[httpx.TransportError], expected: type[Exception]
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise failure("boom", request=request)

    async with connected(FacebookPageConnector, fail) as (connector, _):
        with pytest.raises(expected):
            await connector.deliver(facebook_context(), outgoing(FacebookPageConnector))


async def test_error_messages_never_show_the_token() -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return graph_error(400, 100, f"Invalid parameter near {PAGE_TOKEN}")

    async with connected(FacebookPageConnector, echo) as (connector, _):
        with pytest.raises(PermanentError) as raised:
            await connector.deliver(facebook_context(), outgoing(FacebookPageConnector))
    assert PAGE_TOKEN not in str(raised.value)
    assert PAGE_TOKEN not in repr(facebook_context().credentials)


async def test_check_reads_the_page_and_publishes_nothing() -> None:
    page = FakePage()
    async with connected(FacebookPageConnector, page) as (connector, recorder):
        result = await connector.check(facebook_context(graph_version="v20.0"))
    assert result.ok and result.detail == "page Boulangerie Corre"
    (request,) = recorder.requests
    assert request.method == "GET"
    assert request.url.path == f"/v20.0/{PAGE_ID}"
    assert request.url.params["fields"] == "id,name"
    assert page.published == []


async def test_check_with_an_expired_token_asks_to_reconnect() -> None:
    def expired(request: httpx.Request) -> httpx.Response:
        return graph_error(400, 190, "Session has expired", error_subcode=463)

    async with connected(FacebookPageConnector, expired) as (connector, _):
        with pytest.raises(ReauthRequired, match=r"code 190\). Reconnect") as raised:
            await connector.check(facebook_context())
    # A check names the code, and repeats no text of the answer.
    assert "Session has expired" not in raised.value.message
    assert "AbC123" not in raised.value.message


async def test_check_names_the_page_and_nothing_else_of_the_answer() -> None:
    def talkative(request: httpx.Request) -> httpx.Response:
        name = "  Boulangerie\n Corre " + "x" * 500
        return httpx.Response(200, json={"id": PAGE_ID, "name": name, "secret": "internal"})

    async with connected(FacebookPageConnector, talkative) as (connector, _):
        result = await connector.check(facebook_context())
    assert result.detail.startswith("page Boulangerie Corre xxx")
    assert len(result.detail) == len("page ") + 100
    assert "internal" not in result.detail


async def test_the_token_of_a_read_never_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    async with connected(FacebookPageConnector, FakePage()) as (connector, _):
        await connector.check(facebook_context())
    assert "HTTP Request: GET" in caplog.text
    assert PAGE_TOKEN not in caplog.text
    assert "access_token=***" in caplog.text


async def test_reconcile_finds_the_post_by_its_exact_signed_message() -> None:
    post = outgoing(FacebookPageConnector)
    created = post.scheduled_at + timedelta(seconds=20)
    page = FakePage(
        posts=[
            {"id": f"{PAGE_ID}_2", "message": "Autre chose", "created_time": _graph_time(created)},
            {"id": f"{PAGE_ID}_1", "message": post.text, "created_time": _graph_time(created)},
        ]
    )
    async with connected(FacebookPageConnector, page) as (connector, recorder):
        found = await connector.reconcile(facebook_context(), post)
    assert found is not None
    assert found.external_id == f"{PAGE_ID}_1"
    assert found.published_at == created.replace(microsecond=0)
    (request,) = recorder.requests
    assert request.url.path == f"/v21.0/{PAGE_ID}/posts"
    assert request.url.params["fields"] == "id,message,created_time"
    assert request.url.params["limit"] == "25"


async def test_reconcile_ignores_the_same_text_posted_long_before() -> None:
    post = outgoing(FacebookPageConnector)
    old = _graph_time(post.scheduled_at - timedelta(days=3))
    page = FakePage(posts=[{"id": f"{PAGE_ID}_1", "message": post.text, "created_time": old}])
    async with connected(FacebookPageConnector, page) as (connector, _):
        assert await connector.reconcile(facebook_context(), post) is None


async def test_reconcile_says_it_cannot_tell_when_the_page_posted_too_much_since() -> None:
    post = outgoing(FacebookPageConnector)
    recent = _graph_time(post.scheduled_at + timedelta(minutes=1))
    posts = [
        {"id": f"{PAGE_ID}_{n}", "message": f"post {n}", "created_time": recent} for n in range(25)
    ]
    async with connected(FacebookPageConnector, FakePage(posts=posts)) as (connector, _):
        with pytest.raises(PermanentError, match="by hand"):
            await connector.reconcile(facebook_context(), post)


async def test_reconcile_cannot_tell_when_facebook_fails() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        return graph_error(500, 2, "Service temporarily unavailable")

    async with connected(FacebookPageConnector, down) as (connector, _):
        with pytest.raises(TransientError):
            await connector.reconcile(facebook_context(), outgoing(FacebookPageConnector))


@pytest.mark.parametrize(
    "config",
    [
        {"page_id": "boulangerie-corre"},
        {"page_id": ""},
        {"page_id": "123", "graph_version": "21.0"},
        {"page_id": "123", "graph_version": "latest"},
        {"page_id": "123", "access_token": "in the wrong place"},
    ],
)
def test_config_refuses_what_the_graph_api_would_not_take(config: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        FacebookPageConfig.model_validate(config)


def test_config_defaults_to_a_current_graph_version_and_empty_tokens_are_refused() -> None:
    assert FacebookPageConfig(page_id="123").graph_version.startswith("v")
    with pytest.raises(ValidationError):
        FacebookPageCredentials.model_validate({"page_access_token": ""})
