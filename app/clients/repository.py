"""SQL for clients."""

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Client

# Built once: every post written looks its client up.
_IN_ORGANISATION = select(Client).where(
    Client.id == bindparam("client_id"), Client.organisation_id == bindparam("org_id")
)


async def get_in_organisation(
    session: AsyncSession, organisation_id: int, client_id: int
) -> Client | None:
    return await session.scalar(
        _IN_ORGANISATION, {"client_id": client_id, "org_id": organisation_id}
    )


async def get_by_slug(session: AsyncSession, slug: str) -> Client | None:
    return await session.scalar(select(Client).where(Client.slug == slug))


async def list_in_organisation(session: AsyncSession, organisation_id: int) -> Sequence[Client]:
    return (
        await session.scalars(
            select(Client).where(Client.organisation_id == organisation_id).order_by(Client.name)
        )
    ).all()


async def get_many(session: AsyncSession, client_ids: list[int]) -> dict[int, Client]:
    rows = await session.scalars(select(Client).where(Client.id.in_(client_ids)))
    return {client.id: client for client in rows}


async def add(session: AsyncSession, client: Client) -> Client:
    session.add(client)
    await session.flush()
    return client
