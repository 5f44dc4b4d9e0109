"""A real TCP server on this machine that records whether anything connected to it, and what.

It answers as a WordPress site would the two calls the connector makes (`users/me` for a
check, `POST posts` to publish), one request per connection, so a test can show both sides of
the guard with the same socket: refused, nothing reached it; allowed, the request arrived.
With `ssl_context` it speaks TLS (the test chooses the certificate).
"""

import asyncio
import datetime
import json
import socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.connectors.fakes import WP_USER


@dataclass
class Listening:
    port: int = 0
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    """Each request as received: request line, headers (Authorization included) and body."""
    redirect_to: str | None = None
    """When set, every answer is a 302 to this address."""

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            body = await reader.readexactly(length) if length else b""
            self.requests.append(head + body)
            status, answer = _answer(head)
            location = ""
            if self.redirect_to is not None:
                status, location = "302 Found", f"Location: {self.redirect_to}\r\n"
            payload = json.dumps(answer).encode()
            writer.write(
                f"HTTP/1.1 {status}\r\n{location}Content-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()


def _answer(head: bytes) -> tuple[str, object]:
    if head.startswith(b"POST ") and b"/wp-json/wp/v2/posts " in head:
        return "201 Created", {"id": 301, "link": "http://127.0.0.1/?p=301"}
    if b"/wp-json/wp/v2/users/me" in head:
        return "200 OK", {
            "id": 2,
            "name": "Mauricette Raoul",
            "slug": WP_USER,
            "email": "mauricette@cl-consult.fr",
            "roles": ["author"],
            "capabilities": {"edit_posts": True, "publish_posts": True},
        }
    return "404 Not Found", {"code": "rest_no_route", "message": "No route"}


@asynccontextmanager
async def listening(
    host: str = "127.0.0.1",
    ssl_context: ssl.SSLContext | None = None,
    redirect_to: str | None = None,
) -> AsyncIterator[Listening]:
    """A server on `host` and a free port, recording every connection, until the block ends."""
    record = Listening(redirect_to=redirect_to)
    server = await asyncio.start_server(record.serve, host, 0, ssl=ssl_context)
    record.port = server.sockets[0].getsockname()[1]
    try:
        yield record
    finally:
        server.close()
        await server.wait_closed()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def certificate_for(name: str, directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server TLS context whose self-signed certificate names `name` only, and the file that
    makes a client trust it (point SSL_CERT_FILE at it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / f"{name}.pem", directory / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    return server, cert_file
