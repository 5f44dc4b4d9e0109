"""The outgoing-address guard (connectors/destinations.py) at the level where it works: the
connection. Real sockets on this machine show that a refused connection never opens."""

import ipaddress
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest

from connectors import destinations
from connectors.destinations import (
    DestinationPolicy,
    DestinationRefused,
    GuardedTransport,
    HostNotFound,
    IPNetwork,
    is_public,
    system_resolver,
)
from tests.helpers.dns import PUBLIC_ADDRESS, FakeResolver
from tests.helpers.listening import certificate_for, listening

NOT_PUBLIC = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.20",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # CGNAT
    "100.100.100.200",  # a cloud's metadata, inside CGNAT
    "0.0.0.0",
    "192.0.2.1",
    "198.18.0.1",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "fec0::1",
    "ff02::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
    "64:ff9b::7f00:1",
]
PUBLIC = ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_addresses_that_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


# Spellings that reach this machine without saying 127.0.0.1 (the machine's own resolver reads
# the numeric ones without asking any DNS server).
LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "2130706433",
    "0x7f.1",
    "0x7f000001",
    "127.1",
    "0177.0.0.1",
    "::1",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "::ffff:7f00:1",
]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
async def test_every_spelling_of_this_machine_is_refused(host: str) -> None:
    with pytest.raises(DestinationRefused):
        await DestinationPolicy(resolver=system_resolver).addresses(host)


async def test_a_name_is_judged_by_every_address_it_resolves_to() -> None:
    resolver = FakeResolver({"blog.example.com": [PUBLIC_ADDRESS, "10.0.0.1"]})
    with pytest.raises(DestinationRefused):
        await DestinationPolicy(resolver=resolver).addresses("blog.example.com")


async def test_allowed_networks_are_reached_and_nothing_else() -> None:
    allowed = [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("192.168.1.0/24")]
    policy = DestinationPolicy(allowed, resolver=system_resolver)
    for host in ("127.0.0.1", "2130706433", "[::ffff:127.0.0.1]", "192.168.1.20"):
        assert await policy.addresses(host)
    for host in ("192.168.2.1", "10.0.0.1", "169.254.169.254", "[::1]"):
        with pytest.raises(DestinationRefused):
            await policy.addresses(host)


async def test_a_name_without_address_is_not_found() -> None:
    with pytest.raises(HostNotFound):
        await DestinationPolicy(resolver=FakeResolver()).addresses("blog.example.com")


class SpyBackend(httpcore.AsyncNetworkBackend):
    """The network below the guard: records where it was asked to connect, connects nowhere."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.asked.append((host, port))
        raise httpcore.ConnectError("the spy connects nowhere")


@asynccontextmanager
async def guarded(
    resolver: FakeResolver,
    allowed: Iterable[IPNetwork] = (),
    network_backend: httpcore.AsyncNetworkBackend | None = None,
) -> AsyncIterator[httpx.AsyncClient]:
    """A client configured as Byline's shared one is (app/main.py build_state)."""
    transport = GuardedTransport(
        DestinationPolicy(allowed, resolver=resolver), network_backend=network_backend
    )
    async with httpx.AsyncClient(transport=transport, trust_env=False) as http:
        yield http


