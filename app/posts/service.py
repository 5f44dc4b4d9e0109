"""Posts: written, signed and scheduled by their author; delivered to each chosen channel."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.audit import service as audit
from app.channels import service as channels
from app.clients import service as clients
from app.deliveries import published
from app.deliveries import service as deliveries
from app.deliveries.states import DeliveryStatus, PostStatus
from app.errors import AppError, not_found, validation_to_app_error
from app.models import Channel, Client, Delivery, Post
from app.posts import repository, scheduling
from app.posts import signature as signatures
from app.posts.schemas import (
    BODY_MAX_LENGTH,
    AuthorRead,
    ChannelPreview,
    DeliveryRead,
    PostCreate,
    PostRead,
    PostUpdate,
    SignatureRead,
)
from app.signing.service import Signer, ensure_can_sign
from connectors.base import Signature
from connectors.registry import ConnectorRegistry

_STATUS_WORDS = {
    PostStatus.PUBLISHED: {"en": "already published", "fr": "déjà publiée"},
    PostStatus.PARTIALLY_PUBLISHED: {"en": "partly published", "fr": "en partie publiée"},
    PostStatus.PUBLISHING: {"en": "being published", "fr": "en cours de publication"},
    PostStatus.CANCELLED: {"en": "cancelled", "fr": "annulée"},
    PostStatus.TAKEN_DOWN: {"en": "taken down", "fr": "retirée"},
    PostStatus.FAILED: {"en": "failed", "fr": "en échec"},
    PostStatus.NEEDS_ATTENTION: {
        "en": "waiting for a person's check",
        "fr": "en attente de vérification",
    },
}


def _check_body(body: str) -> None:
    if not body.strip():
        raise AppError("body_empty", field="body")
    if len(body) > BODY_MAX_LENGTH:
        raise AppError(
            "body_too_long", field="body", length=len(body), limit="Byline", maximum=BODY_MAX_LENGTH
        )


async def _channels_of_client(
    session: AsyncSession, client: Client, channel_ids: list[int]
) -> list[Channel]:
    unique_ids = list(dict.fromkeys(channel_ids))
    return _chosen(client, unique_ids, await channels.get_many(session, unique_ids))


def _chosen(client: Client, unique_ids: list[int], found: dict[int, Channel]) -> list[Channel]:
    """The channels of `unique_ids` among `found`, refusing one that is not the client's."""
    chosen = []
    for channel_id in unique_ids:
        channel = found.get(channel_id)
        if channel is None or channel.client_id != client.id:
            raise AppError(
                "channel_not_of_client",
                field="channel_ids",
                channel_id=channel_id,
                client_id=client.id,
            )
        chosen.append(channel)
    return chosen


def _check_fits(
    post: Post,
    client: Client,
    signature: Signature,
    targets: list[Channel],
    registry: ConnectorRegistry,
) -> None:
    """Each channel must be able to carry the post as it will be rendered, signature included."""
    for channel in targets:
        connector = channels.connector_class(registry, channel.kind, field="channel_ids")
        maximum = connector.capabilities.max_length
        if maximum is None:
            continue
        rendered = signatures.render_for_channel(
            post, client, signature, channel.kind, connector.capabilities, idempotency_key="-"
        )
        if len(rendered.text) > maximum:
            raise AppError(
                "body_too_long",
                field="body",
                length=len(rendered.text),
                limit=channel.name,
                maximum=maximum,
            )


@dataclass(frozen=True)
class _Draft:
    """A post checked and signed but not saved: what create and preview share."""

    post: Post
    client: Client
    targets: list[Channel]
    signature: Signature


async def _draft(
    session: AsyncSession,
    actor: Actor,
    data: PostCreate,
    *,
    base_url: str,
    now: datetime,
    signer: Signer | None = None,
) -> _Draft:
    unique_ids = list(dict.fromkeys(data.channel_ids))
    client, found = await channels.client_with_channels(
        session, actor.organisation_id, data.client_id, unique_ids
    )
    targets = _chosen(client, unique_ids, found)
    _check_body(data.body)
    scheduled_at = scheduling.resolve(data.scheduled_at, client.timezone, now)
    if signer is None:
        signer = await ensure_can_sign(
            session,
            organisation_id=actor.organisation_id,
            person_id=actor.person_id,
            client=client,
            at=scheduled_at,
        )
    post = Post(
        organisation_id=actor.organisation_id,
        client_id=client.id,
        author_id=actor.person_id,
        title=(data.title or "").strip() or None,
        body=data.body,
        link=str(data.link) if data.link else None,
        scheduled_at=scheduled_at,
        scheduled_zone=client.timezone,
        status=PostStatus.SCHEDULED,
        created_at=now,
        updated_at=now,
    )
    signatures.sign(post, signer, client, now)
    return _Draft(post, client, targets, signatures.signature_for(signer, client, base_url))


