from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Attestation(Base):
    """Someone vouched that `attested_name` is this person's real name. Kept even when withdrawn."""

    __tablename__ = "attestations"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    attested_name: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    confirmed_review: Mapped[bool] = mapped_column(default=False)
    # NULL: attested by `byline setup` for the first owner.
    attested_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    attested_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(String(200))
