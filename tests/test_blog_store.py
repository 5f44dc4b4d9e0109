"""The built-in blog's article store during a burst: articles saved together are stored in one
transaction, each once, each at an address of its own."""

import asyncio

import httpx
from fastapi import FastAPI
from sqlalchemy import event, func, select

from app.blog.store import DatabaseArticleStore
from app.db import read_only
from app.models import BlogArticle
from app.state import AppState
from connectors.base import PermanentError
from connectors.local_blog import LocalBlogConnector
from tests.connectors.helpers import outgoing
from tests.factories import engaged_writer


async def _blog(
    app: FastAPI, client: httpx.AsyncClient
) -> tuple[AppState, DatabaseArticleStore, int]:
    """The app's state, its article store, and a writer's blog channel."""
    state: AppState = app.state.byline
    writer = await engaged_writer(state, client)
    store = state.registry.get("local_blog").host.article_store
    assert isinstance(store, DatabaseArticleStore)
    return state, store, writer.channel_id


async def _articles(state: AppState) -> int:
    async with read_only(state.session_factory) as session:
        return int(await session.scalar(select(func.count()).select_from(BlogArticle)) or 0)


async def _save_titled(
    store: DatabaseArticleStore, channel_id: int, title: str, keys: list[str]
) -> list[str]:
    """Articles of one title saved together (one batch): the address each was given."""
    posts = [outgoing(LocalBlogConnector, title=title, idempotency_key=key) for key in keys]
    results = await asyncio.gather(*(store.save(channel_id, post) for post in posts))
    return [(result.external_url or "").rsplit("/", 1)[1] for result in results]


def _count_commits(state: AppState) -> list[int]:
    commits = [0]

    def counted(_connection: object) -> None:
        commits[0] += 1

    event.listen(state.engine.sync_engine, "commit", counted)
    return commits


async def test_articles_saved_together_share_one_transaction(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    state, store, channel_id = await _blog(app, client)
    commits = _count_commits(state)
    posts = [
        outgoing(LocalBlogConnector, title="Les galettes sont là", idempotency_key=f"key-{n}")
        for n in range(8)
    ]
    results = await asyncio.gather(*(store.save(channel_id, post) for post in posts))
    assert commits[0] == 1
    # Same title: each its own address, in the order the posts were saved.
    urls = [result.external_url or "" for result in results]
    assert len(set(urls)) == 8
    assert urls[0].endswith("/les-galettes-sont-la") and urls[1].endswith("-2")
    assert await _articles(state) == 8


async def test_a_delivery_saved_twice_together_is_one_article(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # Two attempts of one delivery in the same batch, one already stored before: nothing is
    # stored twice, and the other posts of the batch are stored all the same.
    state, store, channel_id = await _blog(app, client)
    first = await store.save(channel_id, outgoing(LocalBlogConnector, idempotency_key="key-1"))
    again = [
        outgoing(LocalBlogConnector, idempotency_key=key)
        for key in ("key-2", "key-1", "key-3", "key-3")
    ]
    results = await asyncio.gather(*(store.save(channel_id, post) for post in again))
    assert results[1] == first
    assert results[2] == results[3]
    assert await _articles(state) == 3


async def test_a_save_for_a_removed_channel_fails_alone(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    _, store, channel_id = await _blog(app, client)
    results = await asyncio.gather(
        store.save(channel_id, outgoing(LocalBlogConnector, idempotency_key="key-1")),
        store.save(channel_id + 1000, outgoing(LocalBlogConnector, idempotency_key="key-2")),
        return_exceptions=True,
    )
    assert not isinstance(results[0], BaseException)
    assert isinstance(results[1], PermanentError) and "no longer exists" in str(results[1])


async def test_an_address_taken_by_an_earlier_article_is_not_given_again(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    state, store, channel_id = await _blog(app, client)
    title = "Les galettes sont là"
    earlier = await _save_titled(store, channel_id, title, ["a-0", "a-1"])
    later = await _save_titled(store, channel_id, title, ["b-0", "b-1"])
    assert [*earlier, *later] == [
        "les-galettes-sont-la",
        "les-galettes-sont-la-2",
        "les-galettes-sont-la-3",
        "les-galettes-sont-la-4",
    ]
    assert await _articles(state) == 4


async def test_a_title_used_again_and_again_takes_the_next_number_at_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # A weekly "Menu de la semaine" on the blog: the address of its 41st issue is found in a
    # few statements, not in one per number already used (which made a burst of them crawl).
    state, store, channel_id = await _blog(app, client)
    title = "Menu de la semaine"
    for week in range(4):
        await _save_titled(store, channel_id, title, [f"w{week}-{n}" for n in range(10)])
    statements = [0]

    def counted(*_args: object) -> None:
        statements[0] += 1

    event.listen(state.engine.sync_engine, "before_cursor_execute", counted)
    later = await _save_titled(store, channel_id, title, [f"w4-{n}" for n in range(10)])
    event.remove(state.engine.sync_engine, "before_cursor_execute", counted)
    assert later == [f"menu-de-la-semaine-{n}" for n in range(41, 51)]
    # One insert per article, and a few reads and writes for the batch, whatever came before.
    assert statements[0] <= 10 + 6, f"{statements[0]} statements to store 10 articles"
    assert await _articles(state) == 50
