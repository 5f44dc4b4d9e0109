"""After publishing: an edited post replaces the article in place under the same author, a
cancelled one goes to WordPress's trash, and a look-up says whether the article is still there."""

import json

import httpx
import pytest

from connectors.base import PermanentError, ReauthRequired
from connectors.wordpress import WordPressConnector
from tests.connectors.fakes import WP_SITE, FakeWordPress, wordpress_context, wp_error
from tests.connectors.helpers import connected, outgoing


async def _published(site: FakeWordPress) -> str:
    async with connected(WordPressConnector, site) as (connector, _):
        result = await connector.deliver(wordpress_context(), outgoing(WordPressConnector))
    return result.external_id


async def test_an_edit_replaces_the_article_under_the_same_author() -> None:
    site = FakeWordPress()
    external_id = await _published(site)
    edited = outgoing(WordPressConnector, title="Galettes <b>&</b> brioches", body="Nouveau texte.")
    async with connected(WordPressConnector, site) as (connector, recorder):
        result = await connector.update(wordpress_context(), external_id, edited)
    request = recorder.requests[-1]
    assert (request.method, request.url.path) == ("POST", f"/wp-json/wp/v2/posts/{external_id}")
    sent = json.loads(request.content)
    assert "status" not in sent  # a draft stays a draft, a published post stays published
    (post,) = site.posts
    assert post["title"]["raw"] == "Galettes &lt;b&gt;&amp;&lt;/b&gt; brioches"
    assert (
        "Nouveau texte." in post["content"]["raw"] and "Mauricette Raoul" in post["content"]["raw"]
    )
    assert site.shown_author(post) == "Mauricette Raoul"
    assert (result.external_id, result.external_url) == (external_id, f"{WP_SITE}/?p=300")


async def test_editing_an_article_deleted_on_wordpress_says_so() -> None:
    async with connected(WordPressConnector, FakeWordPress()) as (connector, _):
        with pytest.raises(PermanentError, match="deleted there"):
            await connector.update(wordpress_context(), "404", outgoing(WordPressConnector))


async def test_editing_an_article_in_the_trash_says_to_restore_it() -> None:
    site = FakeWordPress()
    external_id = await _published(site)
    site.posts[0]["status"] = "trash"
    async with connected(WordPressConnector, site) as (connector, _):
        with pytest.raises(PermanentError, match="trash"):
            await connector.update(wordpress_context(), external_id, outgoing(WordPressConnector))


async def test_removing_trashes_the_article_and_is_done_when_already_gone() -> None:
    site = FakeWordPress()
    external_id = await _published(site)
    async with connected(WordPressConnector, site) as (connector, recorder):
        await connector.remove(wordpress_context(), external_id)
        await connector.remove(wordpress_context(), external_id)  # 410 rest_already_trashed
        await connector.remove(wordpress_context(), "999")  # 404 rest_post_invalid_id
    assert site.posts[0]["status"] == "trash"  # in the trash, where an editor can restore it
    assert all(request.method == "DELETE" for request in recorder.requests)
    assert all("force" not in request.url.params for request in recorder.requests)


async def test_removing_refused_for_want_of_rights_says_which() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return wp_error(
            403, "rest_cannot_delete", "Sorry, you are not allowed to delete this post."
        )

    async with connected(WordPressConnector, refuse) as (connector, _):
        with pytest.raises(PermanentError, match="Editor or Administrator role"):
            await connector.remove(wordpress_context(), "300")


async def test_a_look_up_finds_the_article_until_it_is_trashed_or_deleted() -> None:
    site = FakeWordPress()
    external_id = await _published(site)
    async with connected(WordPressConnector, site) as (connector, recorder):
        found = await connector.lookup(wordpress_context(), external_id)
        assert found is not None and found.external_url == f"{WP_SITE}/?p=300"
        assert recorder.requests[-1].url.params["context"] == "edit"
        site.posts[0]["status"] = "trash"
        assert await connector.lookup(wordpress_context(), external_id) is None
        site.posts.clear()
        assert await connector.lookup(wordpress_context(), external_id) is None


async def test_a_look_up_at_an_address_without_wordpress_does_not_say_deleted() -> None:
    def proxy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="<html>Not Found</html>")

    async with connected(WordPressConnector, proxy) as (connector, _):
        with pytest.raises(PermanentError, match="no WordPress REST API at this address"):
            await connector.lookup(wordpress_context(), "300")


async def test_a_look_up_with_refused_credentials_asks_to_reconnect() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return wp_error(401, "incorrect_password", "The provided password is invalid.")

    async with connected(WordPressConnector, refuse) as (connector, _):
        with pytest.raises(ReauthRequired):
            await connector.lookup(wordpress_context(), "300")


@pytest.mark.parametrize("external_id", ["", "300/../../users", "3e2", "³"])
async def test_an_id_that_is_not_a_post_id_is_refused_before_sending(external_id: str) -> None:
    async with connected(WordPressConnector, FakeWordPress()) as (connector, recorder):
        with pytest.raises(PermanentError):
            await connector.remove(wordpress_context(), external_id)
    assert recorder.requests == []
