"""The article store Byline offers the built-in blog connector (connectors.base.ArticleStore)."""

from slugify import slugify
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.blog import repository
from app.db import SessionFactory, unit_of_work
from app.kit.time import Clock
from app.models import BlogArticle
from connectors.base import OutgoingPost, PermanentError, PublishResult


def article_title(post: OutgoingPost) -> str:
    if post.title:
        return post.title
    first_line = post.text.strip().splitlines()[0] if post.text.strip() else ""
    return first_line if len(first_line) <= 80 else first_line[:79].rstrip() + "…"


class DatabaseArticleStore:
    def __init__(self, factory: SessionFactory, base_url: str, clock: Clock) -> None:
        self._factory = factory
        self._base_url = base_url
        self._clock = clock

    def _result(self, client_slug: str, article: BlogArticle) -> PublishResult:
        return PublishResult(
            external_id=str(article.id),
            external_url=f"{self._base_url}/blog/{client_slug}/{article.slug}",
            published_at=article.published_at,
        )

    async def find(self, channel_id: int, idempotency_key: str) -> PublishResult | None:
        async with unit_of_work(self._factory) as session:
            article = await repository.by_key(session, channel_id, idempotency_key)
            if article is None:
                return None
            client = await repository.client_of_channel(session, channel_id)
            return self._result(client.slug if client else "", article)

    async def save(self, channel_id: int, post: OutgoingPost) -> PublishResult:
        if post.html is None or post.signature_html is None:
            raise PermanentError("the built-in blog needs the HTML rendering of the post")
        try:
            # One transaction looks for an earlier attempt's article and stores it if there is
            # none: during a burst, each write transaction queues for SQLite's one write lock.
            async with unit_of_work(self._factory) as session:
                client = await repository.client_of_channel(session, channel_id)
                if client is None:
                    raise PermanentError("this blog's channel no longer exists")
                stored = await repository.by_key(session, channel_id, post.idempotency_key)
                if stored is not None:
                    return self._result(client.slug, stored)
                title = article_title(post)
                slug = await self._free_slug(
                    session, channel_id, slugify(title, max_length=80) or "post"
                )
                article = BlogArticle(
                    channel_id=channel_id,
                    idempotency_key=post.idempotency_key,
                    slug=slug,
                    title=title,
                    body_html=post.html,
                    link=post.link,
                    author_name=post.signature.full_name,
                    author_role_title=post.signature.role_title,
                    author_photo_url=post.signature.photo_url,
                    signature_html=post.signature_html,
                    published_at=self._clock(),
                )
                repository.add(session, article)
                await session.flush()
                return self._result(client.slug, article)
        except IntegrityError:
            # Another attempt of the same delivery stored it first (same idempotency key).
            existing = await self.find(channel_id, post.idempotency_key)
            if existing is None:
                raise
            return existing

    async def get(self, channel_id: int, external_id: str) -> PublishResult | None:
        async with unit_of_work(self._factory) as session:
            article = await self._article(session, channel_id, external_id)
            if article is None or article.withdrawn_at is not None:
                return None
            client = await repository.client_of_channel(session, channel_id)
            return self._result(client.slug if client else "", article)

    async def revise(self, channel_id: int, external_id: str, post: OutgoingPost) -> PublishResult:
        if post.html is None or post.signature_html is None:
            raise PermanentError("the built-in blog needs the HTML rendering of the post")
        async with unit_of_work(self._factory) as session:
            article = await self._article(session, channel_id, external_id)
            if article is None or article.withdrawn_at is not None:
                raise PermanentError("this article is no longer on the blog: it was withdrawn")
            client = await repository.client_of_channel(session, channel_id)
            article.title = article_title(post)
            article.body_html = post.html
            article.link = post.link
            article.author_name = post.signature.full_name
            article.author_role_title = post.signature.role_title
            article.author_photo_url = post.signature.photo_url
            article.signature_html = post.signature_html
            article.revised_at = self._clock()
            await session.flush()
            return self._result(client.slug if client else "", article)

    async def withdraw(self, channel_id: int, external_id: str) -> None:
        async with unit_of_work(self._factory) as session:
            article = await self._article(session, channel_id, external_id)
            if article is not None and article.withdrawn_at is None:
                article.withdrawn_at = self._clock()

    @staticmethod
    async def _article(
        session: AsyncSession, channel_id: int, external_id: str
    ) -> BlogArticle | None:
        if not external_id.isdecimal() or len(external_id) > 10:
            return None
        return await repository.by_id(session, channel_id, int(external_id))

    @staticmethod
    async def _free_slug(session: AsyncSession, channel_id: int, base: str) -> str:
        slug, suffix = base, 2
        while await repository.slug_taken(session, channel_id, slug):
            slug, suffix = f"{base}-{suffix}", suffix + 1
        return slug
