"""Text stays text on every destination: a title that holds markup, given or taken from the
body's first line, comes out where the reader sees it as those very characters (no element, no
entity shown as another character). Bodies are sanitised HTML on blogs and plain text elsewhere.

Every connector of the registry has a `TextCase` here: how to publish a post to its fake (or,
for the built-in blog, to Byline's own blog) and read back the heading a reader sees. A connector
without one fails `test_every_connector_has_a_text_case`.
"""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.state import AppState
from connectors.base import ChannelContext, Connector, NoConfig, OutgoingPost
from connectors.registry import discover
from tests.connectors.fake_ghost import FakeGhost, ghost_context
from tests.connectors.fakes import (
    FakePage,
    FakeWordPress,
    facebook_context,
    html_text,
    shown_title,
    wordpress_context,
)
from tests.connectors.helpers import connected, outgoing
from tests.factories import bearer, engaged_writer, ok

HOSTILE = '<script>alert(1)</script> <img src=x onerror=alert(1)> Tom &amp; Jerry\'s "fête"'
"""What a title may hold: a script, an event handler, an entity written out, quotes."""


@dataclass(frozen=True)
class Byline:
    """The app, for destinations inside Byline itself (the built-in blog)."""

    state: AppState
    http: httpx.AsyncClient


Heading = Callable[[type[Connector], OutgoingPost, Byline], Awaitable[str]]


async def _wordpress(connector: type[Connector], post: OutgoingPost, byline: Byline) -> str:
    site = FakeWordPress()
    async with connected(connector, site) as (instance, _):
        await instance.deliver(wordpress_context(), post)
    return shown_title(site.posts[-1])


async def _facebook(connector: type[Connector], post: OutgoingPost, byline: Byline) -> str:
    page = FakePage()
    async with connected(connector, page) as (instance, _):
        await instance.deliver(facebook_context(), post)
    # A Page post is plain text: its first line is what the reader reads first.
    return page.published[-1].splitlines()[0]


async def _ghost(connector: type[Connector], post: OutgoingPost, byline: Byline) -> str:
    site = FakeGhost()
    async with connected(connector, site) as (instance, _):
        await instance.deliver(ghost_context(), post)
    # Ghost keeps a title as plain text and its themes print it escaped ({{title}}): what it
    # stores is what the reader reads.
    return str(site.posts[-1]["title"])


async def _local_blog(connector: type[Connector], post: OutgoingPost, byline: Byline) -> str:
    """Byline's own blog: published through the app's article store, read on the article page."""
    state, http = byline.state, byline.http
    writer = await engaged_writer(state, http)
    channels = await ok(
        await http.get(
            f"/api/v1/clients/{writer.client_id}/channels", headers=bearer(writer.org.owner_token)
        )
    )
    (channel,) = [channel for channel in channels if channel["kind"] == "local_blog"]
    instance = state.registry.get(connector.name)
    result = await instance.deliver(
        ChannelContext(channel["id"], "Blog", NoConfig(), NoConfig()), post
    )
    assert result.external_url
    page = await http.get(httpx.URL(result.external_url).path)
    assert page.status_code == 200
    (heading,) = re.findall(r"<h1>(.*?)</h1>", page.text, flags=re.S)
    return html_text(heading)


CASES: dict[str, Heading] = {
    "local_blog": _local_blog,
    "facebook_page": _facebook,
    "wordpress": _wordpress,
    "ghost": _ghost,
}


def test_every_connector_has_a_text_case() -> None:
    missing = set(discover()) - set(CASES)
    assert not missing, f"add a text case to CASES for: {', '.join(sorted(missing))}"


def _params() -> list[Any]:
    return [
        pytest.param(name, scenario, id=f"{name}-{scenario}")
        for name in sorted(discover())
        for scenario in ("given_title", "derived_title")
    ]


@pytest.mark.parametrize(("name", "scenario"), _params())
async def test_a_title_with_markup_comes_out_as_literal_text(
    name: str, scenario: str, state: AppState, client: httpx.AsyncClient
) -> None:
    assert name in CASES, f"connector {name!r} has no text case: add one to CASES"
    connector = discover()[name]
    if scenario == "given_title":
        post = outgoing(connector, title=HOSTILE, body="Nos galettes sont prêtes.")
        expected = HOSTILE if connector.capabilities.supports_title else "Nos galettes sont prêtes."
    else:
        post = outgoing(connector, title=None, body=f"{HOSTILE}\n\nNos galettes sont prêtes.")
        expected = HOSTILE
    heading = await CASES[name](connector, post, Byline(state, client))
    assert heading == expected
