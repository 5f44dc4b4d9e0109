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
    wanted = schema.head_revisions()
    if current != wanted:
        found = ", ".join(sorted(current)) or "none"
        raise AppError(
            "not_ready",
            status=503,
            detail={
                "en": f"the database schema is at {found}, this version needs "
                f"{', '.join(sorted(wanted))}; run “byline migrate”",
                "fr": f"le schéma de la base est à {found}, cette version demande "
                f"{', '.join(sorted(wanted))} ; lancez « byline migrate »",
            },
        )
    return {"status": "ready", "database": "ok", "schema": ", ".join(sorted(wanted))}


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
