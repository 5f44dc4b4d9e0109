"""What the operations endpoints read: the queue's shape and the workers' heartbeats."""

from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.deliveries.states import DeliveryStatus
from app.kit.time import as_utc
from app.models import Delivery, Worker

_WAITING = (DeliveryStatus.SCHEDULED, DeliveryStatus.RETRYING)


async def ping(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))


async def deliveries_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
    return {status: count for status, count in rows.all()}


async def due_backlog(session: AsyncSession, now: datetime) -> tuple[int, datetime | None]:
    """How many deliveries wait past their due time, and the oldest due time among them."""
    row = (
        await session.execute(
            select(func.count(), func.min(Delivery.due_at)).where(
                Delivery.status.in_(_WAITING), Delivery.due_at <= now
            )
        )
    ).one()
    count, oldest = row
    return int(count), as_utc(oldest) if oldest is not None else None


async def live_workers(session: AsyncSession, since: datetime) -> int:
    count = await session.scalar(
        select(func.count()).where(Worker.stopped_at.is_(None), Worker.heartbeat_at >= since)
    )
    return int(count or 0)
