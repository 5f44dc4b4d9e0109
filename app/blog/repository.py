"""SQL for the built-in blog's articles."""

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import BlogArticle, Channel, Client


async def by_key(session: AsyncSession, channel_id: int, key: str) -> BlogArticle | None:
    return await session.scalar(
        select(BlogArticle).where(
            BlogArticle.channel_id == channel_id, BlogArticle.idempotency_key == key
        )
    )


# Built once: the blog's writer runs these for every batch of a burst.
_BY_KEYS = select(BlogArticle).where(
    BlogArticle.idempotency_key.in_(bindparam("keys", expanding=True))
)
_SLUGS_TAKEN = select(BlogArticle.channel_id, BlogArticle.slug).where(
    # Channel first: the (channel_id, slug) unique index serves the query.
    BlogArticle.channel_id.in_(bindparam("channels", expanding=True)),
    BlogArticle.slug.in_(bindparam("slugs", expanding=True)),
)


async def by_keys(session: AsyncSession, keys: Sequence[str]) -> dict[tuple[int, str], BlogArticle]:
    """The articles stored under any of `keys`, by (channel id, key)."""
    if not keys:
        return {}
    found = await session.scalars(_BY_KEYS, {"keys": list(keys)})
    return {(article.channel_id, article.idempotency_key): article for article in found}


async def slugs_taken(
    session: AsyncSession, channel_ids: Sequence[int], slugs: Sequence[str]
) -> set[tuple[int, str]]:
    """Which of `slugs` articles of `channel_ids` already have, as (channel id, slug)."""
    if not slugs or not channel_ids:
        return set()
    rows = await session.execute(
        _SLUGS_TAKEN, {"channels": list(channel_ids), "slugs": list(slugs)}
    )
    return {(channel_id, slug) for channel_id, slug in rows}


async def by_id(session: AsyncSession, channel_id: int, article_id: int) -> BlogArticle | None:
    return await session.scalar(
        select(BlogArticle).where(
            BlogArticle.channel_id == channel_id, BlogArticle.id == article_id
        )
    )


_NUMBERED = select(BlogArticle.slug).where(
    BlogArticle.channel_id == bindparam("channel"),
    BlogArticle.slug.like(bindparam("pattern"), escape="/"),
)


async def numbered_slugs(session: AsyncSession, channel_id: int, base: str) -> set[str]:
    """The channel's slugs that start with `base-` (its numbered variants `base-2`, `base-3`…,
    and any other slug that happens to start so), in one query."""
    prefix = f"{base}-".replace("/", "//").replace("%", "/%").replace("_", "/_")
    return set(await session.scalars(_NUMBERED, {"channel": channel_id, "pattern": prefix + "%"}))


async def client_of_channel(session: AsyncSession, channel_id: int) -> Client | None:
    return await session.scalar(
        select(Client).join(Channel, Channel.client_id == Client.id).where(Channel.id == channel_id)
    )


async def of_client(session: AsyncSession, client_id: int, limit: int) -> Sequence[BlogArticle]:
    return (
        await session.scalars(
            select(BlogArticle)
            .join(Channel, Channel.id == BlogArticle.channel_id)
            .where(Channel.client_id == client_id, BlogArticle.withdrawn_at.is_(None))
            .order_by(BlogArticle.published_at.desc(), BlogArticle.id.desc())
            .limit(limit)
        )
    ).all()


async def one_of_client(session: AsyncSession, client_id: int, slug: str) -> BlogArticle | None:
    return await session.scalar(
        select(BlogArticle)
        .join(Channel, Channel.id == BlogArticle.channel_id)
        .where(Channel.client_id == client_id, BlogArticle.slug == slug)
    )


_TABLE = cast(Table, BlogArticle.__table__)
_INSERT = insert(_TABLE).returning(_TABLE.c.id, _TABLE.c.idempotency_key)


async def insert_all(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert the articles `rows` describe (columns by name) in one statement; their ids, by
    idempotency key. A Core insert: the ORM's unit of work inserts these one row at a time on
    SQLite (it wants each new object's id back in order), a statement and its overhead each."""
    if not rows:
        return {}
    result = await session.execute(_INSERT, list(rows))
    return {key: article_id for article_id, key in result}
