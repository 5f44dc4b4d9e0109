"""HTTP helpers for connectors that publish over HTTP: what a network failure or a throttling
answer means in the terms of the contract (`connectors.base`)."""

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from pydantic import HttpUrl

from connectors.base import ConnectorError, PermanentError, TransientError, UnknownOutcome
from connectors.destinations import DestinationRefused


def transport_error(
    error: httpx.TransportError, *, destination: str, sent_may_publish: bool
) -> ConnectorError:
    """A connection the guard refused sent nothing and never will (permanent: the address is
    not one Byline connects to); a connection that never opened sent nothing (retry); any later
    failure of a call that publishes may have been processed (unknown outcome); a failed look-up
    can simply be retried."""
    if isinstance(error, DestinationRefused):
        return PermanentError(str(error))
    kind = type(error).__name__
    said = {"destination": destination, "kind": kind}
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return TransientError(
            f"could not reach {destination} ({kind}); nothing was sent",
            code="http.unreachable",
            params=said,
        )
    if sent_may_publish:
        return UnknownOutcome(
            f"the connection to {destination} failed after sending ({kind})",
            code="http.failed_after_sending",
            params=said,
        )
    return TransientError(
        f"the connection to {destination} failed ({kind})", code="http.failed", params=said
    )


def retry_after(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds, from either of its HTTP forms (delta-seconds or a date)."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})


def secret_bearing_site(value: HttpUrl) -> HttpUrl:
    """A site address that credentials are sent to: https (http only for this machine), and no
    query or fragment. For a connector's `site_url` validator."""
    if value.scheme != "https" and value.host not in _LOCAL_HOSTS:
        raise ValueError("use an https:// address (http:// only for localhost)")
    if value.query or value.fragment:
        raise ValueError("give the site's address without ?query or #fragment")
    return value
