from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from app.kit.fields import Id


class EngagementStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENDED = "ended"


class EngagementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"person_id": 2}]})

    person_id: Id


class EngagementDecline(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "I do not share this brand's values."}]},
    )

    reason: str | None = Field(default=None, max_length=2000)


class EngagementRead(BaseModel):
    id: int
    client_id: int
    person_id: int
    status: EngagementStatus
    proposed_by_id: int
    proposed_at: datetime
    responded_at: datetime | None
    decline_reason: str | None
    ended_at: datetime | None
    starts_at: datetime | None = Field(
        description="Set by a handover: the engagement counts for posts going out from then."
    )
    ends_at: datetime | None = Field(
        description="Set by a handover: the engagement counts for posts going out until then."
    )
