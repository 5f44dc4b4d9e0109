from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class BlogArticle(Base):
    """An article of the built-in blog, as rendered and signed at publication."""

    __tablename__ = "blog_articles"
    __table_args__ = (UniqueConstraint("channel_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), index=True)
    # The delivery's idempotency key: publishing the same delivery twice finds the first article.
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300))
    body_html: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(2000))
    author_name: Mapped[str] = mapped_column(String(200))
    author_role_title: Mapped[str | None] = mapped_column(String(120))
    author_photo_url: Mapped[str | None] = mapped_column(String(2000))
    signature_html: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime]
    revised_at: Mapped[datetime | None]
    # Unpublished: off the blog and its feed; its address says it was withdrawn.
    withdrawn_at: Mapped[datetime | None]
