"""The built-in blog's article store during a burst: articles saved together are stored in one
transaction, each once, each at an address of its own."""

import asyncio

import httpx
from fastapi import FastAPI
from sqlalchemy import event, func, select

from app.db import read_only
from app.models import BlogArticle
from app.state import AppState
from connectors.base import PermanentError
from connectors.local_blog import LocalBlogConnector
from tests.connectors.helpers import outgoing
from tests.factories import engaged_writer


async def _store_and_writer(app: FastAPI, client: httpx.AsyncClient) -> tuple[AppState, int]:
    state: AppState = app.state.byline
    writer = await engaged_writer(state, client)
    return state, writer.channel_id


def _count_commits(state: AppState) -> list[int]:
    commits = [0]

    def counted(_connection: object) -> None:
        commits[0] += 1

    event.listen(state.engine.sync_engine, "commit", counted)
    return commits


async def test_articles_saved_together_share_one_transaction(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    state, channel_id = await _store_and_writer(app, client)
    store = state.registry.get("local_blog").host.article_store
    assert store is not None
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
    async with read_only(state.session_factory) as session:
        stored = await session.scalar(select(func.count()).select_from(BlogArticle))
    assert stored == 8


async def test_a_delivery_saved_twice_together_is_one_article(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # Two attempts of one delivery in the same batch, one already stored before: nothing is
    # stored twice, and the other posts of the batch are stored all the same.
    state, channel_id = await _store_and_writer(app, client)
    store = state.registry.get("local_blog").host.article_store
    assert store is not None
    first = await store.save(channel_id, outgoing(LocalBlogConnector, idempotency_key="key-1"))
    again = [
        outgoing(LocalBlogConnector, idempotency_key=key)
        for key in ("key-2", "key-1", "key-3", "key-3")
    ]
    results = await asyncio.gather(*(store.save(channel_id, post) for post in again))
    assert results[1] == first
    assert results[2] == results[3]
    async with read_only(state.session_factory) as session:
        stored = await session.scalar(select(func.count()).select_from(BlogArticle))
    assert stored == 3


async def test_a_save_for_a_removed_channel_fails_alone(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    state, channel_id = await _store_and_writer(app, client)
    store = state.registry.get("local_blog").host.article_store
    assert store is not None
    results = await asyncio.gather(
        store.save(channel_id, outgoing(LocalBlogConnector, idempotency_key="key-1")),
        store.save(channel_id + 1000, outgoing(LocalBlogConnector, idempotency_key="key-2")),
        return_exceptions=True,
    )
    assert not isinstance(results[0], BaseException)
    assert isinstance(results[1], PermanentError) and "no longer exists" in str(results[1])
