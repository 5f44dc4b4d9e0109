from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.accounts import service, sessions
from app.accounts.dependencies import CurrentActor, Session, State
from app.accounts.schemas import SessionRead, SessionsEnded, TokenCreate, TokenCreated, TokenRead
from app.kit.fields import Id
from app.models import ApiToken, WebSession

router = APIRouter(prefix="/tokens", tags=["tokens"])
sessions_router = APIRouter(prefix="/people", tags=["sessions"])


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
    data: TokenCreate, actor: CurrentActor, session: Session, state: State, response: Response
) -> TokenCreated:
    """A new token for yourself. Its value is in this response only: store it now."""
    token, raw = await service.create_token(session, actor, data.name, now=state.clock())
    response.headers["Cache-Control"] = "no-store"  # no cache keeps the secret
    return TokenCreated(**_read(token).model_dump(), token=raw)


@router.delete("/{token_id}", response_model=TokenRead)
async def revoke_token(
    token_id: Id, actor: CurrentActor, session: Session, state: State
) -> TokenRead:
    """Revoke one of your tokens; requests carrying it get 401 from now on."""
    return _read(await service.revoke_token(session, actor, token_id, now=state.clock()))


def _session_read(row: WebSession) -> SessionRead:
    return SessionRead(
        id=row.id,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        expires_at=row.expires_at,
        user_agent=row.user_agent,
        address=row.address,
    )


@sessions_router.get("/{person_id}/sessions", response_model=list[SessionRead])
async def list_sessions(
    person_id: Id, actor: CurrentActor, session: Session, state: State
) -> list[SessionRead]:
    """Where a person is signed in to the web app: your own, or anyone's for an owner."""
    rows = await sessions.list_of(session, actor, person_id, now=state.clock())
    return [_session_read(row) for row in rows]


@sessions_router.delete("/{person_id}/sessions", response_model=SessionsEnded)
async def end_sessions(
    person_id: Id,
    actor: CurrentActor,
    session: Session,
    state: State,
    tokens: Annotated[
        bool,
        Query(description="Revoke the person's API tokens too: a stolen session can make one."),
    ] = False,
) -> SessionsEnded:
    """Sign a person out of the web app everywhere (a lost laptop, a doubt): your own sessions,
    or anyone's for an owner. With `tokens=true`, their API tokens are revoked as well."""
    ended, revoked = await sessions.end_for(
        session, actor, person_id, now=state.clock(), tokens=tokens
    )
    return SessionsEnded(ended=ended, tokens_revoked=revoked)
