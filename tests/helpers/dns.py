"""Name resolution without DNS: what `blog.example.com` resolves to is the test's choice.

`FakeResolver` answers the names it was given; numeric spellings (`2130706433`, `0x7f.1`,
`127.1`) are read as the machine reads them (getaddrinfo with AI_NUMERICHOST, which never asks a
DNS server); any other name resolves to `default`, or to nothing when `default` is empty.
Changing `names` between two calls is a DNS answer that changed (rebinding).
"""

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field

from connectors.destinations import IPAddress

PUBLIC_ADDRESS = "93.184.215.14"
"""A public address (example.com's) that no test connects to: fakes answer before any socket."""


@dataclass
class FakeResolver:
    names: dict[str, Sequence[str]] = field(default_factory=dict)
    default: Sequence[str] = ()
    asked: list[str] = field(default_factory=list)

    async def __call__(self, host: str) -> list[IPAddress]:
        self.asked.append(host)
        answer = self.names.get(host.lower().rstrip("."))
        if answer is None:
            answer = _numeric(host) or self.default
        if not answer:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address here")
        return [ipaddress.ip_address(address) for address in answer]


def _numeric(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except socket.gaierror:
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def everything_public() -> FakeResolver:
    """The test suite's internet: every name resolves to one public address."""
    return FakeResolver(default=[PUBLIC_ADDRESS])