async def create(
    session: AsyncSession,
    actor: Actor,
    data: PostCreate,
    *,
    registry: ConnectorRegistry,
    base_url: str,
    now: datetime,
) -> Post:
    post, _ = await _create(session, actor, data, registry=registry, base_url=base_url, now=now)
    return post


async def create_read(
    session: AsyncSession,
    actor: Actor,
    data: PostCreate,
    *,
    registry: ConnectorRegistry,
    base_url: str,
    now: datetime,
) -> PostRead:
    """Create, and answer with the post as created, from what this transaction just wrote
    rather than reading it back (its author is its signer: the name is the one it was signed
    with)."""
    post, scheduled = await _create(
        session, actor, data, registry=registry, base_url=base_url, now=now
    )
    return _read(post, post.sig_full_name, scheduled)


async def _create(
    session: AsyncSession,
    actor: Actor,
    data: PostCreate,
    *,
    registry: ConnectorRegistry,
    base_url: str,
    now: datetime,
) -> tuple[Post, list[Delivery]]:
    draft = await _draft(session, actor, data, base_url=base_url, now=now)
    post = draft.post
    _check_fits(post, draft.client, draft.signature, draft.targets, registry)
    await repository.add(session, post)
    channel_ids = [channel.id for channel in draft.targets]
    scheduled = await deliveries.schedule(session, post, channel_ids, now=now)
    # Written at once: for one row, the unit of work costs more than the insert.
    await audit.record_many(
        session,
        [
            {
                "organisation_id": actor.organisation_id,
                "actor_id": actor.person_id,
                "action": "post.created",
                "subject_type": "post",
                "subject_id": post.id,
                "created_at": now,
                "data": {"channel_ids": channel_ids, "content_hash": post.content_hash},
            }
        ],
    )
    return post, scheduled


async def create_many(
    session: AsyncSession,
    actor: Actor,
    items: list[dict[str, Any]],
    *,
    registry: ConnectorRegistry,
    base_url: str,
    now: datetime,
) -> list[Post]:
    """Create every post or none: each item is checked as POST /posts checks one (each in a
    savepoint, so that one refusal leaves the others' checks meaningful), and any refusal
    refuses the batch with the list of what is wrong where."""
    refused: list[tuple[int, AppError]] = []
    created: list[Post] = []
    for index, item in enumerate(items):
        try:
            data = PostCreate.model_validate(item)
            async with session.begin_nested():
                created.append(
                    await create(
                        session, actor, data, registry=registry, base_url=base_url, now=now
                    )
                )
        except ValidationError as error:
            refused.append((index, validation_to_app_error(RequestValidationError(error.errors()))))
        except AppError as error:
            refused.append((index, error))
    if refused:
        raise AppError(
            "bulk_refused", field="posts", items=refused, count=len(refused), total=len(items)
        )
    return created


async def preview(
    session: AsyncSession,
    actor: Actor,
    data: PostCreate,
    *,
    registry: ConnectorRegistry,
    base_url: str,
    now: datetime,
) -> list[ChannelPreview]:
    """Render the post for each chosen channel as it would go out now, without saving anything."""
    draft = await _draft(session, actor, data, base_url=base_url, now=now)
    return _previews(draft, registry)


async def preview_signed_by(
    session: AsyncSession,
    actor: Actor,
    data: PostCreate,
    signer: Signer,
    *,
    registry: ConnectorRegistry,
    base_url: str,
    now: datetime,
) -> list[ChannelPreview]:
    """The preview of a post `signer` is about to be allowed to sign (a handover's announcement,
    read before accepting the handover makes the engagement count). Creating it still runs the
    signing rules."""
    draft = await _draft(session, actor, data, base_url=base_url, now=now, signer=signer)
    return _previews(draft, registry)


def _previews(draft: _Draft, registry: ConnectorRegistry) -> list[ChannelPreview]:
    previews = []
    for channel in draft.targets:
        capabilities = channels.connector_class(
            registry, channel.kind, field="channel_ids"
        ).capabilities
        maximum = capabilities.max_length
        rendered = signatures.render_for_channel(
            draft.post,
            draft.client,
            draft.signature,
            channel.kind,
            capabilities,
            idempotency_key="preview",
        )
        previews.append(
            ChannelPreview(
                channel_id=channel.id,
                kind=channel.kind,
                name=channel.name,
                title=rendered.title,
                text=rendered.text,
                html=rendered.html,
                signature_text=rendered.signature_text,
                length=len(rendered.text),
                max_length=maximum,
                fits=maximum is None or len(rendered.text) <= maximum,
            )
        )
    return previews


