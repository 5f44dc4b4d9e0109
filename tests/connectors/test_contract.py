"""The connector contract (connectors/base.py), run over every registered connector.

Every connector found through the `byline.connectors` entry points must have a `ContractCase`
in `CASES`; one without fails here. Each case says how to build a valid channel, how to stand in
for its destination (`destination`), and how that destination refuses (`refusal`). The suite then
checks, with `httpx.MockTransport`, what the dispatcher relies on: a success says where the post
lives and sent the signature; an unsigned rendering is refused before anything is sent; refusals,
throttling, server errors, refused connections and timeouts raise the error that carries the right
retry meaning; a destination the outgoing-address guard refuses fails for good, in the same
words for a check; a post that went out is found again by `reconcile`; and, for connectors that
offer them, a publication is looked up, edited in place (no second post) and removed (twice is
fine: already gone is success, and the look-up then finds nothing).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import pytest
from pydantic import ValidationError

from connectors.base import (
    ChannelContext,
    Connector,
    ConnectorError,
    NoConfig,
    PermanentError,
    ReauthRequired,
    TransientError,
    UnknownOutcome,
    UnsignedPost,
)
from connectors.registry import discover
from tests.connectors.fake_ghost import FakeGhost, ghost_context, ghost_refusal
from tests.connectors.fakes import (
    FakePage,
    FakeWordPress,
    facebook_context,
    facebook_refusal,
    wordpress_context,
    wordpress_refusal,
)
from tests.connectors.helpers import (
    MemoryArticleStore,
    connect_error,
    connected,
    destination_refused,
    outgoing,
    read_timeout,
    unsigned,
)


class Destination(Protocol):
    """A fake destination (an HTTP handler, or the memory article store) and what it was sent."""

    published: list[str]


@dataclass(frozen=True)
class ContractCase:
    """How to drive one connector through the contract.

    `refusal(kind)` answers, for kind in `REFUSALS`, the way the destination says it. A connector
    that makes no HTTP request has `refusal=None` and must say why in `no_http_because`: the
    network scenarios do not apply to it, and the suite checks that it indeed sends nothing.
    A connector that publishes into Byline itself gets a `MemoryArticleStore` as destination.
    """

    context: Callable[[], ChannelContext]
    destination: Callable[[], Destination]
    refusal: Callable[[str], httpx.Response] | None = None
    no_http_because: str | None = None
    idempotent_publish: bool = False
    """True when publishing the same idempotency key twice returns the first publication."""
    preflight: int = 0
    """How many requests a publish makes before the publishing one (a look-up of the author):
    the destination answers those, and the network scenarios then apply to the publish."""

    def scenarios(self, connector: type[Connector]) -> list[str]:
        names = ["success", "unsigned"]
        if connector.can_reconcile():
            names.append("reconcile")
        if self.idempotent_publish:
            names.append("idempotent")
        names += [
            scenario
            for scenario, implemented in (
                ("lookup", connector.can_lookup()),
                ("update", connector.can_update()),
                ("remove", connector.can_remove()),
            )
            if implemented
        ]
        if self.refusal is not None:
            names += [*REFUSALS, "connect_error", "read_timeout", "destination_refused"]
        return names


REFUSALS: dict[str, tuple[type[ConnectorError], str]] = {
    "rejected": (PermanentError, "a 4xx refusal of the content: retrying will not help"),
    "auth": (ReauthRequired, "expired or refused credentials: a person must reconnect"),
    "rate_limited": (TransientError, "429 with Retry-After: retry after the delay given"),
    "server_error": (UnknownOutcome, "5xx after the request arrived: it may have gone out"),
}
ALL_SCENARIOS = [
    "success",
    "unsigned",
    "reconcile",
    "lookup",
    "update",
    "remove",
    *REFUSALS,
    "connect_error",
    "read_timeout",
    "destination_refused",
]


CASES: dict[str, ContractCase] = {
    "local_blog": ContractCase(
        context=lambda: ChannelContext(1, "Blog", NoConfig(), NoConfig()),
        destination=MemoryArticleStore,
        no_http_because="the built-in blog stores articles in Byline's own database",
        idempotent_publish=True,
    ),
    "facebook_page": ContractCase(
        context=facebook_context, destination=FakePage, refusal=facebook_refusal
    ),
    # The author mapped by hand: the publish is the first request (see test_wordpress for
    # the look-ups by e-mail).
    "wordpress": ContractCase(
        context=lambda: wordpress_context(author_ids={12: 2}),
        destination=FakeWordPress,
        refusal=wordpress_refusal,
    ),
    # The signer's staff user is looked up first: the publish is the second request.
    "ghost": ContractCase(
        context=ghost_context, destination=FakeGhost, refusal=ghost_refusal, preflight=1
    ),
}


def _contract_params() -> list[Any]:
    params = []
    for name, connector in sorted(discover().items()):
        case = CASES.get(name)
        for scenario in case.scenarios(connector) if case else ALL_SCENARIOS:
            params.append(pytest.param(name, scenario, id=f"{name}-{scenario}"))
    return params


def test_every_registered_connector_has_contract_cases() -> None:
    missing = set(discover()) - set(CASES)
    assert not missing, f"add a ContractCase to CASES for: {', '.join(sorted(missing))}"


def test_cases_without_http_say_why() -> None:
    for name, case in CASES.items():
        assert (case.refusal is None) == bool(case.no_http_because), name


@pytest.mark.parametrize("name", sorted(discover()))
def test_settings_models_refuse_unknown_fields(name: str) -> None:
    """A typo in a channel's config or credentials is refused, never silently ignored."""
    case = _case(name)
    context = case.context()
    for model in (context.config, context.credentials):
        with pytest.raises(ValidationError):
            type(model).model_validate({**model.model_dump(mode="json"), "surprise": "1"})


