"""audit by subject: an index to read one person's history among every delivery's events

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_audit_events_subject_type_subject_id",
        "audit_events",
        ["subject_type", "subject_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_subject_type_subject_id", table_name="audit_events")
