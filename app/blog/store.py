"""The article store Byline offers the built-in blog connector (connectors.base.ArticleStore)."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slugify import slugify
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.blog import repository
from app.db import SessionFactory, unit_of_work
from app.kit.time import Clock
from app.models import BlogArticle, Client
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
        self._waiting: list[tuple[int, OutgoingPost, asyncio.Future[PublishResult]]] = []
        self._writer: asyncio.Task[None] | None = None

    def _result(self, client_slug: str, article: BlogArticle) -> PublishResult:
        return self._published(client_slug, article.id, article.slug, article.published_at)

    def _published(
        self, client_slug: str, article_id: int, slug: str, published_at: datetime
    ) -> PublishResult:
        return PublishResult(
            external_id=str(article_id),
            external_url=f"{self._base_url}/blog/{client_slug}/{slug}",
            published_at=published_at,
        )

    async def find(self, channel_id: int, idempotency_key: str) -> PublishResult | None:
        async with unit_of_work(self._factory) as session:
            article = await repository.by_key(session, channel_id, idempotency_key)
            if article is None:
                return None
            client = await repository.client_of_channel(session, channel_id)
            return self._result(client.slug if client else "", article)

    async def save(self, channel_id: int, post: OutgoingPost) -> PublishResult:
        """Store the article unless an earlier attempt of the same delivery did.

        Articles saved together (a burst on the blog) are written in one transaction rather
        than one each (during a burst each write transaction queues for SQLite's one write
        lock): the first save starts a writer, which takes every save waiting by then."""
        if post.html is None or post.signature_html is None:
            raise PermanentError("the built-in blog needs the HTML rendering of the post")
        loop = asyncio.get_running_loop()
        saved: asyncio.Future[PublishResult] = loop.create_future()
        self._waiting.append((channel_id, post, saved))
        if self._writer is None or self._writer.done() or self._writer.get_loop() is not loop:
            self._writer = asyncio.create_task(self._write_waiting())
        # Shielded: a caller that gives up does not take the others' transaction down with it
        # (its article may then be stored; the dispatcher's reconciliation finds it by key).
        return await asyncio.shield(saved)

    async def _write_waiting(self) -> None:
        await asyncio.sleep(0)  # let the saves started together join
        while self._waiting:
            batch, self._waiting = self._waiting, []
            posts = [(channel_id, post) for channel_id, post, _ in batch]
            results: list[PublishResult | Exception]
            try:
                results = await self._store(posts)
            except IntegrityError:
                # Another attempt of one of these deliveries stored it first (same key): each
                # on its own, so that one does not fail the others.
                results = [await self._store_one(channel_id, post) for channel_id, post in posts]
            except Exception as error:
                results = [error] * len(batch)
            for (_, _, saved), result in zip(batch, results, strict=True):
                if saved.done():
                    continue
                if isinstance(result, Exception):
                    saved.set_exception(result)
                else:
                    saved.set_result(result)

    async def _store_one(self, channel_id: int, post: OutgoingPost) -> PublishResult | Exception:
        try:
            [result] = await self._store([(channel_id, post)])
        except IntegrityError as error:
            return await self.find(channel_id, post.idempotency_key) or error
        except Exception as error:
            return error
        return result

    async def _store(
        self, batch: Sequence[tuple[int, OutgoingPost]]
    ) -> list[PublishResult | Exception]:
        """One transaction: for each post, the article an earlier attempt stored, or a new one."""
        results: list[PublishResult | Exception | None] = []
        async with unit_of_work(self._factory) as session:
            clients: dict[int, Client | None] = {}
            for channel_id in {channel_id for channel_id, _ in batch}:
                clients[channel_id] = await repository.client_of_channel(session, channel_id)
            # Read for the whole batch at once: what earlier attempts stored, which slugs exist.
            stored = await repository.by_keys(session, [post.idempotency_key for _, post in batch])
            titles = [article_title(post) for _, post in batch]
            bases = [
                # Named, not "auto": the installed Unidecode, if any, would give other
                # addresses, and looking for it costs a failed import per accented title.
                slugify(title, max_length=80, backend="text-unidecode") or "post"
                for title in titles
            ]
            taken = await repository.slugs_taken(session, sorted(clients), sorted(set(bases)))
            numbered: dict[tuple[int, str], _Numbered] = {}
            added: list[tuple[int, str, dict[str, Any]]] = []
            for (channel_id, post), title, base in zip(batch, titles, bases, strict=True):
                client = clients[channel_id]
                if client is None:
                    results.append(PermanentError("this blog's channel no longer exists"))
                    continue
                earlier = stored.get((channel_id, post.idempotency_key))
                if earlier is not None:
                    results.append(self._result(client.slug, earlier))
                    continue
                slug = await self._free_slug(session, channel_id, base, taken, numbered)
                taken.add((channel_id, slug))
                assert post.html is not None and post.signature_html is not None
                row: dict[str, Any] = {
                    "channel_id": channel_id,
                    "idempotency_key": post.idempotency_key,
                    "slug": slug,
                    "title": title,
                    "body_html": post.html,
                    "link": post.link,
                    "author_name": post.signature.full_name,
                    "author_role_title": post.signature.role_title,
                    "author_photo_url": post.signature.photo_url,
                    "signature_html": post.signature_html,
                    "published_at": self._clock(),
                }
                added.append((len(results), client.slug, row))
                results.append(None)  # its result once inserted (it then has its id)
            ids = await repository.insert_all(session, [row for _, _, row in added])
            for index, client_slug, row in added:
                results[index] = self._published(
                    client_slug, ids[row["idempotency_key"]], row["slug"], row["published_at"]
                )
        return [
            result if result is not None else PermanentError("not stored") for result in results
        ]

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
    async def _free_slug(
        session: AsyncSession,
        channel_id: int,
        base: str,
        taken: set[tuple[int, str]],
        numbered: "dict[tuple[int, str], _Numbered]",
    ) -> str:
        """`base` unless `taken` (read for the batch, with what it added) has it; else `base-2`,
        `base-3`…: the first no article of the channel has. The numbered variants in use are
        read once per batch and base (a title used again and again, say a weekly menu, would
        otherwise cost a query per number tried, for every article)."""
        if (channel_id, base) not in taken:
            return base
        variants = numbered.get((channel_id, base))
        if variants is None:
            used = await repository.numbered_slugs(session, channel_id, base)
            variants = numbered[(channel_id, base)] = _Numbered(used)
        while (slug := f"{base}-{variants.next}") in variants.used or (channel_id, slug) in taken:
            variants.next += 1
        variants.used.add(slug)
        return slug


@dataclass
class _Numbered:
    """A base slug's numbered variants in use on one channel, and the next number to try."""

    used: set[str]
    next: int = 2
