"""The one Settings object. This is the only module that reads the environment."""

import secrets
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BYLINE_", extra="ignore")

    var_dir: Path = Field(
        default=Path("var"), description="Where the default database and key live."
    )
    database_url: str = Field(
        default="", description="SQLAlchemy async URL; default: SQLite in var/."
    )
    secret_key: SecretStr = Field(
        default=SecretStr(""), description="Signs cookies, encrypts secrets."
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000", description="Public URL of this service."
    )
    dispatch_interval: float = Field(
        default=1.0,
        gt=0,
        description="Longest the dispatcher sleeps between looks at the queue (polling fallback).",
    )
    dispatch_batch_size: int = Field(default=50, ge=1)
    dispatch_concurrency: int = Field(default=20, ge=1, description="Calls in flight per process.")
    dispatch_channel_concurrency: int = Field(
        default=4, ge=1, description="Calls in flight per channel and process."
    )
    lease_seconds: int = Field(
        default=60, ge=5, description="A claim's lease; heartbeats extend it while the call runs."
    )
    heartbeat_interval: float = Field(
        default=10.0, gt=0, description="Seconds between worker heartbeats and reaper runs."
    )
    shutdown_grace: float = Field(
        default=30.0, ge=0, description="Seconds a stopping worker lets calls in flight finish."
    )
    publish_timeout: float = Field(
        default=30.0, gt=0, description="Seconds for one connector call."
    )
    retry_backoff_start: float = Field(default=20.0, gt=0, description="First retry delay (s).")
    retry_backoff_cap: float = Field(default=900.0, gt=0, description="Longest retry delay (s).")
    publish_deadline_minutes: int = Field(
        default=120,
        ge=1,
        description="Give up this long after the scheduled time (per client too).",
    )
    session_max_age: int = Field(default=14 * 24 * 3600, description="Web session lifetime (s).")
    secure_cookies: bool = Field(default=False, description="Set on HTTPS deployments.")

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return _async_driver(self.database_url)
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{(self.var_dir / 'byline.db').resolve()}"

    @cached_property
    def resolved_secret_key(self) -> str:
        """The configured key, else one generated once into var/ so restarts keep sessions."""
        if self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value()
        key_file = self.var_dir / "secret_key"
        if key_file.is_file():
            return key_file.read_text().strip()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.touch(mode=0o600)
        key_file.write_text(key)
        return key


def _async_driver(url: str) -> str:
    """Accept the usual postgres:// and sqlite:// spellings and pick the async drivers."""
    for prefix, replacement in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(prefix):
            return replacement + url[len(prefix) :]
    return url
