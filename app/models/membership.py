from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Membership(Base):
    """A person's place in an organisation: role owner/manager/cm; `left_at` once they leave."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    # One organisation per person for now; the table keeps room for more.
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
