from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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
        default="UTC", description="IANA zone; times without offset are read in it."
    )
    locale: Literal["fr", "en"] = "en"


class ClientRead(BaseModel):
    id: int
    name: str
    slug: str
    timezone: str
    locale: str
    blog_url: str
    transparency_url: str
    created_at: datetime
