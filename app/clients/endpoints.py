from fastapi import APIRouter, status

from app.accounts.dependencies import CurrentActor, Session, State
from app.clients import service
from app.clients.schemas import ClientCreate, ClientRead, ClientUpdate
from app.kit.fields import Id

router = APIRouter(prefix="/clients", tags=["clients"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ClientRead)
async def create_client(
    data: ClientCreate, actor: CurrentActor, session: Session, state: State
) -> ClientRead:
    """Add a client (owner or manager)."""
    client = await service.create(session, actor, data, now=state.clock())
    return service.to_read(client, state.settings.base_url)


@router.get("", response_model=list[ClientRead])
async def list_clients(actor: CurrentActor, session: Session, state: State) -> list[ClientRead]:
    return [
        service.to_read(client, state.settings.base_url)
        for client in await service.list_clients(session, actor)
    ]


@router.get("/{client_id}", response_model=ClientRead)
async def get_client(
    client_id: Id, actor: CurrentActor, session: Session, state: State
) -> ClientRead:
    return service.to_read(await service.get(session, actor, client_id), state.settings.base_url)


@router.patch("/{client_id}", response_model=ClientRead)
async def update_client(
    client_id: Id, data: ClientUpdate, actor: CurrentActor, session: Session, state: State
) -> ClientRead:
    """Change a client (owner or manager), including how its signature is worded."""
    client = await service.update(session, actor, client_id, data, now=state.clock())
    return service.to_read(client, state.settings.base_url)
