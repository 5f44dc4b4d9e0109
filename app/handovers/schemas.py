from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from app.kit.fields import TIME_MAX_LENGTH, Id, WebAddress
from app.people.schemas import PersonRead
from app.posts.schemas import BODY_MAX_LENGTH


class HandoverStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    EFFECTIVE = "effective"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class HandoverCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "outgoing_person_id": 2,
                    "incoming_person_id": 3,
                    "effective_at": "2027-01-15T09:00",
                    "note": "Mauricette part à Lyon ; Joséphine reprend CL Consult.",
                }
            ]
        },
    )

    outgoing_person_id: Id
    incoming_person_id: Id
    effective_at: str = Field(
        max_length=TIME_MAX_LENGTH,
        description="ISO 8601. A time without offset is read in the client's zone; one that does "
        "not exist there, or happens twice, because of a change of time is refused."
    )
    note: str | None = Field(default=None, max_length=2000)


class Text(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=300)
    body: str | None = Field(default=None, max_length=BODY_MAX_LENGTH)


class HandoverAccept(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"announcement": {"body": "Bonjour à toutes et à tous ! …"}}]
        },
    )

    announcement: Text | None = Field(
        default=None,
        description="Your edits of the drafted announcement (GET /handovers/{id}); omitted parts "
        "keep the draft. It goes out under your name on every channel of the client.",
    )


class HandoverDecline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=2000)


class FarewellCreate(BaseModel):
    """The outgoing person's own farewell: omitted parts keep the draft."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=300)
    body: str | None = Field(default=None, max_length=BODY_MAX_LENGTH)
    scheduled_at: str | None = Field(
        default=None,
        max_length=TIME_MAX_LENGTH,
        description="Before the handover's effective time (default: an hour before it, or now).",
    )
    channel_ids: list[Id] | None = Field(
        default=None, min_length=1, max_length=20, description="Default: every channel."
    )


class TakeOver(BaseModel):
    """A held post of the outgoing person, written again as the caller's own: omitted fields
    keep the old post's."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=300)
    body: str | None = Field(default=None, max_length=BODY_MAX_LENGTH)
    link: WebAddress | None = None
    scheduled_at: str | None = Field(
        default=None,
        max_length=TIME_MAX_LENGTH,
        description="Default: the old post's time if it is still ahead, else now.",
    )
    channel_ids: list[Id] | None = Field(default=None, min_length=1, max_length=20)


class PersonRef(BaseModel):
    id: int
    full_name: str
    role_title: str | None
    photo_url: str | None


class TextRead(BaseModel):
    title: str
    body: str


class HeldPost(BaseModel):
    id: int
    title: str | None
    body: str
    scheduled_at: datetime


class HandoverRead(BaseModel):
    id: int
    client_id: int
    client_name: str
    outgoing: PersonRef
    incoming: PersonRef
    status: HandoverStatus
    waiting: bool = Field(
        description="Its effective time has passed but the incoming person has not accepted: "
        "it has not taken effect and nothing was announced."
    )
    status_message: str
    effective_at: datetime
    effective_zone: str
    note: str | None
    announcement: TextRead = Field(
        description="The draft (until accepted), then what the incoming person signed."
    )
    announcement_post_id: int | None
    farewell_draft: TextRead
    farewell_post_id: int | None
    held_posts: list[HeldPost] = Field(
        description="The outgoing person's posts for the client held since it took effect; the "
        "incoming person may take each over (POST /handovers/{id}/posts/{post_id}/take-over)."
    )
    incoming_engagement_id: int
    outgoing_engagement_id: int
    proposed_by_id: int
    proposed_at: datetime
    responded_at: datetime | None
    decline_reason: str | None
    cancelled_at: datetime | None
    took_effect_at: datetime | None


class Successor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: Id
    person_id: Id


class Leave(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "successors": [{"client_id": 1, "person_id": 3}],
                    "effective_at": "2027-01-15T09:00",
                }
            ]
        },
    )

    successors: list[Successor] = Field(
        default_factory=list,
        max_length=200,
        description="Who takes over which client: a handover is proposed to each. The person's "
        "posts for a client with no successor are held, and it shows that nobody speaks for it.",
    )
    effective_at: str | None = Field(
        default=None,
        max_length=TIME_MAX_LENGTH,
        description="When they leave (default: now). A time without offset is read in the zone "
        "of the clients they speak for; give an offset if those zones differ.",
    )


class LeaveRead(PersonRead):
    """The person, as GET /people/{id} shows them, and what their leaving set in motion."""

    handovers: list[HandoverRead]
    held_post_ids: list[int] = Field(
        description="Their posts held because they would have gone out after they left."
    )
