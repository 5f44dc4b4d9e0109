"""The bare alternative of the create benchmark: a tiny FastAPI app that takes the same JSON as
POST /api/v1/posts and inserts comparable rows (one post, one delivery per channel) with async
SQLAlchemy, into tables of its own (`bench_bare_*`) in the same scratch database as Byline.

    .venv/bin/python -m bench.bare_api --database-url sqlite+aiosqlite:///… --port 8123

No name checks, no signing, no rendering, no audit trail, a constant bearer token: what is left
is the web framework and the database round trips, which is the floor a real API stands on.
Served by uvicorn (as `byline serve` is), without access logs.
"""

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI, Header, HTTPException
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, event
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TOKEN = "bare-bench-token"


class Base(DeclarativeBase):
    pass


class BarePost(Base):
    __tablename__ = "bench_bare_posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    scheduled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BareDelivery(Base):
    __tablename__ = "bench_bare_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("bench_bare_posts.id"), index=True)
    channel_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class PostIn(BaseModel):
    client_id: int
    channel_ids: list[int] = Field(min_length=1, max_length=20)
    title: str | None = Field(default=None, max_length=300)
    body: str
    scheduled_at: AwareDatetime


def create_app(database_url: str) -> FastAPI:
    if database_url.startswith("sqlite"):
        engine = create_async_engine(database_url, connect_args={"timeout": 30})

        # The same SQLite tuning as Byline's (WAL, busy timeout, writers queue with BEGIN
        # IMMEDIATE), so that both write to the file the same way.
        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    else:
        engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/posts", status_code=201)
    async def create_post(data: PostIn, authorization: str = Header("")) -> dict[str, Any]:
        if authorization != f"Bearer {TOKEN}":
            raise HTTPException(401, "a bearer token is needed")
        now = datetime.now(UTC)
        async with sessions() as session, session.begin():
            post = BarePost(
                client_id=data.client_id,
                author="Mauricette Raoul",
                title=data.title,
                body=data.body,
                scheduled_at=data.scheduled_at,
                created_at=now,
            )
            session.add(post)
            await session.flush()
            deliveries = [
                BareDelivery(
                    post_id=post.id,
                    channel_id=channel,
                    status="scheduled",
                    due_at=post.scheduled_at,
                )
                for channel in data.channel_ids
            ]
            session.add_all(deliveries)
            await session.flush()
        return {
            "id": post.id,
            "client_id": post.client_id,
            "title": post.title,
            "body": post.body,
            "scheduled_at": post.scheduled_at.isoformat(),
            "status": "scheduled",
            "deliveries": [
                {"id": d.id, "channel_id": d.channel_id, "status": d.status} for d in deliveries
            ],
        }

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="an async SQLAlchemy URL")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.database_url),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
