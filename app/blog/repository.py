"""SQL for the built-in blog's articles."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import BlogArticle, Channel, Client


async def by_key(session: AsyncSession, channel_id: int, key: str) -> BlogArticle | None:
    return await session.scalar(
        select(BlogArticle).where(
            BlogArticle.channel_id == channel_id, BlogArticle.idempotency_key == key
        )
    )


async def by_id(session: AsyncSession, channel_id: int, article_id: int) -> BlogArticle | None:
    return await session.scalar(
        select(BlogArticle).where(BlogArticle.channel_id == channel_id, BlogArticle.id == article_id)
    )


async def slug_taken(session: AsyncSession, channel_id: int, slug: str) -> bool:
    found = await session.scalar(
        select(BlogArticle.id).where(BlogArticle.channel_id == channel_id, BlogArticle.slug == slug)
    )
    return found is not None


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


def add(session: AsyncSession, article: BlogArticle) -> None:
    session.add(article)
