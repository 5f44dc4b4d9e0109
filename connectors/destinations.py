"""Where outgoing requests may go: the guard in the transport of the one shared HTTP client.

A channel's settings name a host (a WordPress `site_url`), and whoever manages channels chooses
it. Without a guard, Byline would connect wherever that name leads (this machine, the office
network, a cloud's metadata service at 169.254.169.254) and send the channel's credentials there.
So every connection the shared client opens goes through `GuardedNetworkBackend`: it resolves the
host itself, refuses when any address it got is not public (unless the operator allowed that
network), and connects to the very address it checked. A name that changes its answer between a
check and the connection (DNS rebinding), a numeric spelling of an address (`2130706433`,
`0x7f.1`, `127.1`, `[::ffff:127.0.0.1]`) and every redirect hop meet the same check, because the
check runs where the socket is opened. TLS still verifies the certificate against the host name:
httpcore passes it to `start_tls` separately from the address connected to.

A refusal raises `DestinationRefused` before any packet leaves: nothing is sent, and its message is
the same whatever listens (or not) at the refused address. `connectors.http.transport_error` turns
it into a `PermanentError`.

The module imports nothing of Byline's `app`: the host builds the policy from its settings and
hands connectors the guarded client (`connectors.base.HostServices.http`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str], Awaitable[Sequence[IPAddress]]]
"""Looks a host name up: its addresses, or an `OSError` (or `TimeoutError`) when it has none."""

ALLOW_SETTING = "BYLINE_ALLOW_PRIVATE_DESTINATIONS"
DEFAULT_RESOLVE_TIMEOUT = 10.0


class DestinationRefused(httpx.ConnectError):
    """Byline refused to open this connection: its host is, or resolves to, an address that is
    not public and not allowed. Nothing was sent.

    A `ConnectError`, so that a connector unaware of the guard still reads it as "the connection
    never opened"; `connectors.http.transport_error` makes it permanent. The message names only
    the host as written in the request, never the addresses a name resolved to.
    """

    def __init__(self, host: str) -> None:
        super().__init__(
            f"Byline does not connect to {host}: it is not a public internet address, or its "
            f"name leads to one; nothing was sent. If the site is on your own network, the "
            f"operator can allow that network with {ALLOW_SETTING}"
        )
        self.host = host


class HostNotFound(Exception):
    """The host name has no address (or the look-up did not answer in time)."""

    def __init__(self, host: str) -> None:
        super().__init__(f"the name {host} does not resolve")
        self.host = host


async def system_resolver(host: str) -> list[IPAddress]:
    """The machine's own resolver (getaddrinfo): hosts file, DNS, numeric spellings."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    # sockaddr[0] is an int when Python was built without IPv6 and the name has AAAA records.
    found = [ipaddress.ip_address(info[4][0]) for info in infos if isinstance(info[4][0], str)]
    return list(dict.fromkeys(found))


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as an IP literal names (`[::1]` included), or None for a name.

    Numeric spellings that are not literals (`2130706433`, `0x7f.1`) are names here: the resolver
    turns them into addresses, which are then checked like any other answer."""
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


def is_public(address: IPAddress) -> bool:
    """True for an address of the public internet: not loopback, private, link-local,
    unique-local or site-local, shared (CGNAT, 100.64.0.0/10), multicast, reserved, unspecified,
    nor anything else `ipaddress` does not call global. An IPv4-mapped IPv6 address is judged by
    the IPv4 address it reaches, a 6to4 address by the IPv4 address it embeds too."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if address.sixtofour is not None and not is_public(address.sixtofour):
            return False
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_loopback
        or address.is_link_local
        or address.is_private
    )


