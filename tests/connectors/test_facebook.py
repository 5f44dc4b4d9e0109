"""The Facebook Page connector against the documented Graph API: request shape, error codes,
check and reconcile. The contract suite covers the generic failures."""

import json
import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from pydantic import ValidationError

from connectors.base import (
    HostServices,
    PermanentError,
    ReauthRequired,
    TransientError,
    UnknownOutcome,
)
from connectors.facebook import (
    BLOCKED_RETRY_AFTER,
    DEFAULT_GRAPH_VERSION,
    DEFAULT_RETRY_AFTER,
    FacebookPageConfig,
    FacebookPageConnector,
    FacebookPageCredentials,
)
from connectors.graph_usage import PAUSE_AT_LIMIT, PAUSE_NEAR_LIMIT, Throttle
from tests.connectors.fakes import (
    PAGE_ID,
    PAGE_TOKEN,
    FakePage,
    facebook_context,
    form,
    graph_error,
)
from tests.connectors.helpers import Recorder, connected, outgoing


def _graph_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _version(version: str) -> dict[str, dict[str, str]]:
    return {"facebook_page": {"graph_version": version}}


async def test_publish_posts_the_signed_message_to_the_page_feed() -> None:
    post = outgoing(FacebookPageConnector)
    async with connected(FacebookPageConnector, FakePage()) as (connector, recorder):
        result = await connector.deliver(facebook_context(), post)

    (request,) = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == f"https://graph.facebook.com/{DEFAULT_GRAPH_VERSION}/{PAGE_ID}/feed"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    fields = form(request)
    assert fields == {
        "message": post.text,
        "link": "https://boulangerie-corre.fr/galettes",
        "access_token": PAGE_TOKEN,
        "fields": "id,permalink_url",
    }
    assert PAGE_TOKEN not in str(request.url)
    assert result.external_id == f"{PAGE_ID}_9000"
    # The address Facebook gives the post, not one built from its id.
    assert result.external_url == f"https://www.facebook.com/{PAGE_ID}/posts/pfbid09000"


async def test_the_link_is_given_once_and_the_footer_leads_to_the_transparency_page() -> None:
    post = outgoing(FacebookPageConnector)
    async with connected(FacebookPageConnector, FakePage()) as (connector, recorder):
        await connector.deliver(facebook_context(), post)
    message = form(recorder.requests[0])["message"]
    assert "https://boulangerie-corre.fr/galettes" not in message
    assert message.endswith(
        "— Mauricette Raoul, Community Manager · Boulangerie Corre\n"
        "Qui parle ? https://byline.example/t/boulangerie-corre"
    )


async def test_the_graph_version_is_the_operators_setting() -> None:
    recorder = Recorder(FakePage())
    async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as http:
        host = HostServices(http, "https://byline.example", options=_version("v24.0"))
        connector = FacebookPageConnector(host)
        result = await connector.deliver(facebook_context(), outgoing(FacebookPageConnector))
        found = await connector.lookup(facebook_context(), result.external_id)
        await connector.check(facebook_context())
    assert found is not None and found.external_url == result.external_url
    assert {request.url.path.split("/")[1] for request in recorder.requests} == {"v24.0"}


async def test_a_permalink_missing_from_the_answer_is_read_back() -> None:
    page = FakePage()

    def without_permalink(request: httpx.Request) -> httpx.Response:
        response = page(request)
        if request.method == "POST":
            return httpx.Response(200, json={"id": response.json()["id"]})
        return response

    async with connected(FacebookPageConnector, without_permalink) as (connector, recorder):
        result = await connector.deliver(facebook_context(), outgoing(FacebookPageConnector))
    assert result.external_url == f"https://www.facebook.com/{PAGE_ID}/posts/pfbid09000"
    assert [r.method for r in recorder.requests] == ["POST", "GET"]
    assert recorder.requests[1].url.params["fields"] == "permalink_url"


