from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from app.kit.fields import NOT_NULL


class ChannelCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "local_blog", "name": "Blog", "config": {}, "credentials": {}},
                {
                    "kind": "facebook_page",
                    "name": "Page Facebook",
                    "config": {"page_id": "104729381234567"},
                    "credentials": {"page_access_token": "EAAG…"},
                },
                {
                    "kind": "wordpress",
                    "name": "Site",
                    "config": {"site_url": "https://boulangerie-corre.fr"},
                    "credentials": {
                        "username": "mauricette",
                        "application_password": "abcd efgh …",
                    },
                },
            ]
        },
    )

    kind: str = Field(max_length=50, description="A connector name, e.g. `local_blog`.")
    name: str = Field(min_length=1, max_length=200)
    config: dict[str, Any] = Field(default_factory=dict)
    credentials: dict[str, Any] = Field(
        default_factory=dict, description="Secrets; stored encrypted and never returned."
    )


class ChannelUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"credentials": {"page_access_token": "EAAG…"}}]},
    )

    name: Annotated[str | None, NOT_NULL] = Field(default=None, min_length=1, max_length=200)
    config: Annotated[dict[str, Any] | None, NOT_NULL] = None
    credentials: Annotated[dict[str, Any] | None, NOT_NULL] = Field(
        default=None, description="Replaces the stored secrets (e.g. a new token)."
    )


class ChannelRead(BaseModel):
    id: int
    client_id: int
    kind: str
    name: str
    config: dict[str, Any]
    status: str
    has_credentials: bool
    created_at: datetime


class CheckLineRead(BaseModel):
    detail: str
    code: str | None = None
    params: dict[str, str] = Field(default_factory=dict)


class ChannelCheckRead(BaseModel):
    ok: bool
    detail: str
    code: str | None = Field(
        default=None,
        description="A stable name of what `detail` says, when the connector gives one "
        "(e.g. `wordpress.signed_in_as`); `params` are the values it names.",
    )
    params: dict[str, str] = Field(default_factory=dict)
    lines: list[CheckLineRead] = Field(
        default_factory=list,
        description="An answer of several lines (the account, then one line per author), each "
        "with its own `code` and `params`; `detail` holds their English.",
    )
    status: str | None = Field(
        default=None,
        description="The channel's status after the check: a channel that needs reconnecting "
        "(`needs_reauth`) goes back to `active` only when an owner or a manager checks it.",
    )
    released: int = Field(default=0, description="Held deliveries that went back to the queue.")
