"""exactly once: an install identifier in every idempotency marker, and what a delivery in doubt
remembers (when its uncertain attempt was sent, how many look-ups found nothing since)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:00:00
"""

import secrets
import string
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ALPHABET = string.ascii_lowercase + string.digits


def upgrade() -> None:
    installation = op.create_table(
        "installation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("install_id", sa.String(length=32), nullable=False),
        sa.Column("legacy_keys_through", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installation")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("doubt_sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("absent_lookups", sa.Integer(), server_default="0", nullable=False)
        )
    # A database in use: its deliveries may already have gone out with the old marker
    # (`byline-delivery-{id}`), so they keep it; every later delivery carries the install's
    # identifier. An empty database gets its identifier on first need (app.deliveries.markers).
    newest = op.get_bind().scalar(sa.text("SELECT max(id) FROM deliveries"))
    if newest is not None:
        now = datetime.now(UTC)
        op.bulk_insert(
            installation,
            [
                {
                    "id": 1,
                    "install_id": "".join(secrets.choice(_ALPHABET) for _ in range(16)),
                    "legacy_keys_through": newest,
                    "created_at": now.replace(tzinfo=None)
                    if op.get_bind().dialect.name == "sqlite"
                    else now,
                }
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("absent_lookups")
        batch_op.drop_column("doubt_sent_at")
    op.drop_table("installation")