async def test_a_write_that_went_through_is_not_undone_by_the_pause_it_triggers() -> None:
    page = FakePage()
    async with connected(FacebookPageConnector, page) as (connector, _):
        first = await connector.deliver(facebook_context(), outgoing(FacebookPageConnector))
        page.usage = _usage(call_count=100)
        edited = outgoing(FacebookPageConnector, body="Les galettes arrivent lundi.")
        result = await connector.update(facebook_context(), first.external_id, edited)
    assert page.posts[0]["message"] == edited.text
    assert result.external_url == first.external_url


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
    (400, 368, TransientError, "temporarily blocked"),
    (400, 80001, TransientError, "limiting"),
    (400, 80014, TransientError, "limiting"),
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
    answers = [
        graph_error(400, 4, "(#4) limit"),
        httpx.Response(429, headers={"Retry-After": "30"}, text="slow down"),
        httpx.Response(429, headers={"Retry-After": format_datetime(later, usegmt=True)}),
        graph_error(400, 368, "It looks like you were misusing this feature"),
    ]
    waits = []
    for answer in answers:
        async with connected(FacebookPageConnector, lambda request, a=answer: a) as (connector, _):
            with pytest.raises(TransientError) as raised:
                await connector.deliver(facebook_context(), outgoing(FacebookPageConnector))
            waits.append(raised.value.retry_after)
    assert waits[0] == DEFAULT_RETRY_AFTER
    assert waits[1] == 30
    assert waits[2] is not None and 280 < waits[2] <= 300
    assert waits[3] == BLOCKED_RETRY_AFTER


def _usage(**numbers: float) -> dict[str, float]:
    return {"call_count": 10, "total_cputime": 5, "total_time": 5, **numbers}


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_page_near_its_limit_waits_before_its_next_call_and_then_goes_on() -> None:
    page = FakePage(usage=_usage(call_count=93))
    clock = _Clock()
    async with connected(FacebookPageConnector, page) as (connector, recorder):
        assert isinstance(connector, FacebookPageConnector)
        connector.throttle = Throttle(clock)
        await connector.deliver(facebook_context(), outgoing(FacebookPageConnector))
        with pytest.raises(TransientError, match="close to its call limit") as raised:
            await connector.deliver(facebook_context(), outgoing(FacebookPageConnector, body="2"))
        assert raised.value.retry_after == PAUSE_NEAR_LIMIT
        assert len(recorder.requests) == 1, "a call went out while the Page had to wait"
        with pytest.raises(TransientError):
            await connector.reconcile(facebook_context(), outgoing(FacebookPageConnector))
        page.usage = _usage()
        clock.now += PAUSE_NEAR_LIMIT + 1
        await connector.deliver(facebook_context(), outgoing(FacebookPageConnector, body="3"))
    assert len(page.published) == 2


async def test_the_estimated_time_to_regain_access_is_honoured_in_minutes() -> None:
    page = FakePage(usage=_usage(call_count=100, estimated_time_to_regain_access=19))
    async with connected(FacebookPageConnector, page) as (connector, _):
        await connector.deliver(facebook_context(), outgoing(FacebookPageConnector))
        with pytest.raises(TransientError) as raised:
            await connector.deliver(facebook_context(), outgoing(FacebookPageConnector, body="2"))
    assert raised.value.retry_after is not None and 19 * 60 - 5 < raised.value.retry_after <= 1140


@pytest.mark.parametrize(
    ("header", "value", "pause"),
    [
        ("X-App-Usage", {"call_count": 91, "total_cputime": 3, "total_time": 2}, PAUSE_NEAR_LIMIT),
        ("X-Page-Usage", {"call_count": 12, "total_cputime": 100, "total_time": 8}, PAUSE_AT_LIMIT),
        ("X-App-Usage", {"call_count": 89, "total_cputime": 3, "total_time": 2}, 0.0),
        ("X-Page-Usage", "not json", 0.0),
    ],
)
async def test_every_usage_header_slows_the_page_down(
    header: str, value: object, pause: float
) -> None:
    page = FakePage()

    def with_header(request: httpx.Request) -> httpx.Response:
        response = page(request)
        response.headers[header] = value if isinstance(value, str) else json.dumps(value)
        return response

    async with connected(FacebookPageConnector, with_header) as (connector, _):
        await connector.deliver(facebook_context(), outgoing(FacebookPageConnector))
        assert isinstance(connector, FacebookPageConnector)
        assert connector.throttle.wait(PAGE_ID) == pytest.approx(pause, abs=1)


