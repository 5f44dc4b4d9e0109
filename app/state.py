"""The typed state the lifespan owns and every request, job and command reaches through."""

from dataclasses import dataclass, field

import httpx
from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.db import SessionFactory
from app.kit.throttle import LoginThrottle
from app.kit.time import Clock, utc_now
from connectors.destinations import DestinationPolicy
from connectors.registry import ConnectorRegistry


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    session_factory: SessionFactory
    http: httpx.AsyncClient
    registry: ConnectorRegistry
    fernet: Fernet
    throttle: LoginThrottle
    destinations: DestinationPolicy
    """Which addresses outgoing requests may reach; the HTTP client's transport enforces it."""
    clock: Clock = field(default=utc_now)
