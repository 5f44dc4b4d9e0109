"""Handovers: a client passes from one CM to another, and its audience is told who leaves and who
takes over. `proposed → accepted → effective`, or `declined` / `cancelled`.

- An owner or manager proposes it: the outgoing person holds an accepted engagement with the
  client, the incoming person is an attested member. One who has no engagement with the client is
  proposed one with the handover: a CM takes a client only by accepting.
- Only the incoming person accepts (or declines). Accepting accepts the engagement and signs the
  announcement, drafted from templates/handovers/ in the client's language and edited at will: it
  becomes their own post, due at the effective time on every channel of the client and published
  by the dispatcher like any other (so once per channel, whatever the number of workers). From
  then the outgoing engagement counts only for what goes out before the effective time.
- At the effective time (`activate_due`, run by every dispatcher; one of them wins each handover)
  the outgoing engagement ends and the outgoing person's posts for the client that have not gone
  out are held, naming the handover; the incoming person may take each over as a new post of
  their own. A handover not accepted by then does not take effect: it waits, and says so.
- The outgoing person may write a farewell (offered as a draft), their own post, before the
  effective time. Nobody's post is sent for them.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import HttpUrl
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.audit import service as audit
from app.channels import service as channels
from app.clients import service as clients
from app.deliveries import service as deliveries
from app.deliveries.states import DeliveryStatus, PostStatus
from app.engagements import service as engagements
from app.engagements.schemas import EngagementStatus
from app.errors import AppError, not_found
from app.handovers import repository, wording
from app.handovers.schemas import (
    FarewellCreate,
    HandoverAccept,
    HandoverCreate,
    HandoverRead,
    HandoverStatus,
    HeldPost,
    Leave,
    PersonRef,
    TakeOver,
    Text,
    TextRead,
)
from app.identity import service as identity
from app.kit.time import as_utc, shown_in
from app.models import Client, Handover, Membership, Person, Post
from app.people import service as people
from app.posts import scheduling
from app.posts import service as posts
from app.posts.schemas import ChannelPreview, PostCreate
from app.signing.service import Signer
from connectors.registry import ConnectorRegistry

_H = HandoverStatus
OPEN = (_H.PROPOSED, _H.ACCEPTED)
FAREWELL_AHEAD = timedelta(hours=1)
"""How long before the effective time the farewell is offered to go out."""

STATUS_WORDS: dict[str, dict[str, str]] = {
    _H.PROPOSED: {"en": "proposed", "fr": "proposée"},
    _H.ACCEPTED: {"en": "accepted", "fr": "acceptée"},
    _H.EFFECTIVE: {"en": "effective", "fr": "effective"},
    _H.DECLINED: {"en": "declined", "fr": "refusée"},
    _H.CANCELLED: {"en": "cancelled", "fr": "annulée"},
}


@dataclass(frozen=True)
class Fields:
    """Where a refusal points in the request (a leave names each successor by its index)."""

    outgoing: str = "outgoing_person_id"
    incoming: str = "incoming_person_id"


# -- proposing -------------------------------------------------------------------------------


async def _member(
    session: AsyncSession, actor: Actor, person_id: int, field: str
) -> tuple[Person, Membership]:
    found = await people.get_member(session, actor.organisation_id, person_id)
    if found is None:
        raise not_found("person", "personne", "/api/v1/people", field=field)
    return found


def _people(
    client: Client, outgoing: Person, incoming: Person, effective_at: datetime
) -> wording.People:
    return wording.People(
        outgoing=outgoing.full_name,
        incoming=incoming.full_name,
        incoming_role=incoming.role_title,
        client=client.name,
        locale=client.locale,
        effective_at=as_utc(effective_at),
        zone=client.timezone,
    )


def read_effective_at(value: str | None, zone: str, now: datetime) -> datetime:
    """A handover's effective time: like a post's time, but a local time that a change of time
    makes ambiguous is refused too (which of the two would the audience be told?)."""
    return scheduling.resolve(value, zone, now, field="effective_at", refuse_ambiguous=True)


async def propose(
    session: AsyncSession, actor: Actor, client_id: int, data: HandoverCreate, *, now: datetime
) -> Handover:
    actor.require_manager()
    client = await clients.get(session, actor, client_id)
    return await propose_for_client(
        session,
        actor,
        client,
        data.outgoing_person_id,
        data.incoming_person_id,
        effective_at=read_effective_at(data.effective_at, client.timezone, now),
        note=data.note,
        now=now,
    )


async def propose_for_client(
    session: AsyncSession,
    actor: Actor,
    client: Client,
    outgoing_id: int,
    incoming_id: int,
    *,
    effective_at: datetime,
    note: str | None,
    now: datetime,
    fields: Fields = Fields(),
) -> Handover:
    if outgoing_id == incoming_id:
        raise AppError("handover_same_person", field=fields.incoming)
    outgoing, _ = await _member(session, actor, outgoing_id, fields.outgoing)
    incoming, incoming_membership = await _member(session, actor, incoming_id, fields.incoming)
    if incoming_membership.left_at is not None:
        raise AppError("handover_person_left", field=fields.incoming, name=incoming.full_name)
    if not await identity.is_attested(session, incoming):
        raise AppError(
            "handover_incoming_not_attested", field=fields.incoming, name=incoming.full_name
        )
    existing = await repository.open_for(session, client.id, outgoing.id)
    if existing is not None:
        raise AppError(
            "handover_exists",
            client=client.name,
            name=outgoing.full_name,
            id=existing.id,
            status_word=STATUS_WORDS[existing.status],
        )
    handed = await engagements.accepted(session, client.id, outgoing.id)
    if handed is None or handed.ends_at is not None:
        raise AppError(
            "handover_outgoing_not_engaged",
            field=fields.outgoing,
            name=outgoing.full_name,
            client=client.name,
        )
    taking = await engagements.open_for(session, client.id, incoming.id)
    if taking is None:
        taking = await engagements.propose_for_handover(
            session, actor, client.id, incoming.id, starts_at=effective_at, now=now
        )
    draft = wording.announcement(
        _people(client, outgoing, incoming, effective_at), client.handover_wording
    )
    handover = await repository.add(
        session,
        Handover(
            organisation_id=actor.organisation_id,
            client_id=client.id,
            outgoing_person_id=outgoing.id,
            incoming_person_id=incoming.id,
            outgoing_engagement_id=handed.id,
            incoming_engagement_id=taking.id,
            status=_H.PROPOSED,
            effective_at=effective_at,
            effective_zone=client.timezone,
            note=(note or "").strip() or None,
            announcement_title=draft.title,
            announcement_body=draft.body,
            proposed_by_id=actor.person_id,
            proposed_at=now,
            updated_at=now,
        ),
    )
    _audit(session, actor.organisation_id, actor.person_id, handover, "handover.proposed", now)
    return handover


# -- reading ---------------------------------------------------------------------------------


async def _get(
    session: AsyncSession, actor: Actor, handover_id: int, *, lock: bool = False
) -> Handover:
    handover = await repository.get_in_organisation(
        session, actor.organisation_id, handover_id, lock=lock
    )
    # Owners and managers see the organisation's handovers; a CM, those they are part of.
    if handover is None or not (
        actor.is_manager
        or actor.person_id in (handover.incoming_person_id, handover.outgoing_person_id)
    ):
        raise not_found("handover", "passation", "/api/v1/handovers")
    return handover


async def get(session: AsyncSession, actor: Actor, handover_id: int) -> Handover:
    return await _get(session, actor, handover_id)


async def list_handovers(
    session: AsyncSession,
    actor: Actor,
    *,
    client_id: int | None,
    status: str | None,
) -> Sequence[Handover]:
    return await repository.list_in_organisation(
        session,
        actor.organisation_id,
        person_id=None if actor.is_manager else actor.person_id,
        client_id=client_id,
        status=status,
    )


async def effective_of_client(session: AsyncSession, client_id: int) -> Sequence[Handover]:
    """What the transparency page tells: the handovers of the client that took effect."""
    return await repository.effective_of_client(session, client_id)


def _waiting(handover: Handover, now: datetime) -> bool:
    return handover.status == _H.PROPOSED and as_utc(handover.effective_at) <= now


_MESSAGES: dict[str, dict[str, str]] = {
    "waiting": {
        "en": "Its effective time ({when}) has passed but {incoming} has not accepted yet: "
        "nothing has changed and nothing was announced. It takes effect as soon as {incoming} "
        "accepts.",
        "fr": "L'heure d'effet ({when}) est passée, mais {incoming} n'a pas encore accepté : rien "
        "n'a changé et rien n'a été annoncé. La passation prendra effet dès que {incoming} "
        "l'acceptera.",
    },
    _H.PROPOSED: {
        "en": "Waiting for {incoming} to answer. Once accepted, it takes effect on {when}; until "
        "then {outgoing} speaks for {client}.",
        "fr": "En attente de la réponse de {incoming}. Une fois acceptée, la passation prend "
        "effet le {when} ; d'ici là, {outgoing} parle pour {client}.",
    },
    _H.ACCEPTED: {
        "en": "Accepted by {incoming}. On {when} the announcement goes out on every channel of "
        "{client} and {incoming} takes over from {outgoing}.",
        "fr": "Acceptée par {incoming}. Le {when}, l'annonce part sur chaque canal de {client} "
        "et {incoming} prend le relais de {outgoing}.",
    },
    _H.EFFECTIVE: {
        "en": "Since {when}, {incoming} speaks for {client}. The posts of {outgoing} that had "
        "not gone out are held; {incoming} may take them over.",
        "fr": "Depuis le {when}, {incoming} parle pour {client}. Les publications de {outgoing} "
        "qui n'étaient pas parties sont retenues ; {incoming} peut les reprendre.",
    },
    _H.DECLINED: {
        "en": "{incoming} declined{reason}. {outgoing} still speaks for {client}.",
        "fr": "{incoming} a refusé{reason}. {outgoing} parle toujours pour {client}.",
    },
    _H.CANCELLED: {
        "en": "Cancelled. {outgoing} still speaks for {client}.",
        "fr": "Annulée. {outgoing} parle toujours pour {client}.",
    },
}


def _status_message(
    handover: Handover,
    client: Client,
    outgoing: Person,
    incoming: Person,
    locale: str,
    now: datetime,
) -> str:
    key = "waiting" if _waiting(handover, now) else handover.status
    reason = handover.decline_reason
    quoted = {"en": f": “{reason}”", "fr": f" : « {reason} »"} if reason else {"en": "", "fr": ""}
    language = "fr" if locale == "fr" else "en"
    return _MESSAGES[key][language].format(
        when=shown_in(handover.took_effect_at or handover.effective_at, client.timezone),
        incoming=incoming.full_name,
        outgoing=outgoing.full_name,
        client=client.name,
        reason=quoted[language],
    )


def _ref(person: Person) -> PersonRef:
    return PersonRef(
        id=person.id,
        full_name=person.full_name,
        role_title=person.role_title,
        photo_url=person.photo_url,
    )


async def to_read(
    session: AsyncSession, handover: Handover, *, locale: str, now: datetime
) -> HandoverRead:
    client = await clients.get_for_organisation(
        session, handover.organisation_id, handover.client_id
    )
    outgoing, _ = await _member_of(session, handover.organisation_id, handover.outgoing_person_id)
    incoming, _ = await _member_of(session, handover.organisation_id, handover.incoming_person_id)
    farewell = wording.farewell(_people(client, outgoing, incoming, handover.effective_at))
    held: Sequence[Post] = []
    if handover.status == _H.EFFECTIVE:
        held = await posts.held_of(session, handover.client_id, handover.outgoing_person_id)
    return HandoverRead(
        id=handover.id,
        client_id=client.id,
        client_name=client.name,
        outgoing=_ref(outgoing),
        incoming=_ref(incoming),
        status=HandoverStatus(handover.status),
        waiting=_waiting(handover, now),
        status_message=_status_message(handover, client, outgoing, incoming, locale, now),
        effective_at=handover.effective_at,
        effective_zone=handover.effective_zone,
        note=handover.note,
        announcement=TextRead(title=handover.announcement_title, body=handover.announcement_body),
        announcement_post_id=handover.announcement_post_id,
        farewell_draft=TextRead(title=farewell.title, body=farewell.body),
        farewell_post_id=handover.farewell_post_id,
        held_posts=[
            HeldPost(id=post.id, title=post.title, body=post.body, scheduled_at=post.scheduled_at)
            for post in held
        ],
        incoming_engagement_id=handover.incoming_engagement_id,
        outgoing_engagement_id=handover.outgoing_engagement_id,
        proposed_by_id=handover.proposed_by_id,
        proposed_at=handover.proposed_at,
        responded_at=handover.responded_at,
        decline_reason=handover.decline_reason,
        cancelled_at=handover.cancelled_at,
        took_effect_at=handover.took_effect_at,
    )


async def _member_of(
    session: AsyncSession, organisation_id: int, person_id: int
) -> tuple[Person, Membership]:
    found = await people.get_member(session, organisation_id, person_id)
    assert found is not None, person_id
    return found


# -- the incoming person answers -------------------------------------------------------------


async def _as_incoming(
    session: AsyncSession, actor: Actor, handover_id: int
) -> tuple[Handover, Person]:
    """The handover, locked, when the caller is the person taking over (only they answer it)."""
    handover = await _get(session, actor, handover_id, lock=True)
    incoming, _ = await _member_of(session, actor.organisation_id, handover.incoming_person_id)
    if actor.person_id != handover.incoming_person_id:
        raise AppError("not_handover_incoming", name=incoming.full_name)
    return handover, incoming


async def accept(
    session: AsyncSession,
    actor: Actor,
    handover_id: int,
    data: HandoverAccept,
    *,
    registry: ConnectorRegistry,
    base_url: str,
    now: datetime,
) -> Handover:
    handover, incoming = await _as_incoming(session, actor, handover_id)
    if handover.status != _H.PROPOSED:
        raise AppError("handover_not_pending", status_word=STATUS_WORDS[handover.status])
    client = await clients.get(session, actor, handover.client_id)
    # Accepted late, it takes effect now: the audience is told when it happens.
    effective = max(as_utc(handover.effective_at), now)
    taking = await engagements.get_by_id(session, handover.incoming_engagement_id)
    if taking.status not in (EngagementStatus.PROPOSED, EngagementStatus.ACCEPTED):
        # Its engagement was declined or ended on its own since: accepting proposes it again.
        taking = await engagements.propose_for_handover(
            session, actor, client.id, incoming.id, starts_at=effective, now=now
        )
        handover.incoming_engagement_id = taking.id
    elif taking.starts_at is not None:
        engagements.counts_from(taking, effective)
    engagements.accept_with_handover(session, actor, taking, now=now)
    handed = await engagements.get_by_id(session, handover.outgoing_engagement_id)
    if handed.status == EngagementStatus.ACCEPTED:
        engagements.counts_until(handed, effective)

    edits = data.announcement
    title = handover.announcement_title
    body = handover.announcement_body
    if edits is not None and "title" in edits.model_fields_set:
        title = (edits.title or "").strip()
    if edits is not None and "body" in edits.model_fields_set:
        body = edits.body or ""
    if not body.strip():
        raise AppError("body_empty", field="announcement.body")
    handover.announcement_title = title
    handover.announcement_body = body
    targets = [channel.id for channel in await channels.of_client(session, actor, client.id)]
    if targets:
        announcement = await _write_post(
            session,
            actor,
            PostCreate.model_construct(
                client_id=client.id,
                channel_ids=targets,
                title=title or None,
                body=body,
                link=None,
                scheduled_at=effective.isoformat(),
            ),
            registry=registry,
            base_url=base_url,
            now=now,
            prefix="announcement",
        )
        handover.announcement_post_id = announcement.id
    handover.status = _H.ACCEPTED
    handover.responded_at = now
    handover.updated_at = now
    _audit(
        session,
        actor.organisation_id,
        actor.person_id,
        handover,
        "handover.accepted",
        now,
        {"announcement_post_id": handover.announcement_post_id, "edited": edits is not None},
    )
    await session.flush()
    if effective <= now:
        await activate(session, handover.id, now=now)
        await session.refresh(handover)
    return handover


async def preview_announcement(
    session: AsyncSession,
    actor: Actor,
    handover_id: int,
    text: Text,
    *,
    registry: ConnectorRegistry,
    base_url: str,
    now: datetime,
) -> list[ChannelPreview]:
    """What the announcement (the draft, or `text` being edited) will show on each channel of
    the client, signed by the incoming person: the same rendering as POST /posts/preview. Whoever
    may read the handover may read its preview; only the incoming person signs it."""
    handover = await _get(session, actor, handover_id)
    client = await clients.get(session, actor, handover.client_id)
    incoming, _ = await _member_of(session, actor.organisation_id, handover.incoming_person_id)
    targets = [channel.id for channel in await channels.of_client(session, actor, client.id)]
    if not targets:
        return []
    body = handover.announcement_body if text.body is None else text.body
    title = handover.announcement_title if text.title is None else text.title
    return await posts.preview_signed_by(
        session,
        actor,
        PostCreate.model_construct(
            client_id=client.id,
            channel_ids=targets,
            title=title.strip() or None,
            body=body,
            link=None,
            scheduled_at=max(as_utc(handover.effective_at), now).isoformat(),
        ),
        Signer(
            person_id=incoming.id,
            full_name=incoming.full_name,
            role_title=incoming.role_title,
            photo_url=incoming.photo_url,
        ),
        registry=registry,
        base_url=base_url,
        now=now,
    )


async def _write_post(
    session: AsyncSession,
    actor: Actor,
    data: PostCreate,
    *,
    registry: ConnectorRegistry,
    base_url: str,
    now: datetime,
    prefix: str | None = None,
) -> Post:
    """The caller's own post, through the same checks as POST /posts; a refusal points at the
    request's field (`announcement.body`)."""
    try:
        return await posts.create(
            session, actor, data, registry=registry, base_url=base_url, now=now
        )
    except AppError as error:
        if prefix and error.field in ("title", "body", "link"):
            error.field = f"{prefix}.{error.field}"
        raise


