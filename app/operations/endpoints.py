"""Operations: /healthz (the process answers), /readyz (it can serve), /metrics (Prometheus)."""

import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Header, Response

from app.accounts.dependencies import State
from app.db import read_only
from app.deliveries.states import DeliveryStatus
from app.errors import AppError
from app.operations import service
from app.operations.metrics import CONTENT_TYPE, exposition

router = APIRouter(tags=["operations"])
log = logging.getLogger("byline.operations")


@router.get("/healthz", summary="The process answers (no database look-up)")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database answers and its schema is current",
    responses={503: {"description": "Not ready: the error says why (`not_ready`)."}},
)
async def readyz(state: State) -> dict[str, str]:
    return await service.readiness(state.engine)


@router.get(
    "/metrics",
    summary="Prometheus metrics: this process's, and the queue's",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE: {}}},
        401: {"description": "`BYLINE_METRICS_TOKEN` is set and the request does not send it."},
    },
)
async def metrics(state: State, authorization: Annotated[str | None, Header()] = None) -> Response:
    wanted = state.settings.metrics_token
    if wanted is not None and not secrets.compare_digest(
        (authorization or "").encode(), f"Bearer {wanted.get_secret_value()}".encode()
    ):
        raise AppError("metrics_token")
    try:
        async with read_only(state.session_factory) as session:
            snapshot = await service.queue_snapshot(
                session, now=state.clock(), lease_seconds=state.settings.lease_seconds
            )
    except Exception:
        # The database is away: say so, and still give what this process counted (lateness and
        # connector calls matter most then).
        log.warning("metrics: the database does not answer", exc_info=True)
        snapshot = None
    body = exposition(snapshot, [status.value for status in DeliveryStatus])
    return Response(body, media_type=CONTENT_TYPE)
