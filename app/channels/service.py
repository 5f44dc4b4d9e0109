"""Channels: where a client's posts go, each through a connector."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.audit import service as audit
from app.channels import repository
from app.channels.destinations import ensure_reachable
from app.channels.schemas import (
    ChannelCheckRead,
    ChannelCreate,
    ChannelRead,
    ChannelUpdate,
    CheckLineRead,
)
from app.clients import service as clients
from app.deliveries import service as deliveries
from app.engagements import service as engagements
from app.errors import AppError, not_found
from app.kit.crypto import decrypt_json, encrypt_json
from app.kit.time import as_utc, utc_now
from app.models import Channel, Client
from connectors.base import Author, ChannelContext, Connector, ConnectorError
from connectors.destinations import DestinationPolicy
from connectors.registry import ConnectorRegistry

# Each client has one built-in blog, which /blog/{client-slug} shows.
_ONE_PER_CLIENT = {"local_blog"}


def connector_class(
    registry: ConnectorRegistry, kind: str, *, field: str | None = "kind"
) -> type[Connector]:
    """The connector for `kind`, or the refusal that lists the kinds this Byline has."""
    connector = registry.get_class(kind)
    if connector is None:
        raise AppError(
            "unknown_channel_kind", field=field, kind=kind, kinds=", ".join(registry.kinds())
        )
    return connector


def _first_problem(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "value"
    return f"{where}: {first.get('msg', 'invalid')}"


def _validated(model: type[BaseModel], data: dict[str, Any], part: str, kind: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise AppError(
            "invalid_channel_config", field=part, part=part, kind=kind, detail=_first_problem(error)
        ) from None


@dataclass(frozen=True)
class VettedConfig:
    """A channel's settings validated by its connector, every address in them one Byline may
    reach. Made by `vet_config` only: channels are written with settings that passed it."""

    kind: str
    config: BaseModel


async def vet_config(
    actor: Actor,
    kind: str,
    config: dict[str, Any],
    *,
    registry: ConnectorRegistry,
    destinations: DestinationPolicy,
) -> VettedConfig:
    """Validate the settings of a `kind` channel and refuse addresses that are not public
    (`destination_not_public`) or do not resolve (`destination_unresolved`). Looks names up, so
    it runs outside any transaction (on SQLite one would hold the write lock meanwhile)."""
    actor.require_manager()
    connector = connector_class(registry, kind)
    validated = _validated(connector.config_model, config, "config", kind)
    await ensure_reachable(validated, destinations)
    return VettedConfig(kind=kind, config=validated)


async def create(
    session: AsyncSession,
    actor: Actor,
    client_id: int,
    data: ChannelCreate,
    vetted: VettedConfig,
    *,
    registry: ConnectorRegistry,
    fernet: Fernet,
    now: datetime,
) -> Channel:
    """Add a channel with the settings `vet_config` accepted for `data`."""
    actor.require_manager()
    if vetted.kind != data.kind:
        raise ValueError(f"settings vetted for {vetted.kind!r}, not {data.kind!r}")
    client = await clients.get(session, actor, client_id)
    connector = connector_class(registry, data.kind)
    config = vetted.config
    credentials = _validated(
        connector.credentials_model, data.credentials, "credentials", data.kind
    )
    if data.kind in _ONE_PER_CLIENT and any(
        existing.kind == data.kind for existing in await repository.of_client(session, client.id)
    ):
        raise AppError("channel_exists", field="kind")
    secret_values = _reveal(credentials)
    channel = await repository.add(
        session,
        Channel(
            client_id=client.id,
            kind=data.kind,
            name=data.name.strip(),
            config=config.model_dump(mode="json"),
            credentials_encrypted=encrypt_json(fernet, secret_values) if secret_values else None,
            status="active",
            created_at=now,
        ),
    )
    audit.record(
        session,
        organisation_id=actor.organisation_id,
        actor_id=actor.person_id,
        action="channel.created",
        subject_type="channel",
        subject_id=channel.id,
        at=now,
        data={"client_id": client.id, "kind": data.kind, "name": channel.name},
    )
    return channel


def _reveal(model: BaseModel) -> dict[str, Any]:
    """The plain values of a credentials model, SecretStr included, for encryption."""
    values = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        values[name] = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    return values


async def get(session: AsyncSession, actor: Actor, channel_id: int) -> Channel:
    channel = await repository.get_in_organisation(session, actor.organisation_id, channel_id)
    if channel is None:
        raise not_found("channel", "canal", "/api/v1/clients/{id}/channels")
    return channel


async def kind_to_reconfigure(session: AsyncSession, actor: Actor, channel_id: int) -> str:
    """The kind of a channel whose settings `actor` is about to change (owner or manager)."""
    actor.require_manager()
    return (await get(session, actor, channel_id)).kind


async def of_client(session: AsyncSession, actor: Actor, client_id: int) -> Sequence[Channel]:
    client = await clients.get(session, actor, client_id)
    return await repository.of_client(session, client.id)


async def get_many(session: AsyncSession, channel_ids: list[int]) -> dict[int, Channel]:
    return await repository.get_many(session, channel_ids)


async def client_with_channels(
    session: AsyncSession, organisation_id: int, client_id: int, channel_ids: list[int]
) -> tuple[Client, dict[int, Channel]]:
    """The organisation's client (refused as `clients.get` refuses it) and those of
    `channel_ids` that are its channels."""
    found = await repository.client_with_channels(session, organisation_id, client_id, channel_ids)
    if found is None:
        raise clients.missing()
    return found


def context_for(
    channel: Channel,
    connector: type[Connector],
    fernet: Fernet,
    authors: tuple[Author, ...] = (),
) -> ChannelContext:
    secrets = (
        decrypt_json(fernet, channel.credentials_encrypted) if channel.credentials_encrypted else {}
    )
    return ChannelContext(
        channel_id=channel.id,
        name=channel.name,
        config=connector.config_model.model_validate(channel.config),
        credentials=connector.credentials_model.model_validate(secrets),
        authors=authors,
    )


async def authors_of(session: AsyncSession, client_id: int, *, now: datetime) -> tuple[Author, ...]:
    """The people who sign for the client now (an accepted engagement, still a member): whose
    names a check says the channel will show."""
    return tuple(
        Author(person_id=person.id, full_name=person.full_name, email=person.email)
        for engagement, person, membership in await engagements.voices_of(session, client_id)
        if engagement.status == "accepted"
        and not (membership.left_at is not None and as_utc(membership.left_at) <= now)
    )


async def checkable(
    session: AsyncSession,
    actor: Actor,
    channel_id: int,
    *,
    registry: ConnectorRegistry,
    fernet: Fernet,
) -> tuple[Channel, ChannelContext | None]:
    """The channel and what its connector needs to check it (None: no such connector here),
    with the client's current authors."""
    channel = await get(session, actor, channel_id)
    connector_class = registry.get_class(channel.kind)
    if connector_class is None:
        return channel, None
    authors = await authors_of(session, channel.client_id, now=utc_now())
    return channel, context_for(channel, connector_class, fernet, authors)


