from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.kit.fields import NOT_NULL


class ClientCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "Boulangerie Lamour", "timezone": "Europe/Paris", "locale": "fr"}]
        },
    )

    name: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
        max_length=80,
        description="Names the public pages (/blog/{slug}, /t/{slug}); made from the name if absent.",
    )
    timezone: str = Field(
        default="UTC", max_length=64, description="IANA zone; times without offset are read in it."
    )
    locale: Literal["fr", "en"] = "en"
    publish_deadline_minutes: int | None = Field(
        default=None,
        ge=1,
        le=7 * 24 * 60,
        description="How long after its scheduled time a post may still go out when the channel "
        "keeps failing (default: the BYLINE_PUBLISH_DEADLINE_MINUTES setting, two hours).",
    )


class ClientRead(BaseModel):
    id: int
    name: str
    slug: str
    timezone: str
    locale: str
    signature_intro: str | None
    handover_wording: str | None
    publish_deadline_minutes: int | None
    blog_url: str
    transparency_url: str
    created_at: datetime


class ClientUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"signature_intro": "Votre CM :"}]}
    )

    name: Annotated[str | None, NOT_NULL] = Field(default=None, min_length=1, max_length=200)
    timezone: Annotated[str | None, NOT_NULL] = Field(default=None, max_length=64)
    locale: Annotated[Literal["fr", "en"] | None, NOT_NULL] = None
    signature_intro: str | None = Field(
        default=None,
        max_length=60,
        description="The lead-in before the author's name (default “—” in text, “By”/“Par” on "
        "blogs). The name, role and client are always shown after it. Empty string: default.",
    )
    publish_deadline_minutes: int | None = Field(
        default=None,
        ge=1,
        le=7 * 24 * 60,
        description="How long after its scheduled time a post may still go out when the channel "
        "keeps failing (default: the BYLINE_PUBLISH_DEADLINE_MINUTES setting, two hours).",
    )
    handover_wording: str | None = Field(
        default=None,
        max_length=2000,
        description="The text of this client's handover announcements, drafted for the incoming "
        "CM to read and sign: {outgoing}, {incoming}, {incoming_role} and {client} are replaced; "
        "{outgoing} and {incoming} are required. Empty string: Byline's wording.",
    )
