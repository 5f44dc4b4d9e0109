"""`byline demo`: a sample organisation to look around with, built through the real services."""

import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service as accounts
from app.accounts.actor import Actor, Role
from app.channels import service as channels
from app.channels.schemas import ChannelCreate
from app.clients import service as clients
from app.clients.schemas import ClientCreate
from app.db import unit_of_work
from app.engagements import service as engagements
from app.handovers import service as handovers
from app.handovers.schemas import HandoverAccept
from app.identity import service as identity
from app.identity.service import AttestMethod
from app.models import Person
from app.people import service as people
from app.people import setup
from app.people.schemas import PersonCreate
from app.posts import service as posts
from app.posts.schemas import PostCreate
from app.state import AppState


async def create_demo(state: AppState, *, due_in: timedelta) -> list[str]:
    now = state.clock()
    tag = secrets.token_hex(3)
    owner_password = secrets.token_urlsafe(12)
    cm_password = secrets.token_urlsafe(12)
    base = state.settings.base_url
    async with unit_of_work(state.session_factory) as session:
        created = await setup.setup_organisation(
            session,
            organisation_name=f"Agence Exemple {tag}",
            email=f"aline.lamour+{tag}@example.com",
            full_name="Aline Lamour",
            short_name="Aline",
            role_title="Fondatrice",
            password=owner_password,
            locale="fr",
            now=now,
        )
        owner = Actor(
            person_id=created.owner.id, organisation_id=created.organisation.id, role=Role.OWNER
        )
        cm = await _attested_cm(
            session, owner, "Guy Couturier", f"guy.couturier+{tag}@example.com", cm_password, now
        )
        client = await clients.create(
            session,
            owner,
            ClientCreate(name=f"Boulangerie Corre {tag}", timezone="Europe/Paris", locale="fr"),
            now=now,
        )
        engagement = await engagements.propose(session, owner, client.id, cm.id, now=now)
        cm_actor = Actor(person_id=cm.id, organisation_id=created.organisation.id, role=Role.CM)
        await engagements.respond(
            session, cm_actor, engagement.id, accept=True, reason=None, now=now
        )
        blog = await channels.create(
            session,
            owner,
            client.id,
            ChannelCreate(kind="local_blog", name="Blog", config={}, credentials={}),
            # The built-in blog's settings hold no address: vetting them looks nothing up.
            await channels.vet_config(
                owner, "local_blog", {}, registry=state.registry, destinations=state.destinations
            ),
            registry=state.registry,
            fernet=state.fernet,
            now=now,
        )
        post = await posts.create(
            session,
            cm_actor,
            PostCreate(
                client_id=client.id,
                channel_ids=[blog.id],
                title="Les galettes sont de retour",
                body="Dès samedi, nos galettes des rois reviennent en boutique.\n\n"
                "Frangipane ou pomme : venez goûter !",
                scheduled_at=(now + due_in).isoformat(),
            ),
            registry=state.registry,
            base_url=base,
            now=now,
        )
        _, cm_token = await accounts.create_token(session, cm_actor, "demo", now=now)
        # A second CM takes the client over a minute after the post: a handover to watch.
        successor = await _attested_cm(
            session, owner, "Lucie Fontaine", f"lucie.fontaine+{tag}@example.com", cm_password, now
        )
        handover = await handovers.propose_for_client(
            session,
            owner,
            client,
            cm.id,
            successor.id,
            effective_at=now + 2 * due_in,
            note="Guy part sur un autre projet ; Lucie reprend la boulangerie.",
            now=now,
        )
        successor_actor = Actor(
            person_id=successor.id, organisation_id=created.organisation.id, role=Role.CM
        )
        await handovers.accept(
            session,
            successor_actor,
            handover.id,
            HandoverAccept(),
            registry=state.registry,
            base_url=base,
            now=now,
        )
    return [
        f"Demo organisation “{created.organisation.name}” created.",
        f"Owner: Aline Lamour <{created.owner.email}>, password {owner_password}",
        f"CM:    Guy Couturier <{cm.email}>, password {cm_password}",
        f"CM API token: {cm_token}",
        f"Client “{client.name}”: blog {base}/blog/{client.slug}",
        f"Post #{post.id} is due at {post.scheduled_at.isoformat()} and will appear on the blog,"
        " signed by Guy Couturier, once the dispatcher runs (`byline serve`).",
        f"Handover #{handover.id}: at {handover.effective_at.isoformat()} Lucie Fontaine "
        f"<{successor.email}> (same password) takes the client over from Guy Couturier; the"
        f" announcement appears on the blog under her name, and {base}/t/{client.slug} tells it.",
    ]


async def _attested_cm(
    session: AsyncSession, owner: Actor, full_name: str, email: str, password: str, now: datetime
) -> Person:
    """A French-speaking CM whose name the owner attests (as declared: it is a demo)."""
    person, _membership, name_check = await people.create(
        session,
        owner,
        PersonCreate(
            email=email,
            full_name=full_name,
            short_name=full_name.split()[0],
            role=Role.CM,
            role_title="Community Manager",
            password=password,
            locale="fr",
        ),
        now=now,
    )
    await identity.attest(
        session,
        owner,
        person,
        method=AttestMethod.DECLARED,
        note="demo",
        confirm=False,
        name_check=name_check,
        now=now,
    )
    return person
