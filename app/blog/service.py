"""Reading the built-in blog: a client's published articles, newest first."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.blog import repository
from app.models import BlogArticle

PAGE_SIZE = 50


async def latest(session: AsyncSession, client_id: int) -> Sequence[BlogArticle]:
    return await repository.of_client(session, client_id, PAGE_SIZE)


async def article(session: AsyncSession, client_id: int, slug: str) -> BlogArticle | None:
    return await repository.one_of_client(session, client_id, slug)