async def decline(
    session: AsyncSession, actor: Actor, handover_id: int, reason: str | None, *, now: datetime
) -> Handover:
    handover, _ = await _as_incoming(session, actor, handover_id)
    if handover.status != _H.PROPOSED:
        raise AppError("handover_not_pending", status_word=STATUS_WORDS[handover.status])
    handover.status = _H.DECLINED
    handover.decline_reason = (reason or "").strip() or None
    handover.responded_at = now
    handover.updated_at = now
    await _undo(session, actor, handover, now=now, why="handover declined")
    _audit(
        session,
        actor.organisation_id,
        actor.person_id,
        handover,
        "handover.declined",
        now,
        {"reason": handover.decline_reason},
    )
    return handover


async def cancel(
    session: AsyncSession, actor: Actor, handover_id: int, *, now: datetime
) -> Handover:
    actor.require_manager()
    handover = await _get(session, actor, handover_id, lock=True)
    if handover.status not in OPEN:
        raise AppError("handover_not_cancellable", status_word=STATUS_WORDS[handover.status])
    handover.status = _H.CANCELLED
    handover.cancelled_at = now
    handover.updated_at = now
    await _undo(session, actor, handover, now=now, why="handover cancelled")
    _audit(session, actor.organisation_id, actor.person_id, handover, "handover.cancelled", now)
    return handover


