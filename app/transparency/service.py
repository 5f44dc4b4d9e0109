"""“Who is talking?”: who speaks for a client now, who did before, and the handovers between."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.deliveries import service as deliveries
from app.deliveries.states import DeliveryStatus
from app.engagements import service as engagements
from app.handovers import service as handovers
from app.identity import service as identity
from app.kit.time import as_utc
from app.models import Client
from app.people import service as people


@dataclass(frozen=True)
class Voice:
    full_name: str
    role_title: str | None
    photo_url: str | None
    since: datetime
    until: datetime | None


@dataclass(frozen=True)
class Handover:
    outgoing: str
    incoming: str
    at: datetime
    announcement_url: str | None


@dataclass(frozen=True)
class Voices:
    current: list[Voice]
    past: list[Voice]
    handovers: list[Handover]

    @property
    def silent_since(self) -> datetime | None:
        """When the last voice stopped, if nobody speaks for the client now."""
        if self.current or not self.past:
            return None
        return max(voice.until for voice in self.past if voice.until is not None)


async def voices(session: AsyncSession, client: Client, *, now: datetime) -> Voices:
    rows = await engagements.voices_of(session, client.id)
    attested = await identity.attested_map(session, [person for _, person, _ in rows])
    current, past = [], []
    for engagement, person, membership in rows:
        assert engagement.responded_at is not None
        starts = max(
            as_utc(engagement.responded_at), as_utc(engagement.starts_at or engagement.responded_at)
        )
        if starts > now:
            continue  # takes over later: not a voice yet
        ends = [
            as_utc(moment)
            for moment in (engagement.ended_at, engagement.ends_at, membership.left_at)
            if moment
        ]
        until = min(ends) if ends else None
        voice = Voice(
            full_name=person.full_name,
            role_title=person.role_title,
            photo_url=person.photo_url,
            since=starts,
            until=until if until is not None and until <= now else None,
        )
        if voice.until is not None:
            past.append(voice)
        elif attested[person.id]:
            # Only someone who can sign speaks for the client: an unattested name is not shown.
            current.append(voice)
    past.sort(key=lambda voice: voice.until or voice.since, reverse=True)
    return Voices(current=current, past=past, handovers=await _handovers(session, client))


async def _handovers(session: AsyncSession, client: Client) -> list[Handover]:
    rows = await handovers.effective_of_client(session, client.id)
    sent = await deliveries.of_posts(
        session, [row.announcement_post_id for row in rows if row.announcement_post_id]
    )
    told = []
    for row in rows:
        outgoing = await people.get_member(session, row.organisation_id, row.outgoing_person_id)
        incoming = await people.get_member(session, row.organisation_id, row.incoming_person_id)
        assert outgoing is not None and incoming is not None and row.took_effect_at is not None
        urls = [
            delivery.external_url
            for delivery in sent.get(row.announcement_post_id or 0, [])
            if delivery.status == DeliveryStatus.PUBLISHED and delivery.external_url
        ]
        told.append(
            Handover(
                outgoing=outgoing[0].full_name,
                incoming=incoming[0].full_name,
                at=row.took_effect_at,
                announcement_url=urls[0] if urls else None,
            )
        )
    return told
