"""“Who is talking?”: who speaks for a client now, and who did before."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.engagements import service as engagements
from app.identity import service as identity
from app.models import Client


@dataclass(frozen=True)
class Voice:
    full_name: str
    role_title: str | None
    photo_url: str | None
    since: datetime
    until: datetime | None


@dataclass(frozen=True)
class Voices:
    current: list[Voice]
    past: list[Voice]


async def voices(session: AsyncSession, client: Client) -> Voices:
    rows = await engagements.voices_of(session, client.id)
    attested = await identity.attested_map(session, [person for _, person, _ in rows])
    current, past = [], []
    for engagement, person, membership in rows:
        assert engagement.responded_at is not None
        ends = [moment for moment in (engagement.ended_at, membership.left_at) if moment]
        voice = Voice(
            full_name=person.full_name,
            role_title=person.role_title,
            photo_url=person.photo_url,
            since=engagement.responded_at,
            until=min(ends) if ends else None,
        )
        if voice.until is not None:
            past.append(voice)
        elif attested[person.id]:
            # Only someone who can sign speaks for the client: an unattested name is not shown.
            current.append(voice)
    past.sort(key=lambda voice: voice.until or voice.since, reverse=True)
    return Voices(current=current, past=past)
