from typing import Literal

from pydantic import BaseModel

from app.posts.schemas import PostRead


class ChannelRevision(BaseModel):
    """What became of an edit on one channel the post had already gone out on."""

    delivery_id: int
    channel_id: int
    outcome: Literal["updated", "failed", "not_supported"]
    """`updated`: the channel shows the edit; `failed`: it did not take it (owed still: see
    the delivery's `revision_error`, retry with POST /deliveries/{id}/update); `not_supported`:
    this channel cannot change a post once published, edit it there."""
    detail: str


class PostEdited(PostRead):
    revisions: list[ChannelRevision]
    """For a post that had gone out: each channel it is published on, and what the edit did
    there. Empty for a post that had not."""
