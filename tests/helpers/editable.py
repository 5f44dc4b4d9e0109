"""Destinations for the tests of what happens after publishing: one that can change, take down
and look up what it published, one that cannot."""

from typing import ClassVar

from connectors.base import (
    ChannelContext,
    Connector,
    OutgoingPost,
    PublishResult,
    TransientError,
)


class Editable(Connector):
    """A destination that keeps what it shows, and can change, take down and look up a post.
    `refuse_updates`: how many updates to answer 503 first."""

    name = "editable"
    label = "Editable (tests)"
    shown: ClassVar[dict[str, str]] = {}
    refuse_updates: ClassVar[int] = 0
    down: ClassVar[bool] = False
    """Every take-down and look-up fails (the site is down)."""

    async def publish(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult:
        external_id = f"e{len(self.shown) + 1}"
        self.shown[external_id] = post.text
        return PublishResult(external_id, f"https://editable.test/{external_id}")

    async def update(
        self, channel: ChannelContext, external_id: str, post: OutgoingPost
    ) -> PublishResult:
        if type(self).refuse_updates:
            type(self).refuse_updates -= 1
            raise TransientError("the service is busy (503)")
        self.shown[external_id] = post.text
        return PublishResult(external_id, f"https://editable.test/{external_id}/v2")

    async def remove(self, channel: ChannelContext, external_id: str) -> None:
        if self.down:
            raise TransientError("the service is busy (503)")
        self.shown.pop(external_id, None)

    async def lookup(self, channel: ChannelContext, external_id: str) -> PublishResult | None:
        if self.down:
            raise TransientError("the service is busy (503)")
        if external_id not in self.shown:
            return None
        return PublishResult(external_id, f"https://editable.test/{external_id}/live")


class Fixed(Connector):
    """A destination that cannot change, take down or look up what it published."""

    name = "fixed"
    label = "Fixed (tests)"

    async def publish(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult:
        return PublishResult("f1", "https://fixed.test/f1")
