"""SQL for posts (their deliveries, and the status derived from them, are app.deliveries')."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Person, Post


async def add(session: AsyncSession, post: Post) -> Post:
    session.add(post)
    await session.flush()
    return post


async def get_in_organisation(
    session: AsyncSession, organisation_id: int, post_id: int
) -> Post | None:
    return await session.scalar(
        select(Post).where(Post.id == post_id, Post.organisation_id == organisation_id)
    )


async def get(session: AsyncSession, post_id: int) -> Post | None:
    return await session.get(Post, post_id)


async def list_in_organisation(
    session: AsyncSession,
    organisation_id: int,
    *,
    author_id: int | None,
    client_id: int | None,
    status: str | None,
    scheduled_from: datetime | None,
    scheduled_to: datetime | None,
    limit: int,
    offset: int,
) -> Sequence[Post]:
    query = select(Post).where(Post.organisation_id == organisation_id)
    if author_id is not None:
        query = query.where(Post.author_id == author_id)
    if client_id is not None:
        query = query.where(Post.client_id == client_id)
    if status is not None:
        query = query.where(Post.status == status)
    if scheduled_from is not None:
        query = query.where(Post.scheduled_at >= scheduled_from)
    if scheduled_to is not None:
        query = query.where(Post.scheduled_at < scheduled_to)
    query = query.order_by(Post.scheduled_at.desc(), Post.id.desc()).limit(limit).offset(offset)
    return (await session.scalars(query)).all()


async def authors(session: AsyncSession, person_ids: list[int]) -> dict[int, Person]:
    rows = await session.scalars(select(Person).where(Person.id.in_(person_ids)))
    return {person.id: person for person in rows}


async def held_of(session: AsyncSession, client_id: int, author_id: int) -> Sequence[Post]:
    return (
        await session.scalars(
            select(Post)
            .where(Post.client_id == client_id, Post.author_id == author_id, Post.status == "held")
            .order_by(Post.scheduled_at, Post.id)
        )
    ).all()