async def _undo(
    session: AsyncSession, actor: Actor, handover: Handover, *, now: datetime, why: str
) -> None:
    """A handover that will not happen: the outgoing person keeps the client, the engagement it
    proposed goes, and neither its announcement nor the farewell goes out."""
    handed = await engagements.get_by_id(session, handover.outgoing_engagement_id)
    if handed.status == EngagementStatus.ACCEPTED:
        engagements.counts_until(handed, None)
    taking = await engagements.get_by_id(session, handover.incoming_engagement_id)
    # An engagement with a start time is one this handover proposed.
    if taking.starts_at is not None:
        if taking.status == EngagementStatus.PROPOSED:
            engagements.withdraw_with_handover(session, actor, taking, now=now)
        elif taking.status == EngagementStatus.ACCEPTED:
            await engagements.end(session, actor, taking.id, now=now)
    for post_id in (handover.announcement_post_id, handover.farewell_post_id):
        if post_id is not None:
            await posts.withdraw(session, actor, post_id, reason=why, now=now)


# -- taking effect ---------------------------------------------------------------------------


async def activate_due(session: AsyncSession, *, now: datetime) -> int:
    """Every accepted handover whose time has come takes effect; returns how many this call
    activated (another worker may have taken some)."""
    activated = 0
    for handover_id in await repository.due_ids(session, now):
        if await activate(session, handover_id, now=now):
            activated += 1
    return activated


