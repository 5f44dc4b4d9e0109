"""after publishing: a delivery's edits sent to its destination, and posts taken down there
(deliveries' `revised_at`, `revision_error`, `taken_down_at`; the built-in blog's `revised_at` and
`withdrawn_at`)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revised_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revision_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("taken_down_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("blog_articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revised_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("blog_articles", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("revised_at")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("taken_down_at")
        batch_op.drop_column("revision_error")
        batch_op.drop_column("revised_at")
