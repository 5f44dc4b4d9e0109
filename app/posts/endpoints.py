from typing import Annotated

from fastapi import APIRouter, Query, status

from app.accounts.dependencies import CurrentActor, Session, State
from app.deliveries.states import PostStatus
from app.kit.fields import Count, Id, Instant
from app.posts import service
from app.posts.schemas import (
    ChannelPreview,
    PostBulkCreate,
    PostCreate,
    PostRead,
)

router = APIRouter(prefix="/posts", tags=["posts"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PostRead)
async def create_post(
    data: PostCreate, actor: CurrentActor, session: Session, state: State
) -> PostRead:
    """Write, sign and schedule a post. You are its author and it is signed with your attested
    name: you need an attested name (`author_not_attested`) and an accepted engagement with the
    client (`no_engagement`). No `scheduled_at` publishes now."""
    return await service.create_read(
        session,
        actor,
        data,
        registry=state.registry,
        base_url=state.settings.base_url,
        now=state.clock(),
    )


@router.post(
    "/bulk",
    status_code=status.HTTP_201_CREATED,
    response_model=list[PostRead],
    responses={422: {"description": "`bulk_refused`: nothing was created; `items` says why."}},
)
async def create_posts(
    data: PostBulkCreate, actor: CurrentActor, session: Session, state: State
) -> list[PostRead]:
    """Up to 500 posts at once (a month imported from another scheduler), all or nothing: each
    is checked as by POST /posts, and one refusal refuses them all with a list of what is wrong,
    by index (`error.items`)."""
    posts = await service.create_many(
        session,
        actor,
        data.posts,
        registry=state.registry,
        base_url=state.settings.base_url,
        now=state.clock(),
    )
    return await service.read_many(session, posts)


@router.post("/preview", response_model=list[ChannelPreview])
async def preview_post(
    data: PostCreate, actor: CurrentActor, session: Session, state: State
) -> list[ChannelPreview]:
    """Exactly what each selected channel will show, signature included; nothing is saved. The
    same signing rules apply as for creating the post."""
    return await service.preview(
        session,
        actor,
        data,
        registry=state.registry,
        base_url=state.settings.base_url,
        now=state.clock(),
    )


@router.get("", response_model=list[PostRead])
async def list_posts(
    actor: CurrentActor,
    session: Session,
    client_id: Id | None = None,
    status: PostStatus | None = None,
    author_id: Id | None = None,
    scheduled_from: Annotated[Instant | None, Query(description="ISO 8601 with offset")] = None,
    scheduled_to: Annotated[Instant | None, Query(description="ISO 8601 with offset")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[Count, Query()] = 0,
) -> list[PostRead]:
    """Newest scheduled first. A CM sees their own posts; owners and managers see all."""
    posts = await service.list_posts(
        session,
        actor,
        client_id=client_id,
        status=status,
        author_id=author_id,
        scheduled_from=scheduled_from,
        scheduled_to=scheduled_to,
        limit=limit,
        offset=offset,
    )
    return await service.read_many(session, posts)


@router.get("/{post_id}", response_model=PostRead)
async def get_post(post_id: Id, actor: CurrentActor, session: Session) -> PostRead:
    return (await service.read_many(session, [await service.get(session, actor, post_id)]))[0]


@router.post("/{post_id}/cancel", response_model=PostRead)
async def cancel_post(
    post_id: Id, actor: CurrentActor, session: Session, state: State
) -> PostRead:
    """Cancel what has not gone out yet (the author, or an owner or manager)."""
    post = await service.cancel(session, actor, post_id, now=state.clock())
    return (await service.read_many(session, [post]))[0]
