from datetime import datetime

from pydantic import BaseModel, ConfigDict

from app.deliveries.states import DeliveryStatus
from app.kit.fields import WebAddress


class DeliveryRead(BaseModel):
    id: int
    channel_id: int
    status: DeliveryStatus
    attempts: int
    due_at: datetime
    published_at: datetime | None
    external_id: str | None
    external_url: str | None
    last_error: str | None
    revised_at: datetime | None = None
    """When the channel last took an edit of the post made after it was published."""
    revision_error: str | None = None
    """An edit the channel still owes (not sent yet, or refused: why); retry with
    POST /deliveries/{id}/update."""
    taken_down_at: datetime | None = None


class ConfirmPublished(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"external_url": "https://www.facebook.com/123_456"}]},
    )

    external_url: WebAddress | None = None
