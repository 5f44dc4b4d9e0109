"""SQL for posts and their deliveries."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Delivery, Person, Post
from app.posts.states import post_status


async def add(session: AsyncSession, post: Post, deliveries: list[Delivery]) -> Post:
    session.add(post)
    await session.flush()
    for delivery in deliveries:
        delivery.post_id = post.id
        session.add(delivery)
    await session.flush()
    return post


def add_deliveries(session: AsyncSession, deliveries: list[Delivery]) -> None:
    session.add_all(deliveries)


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


async def deliveries_of(session: AsyncSession, post_ids: list[int]) -> dict[int, list[Delivery]]:
    grouped: dict[int, list[Delivery]] = {post_id: [] for post_id in post_ids}
    rows = await session.scalars(
        select(Delivery).where(Delivery.post_id.in_(post_ids)).order_by(Delivery.id)
    )
    for delivery in rows:
        grouped[delivery.post_id].append(delivery)
    return grouped


async def authors(session: AsyncSession, person_ids: list[int]) -> dict[int, Person]:
    rows = await session.scalars(select(Person).where(Person.id.in_(person_ids)))
    return {person.id: person for person in rows}


async def lock_unstarted(
    session: AsyncSession, post_id: int, statuses: Sequence[str], at: datetime
) -> tuple[int, int]:
    """Touch the post's deliveries that have not started, taking their row locks so no dispatcher
    claims them until this transaction ends. Returns (touched, all deliveries not cancelled)."""
    touched = await session.execute(
        update(Delivery)
        .where(Delivery.post_id == post_id, Delivery.status.in_(statuses))
        .values(updated_at=at)
    )
    total = await session.scalar(
        select(func.count()).where(Delivery.post_id == post_id, Delivery.status != "cancelled")
    )
    return int(touched.rowcount or 0), int(total or 0)  # type: ignore[attr-defined]


async def set_due(
    session: AsyncSession, post_id: int, statuses: Sequence[str], due_at: datetime
) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.post_id == post_id, Delivery.status.in_(statuses))
        .values(due_at=due_at)
    )


async def cancel_unstarted(
    session: AsyncSession, post_id: int, statuses: Sequence[str], at: datetime
) -> int:
    result = await session.execute(
        update(Delivery)
        .where(Delivery.post_id == post_id, Delivery.status.in_(statuses))
        .values(status="cancelled", updated_at=at, claim_token=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def delete_deliveries(session: AsyncSession, deliveries: list[Delivery]) -> None:
    for delivery in deliveries:
        await session.delete(delivery)
    await session.flush()


async def refresh_status(session: AsyncSession, post_id: int, at: datetime) -> str:
    """Recompute and store the post's status from its deliveries."""
    statuses = (
        await session.scalars(select(Delivery.status).where(Delivery.post_id == post_id))
    ).all()
    status = post_status(statuses)
    await session.execute(
        update(Post).where(Post.id == post_id).values(status=status, updated_at=at)
    )
    return status
