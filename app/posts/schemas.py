from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.deliveries.schemas import DeliveryRead
from app.deliveries.states import PostStatus
from app.kit.fields import TIME_MAX_LENGTH, Id, WebAddress

BODY_MAX_LENGTH = 50_000

_EXAMPLE: dict[str, Any] = {
    "client_id": 1,
    "channel_ids": [1],
    "title": "Nos galettes sont de retour",
    "body": "Dès samedi, les galettes des rois reviennent en boutique.",
    "link": "https://boulangerie-lamour.fr/galettes",
    "scheduled_at": "2026-12-05T09:30:00+01:00",
}


class PostCreate(BaseModel):
    """The author is always the caller: no field here names who signs."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    client_id: Id
    channel_ids: list[Id] = Field(min_length=1, max_length=20)
    title: str | None = Field(default=None, max_length=300)
    # The length is checked by the service (`body_too_long`, which says by how much); the
    # schema states it all the same.
    body: str = Field(
        description=f"Plain text (blogs keep a few inline tags); at most {BODY_MAX_LENGTH} characters.",
        json_schema_extra={"maxLength": BODY_MAX_LENGTH},
    )
    link: WebAddress | None = None
    scheduled_at: str | None = Field(
        default=None,
        max_length=TIME_MAX_LENGTH,
        description="ISO 8601. Omit to publish now; a time without offset is read in the client's zone.",
    )


BULK_MAX = 500


class PostBulkCreate(BaseModel):
    """Many posts at once, all or nothing: one refused item refuses the whole batch."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"posts": [_EXAMPLE, _EXAMPLE]}]}
    )

    posts: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=BULK_MAX,
        description=f"Up to {BULK_MAX} posts, each as for POST /api/v1/posts.",
    )


class PostUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"scheduled_at": "2026-12-05T10:00:00"}]}
    )

    channel_ids: list[Id] | None = Field(default=None, min_length=1, max_length=20)
    title: str | None = Field(default=None, max_length=300)
    body: str | None = Field(default=None, json_schema_extra={"maxLength": BODY_MAX_LENGTH})
    link: WebAddress | None = None
    scheduled_at: str | None = Field(default=None, max_length=TIME_MAX_LENGTH)


class AuthorRead(BaseModel):
    id: int
    full_name: str


class SignatureRead(BaseModel):
    full_name: str
    role_title: str | None
    photo_url: str | None
    client_name: str
    content_hash: str
    signed_at: datetime


class PostRead(BaseModel):
    id: int
    client_id: int
    author: AuthorRead
    title: str | None
    body: str
    link: str | None
    scheduled_at: datetime
    scheduled_zone: str
    status: PostStatus
    signature: SignatureRead
    deliveries: list[DeliveryRead]
    created_at: datetime
    updated_at: datetime


class ChannelPreview(BaseModel):
    """Exactly what this channel will show: `text` for text channels, `html` for blogs."""

    channel_id: int
    kind: str
    name: str
    title: str | None
    text: str
    html: str | None
    signature_text: str
    length: int
    max_length: int | None
    fits: bool
