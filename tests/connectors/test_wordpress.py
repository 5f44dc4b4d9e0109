"""The WordPress connector against the documented REST API: request shape, error codes, check and
reconcile by the hidden idempotency marker. The contract suite covers the generic failures;
test_wordpress_authors.py covers who signs, test_wordpress_after.py editing and trashing."""

import base64
import json

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from connectors.base import PermanentError, ReauthRequired, TransientError, UnknownOutcome
from connectors.wordpress import (
    TITLE_LENGTH,
    WordPressConfig,
    WordPressConnector,
    WordPressCredentials,
    derived_title,
)
from tests.connectors.fakes import (
    WP_PASSWORD,
    WP_SITE,
    WP_USER,
    FakeWordPress,
    wordpress_context,
    wp_error,
)
from tests.connectors.helpers import connected, outgoing

MARKER = "<!-- byline:byline-delivery-42 -->"
MAPPED = {"author_ids": {12: 2}}
"""The signer (person 12 in tests.connectors.helpers) mapped by hand to the account's own user:
the publish is then the only request."""


async def test_publish_sends_the_signed_article_with_basic_auth() -> None:
    post = outgoing(WordPressConnector)
    site = FakeWordPress()
    context = wordpress_context(category_ids=[3, 12], **MAPPED)
    async with connected(WordPressConnector, site) as (connector, recorder):
        result = await connector.deliver(context, post)

    (request,) = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == f"{WP_SITE}/wp-json/wp/v2/posts"
    credentials = base64.b64encode(f"{WP_USER}:{WP_PASSWORD}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {credentials}"
    sent = json.loads(request.content)
    assert sent["title"] == "Les galettes sont là"
    assert sent["status"] == "publish"
    assert sent["categories"] == [3, 12]
    assert sent["author"] == 2
    assert post.signature_html and sent["content"].startswith(post.signature_html)
    assert "Mauricette Raoul" in sent["content"]
    assert (
        '<p><a href="https://boulangerie-corre.fr/galettes">'
        "https://boulangerie-corre.fr/galettes</a></p>" in sent["content"]
    )
    assert sent["content"].endswith(MARKER)
    assert WP_PASSWORD not in str(request.url)
    assert result.external_id == "300"
    assert result.external_url == f"{WP_SITE}/?p=300"


async def test_publish_as_draft_without_link_categories_or_title() -> None:
    post = outgoing(WordPressConnector, title=None, link=None)
    async with connected(WordPressConnector, FakeWordPress()) as (connector, recorder):
        await connector.deliver(wordpress_context(status="draft", **MAPPED), post)
    sent = json.loads(recorder.requests[0].content)
    assert sent["status"] == "draft"
    assert "categories" not in sent
    assert "boulangerie-corre.fr/galettes" not in sent["content"]
    assert sent["title"] == "Nos galettes des rois sont prêtes."


async def test_a_site_in_a_subdirectory_keeps_its_path() -> None:
    def created(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, json={"id": 5, "link": "https://example.org/blog/?p=5"})

    async with connected(WordPressConnector, created) as (connector, recorder):
        result = await connector.deliver(
            wordpress_context(site_url="https://example.org/blog/", **MAPPED),
            outgoing(WordPressConnector),
        )
    assert str(recorder.requests[0].url) == "https://example.org/blog/wp-json/wp/v2/posts"
    assert result.external_url == "https://example.org/blog/?p=5"


def test_derived_titles_are_the_first_line_cut_at_a_word() -> None:
    assert derived_title("\n  Bonjour à tous  \nla suite") == "Bonjour à tous"
    long = "mot " * 40
    title = derived_title(long)
    assert len(title) <= TITLE_LENGTH and title.endswith("mot…")


# (HTTP status, WordPress error code, expected error, words the user must read)
ERROR_TABLE = [
    (401, "incorrect_password", ReauthRequired, "application password is wrong or was revoked"),
    (401, "invalid_username", ReauthRequired, "no user with this username"),
    (401, "rest_not_logged_in", ReauthRequired, "username or the application password is wrong"),
    (401, "rest_cannot_create", ReauthRequired, "authorization header"),
    (403, "rest_cannot_create", ReauthRequired, "may not write posts"),
    (403, "rest_cannot_publish", ReauthRequired, "author role or higher"),
    (501, "application_passwords_disabled", ReauthRequired, "turned off on this site"),
    (400, "rest_invalid_param", PermanentError, "invalid parameter(s): categories"),
    (404, "rest_no_route", PermanentError, "permalinks"),
    (413, "", PermanentError, "http 413"),
    (500, "internal_server_error", UnknownOutcome, "failed while handling"),
    (503, "", UnknownOutcome, "failed while handling"),
]


@pytest.mark.parametrize(("status", "code", "expected", "says"), ERROR_TABLE)
async def test_rest_errors_map_to_their_retry_meaning(
    status: int, code: str, expected: type[Exception], says: str
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        if not code:
            return httpx.Response(status, text="<html>proxy page</html>")
        message = "Invalid parameter(s): categories" if code == "rest_invalid_param" else "No."
        return wp_error(status, code, f"<strong>Error:</strong> {message}")

    async with connected(WordPressConnector, refuse) as (connector, _):
        with pytest.raises(expected) as raised:
            await connector.deliver(wordpress_context(**MAPPED), outgoing(WordPressConnector))
    assert type(raised.value) is expected
    assert says in str(raised.value).lower()
    assert "<strong>" not in str(raised.value)


async def test_throttling_waits_as_long_as_the_site_says_or_a_minute() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "15"}), httpx.Response(429)])
    waits = []
    async with connected(WordPressConnector, lambda request: next(answers)) as (connector, _):
        for _ in range(2):
            with pytest.raises(TransientError) as raised:
                await connector.deliver(wordpress_context(**MAPPED), outgoing(WordPressConnector))
            waits.append(raised.value.retry_after)
    assert waits == [15, 60]


