"""The built-in blog after publishing: an edit changes the article at the same address, signed by
the same author; taking it down unpublishes it (off the blog and its feed, its address says it
was withdrawn); a look-up sees what the blog shows."""

import httpx
import pytest

from app.dispatch.engine import Dispatcher
from app.state import AppState
from connectors.base import ChannelContext, NoConfig, PermanentError
from tests.connectors.helpers import outgoing, unsigned
from tests.factories import Writer, bearer, engaged_writer, ok, write_post


async def _published(state: AppState, client: httpx.AsyncClient) -> tuple[Writer, dict]:
    writer = await engaged_writer(state, client)
    post = await write_post(client, writer, title="Galettes", body="Les galettes sont là.")
    await Dispatcher(state).tick()
    done = await ok(await client.get(f"/api/v1/posts/{post['id']}", headers=bearer(writer.token)))
    assert done["status"] == "published"
    return writer, done


async def test_an_edit_changes_the_article_at_the_same_address(
    state: AppState, client: httpx.AsyncClient
) -> None:
    writer, post = await _published(state, client)
    [delivery] = post["deliveries"]
    edited = await ok(
        await client.patch(
            f"/api/v1/posts/{post['id']}",
            headers=bearer(writer.token),
            json={"body": "Les galettes arrivent vendredi.", "title": "Galettes vendredi"},
        )
    )
    assert [r["outcome"] for r in edited["revisions"]] == ["updated"]
    page = await client.get(delivery["external_url"].removeprefix("http://testserver"))
    assert page.status_code == 200
    assert "Les galettes arrivent vendredi." in page.text and "Galettes vendredi" in page.text
    assert "Les galettes sont là." not in page.text
    assert "Mauricette Raoul" in page.text


async def test_taking_it_down_unpublishes_it_and_its_address_says_so(
    state: AppState, client: httpx.AsyncClient
) -> None:
    writer, post = await _published(state, client)
    [delivery] = post["deliveries"]
    address = delivery["external_url"].removeprefix("http://testserver")
    removed = await ok(
        await client.post(
            f"/api/v1/deliveries/{delivery['id']}/remove", headers=bearer(writer.token)
        )
    )
    assert removed["status"] == "taken_down"
    index = await client.get(f"/blog/{writer.client_slug}")
    assert index.status_code == 200 and "Galettes" not in index.text
    feed = await client.get(f"/blog/{writer.client_slug}/feed.xml")
    assert "Les galettes sont là." not in feed.text
    page = await client.get(address, headers={"Accept-Language": "fr"})
    assert page.status_code == 410
    assert "a retiré cet article" in page.text and "Les galettes sont là." not in page.text
    # A re-sync agrees: the blog no longer shows it.
    resynced = await ok(
        await client.post(
            f"/api/v1/deliveries/{delivery['id']}/resync", headers=bearer(writer.token)
        )
    )
    assert resynced["status"] == "taken_down"


@pytest.fixture
def blog_channel(state: AppState) -> ChannelContext:
    return ChannelContext(channel_id=1, name="Blog", config=NoConfig(), credentials=NoConfig())


async def test_the_contract_after_publishing(
    state: AppState, client: httpx.AsyncClient, blog_channel: ChannelContext
) -> None:
    await _published(state, client)
    blog = state.registry.get("local_blog")
    assert blog.can_update() and blog.can_remove() and blog.can_lookup()
    found = await blog.lookup(blog_channel, "1")
    assert found is not None and found.external_url is not None
    assert await blog.lookup(blog_channel, "999") is None
    assert await blog.lookup(blog_channel, "not-an-id") is None
    edit = outgoing(type(blog), body="Nouveau texte.")
    revised = await blog.update(blog_channel, "1", edit)
    assert revised.external_url == found.external_url  # same address
    # An unsigned rendering is refused, as for publishing.
    with pytest.raises(PermanentError, match="signature"):
        await blog.update(blog_channel, "1", unsigned(edit))
    await blog.remove(blog_channel, "1")
    await blog.remove(blog_channel, "1")  # already gone is success
    assert await blog.lookup(blog_channel, "1") is None
    with pytest.raises(PermanentError, match="withdrawn"):
        await blog.update(blog_channel, "1", edit)
