"""handovers: a client passing from one CM to another; time-bound engagements

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handover_wording", sa.Text(), nullable=True))
    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("outgoing_person_id", sa.Integer(), nullable=False),
        sa.Column("incoming_person_id", sa.Integer(), nullable=False),
        sa.Column("outgoing_engagement_id", sa.Integer(), nullable=False),
        sa.Column("incoming_engagement_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("effective_zone", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("announcement_title", sa.String(length=300), nullable=False),
        sa.Column("announcement_body", sa.Text(), nullable=False),
        sa.Column("announcement_post_id", sa.Integer(), nullable=True),
        sa.Column("farewell_post_id", sa.Integer(), nullable=True),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("took_effect_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_post_id"],
            ["posts.id"],
            name=op.f("fk_handovers_announcement_post_id_posts"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_handovers_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["farewell_post_id"], ["posts.id"], name=op.f("fk_handovers_farewell_post_id_posts")
        ),
        sa.ForeignKeyConstraint(
            ["incoming_engagement_id"],
            ["engagements.id"],
            name=op.f("fk_handovers_incoming_engagement_id_engagements"),
        ),
        sa.ForeignKeyConstraint(
            ["incoming_person_id"],
            ["people.id"],
            name=op.f("fk_handovers_incoming_person_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_handovers_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["outgoing_engagement_id"],
            ["engagements.id"],
            name=op.f("fk_handovers_outgoing_engagement_id_engagements"),
        ),
        sa.ForeignKeyConstraint(
            ["outgoing_person_id"],
            ["people.id"],
            name=op.f("fk_handovers_outgoing_person_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["people.id"], name=op.f("fk_handovers_proposed_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
    )
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handovers_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_handovers_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_handovers_status"), ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("handovers")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("handover_wording")
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.drop_column("ends_at")
        batch_op.drop_column("starts_at")
