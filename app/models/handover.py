from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Handover(Base):
    """A client passing from one CM to another at `effective_at`:
    proposed → accepted → effective, or declined / cancelled.

    The announcement is the incoming person's own post (`announcement_post_id`, created when they
    accept); the farewell, if the outgoing person writes one, is theirs (`farewell_post_id`)."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    outgoing_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    incoming_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    outgoing_engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"))
    incoming_engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"))
    status: Mapped[str] = mapped_column(String(20), index=True)
    effective_at: Mapped[datetime]
    effective_zone: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    announcement_title: Mapped[str] = mapped_column(String(300))
    announcement_body: Mapped[str] = mapped_column(Text)
    announcement_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    farewell_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    proposed_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None]
    # When it took effect: `effective_at`, or the acceptance when that came later.
    took_effect_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
