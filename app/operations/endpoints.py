"""Operations: /healthz (the process answers), /readyz (it can serve), /metrics (Prometheus)."""

from fastapi import APIRouter, Response

from app.accounts.dependencies import State
from app.db import unit_of_work
from app.deliveries.states import DeliveryStatus
from app.operations import service
from app.operations.metrics import CONTENT_TYPE, exposition

router = APIRouter(tags=["operations"])


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
    responses={200: {"content": {CONTENT_TYPE: {}}}},
)
async def metrics(state: State) -> Response:
    async with unit_of_work(state.session_factory) as session:
        snapshot = await service.queue_snapshot(
            session, now=state.clock(), lease_seconds=state.settings.lease_seconds
        )
    body = exposition(snapshot, [status.value for status in DeliveryStatus])
    return Response(body, media_type=CONTENT_TYPE)
