from fastapi import APIRouter, status

from app.accounts import service
from app.accounts.dependencies import CurrentActor, Session, State
from app.accounts.schemas import TokenCreate, TokenCreated, TokenRead
from app.kit.fields import Id
from app.models import ApiToken

router = APIRouter(prefix="/tokens", tags=["tokens"])


def _read(token: ApiToken) -> TokenRead:
    return TokenRead(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )


@router.get("", response_model=list[TokenRead])
async def list_tokens(actor: CurrentActor, session: Session) -> list[TokenRead]:
    """Your own API tokens (never their values)."""
    return [_read(token) for token in await service.list_tokens(session, actor)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TokenCreated)
async def create_token(
    data: TokenCreate, actor: CurrentActor, session: Session, state: State
) -> TokenCreated:
    """A new token for yourself. Its value is in this response only: store it now."""
    token, raw = await service.create_token(session, actor, data.name, now=state.clock())
    return TokenCreated(**_read(token).model_dump(), token=raw)


@router.delete("/{token_id}", response_model=TokenRead)
async def revoke_token(
    token_id: Id, actor: CurrentActor, session: Session, state: State
) -> TokenRead:
    """Revoke one of your tokens; requests carrying it get 401 from now on."""
    return _read(await service.revoke_token(session, actor, token_id, now=state.clock()))
