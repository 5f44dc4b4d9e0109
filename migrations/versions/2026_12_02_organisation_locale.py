"""organisation locale: the language new members start with

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("locale", sa.String(length=5), nullable=False, server_default="en")
        )
    # An existing organisation speaks the language of its first owner.
    op.execute(
        """
        UPDATE organisations SET locale = COALESCE((
            SELECT people.locale FROM people
            JOIN memberships ON memberships.person_id = people.id
            WHERE memberships.organisation_id = organisations.id AND memberships.role = 'owner'
            ORDER BY memberships.joined_at, people.id LIMIT 1
        ), 'en')
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("locale")
