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
        default=1.0, gt=0, description="Seconds between dispatch ticks."
    )
    dispatch_batch_size: int = Field(default=50, ge=1)
    dispatch_concurrency: int = Field(default=20, ge=1)
    lease_seconds: int = Field(default=300, ge=5)
    publish_timeout: float = Field(
        default=30.0, gt=0, description="Seconds for one connector call."
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