async def test_a_success_that_is_not_a_wordpress_post_is_an_unknown_outcome() -> None:
    """A site without pretty permalinks may answer its home page: we cannot tell what happened."""

    def home_page(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>Welcome</html>")

    async with connected(WordPressConnector, home_page) as (connector, _):
        with pytest.raises(UnknownOutcome):
            await connector.deliver(wordpress_context(**MAPPED), outgoing(WordPressConnector))


async def test_check_names_the_account_and_publishes_nothing() -> None:
    site = FakeWordPress()
    async with connected(WordPressConnector, site) as (connector, recorder):
        result = await connector.check(wordpress_context())
    assert result.ok
    assert result.detail == (
        "signed in as Mauricette Raoul (administrator)\n"
        "nobody signs for this client yet: no author to check"
    )
    (request,) = recorder.requests
    assert request.method == "GET"
    assert request.url.path == "/wp-json/wp/v2/users/me"
    assert request.url.params["context"] == "edit"
    assert request.headers["authorization"].startswith("Basic ")
    assert site.published == []


async def test_check_with_a_revoked_application_password_asks_to_reconnect() -> None:
    def revoked(request: httpx.Request) -> httpx.Response:
        return wp_error(401, "incorrect_password", "The provided password is invalid.")

    async with connected(WordPressConnector, revoked) as (connector, _):
        with pytest.raises(ReauthRequired, match=r"HTTP 401 \(incorrect_password\)") as raised:
            await connector.check(wordpress_context())
    assert "password is invalid" not in raised.value.message


async def test_check_repeats_no_text_of_a_refusal() -> None:
    """A check is the one call whose answer a manager reads at once: it must not turn Byline
    into a reader of other servers' pages, so it quotes only codes WordPress is known to use."""

    def chatty(request: httpx.Request) -> httpx.Response:
        return wp_error(403, "internal_admin_panel", "root password: hunter2")

    async with connected(WordPressConnector, chatty) as (connector, _):
        with pytest.raises(ReauthRequired) as raised:
            await connector.check(wordpress_context())
    assert "hunter2" not in raised.value.message
    assert "internal_admin_panel" not in raised.value.message
    assert "the account may not write posts here (HTTP 403). Reconnect" in raised.value.message


async def test_check_names_the_account_and_nothing_else_of_the_answer() -> None:
    def talkative(request: httpx.Request) -> httpx.Response:
        me = {"id": 2, "name": " <b>Mauricette</b>\n Raoul " + "x" * 500, "email": "m@corp.lan"}
        return httpx.Response(200, json=me)

    async with connected(WordPressConnector, talkative) as (connector, _):
        result = await connector.check(wordpress_context())
    account = result.detail.splitlines()[0]
    assert account.startswith("signed in as Mauricette Raoul xxx")
    assert account == "signed in as " + ("Mauricette Raoul " + "x" * 500)[:100] + " (no role)"
    assert "corp.lan" not in result.detail


async def test_check_of_a_site_that_is_not_wordpress_says_so() -> None:
    def not_wordpress(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"hello": "world"})

    async with connected(WordPressConnector, not_wordpress) as (connector, _):
        with pytest.raises(PermanentError, match="not answer as a WordPress REST API"):
            await connector.check(wordpress_context())


async def test_reconcile_searches_all_statuses_and_matches_the_exact_marker() -> None:
    post = outgoing(WordPressConnector)
    near_miss = {
        "id": 7,
        "link": f"{WP_SITE}/?p=7",
        "content": {"raw": "<p>x</p><!-- byline:byline-delivery-420 -->"},
    }
    ours = {"id": 9, "link": f"{WP_SITE}/galettes", "content": {"raw": f"<p>y</p>{MARKER}"}}
    site = FakeWordPress(posts=[near_miss, ours])
    async with connected(WordPressConnector, site) as (connector, recorder):
        found = await connector.reconcile(wordpress_context(), post)
    assert found is not None
    assert (found.external_id, found.external_url) == ("9", f"{WP_SITE}/galettes")
    params = recorder.requests[0].url.params
    assert params["search"] == "byline-delivery-42"
    assert params["status"] == "any"
    assert params["context"] == "edit"