async def check(
    channel: Channel,
    context: ChannelContext | None,
    *,
    registry: ConnectorRegistry,
    time_limit: float,
) -> ChannelCheckRead:
    """Ask the connector; runs outside any transaction (it may wait on the network)."""
    if context is None:
        return ChannelCheckRead(
            ok=False,
            detail=f"no connector named {channel.kind!r} is installed",
            code="byline.no_connector",
            params={"kind": channel.kind},
        )
    try:
        async with asyncio.timeout(time_limit):
            result = await registry.get(channel.kind).check(context)
    except ConnectorError as error:
        return ChannelCheckRead(
            ok=False, detail=error.message, code=error.code, params=dict(error.params)
        )
    except TimeoutError:
        return ChannelCheckRead(
            ok=False,
            detail=f"no answer within {time_limit:.0f} s",
            code="byline.no_answer",
            params={"seconds": f"{time_limit:.0f}"},
        )
    lines = [
        CheckLineRead(detail=line.text, code=line.code, params=dict(line.params))
        for line in result.lines
    ]
    return ChannelCheckRead(
        ok=result.ok,
        detail=result.detail,
        code=result.code,
        params=dict(result.params),
        lines=lines,
    )


async def after_check(
    session: AsyncSession, actor: Actor, channel_id: int, result: ChannelCheckRead, *, now: datetime
) -> ChannelCheckRead:
    """A channel that needed reconnecting and now checks fine goes back to work, with what it
    held, when an owner or a manager checks it: releasing held posts is the decision of those
    who may reconnect the channel. Anyone else's check only reports."""
    channel = await get(session, actor, channel_id)
    if not (result.ok and channel.status == "needs_reauth"):
        return result.model_copy(update={"status": channel.status})
    if not actor.is_manager:
        return result.model_copy(
            update={
                "status": channel.status,
                "detail": f"{result.detail}; it stays held until an owner or a manager checks it",
            }
        )
    channel.status = "active"
    released = await deliveries.release_channel(
        session, channel.id, actor_id=actor.person_id, now=now
    )
    audit.record(
        session,
        organisation_id=actor.organisation_id,
        actor_id=actor.person_id,
        action="channel.reconnected",
        subject_type="channel",
        subject_id=channel.id,
        at=now,
        data={"released": released},
    )
    return ChannelCheckRead(
        ok=True,
        detail=f"{result.detail}; {released} held deliveries released",
        code=result.code,
        params=result.params,
        lines=result.lines,
        status=channel.status,
        released=released,
    )


