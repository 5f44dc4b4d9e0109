"""A Ghost channel's settings: the site, how posts go out and who signs as whom, and the key."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, PositiveInt, SecretStr, field_validator

from connectors.http import secret_bearing_site

_KEY = re.compile(r"[0-9a-f]{24}:[0-9a-f]{64}")
USER_ID = re.compile(r"[0-9a-f]{24}")


class GhostConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_url: HttpUrl = Field(
        description="The site's admin address, e.g. https://blog.example.com (Ghost(Pro): the "
        "*.ghost.io one)"
    )
    status: Literal["published", "draft"] = "published"
    authors: dict[PositiveInt, str] = Field(
        default_factory=dict,
        description="Byline person id → the Ghost staff user who signs as them (their Ghost "
        "e-mail or user id). Without one, a person's Ghost e-mail is looked up by theirs.",
    )
    accept_default_author: bool = Field(
        default=False,
        description="Publish the posts of people with no Ghost staff user anyway, under the "
        "site owner's name, as Ghost does by default.",
    )

    @field_validator("site_url")
    @classmethod
    def _https_unless_local(cls, value: HttpUrl) -> HttpUrl:
        # The Admin API key signs every request: it must not cross the network in clear text.
        return secret_bearing_site(value)

    @field_validator("authors")
    @classmethod
    def _staff_users(cls, value: dict[int, str]) -> dict[int, str]:
        for person_id, user in value.items():
            if not (USER_ID.fullmatch(user) or "@" in user):
                raise ValueError(
                    f"person {person_id}: give the Ghost staff user's e-mail or its 24-character "
                    "id, not its name"
                )
        return value


class GhostCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    admin_api_key: SecretStr = Field(
        description="Settings → Integrations → Add custom integration → Admin API key."
    )

    @field_validator("admin_api_key")
    @classmethod
    def _shape(cls, value: SecretStr) -> SecretStr:
        if not _KEY.fullmatch(value.get_secret_value().strip()):
            raise ValueError(
                "give the Admin API key as Ghost shows it: 24 hex characters, a colon, then 64 "
                "(the Content API key is shorter and cannot publish)"
            )
        return SecretStr(value.get_secret_value().strip())
