"""SQL for channels."""

from collections.abc import Sequence

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Channel, Client


async def get_in_organisation(
    session: AsyncSession, organisation_id: int, channel_id: int
) -> Channel | None:
    return await session.scalar(
        select(Channel)
        .join(Client, Client.id == Channel.client_id)
        .where(Channel.id == channel_id, Client.organisation_id == organisation_id)
    )


async def of_client(session: AsyncSession, client_id: int) -> Sequence[Channel]:
    return (
        await session.scalars(
            select(Channel).where(Channel.client_id == client_id).order_by(Channel.id)
        )
    ).all()


# Built once: every post written looks its channels up.
_MANY = select(Channel).where(Channel.id.in_(bindparam("ids", expanding=True)))


async def get_many(session: AsyncSession, channel_ids: list[int]) -> dict[int, Channel]:
    rows = await session.scalars(_MANY, {"ids": list(channel_ids)})
    return {channel.id: channel for channel in rows}


# Built once: every post written looks its client and channels up with it.
_CLIENT_WITH = (
    select(Client, Channel)
    .outerjoin(
        Channel,
        (Channel.client_id == Client.id) & Channel.id.in_(bindparam("ids", expanding=True)),
    )
    .where(Client.id == bindparam("client_id"), Client.organisation_id == bindparam("org_id"))
)


async def client_with_channels(
    session: AsyncSession, organisation_id: int, client_id: int, channel_ids: list[int]
) -> tuple[Client, dict[int, Channel]] | None:
    """The organisation's client and those of `channel_ids` that are its channels, in one query."""
    rows = (
        await session.execute(
            _CLIENT_WITH,
            {"client_id": client_id, "org_id": organisation_id, "ids": list(channel_ids)},
        )
    ).all()
    if not rows:
        return None
    return rows[0][0], {channel.id: channel for _, channel in rows if channel is not None}


async def add(session: AsyncSession, channel: Channel) -> Channel:
    session.add(channel)
    await session.flush()
    return channel


async def set_status(session: AsyncSession, channel_id: int, status: str) -> None:
    await session.execute(
        update(Channel).where(Channel.id == channel_id).values(status=status),
        execution_options={"synchronize_session": False},
    )
