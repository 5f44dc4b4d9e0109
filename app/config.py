"""The one Settings object. This is the only module that reads the environment."""

import ipaddress
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


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
        default="",
        description="Public URL of this service, used in every link it writes. Unset: the "
        "address `byline serve` listens on.",
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
    reconcile_margin: float = Field(
        default=120.0,
        ge=0,
        description="After an unknown outcome, a destination's \"not there\" is believed only "
        "this long past the publish timeout, and on a second look-up (s).",
    )
    retry_backoff_start: float = Field(default=20.0, gt=0, description="First retry delay (s).")
    retry_backoff_cap: float = Field(default=900.0, gt=0, description="Longest retry delay (s).")
    publish_deadline_minutes: int = Field(
        default=120,
        ge=1,
        description="Give up this long after the scheduled time (per client too).",
    )
    session_max_age: int = Field(
        default=14 * 24 * 3600, ge=60, description="Longest a web session lasts, from sign-in (s)."
    )
    session_idle_timeout: int = Field(
        default=3 * 24 * 3600, ge=60, description="A web session ends after this long unused (s)."
    )
    secure_cookies: bool = Field(
        default=False,
        description="Mark cookies `Secure` even when BYLINE_BASE_URL is http (they always are "
        "when it is https).",
    )
    login_account_limits: str = Field(
        default="10/minute;20/hour;50/day",
        description="Failed sign-ins an account may have before sign-ins to it wait.",
    )
    login_address_limits: str = Field(
        default="30/minute;200/hour;1000/day",
        description="Failed sign-ins a client address may have before its sign-ins wait.",
    )
    rate_limit_storage: str = Field(
        default="async+memory://",
        description="Where login failures are counted (a `limits` async storage URI); set a "
        "shared one, e.g. async+redis://…, when several API processes serve.",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies whose X-Forwarded-For `byline serve` believes (comma-separated "
        "addresses or networks, `*` for any): sign-in limits count the client behind them.",
    )
    max_body_size: int = Field(
        default=2 * 1024 * 1024, ge=1024, description="Largest request body accepted (bytes)."
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="`json`: one JSON object a line, for log collectors."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="What `serve`, `worker` and `migrate` log."
    )
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="`byline worker` serves its /metrics on this port (the API serves its own).",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="When set, the API's /metrics answers only `Authorization: Bearer <it>`.",
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="The address `byline worker`'s metrics listen on."
    )
    facebook_graph_version: str = Field(
        default="v26.0",
        pattern=r"^v\d+\.\d+$",
        description="The Graph API version every Facebook Page channel calls (e.g. v26.0): "
        "move it forward when Meta retires the one in use.",
    )
    allow_private_destinations: Annotated[
        tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...], NoDecode
    ] = Field(
        default=(),
        description="Networks that are not public but that channels may reach all the same "
        "(comma-separated, e.g. `192.168.1.0/24,10.0.0.0/8`): a WordPress on the agency's LAN.",
    )

    @field_validator("allow_private_destinations", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            return value
        return tuple(_network(item) for item in items if not isinstance(item, str) or item.strip())

    @field_validator("login_account_limits", "login_address_limits")
    @classmethod
    def _limits(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError as error:
            raise ValueError(
                "write limits as COUNT/PERIOD separated by “;”, e.g. 10/minute;20/hour"
            ) from error
        return value

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # compose passes `${BYLINE_METRICS_TOKEN:-}` through as an empty string: no token.
        return None if value == "" else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    _base_url_configured: bool = PrivateAttr(default=False)

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(
                    "write the full address Byline is reached at, e.g. https://byline.agence.fr "
                    "or http://127.0.0.1:8000"
                )
        return value

    @model_validator(mode="after")
    def _default_base_url(self) -> "Settings":
        # Unset, links name the default address until `served_at` says where Byline listens.
        self._base_url_configured = bool(self.base_url)
        if not self.base_url:
            self.base_url = DEFAULT_BASE_URL
        return self

    @property
    def https(self) -> bool:
        """Served over https (behind a proxy): cookies are Secure and HSTS is sent."""
        return self.base_url.startswith("https://")

    @property
    def cookies_secure(self) -> bool:
        return self.secure_cookies or self.https

    @property
    def base_url_configured(self) -> bool:
        return self._base_url_configured

    def served_at(self, host: str, port: int) -> "Settings":
        """These settings as `byline serve --host HOST --port PORT` uses them: an unset base URL
        becomes the address served, so that every link Byline writes leads back to it."""
        if self.base_url_configured:
            return self
        return self.model_copy(update={"base_url": listening_url(host, port)})

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return _async_driver(self.database_url)
        self.make_var_dir()
        database = self.var_dir / "byline.db"
        # Readable by its owner only; SQLite gives its -wal and -shm files the same mode.
        database.touch(mode=0o600, exist_ok=True)
        return f"sqlite+aiosqlite:///{database.resolve()}"

    def make_var_dir(self) -> None:
        """var/ holds the database and the key: created readable by its owner only."""
        self.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)

    @cached_property
    def resolved_secret_key(self) -> str:
        """The configured key, else one generated once into var/ so restarts keep sessions."""
        if self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value()
        key_file = self.var_dir / "secret_key"
        if key_file.is_file():
            return key_file.read_text().strip()
        self.make_var_dir()
        key = secrets.token_urlsafe(48)
        key_file.touch(mode=0o600)
        key_file.write_text(key)
        return key


def _network(item: object) -> object:
    """One network of BYLINE_ALLOW_PRIVATE_DESTINATIONS; an address alone is a network of one."""
    if not isinstance(item, str):
        return item
    text = item.strip()
    try:
        return ipaddress.ip_network(text)
    except ValueError:
        pass
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(
            f"“{text}” is not a network: write networks such as 192.168.1.0/24, 10.0.0.0/8, "
            "fd00::/8 or one address such as 192.168.1.20, separated by commas"
        ) from None
    raise ValueError(
        f"“{text}” has bits set after its /{network.prefixlen}: write {network} for the whole "
        f"network, or {text.split('/')[0]} for that one address"
    )


def listening_url(host: str, port: int) -> str:
    """The address a browser on this machine reaches a server listening on host:port."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - naming the wildcard, not binding to it
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _is_this_machine(hostname: str, listen_host: str) -> bool:
    if hostname in ("localhost", listen_host):
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def base_url_mismatch(base_url: str, host: str, port: int) -> str | None:
    """Why `base_url` cannot lead to a server listening on host:port, or None when it may.

    A base URL naming another host is taken as a proxy's address (the usual production set-up) and
    passes; one naming this machine must name the port served."""
    parts = urlsplit(base_url)
    hostname = (parts.hostname or "").lower()
    if not hostname or not _is_this_machine(hostname, host.lower().strip("[]")):
        return None
    if parts.scheme == "https":
        return (
            f"BYLINE_BASE_URL is {base_url}, but Byline itself serves plain http on this "
            f"machine: links will not open unless a proxy answers https there. Set "
            f"BYLINE_BASE_URL to the proxy's address, or to {listening_url(host, port)}."
        )
    try:
        url_port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return f"BYLINE_BASE_URL={base_url} has no valid port"
    if url_port == port:
        return None
    return (
        f"BYLINE_BASE_URL is {base_url}, but Byline listens on port {port}: the links it writes "
        f"(blog, feeds, signatures) will lead elsewhere. Set BYLINE_BASE_URL="
        f"{listening_url(host, port)}, or leave it unset to use the address served."
    )


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
