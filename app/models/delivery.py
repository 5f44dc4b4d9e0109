from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Delivery(Base):
    """post × channel, and the durable queue: the dispatcher claims due rows with a lease."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("post_id", "channel_id"),
        Index("ix_deliveries_status_due_at", "status", "due_at"),
        # The reaper looks for leases that ran out.
        Index("ix_deliveries_status_lease_expires_at", "status", "lease_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    external_id: Mapped[str | None] = mapped_column(String(300))
    external_url: Mapped[str | None] = mapped_column(String(2000))
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claim_token: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]
    # Set when a person asks to publish again; otherwise the deadline follows the post's time.
    deadline_at: Mapped[datetime | None]
    # An attempt whose outcome is unknown: when it was sent, and how many look-ups found nothing
    # since. "Not there" is believed only once that request can no longer land (see
    # app.dispatch.engine and connectors.base).
    doubt_sent_at: Mapped[datetime | None]
    absent_lookups: Mapped[int] = mapped_column(default=0, server_default="0")
    # After publishing: the edited post reached the destination at `revised_at`; a revision
    # still owed (not sent yet, or refused) says why in `revision_error` until it goes through.
    revised_at: Mapped[datetime | None]
    revision_error: Mapped[str | None] = mapped_column(Text)
    taken_down_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
