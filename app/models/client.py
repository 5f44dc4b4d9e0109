from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Client(Base):
    """A brand the organisation speaks for. `slug` names its public pages, so it is global."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(5))
    # The client's own wording around the signature; the name and role are always rendered.
    signature_intro: Mapped[str | None] = mapped_column(String(120))
    # The client's own wording of a handover announcement ({outgoing}, {incoming}…); None: ours.
    handover_wording: Mapped[str | None] = mapped_column(Text)
    # How long after a post's scheduled time the dispatcher keeps trying; None: the setting.
    publish_deadline_minutes: Mapped[int | None]
    created_at: Mapped[datetime]