async def activate(session: AsyncSession, handover_id: int, *, now: datetime) -> bool:
    handover = await session.get(Handover, handover_id, populate_existing=True)
    if handover is None or handover.status != _H.ACCEPTED:
        return False
    took = max(
        as_utc(handover.effective_at), as_utc(handover.responded_at or handover.effective_at)
    )
    if not await repository.move(
        session,
        handover.id,
        [_H.ACCEPTED],
        {"status": _H.EFFECTIVE, "took_effect_at": took, "updated_at": now},
    ):
        return False  # another worker, or a person cancelling, got there first
    await session.refresh(handover)
    client = await clients.get_for_organisation(
        session, handover.organisation_id, handover.client_id
    )
    outgoing, _ = await _member_of(session, handover.organisation_id, handover.outgoing_person_id)
    incoming, _ = await _member_of(session, handover.organisation_id, handover.incoming_person_id)
    handed = await engagements.get_by_id(session, handover.outgoing_engagement_id)
    if handed.status == EngagementStatus.ACCEPTED:
        engagements.end_with_handover(
            session,
            handed,
            organisation_id=handover.organisation_id,
            at=took,
            handover_id=handover.id,
        )
    reason = (
        f"handed over: {client.name} passed from {outgoing.full_name} to {incoming.full_name} "
        f"on {shown_in(took, client.timezone)} (handover {handover.id}); nothing goes out under "
        f"{outgoing.full_name}'s name for {client.name} any more. {incoming.full_name} may take "
        "this post over as their own."
    )
    held = await deliveries.hold_posts_of(
        session, outgoing.id, client_id=client.id, reason=reason, now=now
    )
    _audit(
        session,
        handover.organisation_id,
        None,
        handover,
        "handover.effective",
        now,
        {"held_post_ids": sorted(held), "took_effect_at": took.isoformat()},
    )
    return True