REFUSED_URLS = [
    "http://127.0.0.1:8080/wp-json/wp/v2/users/me",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://127.1/",
    "http://[::1]:8080/",
    "http://[::ffff:127.0.0.1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://blog.example.com/wp-json/wp/v2/posts",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
async def test_a_refused_address_is_never_connected_to(url: str) -> None:
    resolver = FakeResolver(
        {"metadata.google.internal": ["169.254.169.254"], "blog.example.com": ["127.0.0.1"]}
    )
    spy = SpyBackend()
    async with guarded(resolver, network_backend=spy) as http:
        with pytest.raises(DestinationRefused) as raised:
            await http.get(url, auth=("mauricette", "secret"))
    assert spy.asked == []
    assert raised.value.request.url == httpx.URL(url)
    assert "secret" not in str(raised.value)


async def test_the_connection_goes_to_the_address_that_was_checked() -> None:
    """The guard connects to the address it checked, never to the name, which a second look-up
    could answer differently (DNS rebinding)."""
    resolver = FakeResolver({"blog.example.com": [PUBLIC_ADDRESS]})
    spy = SpyBackend()
    async with guarded(resolver, network_backend=spy) as http:
        with pytest.raises(httpx.ConnectError) as raised:
            await http.get("https://blog.example.com:8443/")
    assert not isinstance(raised.value, DestinationRefused)
    assert spy.asked == [(PUBLIC_ADDRESS, 8443)]
    assert resolver.asked == ["blog.example.com"]


async def test_credentials_never_reach_a_refused_address() -> None:
    resolver = FakeResolver({"blog.example.com": ["127.0.0.1"]})
    async with listening() as server, guarded(resolver) as http:
        for url in (
            f"http://127.0.0.1:{server.port}/wp-json/wp/v2/posts",
            f"http://blog.example.com:{server.port}/wp-json/wp/v2/posts",
        ):
            with pytest.raises(DestinationRefused):
                await http.post(url, auth=("mauricette", "secret"), json={"title": "x"})
    assert server.connections == 0 and server.requests == []


async def test_an_allowed_network_is_reached_through_the_guard() -> None:
    """The same socket, allowed: the request arrives (so the test above could fail)."""
    async with listening() as server:
        allowed = [ipaddress.ip_network("127.0.0.0/8")]
        async with guarded(FakeResolver({"blog.example.com": ["127.0.0.1"]}), allowed) as http:
            response = await http.get(
                f"http://blog.example.com:{server.port}/wp-json/wp/v2/users/me"
            )
    assert response.json()["name"] == "Mauricette Raoul"
    assert server.connections == 1
    assert server.requests[0].startswith(b"GET /wp-json/wp/v2/users/me HTTP/1.1\r\n")
    assert b"\r\nHost: blog.example.com:" in server.requests[0]


async def test_a_redirect_to_a_refused_address_is_refused_too() -> None:
    """Every hop opens its own connection, so every hop meets the guard: an allowed server that
    redirects to a refused one gets Byline no further."""
    async with listening("127.0.0.1") as internal:
        target = f"http://127.0.0.1:{internal.port}/wp-json/wp/v2/users/me"
        async with listening("127.0.0.2", redirect_to=target) as allowed_site:
            allowed = [ipaddress.ip_network("127.0.0.2/32")]
            async with guarded(FakeResolver(), allowed) as http:
                with pytest.raises(DestinationRefused):
                    await http.get(f"http://127.0.0.2:{allowed_site.port}/", follow_redirects=True)
    assert allowed_site.connections == 1
    assert internal.connections == 0


async def test_tls_is_verified_against_the_host_name_not_the_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connected to 127.0.0.1, the certificate must still name blog.example.com."""
    server_tls, ca_file = certificate_for("blog.example.com", tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    allowed = [ipaddress.ip_network("127.0.0.0/8")]
    resolver = FakeResolver({"blog.example.com": ["127.0.0.1"], "other.example.com": ["127.0.0.1"]})
    async with listening(ssl_context=server_tls) as server, guarded(resolver, allowed) as http:
        good = await http.get(f"https://blog.example.com:{server.port}/wp-json/wp/v2/users/me")
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await http.get(f"https://other.example.com:{server.port}/wp-json/wp/v2/users/me")
    assert good.json()["name"] == "Mauricette Raoul"
    assert len(server.requests) == 1


async def test_each_channel_s_pool_of_connections_meets_the_guard() -> None:
    resolver = FakeResolver({"blog.example.com": ["127.0.0.1"]})
    async with listening() as server, guarded(resolver) as http:
        for group in (None, ("channel", 1), ("channel", 2)):
            destinations.connection_group.set(group)
            with pytest.raises(DestinationRefused):
                await http.post(
                    f"http://blog.example.com:{server.port}/wp-json/wp/v2/posts",
                    auth=("mauricette", "secret"),
                    json={"title": "x"},
                )
    assert server.connections == 0 and server.requests == []
