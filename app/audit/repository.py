"""SQL for reading the audit trail (writes are app.audit.service's, which adds rows only)."""

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEvent


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
    rows = await session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.organisation_id == organisation_id,
            AuditEvent.subject_type == subject_type,
            AuditEvent.subject_id == subject_id,
            AuditEvent.action.in_(actions),
        )
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return rows.all()