# -- what the two people write ---------------------------------------------------------------


async def farewell(
    session: AsyncSession,
    actor: Actor,
    handover_id: int,
    data: FarewellCreate,
    *,
    registry: ConnectorRegistry,
    base_url: str,
    now: datetime,
) -> Post:
    """The outgoing person's farewell: their own post, signed by them, out before the handover."""
    handover = await _get(session, actor, handover_id, lock=True)
    outgoing, _ = await _member_of(session, actor.organisation_id, handover.outgoing_person_id)
    if actor.person_id != handover.outgoing_person_id:
        raise AppError("not_handover_outgoing", name=outgoing.full_name)
    if handover.status not in OPEN:
        raise AppError("farewell_closed", status_word=STATUS_WORDS[handover.status])
    if handover.farewell_post_id is not None:
        raise AppError("farewell_exists", post_id=handover.farewell_post_id)
    client = await clients.get(session, actor, handover.client_id)
    incoming, _ = await _member_of(session, actor.organisation_id, handover.incoming_person_id)
    effective_at = as_utc(handover.effective_at)
    draft = wording.farewell(_people(client, outgoing, incoming, effective_at))
    if data.scheduled_at is not None:
        scheduled = scheduling.resolve(data.scheduled_at, client.timezone, now)
    else:
        scheduled = max(now, effective_at - FAREWELL_AHEAD)
    if scheduled >= effective_at:
        raise AppError(
            "farewell_too_late",
            field="scheduled_at",
            effective=shown_in(effective_at, client.timezone),
        )
    fields = data.model_fields_set
    targets = data.channel_ids or [
        channel.id for channel in await channels.of_client(session, actor, client.id)
    ]
    post = await _write_post(
        session,
        actor,
        PostCreate.model_construct(
            client_id=client.id,
            channel_ids=targets,
            title=((data.title or "").strip() or None) if "title" in fields else draft.title,
            body=data.body if "body" in fields and data.body is not None else draft.body,
            link=None,
            scheduled_at=scheduled.isoformat(),
        ),
        registry=registry,
        base_url=base_url,
        now=now,
    )
    handover.farewell_post_id = post.id
    handover.updated_at = now
    _audit(
        session,
        actor.organisation_id,
        actor.person_id,
        handover,
        "handover.farewell",
        now,
        {"post_id": post.id},
    )
    return post