async def get(session: AsyncSession, actor: Actor, post_id: int) -> Post:
    post = await repository.get_in_organisation(session, actor.organisation_id, post_id)
    # A CM sees their own posts; owners and managers see the organisation's.
    if post is None or (not actor.is_manager and post.author_id != actor.person_id):
        raise not_found("post", "publication", "/api/v1/posts")
    return post


async def list_posts(
    session: AsyncSession,
    actor: Actor,
    *,
    client_id: int | None,
    status: str | None,
    author_id: int | None,
    scheduled_from: datetime | None,
    scheduled_to: datetime | None,
    limit: int,
    offset: int,
) -> Sequence[Post]:
    if not actor.is_manager:
        # A CM sees only their own posts: asking for a colleague's finds nothing.
        if author_id is not None and author_id != actor.person_id:
            return []
        author_id = actor.person_id
    return await repository.list_in_organisation(
        session,
        actor.organisation_id,
        author_id=author_id,
        client_id=client_id,
        status=status,
        scheduled_from=scheduled_from,
        scheduled_to=scheduled_to,
        limit=limit,
        offset=offset,
    )


async def _lock_editable(session: AsyncSession, post: Post, now: datetime) -> None:
    if not await deliveries.lock_unstarted(session, post.id, now=now):
        status = PostStatus(post.status)
        word = _STATUS_WORDS.get(status, {"en": str(status), "fr": str(status)})
        raise AppError("post_not_editable", status_word=word)


async def update(
    session: AsyncSession,
    actor: Actor,
    post_id: int,
    data: PostUpdate,
    *,
    registry: ConnectorRegistry,
    base_url: str,
    now: datetime,
) -> Post:
    post = await get(session, actor, post_id)
    if post.author_id != actor.person_id:
        raise AppError("not_post_author")
    if not await deliveries.lock_unstarted(session, post.id, now=now):
        return await _update_published(
            session, actor, post, data, registry=registry, base_url=base_url, now=now
        )
    client = await clients.get(session, actor, post.client_id)
    fields = data.model_fields_set
    _apply(post, data)
    if "scheduled_at" in fields:
        post.scheduled_at = scheduling.resolve(data.scheduled_at, client.timezone, now)
        post.scheduled_zone = client.timezone
    current = (await deliveries.of_posts(session, [post.id]))[post.id]
    targets = await _channels_of_client(
        session,
        client,
        data.channel_ids
        or [
            delivery.channel_id
            for delivery in current
            if delivery.status != DeliveryStatus.CANCELLED
        ],
    )
    # Editing re-signs: the rules are checked again and the signature is the author's name now.
    signer = await ensure_can_sign(
        session,
        organisation_id=actor.organisation_id,
        person_id=actor.person_id,
        client=client,
        at=post.scheduled_at,
    )
    signatures.sign(post, signer, client, now)
    _check_fits(post, client, signatures.signature_for(signer, client, base_url), targets, registry)
    post.updated_at = now
    await session.flush()
    await deliveries.retarget(
        session, post, [channel.id for channel in targets], actor_id=actor.person_id, now=now
    )
    await session.refresh(post, ["status"])
    _audit(session, actor, post, "post.updated", now, {"fields": sorted(fields)})
    return post


async def _update_published(
    session: AsyncSession,
    actor: Actor,
    post: Post,
    data: PostUpdate,
    *,
    registry: ConnectorRegistry,
    base_url: str,
    now: datetime,
) -> Post:
    """Edit a post that went out on some channels: its words only, signed again by its author
    (who must still be able to sign now); each published delivery whose channel can change a
    post owes it the edit until the channel takes it (`app.aftercare` sends it)."""
    current = (await deliveries.of_posts(session, [post.id]))[post.id]
    sent = [d for d in current if d.status == DeliveryStatus.PUBLISHED]
    if not sent or not await published.lock_for_edit(session, post.id, now=now):
        await _lock_editable(session, post, now)  # refuses, saying what the post is
    fields = data.model_fields_set
    if fields & {"scheduled_at", "channel_ids"}:
        raise AppError("post_published_fields", field=min(fields & {"scheduled_at", "channel_ids"}))
    client = await clients.get(session, actor, post.client_id)
    _apply(post, data)
    targets = await _channels_of_client(
        session,
        client,
        [d.channel_id for d in current if d.status != DeliveryStatus.CANCELLED],
    )
    signer = await ensure_can_sign(
        session,
        organisation_id=actor.organisation_id,
        person_id=actor.person_id,
        client=client,
        at=now,
    )
    signatures.sign(post, signer, client, now)
    _check_fits(post, client, signatures.signature_for(signer, client, base_url), targets, registry)
    post.updated_at = now
    kinds = {channel.id: channel.kind for channel in targets}
    await published.owe_revision(
        session,
        [
            d.id
            for d in sent
            if channels.connector_class(registry, kinds[d.channel_id], field=None).can_update()
        ],
        now=now,
    )
    await session.flush()
    _audit(
        session,
        actor,
        post,
        "post.updated",
        now,
        {"fields": sorted(fields), "after_publishing": True},
    )
    return post


