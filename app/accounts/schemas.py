from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "laptop"}]})

    name: str = Field(default="api", min_length=1, max_length=100)


class TokenRead(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="The token itself. It is shown this once and never again.")


class SessionRead(BaseModel):
    """A signed-in browser (never its cookie)."""

    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str | None
    address: str | None


class SessionsEnded(BaseModel):
    ended: int = Field(description="How many sessions ended; their cookies no longer sign in.")
    tokens_revoked: int = Field(description="How many API tokens were revoked (`tokens=true`).")
