from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Installation(Base):
    """This Byline install, one row: the identifier its idempotency markers carry, so that two
    installs publishing to one destination never take each other's posts for their own."""

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    install_id: Mapped[str] = mapped_column(String(32))
    # Deliveries up to this id existed before the install had an identifier: they keep the
    # marker they were (maybe) already sent with, `byline-delivery-{id}`.
    legacy_keys_through: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