@dataclass(frozen=True)
class HeldForTakeOver:
    """A post a handover held, as the person taking it over starts from."""

    handover: Handover
    incoming: Person
    post: Post
    held_on: list[int]
    """The channels it was held on: the new post's, unless the person chooses others."""


async def held_for_take_over(
    session: AsyncSession, actor: Actor, handover_id: int, post_id: int
) -> HeldForTakeOver:
    """The held post `take_over` writes again, when the caller may take it over: the incoming
    person of the handover, once it took effect, for a post it held."""
    handover, incoming = await _as_incoming(session, actor, handover_id)
    if handover.status != _H.EFFECTIVE:
        raise AppError("handover_not_effective", status_word=STATUS_WORDS[handover.status])
    old = await posts.in_organisation(session, actor.organisation_id, post_id)
    if (
        old is None
        or old.author_id != handover.outgoing_person_id
        or old.client_id != handover.client_id
        or old.status != PostStatus.HELD
    ):
        raise AppError("not_held_by_handover", post_id=post_id, id=handover.id)
    held_on = [
        delivery.channel_id
        for delivery in (await deliveries.of_posts(session, [old.id]))[old.id]
        if delivery.status == DeliveryStatus.HELD
    ]
    return HeldForTakeOver(handover, incoming, old, held_on)