class DestinationPolicy:
    """Which addresses outgoing requests may reach: public ones, and those in `allowed` (the
    operator's BYLINE_ALLOW_PRIVATE_DESTINATIONS). `resolver` looks names up; tests inject one."""

    def __init__(
        self,
        allowed: Iterable[IPNetwork] = (),
        *,
        resolver: Resolver = system_resolver,
        resolve_timeout: float = DEFAULT_RESOLVE_TIMEOUT,
    ) -> None:
        self.allowed = tuple(allowed)
        self.resolver = resolver
        self.resolve_timeout = resolve_timeout

    def permits(self, address: IPAddress) -> bool:
        if is_public(address):
            return True
        candidates: list[IPAddress] = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        return any(candidate in network for network in self.allowed for candidate in candidates)

    async def addresses(self, host: str) -> list[IPAddress]:
        """Every address a connection to `host` may use, each one permitted.

        Raises `DestinationRefused` when any address is not permitted (a name that answers both
        a public and a private address is refused: which one a connection gets is the name
        owner's choice), and `HostNotFound` when the name has no address within
        `resolve_timeout` seconds."""
        literal = literal_address(host)
        if literal is not None:
            found: Sequence[IPAddress] = [literal]
        else:
            try:
                async with asyncio.timeout(self.resolve_timeout):
                    found = await self.resolver(host)
            except (OSError, TimeoutError):
                raise HostNotFound(host) from None
            if not found:
                raise HostNotFound(host)
        if not all(self.permits(address) for address in found):
            raise DestinationRefused(host)
        return list(found)


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network layer, opening TCP connections only to addresses the policy permits.

    Each connection resolves its host once, through the policy, and connects to the checked
    addresses in turn (the first that answers wins), within the connect timeout overall."""

    def __init__(
        self, policy: DestinationPolicy, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self._policy = policy
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._policy.addresses(host)
        except HostNotFound as error:
            raise httpcore.ConnectError(str(error)) from None
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"the name {host} did not resolve in time") from None
        failure: Exception = httpcore.ConnectError(f"no address of {host} answered")
        for address in addresses:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise httpcore.ConnectTimeout(f"{host} did not answer in time")
            try:
                return await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=left,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        # A socket file on this machine is never a destination of a channel.
        raise DestinationRefused(path)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


connection_group: ContextVar[Hashable] = ContextVar("byline_connection_group", default=None)
"""Which pool of connections the requests made in this context share. httpcore looks through
every connection of a pool for each request, a cost that grows with the connections one pool
holds, so the dispatcher spreads its calls over several pools (by channel) when it has many in
flight."""

_POOLS = 256
"""Pools kept beyond which idle ones are closed, the least recently used first."""


class PoolPerGroup(httpcore.AsyncConnectionPool):
    """One `httpcore.AsyncConnectionPool` (built with this one's arguments, guard included)
    per `connection_group`; this pool itself holds no connection."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._options = options
        self._groups: OrderedDict[Hashable, httpcore.AsyncConnectionPool] = OrderedDict()

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        group = connection_group.get()
        pool = self._groups.get(group)
        if pool is None:
            pool = self._groups[group] = httpcore.AsyncConnectionPool(**self._options)
            await self._close_idle()
        else:
            self._groups.move_to_end(group)
        return await pool.handle_async_request(request)

    async def _close_idle(self) -> None:
        for group in list(self._groups)[: max(0, len(self._groups) - _POOLS)]:
            pool = self._groups[group]
            if all(connection.is_idle() for connection in pool.connections):
                del self._groups[group]
                await pool.aclose()

    async def aclose(self) -> None:
        pools, self._groups = list(self._groups.values()), OrderedDict()
        for pool in pools:
            await pool.aclose()
        await super().aclose()


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own HTTP transport (request mapping, error mapping, TLS verification against the
    host name), whose connection pool opens connections only through `GuardedNetworkBackend`.

    httpx offers no option to choose the pool's network backend, so the pool it built is
    replaced by one that has the guard; the isinstance check makes an httpx whose transport no
    longer keeps its pool there fail at start, never run unguarded. No proxy: a proxy would
    connect on Byline's behalf to addresses the guard never sees (the client that uses this
    transport must not read proxies from the environment either: `trust_env=False`)."""

    def __init__(
        self,
        policy: DestinationPolicy,
        *,
        limits: httpx.Limits = httpx.Limits(),
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        super().__init__(limits=limits)
        if not isinstance(getattr(self, "_pool", None), httpcore.AsyncConnectionPool):
            raise RuntimeError("this httpx keeps no connection pool Byline can guard")
        self._pool = PoolPerGroup(
            # As httpx builds it: certifi's roots, or SSL_CERT_FILE / SSL_CERT_DIR when set.
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedNetworkBackend(policy, network_backend),
        )
