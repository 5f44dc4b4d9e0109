"""A WordPress channel's settings: the site, how posts go out, and who signs them there."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, PositiveInt, SecretStr, field_validator

from connectors.http import secret_bearing_site


class WordPressConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_url: HttpUrl = Field(description="The site's address, e.g. https://blog.example.com")
    status: Literal["publish", "draft"] = "publish"
    category_ids: list[PositiveInt] = Field(default_factory=list)
    author_ids: dict[PositiveInt, PositiveInt] = Field(
        default_factory=dict,
        description="Byline person id → WordPress user id: who WordPress shows as the author of "
        "that person's posts, when it should not be found by e-mail.",
    )
    accept_account_author: bool = Field(
        default=False,
        description="Publish the posts of authors who have no WordPress user (or whom the "
        "account may not set as author) under the account's own name, knowingly.",
    )

    @field_validator("site_url")
    @classmethod
    def _https_unless_local(cls, value: HttpUrl) -> HttpUrl:
        # Application Passwords only work over HTTPS, and Basic auth must not cross the network
        # in clear text.
        return secret_bearing_site(value)


class WordPressCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=200)
    application_password: SecretStr = Field(
        min_length=1, description="Users → Profile → Application Passwords in wp-admin."
    )
