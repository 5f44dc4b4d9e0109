"""A channel's settings name only destinations Byline may reach, checked when they are written.

The guard in the HTTP client's transport refuses the connection anyway (and again at every
publish: a name may change its answer later); refusing at creation tells the person who typed the
address at once, with the fix, instead of at the first publish. Every address a connector's
config model types as a pydantic URL is checked, wherever it sits in the model.

A name that does not resolve is refused too (`destination_unresolved`): a channel that cannot be
reached cannot publish, and a typo is the usual cause. Its check would only fail later.
"""

import asyncio
from collections.abc import Iterator
from typing import Any

import pydantic_core
from pydantic import AnyUrl, BaseModel

from app.errors import AppError
from connectors.destinations import DestinationPolicy, DestinationRefused, HostNotFound

CREATION_RESOLVE_TIMEOUT = 5.0
"""Seconds a name may take to resolve when a channel is saved."""


async def ensure_reachable(config: BaseModel, destinations: DestinationPolicy) -> None:
    """Refuse settings with an address Byline does not connect to, or that does not resolve.

    Looks names up: call it outside any transaction."""
    for path, host in url_hosts(config):
        field = ".".join(("config", *path))
        try:
            async with asyncio.timeout(CREATION_RESOLVE_TIMEOUT):
                await destinations.addresses(host)
        except DestinationRefused:
            raise AppError("destination_not_public", field=field, host=host) from None
        except (HostNotFound, TimeoutError):
            raise AppError("destination_unresolved", field=field, host=host) from None


def url_hosts(model: BaseModel) -> Iterator[tuple[tuple[str, ...], str]]:
    """(field path, host) of every URL in a validated settings model."""
    for name in type(model).model_fields:
        yield from _hosts_in(getattr(model, name), (name,))


def _hosts_in(value: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(value, AnyUrl | pydantic_core.Url):
        if value.host:
            yield path, value.host
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _hosts_in(getattr(value, name), (*path, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _hosts_in(item, (*path, str(key)))
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from _hosts_in(item, (*path, str(index)))