async def test_a_limit_reached_on_one_page_does_not_hold_another() -> None:
    page = FakePage(usage=_usage(call_count=100))
    async with connected(FacebookPageConnector, page) as (connector, _):
        await connector.deliver(facebook_context(), outgoing(FacebookPageConnector))
        assert isinstance(connector, FacebookPageConnector)
        assert connector.throttle.wait(PAGE_ID) > 0
        assert connector.throttle.wait("1234567") == 0


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


async def test_check_confirms_a_page_token_for_this_page_that_may_publish() -> None:
    page = FakePage()
    async with connected(FacebookPageConnector, page) as (connector, recorder):
        result = await connector.check(facebook_context())
    assert result.ok
    assert result.detail == "page Boulangerie Corre: a Page access token with pages_manage_posts"
    me, described = recorder.requests
    assert me.method == described.method == "GET"
    assert me.url.path == f"/{DEFAULT_GRAPH_VERSION}/me"
    assert me.url.params["fields"] == "id,name" and me.url.params["metadata"] == "1"
    assert described.url.path == f"/{DEFAULT_GRAPH_VERSION}/debug_token"
    assert described.url.params["input_token"] == PAGE_TOKEN
    assert page.published == []


async def test_check_refuses_a_user_token_that_can_only_read_the_page() -> None:
    def user_token(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/me"):
            return httpx.Response(
                200,
                json={
                    "id": "10210000000000001",
                    "name": "Mauricette Raoul",
                    "metadata": {"type": "user"},
                },
            )
        return FakePage()(request)

    async with connected(FacebookPageConnector, user_token) as (connector, _):
        with pytest.raises(ReauthRequired) as raised:
            await connector.check(facebook_context())
    assert "user access token of Mauricette Raoul" in raised.value.message
    assert f"Page access token of page {PAGE_ID}" in raised.value.message


async def test_check_refuses_another_pages_token() -> None:
    def other_page(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"id": "999", "name": "Autre Page", "metadata": {"type": "page"}}
        )

    async with connected(FacebookPageConnector, other_page) as (connector, _):
        with pytest.raises(ReauthRequired, match=r"this token is for Autre Page \(999\)"):
            await connector.check(facebook_context())


async def test_check_refuses_an_app_token() -> None:
    def app_token(request: httpx.Request) -> httpx.Response:
        return graph_error(
            400,
            2500,
            "An active access token must be used to query information about the current user.",
        )

    async with connected(FacebookPageConnector, app_token) as (connector, _):
        with pytest.raises(ReauthRequired, match="app access token, not a Page access token"):
            await connector.check(facebook_context())


async def test_check_refuses_a_page_token_without_the_permission_to_post() -> None:
    page = FakePage(scopes=["pages_show_list", "pages_read_engagement"])
    async with connected(FacebookPageConnector, page) as (connector, _):
        with pytest.raises(ReauthRequired) as raised:
            await connector.check(facebook_context())
    assert "may read the Page but not publish on it: it lacks pages_manage_posts" in (
        raised.value.message
    )
    assert "CREATE_CONTENT" in raised.value.message


async def test_check_refuses_a_permission_granted_for_other_pages_only() -> None:
    page = FakePage()

    def elsewhere(request: httpx.Request) -> httpx.Response:
        response = page(request)
        if request.url.path.endswith("/debug_token"):
            data = response.json()["data"]
            data.pop("profile_id")
            data["granular_scopes"] = [{"scope": "pages_manage_posts", "target_ids": ["555"]}]
            return httpx.Response(200, json={"data": data})
        return response

    async with connected(FacebookPageConnector, elsewhere) as (connector, _):
        with pytest.raises(ReauthRequired, match="on other Pages, not on page"):
            await connector.check(facebook_context())