@pytest.mark.parametrize(("name", "scenario"), _contract_params())
async def test_contract(name: str, scenario: str) -> None:
    case = _case(name)
    connector = discover()[name]
    destination = case.destination()
    store = destination if isinstance(destination, MemoryArticleStore) else None
    handler = _handler(case, scenario, destination)
    post = outgoing(connector)
    async with connected(connector, handler, store) as (instance, recorder):
        channel = case.context()
        if scenario == "success":
            result = await instance.deliver(channel, post)
            assert result.external_id
            assert result.external_url and result.external_url.startswith("http")
            signed = post.signature_html if connector.capabilities.supports_html else None
            assert len(destination.published) == 1, "the destination did not get one post"
            assert (signed or post.signature_text) in destination.published[0]
            assert post.signature.full_name in destination.published[0]
        elif scenario == "unsigned":
            with pytest.raises(UnsignedPost):
                await instance.deliver(channel, unsigned(post))
            assert destination.published == []
        elif scenario == "reconcile":
            assert await instance.reconcile(channel, post) is None
            published = await instance.deliver(channel, post)
            found = await instance.reconcile(channel, post)
            assert found is not None and found.external_id == published.external_id
            other = outgoing(connector, body="Un autre texte.", idempotency_key="byline-delivery-4")
            assert await instance.reconcile(channel, other) is None
        elif scenario == "lookup":
            published = await instance.deliver(channel, post)
            found = await instance.lookup(channel, published.external_id)
            assert found is not None and found.external_id == published.external_id
        elif scenario == "update":
            published = await instance.deliver(channel, post)
            edited = outgoing(connector, body="Texte corrigé.", title="Corrigé")
            updated = await instance.update(channel, published.external_id, edited)
            assert updated.external_id == published.external_id
            assert len(destination.published) == 1, "an edit published a second post"
        elif scenario == "remove":
            published = await instance.deliver(channel, post)
            await instance.remove(channel, published.external_id)
            assert await instance.lookup(channel, published.external_id) is None
            await instance.remove(channel, published.external_id)  # already gone: success
        elif scenario == "idempotent":
            first = await instance.deliver(channel, post)
            assert await instance.deliver(channel, post) == first
            assert len(destination.published) == 1
        else:
            expected = _expected_error(scenario)
            with pytest.raises(expected) as raised:
                await instance.deliver(channel, post)
            assert type(raised.value) is not UnsignedPost
            assert raised.value.message
            if scenario == "rate_limited":
                assert isinstance(raised.value, TransientError)
                assert raised.value.retry_after == 120
            if scenario == "destination_refused":
                # A check says why in the same words, whatever the refused address hides.
                with pytest.raises(PermanentError) as checked:
                    await instance.check(channel)
                assert checked.value.message == raised.value.message
            assert recorder.requests, "the failure was not even attempted"
        if case.refusal is None:
            assert recorder.requests == [], f"{name} makes no HTTP request, yet it sent one"
        if scenario == "unsigned":
            assert recorder.requests == [], "an unsigned post reached the network"


def _case(name: str) -> ContractCase:
    case = CASES.get(name)
    assert case is not None, f"connector {name!r} has no contract cases: add one to CASES"
    return case


def _handler(
    case: ContractCase, scenario: str, destination: Destination
) -> Callable[[httpx.Request], httpx.Response]:
    handler = _scenario_handler(case, scenario, destination)
    if case.preflight == 0 or handler is destination:
        return handler
    assert callable(destination)
    answered = 0

    def after_preflight(request: httpx.Request) -> httpx.Response:
        nonlocal answered
        answered += 1
        return destination(request) if answered <= case.preflight else handler(request)

    return after_preflight


def _scenario_handler(
    case: ContractCase, scenario: str, destination: Destination
) -> Callable[[httpx.Request], httpx.Response]:
    if scenario in REFUSALS:
        assert case.refusal is not None
        refusal = case.refusal
        return lambda request: refusal(scenario)
    if scenario == "connect_error":
        return connect_error
    if scenario == "read_timeout":
        return read_timeout
    if scenario == "destination_refused":
        return destination_refused
    if isinstance(destination, MemoryArticleStore):
        return _no_http
    assert callable(destination)
    return destination


def _expected_error(scenario: str) -> type[ConnectorError]:
    if scenario in REFUSALS:
        return REFUSALS[scenario][0]
    return {
        "connect_error": TransientError,
        "read_timeout": UnknownOutcome,
        "destination_refused": PermanentError,
    }[scenario]


def _no_http(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"unexpected HTTP request {request.method} {request.url}")
