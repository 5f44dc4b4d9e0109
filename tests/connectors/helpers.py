"""What the connector tests share: real renderings, a recording mock transport, a memory store."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import httpx

from app.posts.render import PostContent, SignatureStyle, render
from connectors.base import (
    Connector,
    HostServices,
    OutgoingPost,
    PermanentError,
    PublishResult,
    Signature,
)
from connectors.destinations import DestinationRefused

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]
"""What answers a connector's requests (MockTransport awaits an answer given as a coroutine)."""

SIGNATURE = Signature(
    full_name="Mauricette Raoul",
    role_title="Community Manager",
    photo_url="https://cl-consult.fr/team/mauricette.jpg",
    client_name="Boulangerie Corre",
    transparency_url="https://byline.example/t/boulangerie-corre",
    person_id=12,
    email="mauricette@cl-consult.fr",
)


def outgoing(
    connector: type[Connector],
    *,
    body: str = "Nos galettes des rois sont prêtes.\n\nVenez les goûter dès samedi.",
    title: str | None = "Les galettes sont là",
    link: str | None = "https://boulangerie-corre.fr/galettes",
    idempotency_key: str = "byline-delivery-42",
    scheduled_at: datetime | None = None,
) -> OutgoingPost:
    """A post rendered for `connector` exactly as the dispatcher renders it (real templates)."""
    return render(
        PostContent(
            title=title,
            body=body,
            link=link,
            scheduled_at=scheduled_at or datetime.now(UTC) - timedelta(minutes=1),
        ),
        SIGNATURE,
        connector.capabilities,
        SignatureStyle(kind=connector.name, intro=None, locale="fr"),
        idempotency_key=idempotency_key,
    )


def unsigned(post: OutgoingPost) -> OutgoingPost:
    """The same post with its signature block cut out of the text and the HTML."""
    return replace(
        post,
        text=post.text.replace(post.signature_text, "").strip(),
        html=post.html.replace(post.signature_html, "")
        if post.html and post.signature_html
        else None,
    )


@dataclass
class Recorder:
    """A MockTransport handler that keeps every request it was handed."""

    handler: Handler
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response | Awaitable[httpx.Response]:
        self.requests.append(request)
        return self.handler(request)


def answering_after(seconds: float, handler: Handler) -> Handler:
    """`handler`, answering only after `seconds` (requests made together are in flight
    together)."""

    async def later(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(seconds)
        answer = handler(request)
        return answer if isinstance(answer, httpx.Response) else await answer

    return later


@dataclass
class MemoryArticleStore:
    """The ArticleStore contract in memory: saving a key twice returns the first article; a
    revision replaces an article's rendering in place (`shown`), a withdrawal hides it."""

    articles: dict[tuple[int, str], PublishResult] = field(default_factory=dict)
    published: list[str] = field(default_factory=list)
    shown: dict[tuple[int, str], str] = field(default_factory=dict)
    withdrawn: set[tuple[int, str]] = field(default_factory=set)

    async def find(self, channel_id: int, idempotency_key: str) -> PublishResult | None:
        return self.articles.get((channel_id, idempotency_key))

    async def save(self, channel_id: int, post: OutgoingPost) -> PublishResult:
        key = (channel_id, post.idempotency_key)
        if key not in self.articles:
            self.published.append(post.html or post.text)
            number = len(self.articles) + 1
            self.articles[key] = PublishResult(
                external_id=str(number),
                external_url=f"https://byline.example/blog/boulangerie-corre/article-{number}",
            )
            self.shown[(channel_id, str(number))] = post.html or post.text
        return self.articles[key]

    def _article(self, channel_id: int, external_id: str) -> PublishResult | None:
        if (channel_id, external_id) in self.withdrawn:
            return None
        return next(
            (
                result
                for (channel, _), result in self.articles.items()
                if channel == channel_id and result.external_id == external_id
            ),
            None,
        )

    async def get(self, channel_id: int, external_id: str) -> PublishResult | None:
        return self._article(channel_id, external_id)

    async def revise(self, channel_id: int, external_id: str, post: OutgoingPost) -> PublishResult:
        article = self._article(channel_id, external_id)
        if article is None:
            raise PermanentError("the article is no longer on the blog")
        self.shown[(channel_id, external_id)] = post.html or post.text
        return article

    async def withdraw(self, channel_id: int, external_id: str) -> None:
        if self._article(channel_id, external_id) is not None:
            self.withdrawn.add((channel_id, external_id))


@asynccontextmanager
async def connected(
    connector: type[Connector], handler: Handler, store: MemoryArticleStore | None = None
) -> AsyncIterator[tuple[Connector, Recorder]]:
    """An instance of `connector` whose shared HTTP client answers through `handler`."""
    recorder = Recorder(handler)
    async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as http:
        yield connector(HostServices(http, "https://byline.example", store)), recorder


def connect_error(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def read_timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("no answer", request=request)


def destination_refused(request: httpx.Request) -> httpx.Response:
    """What the shared client's guard raises for an address that is not public."""
    error = DestinationRefused(request.url.host)
    error.request = request
    raise error
