"""facebook graph version: one operator setting (BYLINE_FACEBOOK_GRAPH_VERSION), not a field of
each Facebook Page channel's config

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 12:00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_channels = sa.table(
    "channels", sa.column("id", sa.Integer), sa.column("kind"), sa.column("config", sa.JSON)
)


def _as_dict(value: object) -> dict[str, object] | None:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else None


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_channels.c.id, _channels.c.config).where(_channels.c.kind == "facebook_page")
    ).all()
    for channel_id, stored in rows:
        config = _as_dict(stored)
        if config is None or "graph_version" not in config:
            continue
        config.pop("graph_version")
        bind.execute(_channels.update().where(_channels.c.id == channel_id).values(config=config))


def downgrade() -> None:
    # Before this revision the field was optional (the connector's default filled it in), so a
    # config without it is already valid for the older code: nothing to put back.
    pass