async def take_over(
    session: AsyncSession,
    actor: Actor,
    handover_id: int,
    post_id: int,
    data: TakeOver,
    *,
    registry: ConnectorRegistry,
    base_url: str,
    now: datetime,
) -> Post:
    """A post the handover held, written again as the incoming person's own (never by changing
    the old signature): the old one is cancelled, the new one is checked and signed like any."""
    held = await held_for_take_over(session, actor, handover_id, post_id)
    handover, incoming, old, held_on = held.handover, held.incoming, held.post, held.held_on
    fields = data.model_fields_set
    scheduled_at = data.scheduled_at
    if scheduled_at is None and as_utc(old.scheduled_at) > now:
        scheduled_at = as_utc(old.scheduled_at).isoformat()
    new = await _write_post(
        session,
        actor,
        PostCreate.model_construct(
            client_id=old.client_id,
            channel_ids=data.channel_ids or held_on,
            title=data.title if "title" in fields else old.title,
            body=data.body if "body" in fields and data.body is not None else old.body,
            link=data.link if "link" in fields else (HttpUrl(old.link) if old.link else None),
            scheduled_at=scheduled_at,
        ),
        registry=registry,
        base_url=base_url,
        now=now,
    )
    await posts.withdraw(
        session,
        actor,
        old.id,
        reason=f"taken over by {incoming.full_name} as post {new.id}",
        now=now,
    )
    audit.record(
        session,
        organisation_id=actor.organisation_id,
        actor_id=actor.person_id,
        action="post.taken_over",
        subject_type="post",
        subject_id=old.id,
        at=now,
        data={"handover_id": handover.id, "new_post_id": new.id},
    )
    return new


