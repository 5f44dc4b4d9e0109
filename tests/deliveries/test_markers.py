"""Each delivery's idempotency marker names this install; deliveries older than the marker's
install identifier keep the marker they may already have gone out with."""

import asyncio
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from app import schema
from app.db import unit_of_work
from app.deliveries import service as deliveries
from app.deliveries.markers import Markers
from app.state import AppState


async def test_the_install_identifier_is_made_once_and_kept(state: AppState) -> None:
    async def read() -> Markers:
        async with unit_of_work(state.session_factory) as session:
            return await deliveries.markers(session, now=state.clock())

    # Two processes starting together: one identifier, the same for both, and for later reads.
    first, second = await asyncio.gather(read(), read())
    assert first == second == await read()
    assert len(first.install_id) >= 12 and first.install_id.isalnum()
    assert first.key(7) == f"byline-{first.install_id}-delivery-7"


def test_deliveries_made_before_the_upgrade_keep_their_old_marker(tmp_path: Path) -> None:
    path = tmp_path / "before.db"
    url = f"sqlite+aiosqlite:///{path}"
    command.upgrade(schema.alembic_config(url), "0007")
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        # A delivery that went out (or may have) before the upgrade, e.g. one in doubt.
        connection.exec_driver_sql(
            "INSERT INTO deliveries (id, post_id, channel_id, status, attempts, due_at, "
            "created_at, updated_at) VALUES (41, 1, 1, 'unknown', 1, '2026-12-01', "
            "'2026-12-01', '2026-12-01')"
        )
    schema.upgrade(url)
    with engine.connect() as connection:
        install_id, through = connection.exec_driver_sql(
            "SELECT install_id, legacy_keys_through FROM installation"
        ).one()
    engine.dispose()
    markers = Markers(install_id, through)
    assert markers.key(41) == "byline-delivery-41"  # still reconciles with what was sent
    assert markers.key(42) == f"byline-{install_id}-delivery-42"