async def needs_reauth(
    session: AsyncSession, channel_id: int, reason: str | None, *, now: datetime
) -> None:
    """The channel refused its credentials (seen by the dispatcher): mark it for reconnecting,
    and hold what was waiting to go out on it."""
    await repository.set_status(session, channel_id, "needs_reauth")
    await deliveries.hold_channel(session, channel_id, reason, now=now)


async def update(
    session: AsyncSession,
    actor: Actor,
    channel_id: int,
    data: ChannelUpdate,
    vetted: VettedConfig | None = None,
    *,
    registry: ConnectorRegistry,
    fernet: Fernet,
    now: datetime,
) -> Channel:
    """Rename, reconfigure or reconnect (new credentials) a channel; check it to release what it
    held. New settings (`data.config`) come with what `vet_config` made of them."""
    actor.require_manager()
    channel = await get(session, actor, channel_id)
    connector = connector_class(registry, channel.kind)
    fields = data.model_fields_set
    if "name" in fields and data.name:
        channel.name = data.name.strip()
    if "config" in fields and data.config is not None:
        if vetted is None or vetted.kind != channel.kind:
            raise ValueError(f"new settings of a {channel.kind!r} channel must be vetted first")
        channel.config = vetted.config.model_dump(mode="json")
    if "credentials" in fields and data.credentials is not None:
        secret_values = _reveal(
            _validated(connector.credentials_model, data.credentials, "credentials", channel.kind)
        )
        channel.credentials_encrypted = (
            encrypt_json(fernet, secret_values) if secret_values else None
        )
    audit.record(
        session,
        organisation_id=actor.organisation_id,
        actor_id=actor.person_id,
        action="channel.updated",
        subject_type="channel",
        subject_id=channel.id,
        at=now,
        data={"fields": sorted(fields)},
    )
    return channel


def to_read(channel: Channel) -> ChannelRead:
    return ChannelRead(
        id=channel.id,
        client_id=channel.client_id,
        kind=channel.kind,
        name=channel.name,
        config=channel.config,
        status=channel.status,
        has_credentials=channel.credentials_encrypted is not None,
        created_at=channel.created_at,
    )
