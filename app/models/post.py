from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Post(Base):
    """What a person wrote for a client. The sig_* columns are the signature frozen at signing."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_organisation_id_scheduled_at", "organisation_id", "scheduled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(2000))
    scheduled_at: Mapped[datetime]
    scheduled_zone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    sig_full_name: Mapped[str] = mapped_column(String(200))
    sig_role_title: Mapped[str | None] = mapped_column(String(120))
    sig_photo_url: Mapped[str | None] = mapped_column(String(2000))
    sig_client_name: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
