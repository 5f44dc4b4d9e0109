"""The audit trail: append-only records of who did what."""

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import repository
from app.models import AuditEvent

_TABLE = cast(Table, AuditEvent.__table__)
_INSERT = insert(_TABLE)


def record(
    session: AsyncSession,
    *,
    organisation_id: int | None,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: int | None,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            organisation_id=organisation_id,
            actor_id=actor_id,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            data=data,
            created_at=at,
        )
    )


async def record_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Events written at once, in one statement, rather than by the next flush (the dispatcher's
    hot path, a post's creation). Each row has the columns of `record` (`created_at` for `at`)."""
    if rows:
        # A Core insert: the ORM's bulk path costs more per row and returns nothing needed here.
        await session.execute(_INSERT, list(rows))


async def of_subject(
    session: AsyncSession,
    organisation_id: int,
    subject_type: str,
    subject_id: int,
    actions: Collection[str],
    *,
    limit: int,
    offset: int,
) -> Sequence[AuditEvent]:
    """The subject's events among `actions`, newest first."""
    return await repository.of_subject(
        session, organisation_id, subject_type, subject_id, actions, limit=limit, offset=offset
    )