def _audit(
    session: AsyncSession,
    organisation_id: int,
    actor_id: int | None,
    handover: Handover,
    action: str,
    now: datetime,
    data: dict[str, object] | None = None,
) -> None:
    audit.record(
        session,
        organisation_id=organisation_id,
        actor_id=actor_id,
        action=action,
        subject_type="handover",
        subject_id=handover.id,
        at=now,
        data={
            "client_id": handover.client_id,
            "outgoing_person_id": handover.outgoing_person_id,
            "incoming_person_id": handover.incoming_person_id,
            "effective_at": as_utc(handover.effective_at).isoformat(),
            **(data or {}),
        },
    )


# -- leaving ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Departure:
    person: Person
    membership: Membership
    handovers: list[Handover]
    held_post_ids: set[int]


async def leave(
    session: AsyncSession, actor: Actor, person_id: int, data: Leave, *, now: datetime
) -> Departure:
    """A member leaves (now or at a set time): a handover is proposed for each client named with
    a successor, and their posts that would go out once they are gone are held at once."""
    person, _ = await people.check_can_leave(session, actor, person_id)
    speaking = await engagements.list_engagements(
        session, actor, client_id=None, person_id=person.id, status=EngagementStatus.ACCEPTED
    )
    their_clients = await clients.get_many(session, [e.client_id for e in speaking])
    zones = sorted({client.timezone for client in their_clients.values()})
    value = data.effective_at
    if value is not None and len(zones) > 1 and _is_naive(value):
        raise AppError(
            "effective_at_needs_offset",
            field="effective_at",
            name=person.full_name,
            zones=", ".join(zones),
            value=value,
        )
    effective_at = read_effective_at(value, zones[0] if zones else "UTC", now)
    seen: set[int] = set()
    handovers = []
    for index, successor in enumerate(data.successors):
        where = f"successors.{index}"
        if successor.client_id in seen:
            raise AppError(
                "successor_duplicate", field=f"{where}.client_id", client_id=successor.client_id
            )
        seen.add(successor.client_id)
        try:
            client = await clients.get(session, actor, successor.client_id)
        except AppError as error:
            error.field = f"{where}.client_id"
            raise
        handovers.append(
            await propose_for_client(
                session,
                actor,
                client,
                person.id,
                successor.person_id,
                effective_at=effective_at,
                note=None,
                now=now,
                fields=Fields(outgoing=f"{where}.client_id", incoming=f"{where}.person_id"),
            )
        )
    person, membership = await people.leave(session, actor, person.id, at=effective_at, now=now)
    held = await deliveries.hold_posts_of(
        session,
        person.id,
        due_from=effective_at if effective_at > now else None,
        # Worded as the dispatcher words a refusal, had it met them at sending time.
        reason=f"author_left: {AppError('author_left', name=person.full_name).message('en')}",
        actor_id=actor.person_id,
        now=now,
    )
    return Departure(person, membership, handovers, held)


def _is_naive(value: str) -> bool:
    try:
        return datetime.fromisoformat(value.strip()).tzinfo is None
    except ValueError:
        return False  # resolve() says what is wrong with it
