"""After publishing: editing a post that went out, taking it down from a channel, re-syncing.

These wait on the channels: the actor is authenticated in a transaction of its own and no
transaction stays open while a channel answers.
"""

from typing import Any

from fastapi import APIRouter

from app.accounts.dependencies import ShortActor, State
from app.aftercare import service
from app.aftercare.schemas import ChannelRevision, PostEdited
from app.db import read_only, unit_of_work
from app.deliveries import published
from app.deliveries.schemas import DeliveryRead
from app.kit.fields import Id
from app.posts import service as posts
from app.posts.schemas import PostUpdate

router = APIRouter(tags=["posts"])
_CHANNEL_FAILED: dict[int | str, dict[str, Any]] = {
    502: {"description": "`channel_call_failed`: the channel did not do it; nothing changed."}
}


@router.patch("/posts/{post_id}", response_model=PostEdited)
async def update_post(post_id: Id, data: PostUpdate, actor: ShortActor, state: State) -> PostEdited:
    """Change a post (its author only); it is signed again, and the author must still be able
    to sign. Before it goes out, anything may change. Once it went out on a channel, only its
    `title`, `body` and `link` (409 `post_published_fields` otherwise): each channel it is
    published on that can change a post is updated, and `revisions` says, per channel, whether
    it was (`updated`), did not take it (`failed`: shown on the delivery, retry with
    POST /deliveries/{id}/update) or cannot change a post (`not_supported`)."""
    async with unit_of_work(state.session_factory) as session:
        post = await posts.update(
            session,
            actor,
            post_id,
            data,
            registry=state.registry,
            base_url=state.settings.base_url,
            now=state.clock(),
        )
    revisions = await service.revise_all(state, actor, post.id)
    async with read_only(state.session_factory) as session:
        [read] = await posts.read_many(session, [await posts.get(session, actor, post_id)])
    return PostEdited(**read.model_dump(), revisions=revisions)


async def _delivery(state: State, actor: ShortActor, delivery_id: int) -> DeliveryRead:
    async with read_only(state.session_factory) as session:
        delivery, _ = await published.of_actor(session, actor, delivery_id)
        return DeliveryRead.model_validate(delivery, from_attributes=True)


@router.post(
    "/deliveries/{delivery_id}/update", response_model=ChannelRevision, tags=["deliveries"]
)
async def update_delivery(delivery_id: Id, actor: ShortActor, state: State) -> ChannelRevision:
    """Send the post as it is now to a channel that still owes an edit (`revision_error` on the
    delivery). The post's author, an owner or a manager."""
    return await service.revise(state, actor, delivery_id)


@router.post(
    "/deliveries/{delivery_id}/remove",
    response_model=DeliveryRead,
    tags=["deliveries"],
    responses=_CHANNEL_FAILED,
)
async def remove_delivery(delivery_id: Id, actor: ShortActor, state: State) -> DeliveryRead:
    """Take a published post down from this channel: trashed on WordPress, deleted on Facebook
    and Ghost, unpublished on the built-in blog. The delivery then shows `taken_down`. The post's
    author, an owner or a manager (as for cancelling)."""
    await service.remove(state, actor, delivery_id)
    return await _delivery(state, actor, delivery_id)


@router.post(
    "/deliveries/{delivery_id}/resync",
    response_model=DeliveryRead,
    tags=["deliveries"],
    responses=_CHANNEL_FAILED,
)
async def resync_delivery(delivery_id: Id, actor: ShortActor, state: State) -> DeliveryRead:
    """Ask the channel whether the post is still there: deleted there, the delivery shows
    `taken_down` and its address is no longer given as live; still there, its address is
    refreshed (a taken-down one found again is `published`)."""
    await service.resync(state, actor, delivery_id)
    return await _delivery(state, actor, delivery_id)
