"""The built-in blog: Byline hosts the articles itself at /blog/{client-slug}, so it works out of the box."""

from __future__ import annotations

from typing import ClassVar

from connectors.base import (
    ArticleStore,
    Capabilities,
    ChannelContext,
    Connector,
    OutgoingPost,
    PermanentError,
    PublishResult,
    ensure_signed,
)


class LocalBlogConnector(Connector):
    name = "local_blog"
    label = "Built-in blog"
    capabilities: ClassVar[Capabilities] = Capabilities(
        max_length=None, supports_title=True, supports_link=True, supports_html=True
    )
    in_process = True

    async def publish(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult:
        # Idempotent by construction: saving a retried delivery's post again returns the
        # article its first attempt stored.
        return await self._store().save(channel.channel_id, post)

    async def reconcile(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult | None:
        return await self._store().find(channel.channel_id, post.idempotency_key)

    async def update(
        self, channel: ChannelContext, external_id: str, post: OutgoingPost
    ) -> PublishResult:
        ensure_signed(post, html=True)
        return await self._store().revise(channel.channel_id, external_id, post)

    async def remove(self, channel: ChannelContext, external_id: str) -> None:
        # Unpublished, not erased: the address says the article was withdrawn.
        await self._store().withdraw(channel.channel_id, external_id)

    async def lookup(self, channel: ChannelContext, external_id: str) -> PublishResult | None:
        return await self._store().get(channel.channel_id, external_id)

    def _store(self) -> ArticleStore:
        if self.host.article_store is None:
            raise PermanentError("this Byline process offers no article store to the built-in blog")
        return self.host.article_store
