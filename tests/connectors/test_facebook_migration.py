"""Migration 0010: Facebook Page channels made when each carried its own Graph API version keep
working: the stored field is taken out, and the operator's BYLINE_FACEBOOK_GRAPH_VERSION rules."""

import json
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from app import schema
from connectors.facebook import FacebookPageConfig


def test_a_stored_graph_version_is_taken_out_and_the_channel_still_validates(
    tmp_path: Path,
) -> None:
    path = tmp_path / "before.db"
    url = f"sqlite+aiosqlite:///{path}"
    command.upgrade(schema.alembic_config(url), "0009")
    engine = create_engine(f"sqlite:///{path}")
    rows = [
        (1, "facebook_page", {"page_id": "104857600123456", "graph_version": "v21.0"}),
        (2, "facebook_page", {"page_id": "104857600123457"}),
        (3, "wordpress", {"site_url": "https://blog.example.fr/", "graph_version": "kept"}),
    ]
    with engine.begin() as connection:
        for channel_id, kind, config in rows:
            connection.exec_driver_sql(
                "INSERT INTO channels (id, client_id, kind, name, config, status, created_at) "
                "VALUES (?, 1, ?, 'Canal', ?, 'active', '2026-01-01')",
                (channel_id, kind, json.dumps(config)),
            )
    schema.upgrade(url)
    with engine.connect() as connection:
        stored = {
            channel_id: json.loads(config)
            for channel_id, config in connection.exec_driver_sql(
                "SELECT id, config FROM channels"
            ).all()
        }
    engine.dispose()
    assert stored[1] == {"page_id": "104857600123456"}
    assert stored[2] == {"page_id": "104857600123457"}
    assert stored[3]["graph_version"] == "kept", "another kind's config was touched"
    FacebookPageConfig.model_validate(stored[1])
