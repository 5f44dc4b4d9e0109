from fastapi import APIRouter, status

from app.accounts.dependencies import CurrentActor, Session, ShortActor, State
from app.channels import service
from app.channels.schemas import ChannelCheckRead, ChannelCreate, ChannelRead, ChannelUpdate
from app.db import read_only, unit_of_work
from app.kit.fields import Id

router = APIRouter(tags=["channels"])


@router.post(
    "/clients/{client_id}/channels", status_code=status.HTTP_201_CREATED, response_model=ChannelRead
)
async def create_channel(
    client_id: Id, data: ChannelCreate, actor: ShortActor, state: State
) -> ChannelRead:
    """Add a destination for a client's posts (owner or manager). `kind` is a connector name;
    `config` and `credentials` are validated by that connector. An address that is not public
    is refused (422 `destination_not_public`), as is a name that does not resolve (422
    `destination_unresolved`). Credentials are encrypted at rest and never returned."""
    # Names are looked up before the transaction opens (on SQLite it would hold the write lock).
    vetted = await service.vet_config(
        actor, data.kind, data.config, registry=state.registry, destinations=state.destinations
    )
    async with unit_of_work(state.session_factory) as session:
        channel = await service.create(
            session,
            actor,
            client_id,
            data,
            vetted,
            registry=state.registry,
            fernet=state.fernet,
            now=state.clock(),
        )
        return service.to_read(channel)


@router.get("/clients/{client_id}/channels", response_model=list[ChannelRead])
async def list_channels(client_id: Id, actor: CurrentActor, session: Session) -> list[ChannelRead]:
    return [
        service.to_read(channel) for channel in await service.of_client(session, actor, client_id)
    ]


@router.patch("/channels/{channel_id}", response_model=ChannelRead)
async def update_channel(
    channel_id: Id, data: ChannelUpdate, actor: ShortActor, state: State
) -> ChannelRead:
    """Rename, reconfigure or reconnect a channel (owner or manager); new settings are refused
    as at creation. After new credentials, check the channel: a successful check releases the
    deliveries it held."""
    vetted = None
    if data.config is not None:
        async with read_only(state.session_factory) as session:
            kind = await service.kind_to_reconfigure(session, actor, channel_id)
        vetted = await service.vet_config(
            actor, kind, data.config, registry=state.registry, destinations=state.destinations
        )
    async with unit_of_work(state.session_factory) as session:
        channel = await service.update(
            session,
            actor,
            channel_id,
            data,
            vetted,
            registry=state.registry,
            fernet=state.fernet,
            now=state.clock(),
        )
        return service.to_read(channel)


@router.post("/channels/{channel_id}/check", response_model=ChannelCheckRead)
async def check_channel(channel_id: Id, actor: ShortActor, state: State) -> ChannelCheckRead:
    """Ask the connector whether this channel can be published to; publishes nothing. A channel
    that needed reconnecting and now checks fine goes back to work, with what it held. `detail`
    may hold several lines: a WordPress check says which name WordPress shows for each person
    who signs for the client, and is `ok` only when each is theirs or accepted."""
    async with unit_of_work(state.session_factory) as session:
        channel, context = await service.checkable(
            session, actor, channel_id, registry=state.registry, fernet=state.fernet
        )
    # The network call holds no transaction (on SQLite it would hold the write lock).
    result = await service.check(
        channel, context, registry=state.registry, time_limit=state.settings.publish_timeout
    )
    async with unit_of_work(state.session_factory) as session:
        return await service.after_check(session, actor, channel_id, result, now=state.clock())