async def test_check_says_plainly_when_facebook_keeps_the_permissions_to_itself() -> None:
    page = FakePage()

    def no_debug(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/debug_token"):
            return graph_error(400, 100, "(#100) You must provide an app access token")
        return page(request)

    async with connected(FacebookPageConnector, no_debug) as (connector, _):
        result = await connector.check(facebook_context())
    assert result.ok
    assert "did not say whether it has pages_manage_posts" in result.detail


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
        if request.url.path.endswith("/debug_token"):
            return FakePage()(request)
        return httpx.Response(200, json={"id": PAGE_ID, "name": name, "secret": "internal"})

    async with connected(FacebookPageConnector, talkative) as (connector, _):
        result = await connector.check(facebook_context())
    assert result.detail.startswith("page Boulangerie Corre xxx")
    assert result.detail.split(":")[0] == "page " + ("Boulangerie Corre " + "x" * 500)[:100]
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
    assert request.url.path == f"/{DEFAULT_GRAPH_VERSION}/{PAGE_ID}/posts"
    assert request.url.params["fields"] == "id,message,created_time,permalink_url"
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
        {"page_id": "123", "graph_version": "v21.0"},
        {"page_id": "123", "access_token": "in the wrong place"},
    ],
)
def test_config_refuses_what_the_graph_api_would_not_take(config: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        FacebookPageConfig.model_validate(config)


def test_a_version_per_channel_is_refused_in_words_that_say_where_it_went() -> None:
    with pytest.raises(ValidationError, match="BYLINE_FACEBOOK_GRAPH_VERSION"):
        FacebookPageConfig.model_validate({"page_id": "123", "graph_version": "v21.0"})


def test_empty_tokens_are_refused() -> None:
    with pytest.raises(ValidationError):
        FacebookPageCredentials.model_validate({"page_access_token": ""})


async def test_an_edited_post_replaces_the_message_on_the_page() -> None:
    page = FakePage()
    async with connected(FacebookPageConnector, page) as (connector, recorder):
        first = await connector.deliver(facebook_context(), outgoing(FacebookPageConnector))
        edited = outgoing(FacebookPageConnector, body="Les galettes arrivent lundi.")
        result = await connector.update(facebook_context(), first.external_id, edited)
    update = recorder.requests[1]
    assert update.method == "POST"
    assert update.url.path == f"/{DEFAULT_GRAPH_VERSION}/{first.external_id}"
    assert form(update) == {"message": edited.text, "access_token": PAGE_TOKEN}
    assert page.posts[0]["message"] == edited.text
    assert result.external_id == first.external_id
    assert result.external_url == first.external_url


async def test_editing_a_post_deleted_on_facebook_says_so() -> None:
    async with connected(FacebookPageConnector, FakePage()) as (connector, _):
        with pytest.raises(PermanentError, match="no longer on the Page"):
            await connector.update(
                facebook_context(), f"{PAGE_ID}_1", outgoing(FacebookPageConnector)
            )


async def test_a_removed_post_is_deleted_and_removing_it_again_is_fine() -> None:
    page = FakePage()
    async with connected(FacebookPageConnector, page) as (connector, recorder):
        first = await connector.deliver(facebook_context(), outgoing(FacebookPageConnector))
        await connector.remove(facebook_context(), first.external_id)
        await connector.remove(facebook_context(), first.external_id)
        assert await connector.lookup(facebook_context(), first.external_id) is None
    delete = recorder.requests[1]
    assert delete.method == "DELETE"
    assert delete.url.path == f"/{DEFAULT_GRAPH_VERSION}/{first.external_id}"
    assert page.posts == []


async def test_lookup_gives_the_post_as_facebook_has_it() -> None:
    page = FakePage()
    async with connected(FacebookPageConnector, page) as (connector, _):
        first = await connector.deliver(facebook_context(), outgoing(FacebookPageConnector))
        found = await connector.lookup(facebook_context(), first.external_id)
    assert found is not None
    assert found.external_url == first.external_url
    assert found.published_at is not None


async def test_lookup_with_a_refused_token_asks_to_reconnect_rather_than_saying_gone() -> None:
    def expired(request: httpx.Request) -> httpx.Response:
        return graph_error(400, 190, "Session has expired", error_subcode=463)

    async with connected(FacebookPageConnector, expired) as (connector, _):
        with pytest.raises(ReauthRequired):
            await connector.lookup(facebook_context(), f"{PAGE_ID}_1")


async def test_a_post_id_that_is_not_facebooks_is_refused_before_any_call() -> None:
    async with connected(FacebookPageConnector, FakePage()) as (connector, recorder):
        with pytest.raises(PermanentError, match="not a Facebook post id"):
            await connector.update(
                facebook_context(), "../me/feed", outgoing(FacebookPageConnector)
            )
    assert recorder.requests == []
