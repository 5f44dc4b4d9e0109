from fastapi import APIRouter, status

from app.accounts.dependencies import CurrentActor, Session, State
from app.channels import service
from app.channels.schemas import ChannelCheckRead, ChannelCreate, ChannelRead

router = APIRouter(tags=["channels"])


@router.post(
    "/clients/{client_id}/channels", status_code=status.HTTP_201_CREATED, response_model=ChannelRead
)
async def create_channel(
    client_id: int, data: ChannelCreate, actor: CurrentActor, session: Session, state: State
) -> ChannelRead:
    """Add a destination for a client's posts (owner or manager). `kind` is a connector name;
    `config` and `credentials` are validated by that connector. Credentials are encrypted at rest
    and never returned."""
    channel = await service.create(
        session,
        actor,
        client_id,
        data,
        registry=state.registry,
        fernet=state.fernet,
        now=state.clock(),
    )
    return service.to_read(channel)


@router.get("/clients/{client_id}/channels", response_model=list[ChannelRead])
async def list_channels(client_id: int, actor: CurrentActor, session: Session) -> list[ChannelRead]:
    return [
        service.to_read(channel) for channel in await service.of_client(session, actor, client_id)
    ]


@router.post("/channels/{channel_id}/check", response_model=ChannelCheckRead)
async def check_channel(
    channel_id: int, actor: CurrentActor, session: Session, state: State
) -> ChannelCheckRead:
    """Ask the connector whether this channel can be published to; publishes nothing."""
    return await service.check(
        session,
        actor,
        channel_id,
        registry=state.registry,
        fernet=state.fernet,
        time_limit=state.settings.publish_timeout,
    )
