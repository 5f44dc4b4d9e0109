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


class ConfirmPublished(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"external_url": "https://www.facebook.com/123_456"}]},
    )

    external_url: WebAddress | None = None
