"""Readiness and the queue snapshot behind /readyz and /metrics."""

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app import schema
from app.errors import AppError
from app.operations import repository
from app.operations.metrics import QueueSnapshot


async def readiness(engine: AsyncEngine) -> dict[str, str]:
    """Raises `not_ready` unless the database answers and its schema is the one this code needs."""
    try:
        current = await schema.current_revisions(engine)
    except Exception as error:
        raise AppError("not_ready", status=503, detail=_database_down(error)) from error
    wanted = ", ".join(sorted(schema.head_revisions()))
    if current != schema.head_revisions():
        found = ", ".join(sorted(current))
        raise AppError(
            "not_ready",
            status=503,
            detail={
                "en": (
                    f"the database is at revision {found}"
                    if found
                    else "the database has never been migrated"
                )
                + f", this version needs revision {wanted}; run “byline migrate”",
                "fr": (
                    f"la base est à la révision {found}"
                    if found
                    else "la base n'a jamais été migrée"
                )
                + f", cette version attend la révision {wanted} ; lancez « byline migrate »",
            },
        )
    return {"status": "ready", "database": "ok", "schema": wanted}


def _database_down(error: Exception) -> dict[str, str]:
    kind = type(error).__name__
    return {
        "en": f"the database does not answer ({kind}); check BYLINE_DATABASE_URL and the server",
        "fr": f"la base de données ne répond pas ({kind}) ; vérifiez BYLINE_DATABASE_URL et le "
        "serveur",
    }


async def queue_snapshot(
    session: AsyncSession, *, now: datetime, lease_seconds: int
) -> QueueSnapshot:
    count, oldest = await repository.due_backlog(session, now)
    return QueueSnapshot(
        deliveries_by_status=await repository.deliveries_by_status(session),
        due_backlog=count,
        due_backlog_age_seconds=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
        live_workers=await repository.live_workers(session, now - timedelta(seconds=lease_seconds)),
    )
