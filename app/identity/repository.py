"""SQL for attestations."""

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Attestation

# Built once: the signing check runs it on every post written.
_ACTIVE = (
    select(Attestation)
    .where(Attestation.person_id == bindparam("person_id"), Attestation.withdrawn_at.is_(None))
    .order_by(Attestation.id.desc())
    .limit(1)
)


async def active_attestation(session: AsyncSession, person_id: int) -> Attestation | None:
    return await session.scalar(_ACTIVE, {"person_id": person_id})


async def attested_names(session: AsyncSession, person_ids: list[int]) -> dict[int, str]:
    rows = await session.execute(
        select(Attestation.person_id, Attestation.attested_name).where(
            Attestation.person_id.in_(person_ids), Attestation.withdrawn_at.is_(None)
        )
    )
    return {person_id: name for person_id, name in rows}


async def withdraw_all(session: AsyncSession, person_id: int, at: datetime, reason: str) -> int:
    result = await session.execute(
        update(Attestation)
        .where(Attestation.person_id == person_id, Attestation.withdrawn_at.is_(None))
        .values(withdrawn_at=at, withdrawn_reason=reason)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def add(session: AsyncSession, attestation: Attestation) -> None:
    session.add(attestation)