def _apply(post: Post, data: PostUpdate) -> None:
    """The edit's words (title, body, link) onto the post."""
    fields = data.model_fields_set
    if "body" in fields:
        if data.body is None:
            raise AppError("body_empty", field="body")
        _check_body(data.body)
        post.body = data.body
    if "title" in fields:
        post.title = (data.title or "").strip() or None
    if "link" in fields:
        post.link = str(data.link) if data.link else None


async def cancel(session: AsyncSession, actor: Actor, post_id: int, *, now: datetime) -> Post:
    post = await get(session, actor, post_id)
    if post.author_id != actor.person_id:
        actor.require_manager()
    cancelled = await deliveries.cancel_unstarted(
        session, post.id, actor_id=actor.person_id, now=now
    )
    if cancelled == 0:
        if post.status in (PostStatus.PUBLISHED, PostStatus.PARTIALLY_PUBLISHED):
            # Nothing is left to cancel: what a person wants then is to take it down.
            raise AppError("post_out_remove_instead", id=post.id)
        word = _STATUS_WORDS.get(PostStatus(post.status), {"en": post.status, "fr": post.status})
        raise AppError("post_not_editable", status_word=word)
    post.cancelled_at = now
    await session.flush()
    await session.refresh(post, ["status", "updated_at"])
    _audit(session, actor, post, "post.cancelled", now, {"deliveries": cancelled})
    return post


async def withdraw(
    session: AsyncSession, actor: Actor, post_id: int, *, reason: str, now: datetime
) -> int:
    """Cancel what of a post has not gone out, for a reason other than its author's wish (its
    handover was cancelled or declined, another person took it over). Returns how many
    deliveries; nothing that left is touched."""
    post = await repository.get_in_organisation(session, actor.organisation_id, post_id)
    if post is None:
        return 0
    cancelled = await deliveries.cancel_unstarted(
        session, post.id, actor_id=actor.person_id, now=now
    )
    if cancelled:
        post.cancelled_at = now
        await session.flush()
        await session.refresh(post, ["status", "updated_at"])
        _audit(
            session, actor, post, "post.cancelled", now, {"deliveries": cancelled, "reason": reason}
        )
    return cancelled


async def in_organisation(session: AsyncSession, organisation_id: int, post_id: int) -> Post | None:
    """A post of the organisation, whoever wrote it (callers check who may see it)."""
    return await repository.get_in_organisation(session, organisation_id, post_id)


async def held_of(session: AsyncSession, client_id: int, author_id: int) -> Sequence[Post]:
    """An author's posts for a client that are held, waiting for a person."""
    return await repository.held_of(session, client_id, author_id)


def _audit(
    session: AsyncSession,
    actor: Actor,
    post: Post,
    action: str,
    now: datetime,
    data: dict[str, object],
) -> None:
    audit.record(
        session,
        organisation_id=actor.organisation_id,
        actor_id=actor.person_id,
        action=action,
        subject_type="post",
        subject_id=post.id,
        at=now,
        data={**data, "content_hash": post.content_hash},
    )


async def read_many(session: AsyncSession, posts: Sequence[Post]) -> list[PostRead]:
    post_ids = [post.id for post in posts]
    sent = await deliveries.of_posts(session, post_ids)
    authors = await repository.authors(session, list({post.author_id for post in posts}))
    return [_read(post, authors[post.author_id].full_name, sent[post.id]) for post in posts]


def _read(post: Post, author_name: str, sent: Sequence[Delivery]) -> PostRead:
    return PostRead(
        id=post.id,
        client_id=post.client_id,
        author=AuthorRead(id=post.author_id, full_name=author_name),
        title=post.title,
        body=post.body,
        link=post.link,
        scheduled_at=post.scheduled_at,
        scheduled_zone=post.scheduled_zone,
        status=PostStatus(post.status),
        signature=SignatureRead(
            full_name=post.sig_full_name,
            role_title=post.sig_role_title,
            photo_url=post.sig_photo_url,
            client_name=post.sig_client_name,
            content_hash=post.content_hash,
            signed_at=post.signed_at,
        ),
        deliveries=[DeliveryRead.model_validate(d, from_attributes=True) for d in sent],
        created_at=post.created_at,
        updated_at=post.updated_at,
    )
