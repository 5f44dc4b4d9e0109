from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Worker(Base):
    """A dispatcher process, seen through its heartbeats (for operators; leases decide recovery)."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    in_flight: Mapped[int] = mapped_column(default=0)
    stopped_at: Mapped[datetime | None]
