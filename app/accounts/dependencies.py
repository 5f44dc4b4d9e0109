"""FastAPI dependencies: the app state, the request's unit of work, and the authenticated actor."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service
from app.accounts.actor import Actor
from app.db import unit_of_work, write_gate
from app.errors import AppError, request_locale
from app.state import AppState

_bearer = HTTPBearer(auto_error=False, description="An API token from `byline tokens create`.")


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.byline
    return state


# The dependencies are `async def`: FastAPI runs a plain `def` one in a worker thread, a thread
# hop per request for a dictionary lookup.
async def get_state(request: Request) -> AppState:
    return _state(request)


async def _locale(request: Request) -> str:
    return request_locale(request)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed before the response is sent, rolled back on error."""
    factory = _state(request).session_factory
    async with write_gate(factory), factory() as session, session.begin():
        yield session


State = Annotated[AppState, Depends(get_state)]
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
Locale = Annotated[str, Depends(_locale)]


async def current_actor(
    state: State,
    session: Session,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AppError("unauthenticated")
    return await service.authenticate_token(session, credentials.credentials, now=state.clock())


CurrentActor = Annotated[Actor, Depends(current_actor)]


async def short_actor(
    state: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The actor, authenticated in a transaction of its own, for endpoints that wait on the
    network and must not hold the request's transaction open meanwhile."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AppError("unauthenticated")
    async with unit_of_work(state.session_factory) as session:
        return await service.authenticate_token(session, credentials.credentials, now=state.clock())


ShortActor = Annotated[Actor, Depends(short_actor)]