async def test_reconcile_returns_none_when_only_a_near_miss_exists() -> None:
    near_miss = {"id": 7, "content": {"raw": "<!-- byline:byline-delivery-420 -->"}}
    async with connected(WordPressConnector, FakeWordPress(posts=[near_miss])) as (connector, _):
        assert await connector.reconcile(wordpress_context(), outgoing(WordPressConnector)) is None


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(503, text="maintenance"),
        httpx.Response(200, text="<html>not json</html>"),
    ],
)
async def test_reconcile_cannot_tell_when_the_site_cannot_answer(answer: httpx.Response) -> None:
    async with connected(WordPressConnector, lambda request: answer) as (connector, _):
        with pytest.raises(TransientError):
            await connector.reconcile(wordpress_context(), outgoing(WordPressConnector))


async def test_a_key_that_would_break_the_marker_is_refused_before_sending() -> None:
    post = outgoing(WordPressConnector, idempotency_key="key--with-->trouble")
    async with connected(WordPressConnector, FakeWordPress()) as (connector, recorder):
        with pytest.raises(PermanentError):
            await connector.deliver(wordpress_context(), post)
    assert recorder.requests == []


@pytest.mark.parametrize(
    "config",
    [
        {"site_url": "http://blog.example.com"},
        {"site_url": "ftp://blog.example.com"},
        {"site_url": "https://blog.example.com/?p=1"},
        {"site_url": "https://blog.example.com", "status": "private"},
        {"site_url": "https://blog.example.com", "category_ids": [0]},
        {"site_url": "https://blog.example.com", "password": "misplaced"},
    ],
)
def test_config_refusals(config: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        WordPressConfig.model_validate(config)


@pytest.mark.parametrize("site_url", ["http://localhost:8080", "http://127.0.0.1/wp"])
def test_plain_http_is_allowed_for_a_local_site(site_url: str) -> None:
    assert WordPressConfig.model_validate({"site_url": site_url}).status == "publish"


def test_the_application_password_is_kept_secret() -> None:
    credentials = WordPressCredentials(
        username=WP_USER, application_password=SecretStr(WP_PASSWORD)
    )
    assert WP_PASSWORD not in repr(credentials) and WP_PASSWORD not in str(credentials)


async def test_a_wrong_password_is_not_blamed_on_the_web_server() -> None:
    """A site whose plugins let WordPress say why: the password, and nothing about headers."""

    def wrong(request: httpx.Request) -> httpx.Response:
        return wp_error(401, "incorrect_password", "The provided password is invalid.")

    async with connected(WordPressConnector, wrong) as (connector, _):
        with pytest.raises(ReauthRequired) as raised:
            await connector.check(wordpress_context())
    assert "application password is wrong or was revoked" in raised.value.message
    assert "Authorization header" not in raised.value.message


async def test_a_bare_wordpress_refusal_names_the_credentials_before_the_web_server() -> None:
    """A bare WordPress answers a wrong password as if nothing was sent (rest_not_logged_in),
    exactly as when the web server drops the header: the message names both, credentials first."""

    def signed_out(request: httpx.Request) -> httpx.Response:
        return wp_error(401, "rest_not_logged_in", "You are not currently logged in.")

    async with connected(WordPressConnector, signed_out) as (connector, _):
        with pytest.raises(ReauthRequired) as raised:
            await connector.check(wordpress_context())
    message = raised.value.message
    assert message.index("application password is wrong") < message.index("Authorization header")


@pytest.mark.parametrize(
    ("title", "body", "sent"),
    [
        (
            '<script>alert("x")</script> & <img src=x onerror=alert(1)>',
            "Texte.",
            '&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;',
        ),
        (
            None,
            "<b>Soldes</b> &amp; <script>x</script>\n\nSuite.",
            "&lt;b&gt;Soldes&lt;/b&gt; &amp;amp; &lt;script&gt;x&lt;/script&gt;",
        ),
    ],
    ids=["given", "derived"],
)
async def test_titles_are_sent_as_text(title: str | None, body: str, sent: str) -> None:
    """WordPress prints `title` as HTML: a plain-text title, given or taken from the body's
    first line, is sent escaped, so that the page shows the very characters written."""
    post = outgoing(WordPressConnector, title=title, body=body)
    async with connected(WordPressConnector, FakeWordPress()) as (connector, recorder):
        await connector.deliver(wordpress_context(), post)
    assert json.loads(recorder.requests[-1].content)["title"] == sent
