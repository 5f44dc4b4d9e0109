"""Clients: the brands an organisation speaks for."""

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from slugify import slugify
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.audit import service as audit
from app.clients import repository, wording
from app.clients.schemas import ClientCreate, ClientRead, ClientUpdate
from app.errors import AppError, not_found
from app.models import Client

_zone_names = cache(available_timezones)


def valid_zone(name: str) -> bool:
    # ZoneInfo alone accepts file paths such as "../zone"; the catalogue is the real list.
    if name not in _zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


async def create(
    session: AsyncSession, actor: Actor, data: ClientCreate, *, now: datetime
) -> Client:
    actor.require_manager()
    if not valid_zone(data.timezone):
        raise AppError("invalid_timezone", field="timezone", value=data.timezone)
    # backend named, as for blog articles (app.blog.store): the same addresses wherever installed.
    slug = data.slug or slugify(data.name, max_length=60, backend="text-unidecode") or "client"
    if await repository.get_by_slug(session, slug) is not None:
        if data.slug:
            raise AppError("slug_taken", field="slug", slug=slug)
        slug = await _free_slug(session, slug)
    client = await repository.add(
        session,
        Client(
            organisation_id=actor.organisation_id,
            name=data.name.strip(),
            slug=slug,
            timezone=data.timezone,
            locale=data.locale,
            publish_deadline_minutes=data.publish_deadline_minutes,
            created_at=now,
        ),
    )
    audit.record(
        session,
        organisation_id=actor.organisation_id,
        actor_id=actor.person_id,
        action="client.created",
        subject_type="client",
        subject_id=client.id,
        at=now,
        data={"name": client.name, "slug": client.slug},
    )
    return client


async def update(
    session: AsyncSession, actor: Actor, client_id: int, data: ClientUpdate, *, now: datetime
) -> Client:
    actor.require_manager()
    client = await get(session, actor, client_id)
    fields = data.model_fields_set
    if "timezone" in fields and data.timezone is not None:
        if not valid_zone(data.timezone):
            raise AppError("invalid_timezone", field="timezone", value=data.timezone)
        client.timezone = data.timezone
    if "name" in fields and data.name is not None:
        client.name = data.name.strip()
    if "locale" in fields and data.locale is not None:
        client.locale = data.locale
    if "publish_deadline_minutes" in fields:
        client.publish_deadline_minutes = data.publish_deadline_minutes
    if "signature_intro" in fields:
        client.signature_intro = _signature_intro(data.signature_intro)
    if "handover_wording" in fields:
        text = (data.handover_wording or "").strip()
        client.handover_wording = wording.check_wording(text) if text else None
    audit.record(
        session,
        organisation_id=actor.organisation_id,
        actor_id=actor.person_id,
        action="client.updated",
        subject_type="client",
        subject_id=client.id,
        at=now,
        data=data.model_dump(exclude_unset=True),
    )
    return client


def _signature_intro(value: str | None) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if any(ch in text for ch in "{}<>") or any(
        unicodedata.category(ch).startswith("C") for ch in text
    ):
        raise AppError("signature_intro_invalid", field="signature_intro")
    return text


async def _free_slug(session: AsyncSession, base: str) -> str:
    suffix = 2
    while await repository.get_by_slug(session, f"{base}-{suffix}") is not None:
        suffix += 1
    return f"{base}-{suffix}"


async def get(session: AsyncSession, actor: Actor, client_id: int) -> Client:
    return await get_for_organisation(session, actor.organisation_id, client_id)


async def get_for_organisation(
    session: AsyncSession, organisation_id: int, client_id: int
) -> Client:
    client = await repository.get_in_organisation(session, organisation_id, client_id)
    if client is None:
        raise missing()
    return client


def missing() -> AppError:
    """The refusal of a client that is not the organisation's (or does not exist)."""
    return not_found("client", "client", "/api/v1/clients")


async def get_by_slug(session: AsyncSession, slug: str) -> Client | None:
    return await repository.get_by_slug(session, slug)


async def get_many(session: AsyncSession, client_ids: list[int]) -> dict[int, Client]:
    return await repository.get_many(session, client_ids)


async def list_clients(session: AsyncSession, actor: Actor) -> Sequence[Client]:
    return await repository.list_in_organisation(session, actor.organisation_id)


async def names(session: AsyncSession, organisation_id: int) -> list[str]:
    return [
        client.name for client in await repository.list_in_organisation(session, organisation_id)
    ]


def to_read(client: Client, base_url: str) -> ClientRead:
    return ClientRead(
        id=client.id,
        name=client.name,
        slug=client.slug,
        timezone=client.timezone,
        locale=client.locale,
        signature_intro=client.signature_intro,
        handover_wording=client.handover_wording,
        publish_deadline_minutes=client.publish_deadline_minutes,
        blog_url=f"{base_url}/blog/{client.slug}",
        transparency_url=f"{base_url}/t/{client.slug}",
        created_at=client.created_at,
    )
