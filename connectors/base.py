"""The connector contract: everything a publishing destination must do, and nothing else.

A connector turns one signed, rendered post into a publication on one channel (a Facebook Page,
a WordPress site, the built-in blog). Byline finds connectors through the entry-point group
``byline.connectors`` (see ``connectors.registry``); the built-ins are registered the same way.
This module imports nothing from Byline's ``app`` package: a third party can write a connector
against it alone.

What the caller (Byline's dispatcher) guarantees
------------------------------------------------
* ``publish`` is called with a post whose author was re-checked just before the call: attested
  real name, accepted engagement with the client, still a member.
* ``post.text`` (and ``post.html`` when the connector declares ``supports_html``) already carries
  the signature block; ``Connector.deliver`` refuses, before ``publish`` runs, a post whose
  rendering lacks it. A connector must publish the rendering as given and never strip it.
* Calls run outside any database transaction, at most ``publish_timeout`` seconds each (the
  caller cancels a call that takes longer and treats it as an unknown outcome), with bounded
  concurrency, on the one shared ``httpx.AsyncClient`` given in ``HostServices``.
* That client connects only to public addresses, and to the networks the operator allowed
  (``connectors.destinations``): a connection to anything else raises ``DestinationRefused``
  (an ``httpx.ConnectError``) before anything is sent, at every hop; ``connectors.http.
  transport_error`` makes it a ``PermanentError``. Addresses in ``config_model`` typed as pydantic
  URLs (``HttpUrl``) are also refused when a channel is written.
* The same delivery keeps the same ``post.idempotency_key`` across attempts. Use it where the
  destination offers idempotency, and to find an earlier attempt in ``reconcile``. It is unique
  across Byline installs, not only within one database: ``byline-{install}-delivery-{id}``, where
  ``install`` (lowercase letters and digits, no "-") is generated once per install and stored in
  its database, so two installs publishing to one site never match each other's posts.
  (Deliveries that existed before an install had an identifier keep ``byline-delivery-{id}``.)
  Match it exactly: ``...-delivery-4`` must never find ``...-delivery-42``.
* After an unknown outcome, ``reconcile``'s "not there" (None) is believed only once the request
  in doubt can no longer land: when asked at least ``publish_timeout`` plus a margin
  (``BYLINE_RECONCILE_MARGIN``) after that request was sent, and for the second time (a
  destination that stalls past the timeout may insert later, so a first "not there" can precede
  the post). Until then the delivery stays in doubt and ``reconcile`` is called again later; only
  then is the post sent again, with the same key.

* After publishing, ``update``, ``remove`` and ``lookup`` are called (when the connector has
  them: ``can_update``...) only for a post Byline recorded as published on the channel, with the
  ``external_id`` its ``PublishResult`` gave, outside any transaction and within
  ``publish_timeout``, like ``publish``. ``update`` gets the edited post re-rendered and signed by
  the same author (the signing rules re-checked just before), with the delivery's own
  ``idempotency_key``. Byline records what they did; an ``update`` that raises stays owed and is
  sent again when a person asks, so it must be safe to repeat (a replacement, not an append).
* ``warm_up`` (optional) is called a few seconds before a post falls due, for one post of each
  channel and author about to go out, with the post as it would be sent; nothing has been
  claimed or re-checked yet, and ``publish`` may follow or not (the post may be cancelled).

What a connector raises (the whole error tree)
----------------------------------------------
* ``TransientError``: nothing was published and trying again later may work (HTTP 429, 503 before
  processing, a connection refused before the request was sent). ``retry_after`` (seconds) when
  the destination says how long to wait.
* ``PermanentError``: nothing was published and trying again will not help (the destination
  refuses the content, the page is gone). The message is shown to the user: make it say why.
* ``ReauthRequired``: credentials were refused or expired; the channel needs reconnecting. Its
  deliveries are held until a person fixes it. ``SettingsRequired``, a kind of it: the
  credentials work, but the channel's settings need a person's decision first.
* ``UnknownOutcome``: the request may have gone out (a timeout after sending, a 5xx after the
  request was accepted). Byline never retries such a delivery blindly: it calls ``reconcile``
  if the connector implements it, otherwise it asks a person.
Any other exception is a bug in the connector and is treated as ``UnknownOutcome``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol

import httpx
from pydantic import BaseModel, ConfigDict


class ConnectorError(Exception):
    """Base of the errors a connector raises; `message` is shown to users, keep it plain.

    `code` and `params` (optional) let Byline say the same in the reader's language, as for
    `CheckResult`: a stable name of what `message` says, and the values it names."""

    def __init__(
        self, message: str, *, code: str | None = None, params: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.params: Mapping[str, str] = dict(params or {})


class TransientError(ConnectorError):
    """Not published; retry later (after `retry_after` seconds when the destination says so)."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        code: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, code=code, params=params)
        self.retry_after = retry_after


class PermanentError(ConnectorError):
    """Not published, and retrying will not help."""


class ReauthRequired(ConnectorError):
    """The destination refused the credentials: the channel must be reconnected by a person."""


class SettingsRequired(ReauthRequired):
    """The channel's settings need a person's decision before the post can go out as it should
    (which destination user signs for an author, say): nothing was published. Byline handles it
    as `ReauthRequired` (the channel waits, with what it holds, until an owner or a manager
    changes its settings and checks it), and shows the message as it is: say what to decide."""


class UnknownOutcome(ConnectorError):
    """The request may have been published. Never retried blindly: reconciled, or shown to a person."""


class UnsignedPost(PermanentError):
    """Raised by `Connector.deliver` when a rendering lacks the author's signature block."""


class Capabilities(BaseModel):
    """What the destination can carry. Byline checks posts against it before accepting them."""

    model_config = ConfigDict(frozen=True)

    max_length: int | None = None
    """Longest `text` the destination accepts (signature included), or None for no limit."""
    supports_title: bool = False
    supports_link: bool = True
    supports_html: bool = False
    """True when the connector publishes `post.html` (blogs) rather than `post.text`."""


class NoConfig(BaseModel):
    """For connectors that need no configuration or no credentials."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Signature:
    """Who speaks: frozen from the author's attested identity when the post was signed."""

    full_name: str
    role_title: str | None
    photo_url: str | None
    client_name: str
    transparency_url: str
    person_id: int | None = None
    """The signing person's Byline id: what a channel's hand-set author mapping is keyed by."""
    email: str | None = None
    """The signing person's e-mail address: how a connector finds the destination's own user
    (a WordPress user, a Ghost staff user) for that person. Never published."""


@dataclass(frozen=True)
class OutgoingPost:
    """One post rendered for one channel. `text`/`html` already contain the signature block."""

    idempotency_key: str
    title: str | None
    text: str
    html: str | None
    link: str | None
    signature: Signature
    signature_text: str
    """The exact signature block that `text` must contain."""
    signature_html: str | None
    """The exact byline block that `html` must contain (HTML channels)."""
    scheduled_at: datetime
    locale: str


@dataclass(frozen=True)
class Author:
    """A person who may sign on a channel (engaged with its client): for `check` to say which
    name the destination will show for each of them."""

    person_id: int
    full_name: str
    email: str


@dataclass(frozen=True)
class ChannelContext:
    """The channel being published to: its id, name, validated config and decrypted credentials."""

    channel_id: int
    name: str
    config: BaseModel
    credentials: BaseModel
    authors: tuple[Author, ...] = ()
    """Filled for `check`: the people who currently sign for the channel's client."""


@dataclass(frozen=True)
class PublishResult:
    """Where the post now lives. `published_at` defaults to when the connector call returned."""

    external_id: str
    external_url: str | None = None
    published_at: datetime | None = None


@dataclass(frozen=True)
class CheckLine:
    """One line of a check's answer: its plain English `text`, and (optionally) the `code` and
    `params` that let Byline say it in the reader's language, as for `CheckResult`."""

    text: str
    code: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckResult:
    """What a check found, for the person who asked.

    `detail` is plain English: it is shown as is wherever Byline has no words of its own for it.
    `code`, when given, names what `detail` says in a stable way (``"wordpress.signed_in_as"``):
    Byline looks it up in its catalogue of check details and says it in the reader's language,
    filled with `params`, the values exactly as the destination reported them (an account's or a
    page's name), never translated. A code Byline does not know shows `detail`. Errors raised by
    a check carry the same two (`ConnectorError.code`, `.params`).

    An answer of several lines gives them in `lines`, each with its own code; `detail` is then
    their English (see `of_lines`), and `code` stays None."""

    ok: bool
    detail: str
    code: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    lines: tuple[CheckLine, ...] = ()

    @classmethod
    def of_lines(cls, ok: bool, lines: Sequence[CheckLine], sep: str = "\n") -> CheckResult:
        """An answer of several lines; `detail` is their English joined by `sep`."""
        return cls(ok=ok, detail=sep.join(line.text for line in lines), lines=tuple(lines))


class ArticleStore(Protocol):
    """Storage Byline offers to connectors that publish into Byline itself (the built-in blog).

    Each method runs and commits its own short transaction.
    """

    async def find(self, channel_id: int, idempotency_key: str) -> PublishResult | None:
        """The article an earlier attempt of this delivery stored, if any."""
        ...

    async def save(self, channel_id: int, post: OutgoingPost) -> PublishResult:
        """Store the article; saving the same idempotency key twice returns the first article."""
        ...

    async def get(self, channel_id: int, external_id: str) -> PublishResult | None:
        """The article as the blog shows it now; None when there is none or it was withdrawn."""
        ...

    async def revise(self, channel_id: int, external_id: str, post: OutgoingPost) -> PublishResult:
        """Replace the article's title, body, link and byline with `post`'s; its address stays.
        Raises `PermanentError` when the article is gone or withdrawn."""
        ...

    async def withdraw(self, channel_id: int, external_id: str) -> None:
        """Take the article off the blog and its feed; its address then says it was withdrawn.
        Withdrawing one already withdrawn, or gone, does nothing."""
        ...


@dataclass(frozen=True)
class HostServices:
    """What Byline hands every connector instance: never create an HTTP client of your own."""

    http: httpx.AsyncClient
    base_url: str
    article_store: ArticleStore | None = None
    options: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Settings the operator gives a kind of connector, by connector name (e.g.
    ``{"facebook_page": {"graph_version": "v26.0"}}`` from ``BYLINE_FACEBOOK_GRAPH_VERSION``):
    what is the same for every channel of that kind. Read them with `option`."""

    def option(self, connector: str, name: str, default: str) -> str:
        """The operator's setting `name` for `connector`, or `default` when none is given."""
        return self.options.get(connector, {}).get(name) or default


class Connector(ABC):
    """A publishing destination. Subclasses set the class attributes and implement `publish`."""

    name: ClassVar[str]
    """The channel `kind`, e.g. "facebook_page"; also the entry-point name."""
    label: ClassVar[str]
    """A human name for menus, e.g. "Facebook Page"."""
    config_model: ClassVar[type[BaseModel]] = NoConfig
    """Non-secret settings; validated when a channel is created. Use `extra="forbid"`, and type
    every address as a pydantic URL: Byline refuses one that is not public right then."""
    credentials_model: ClassVar[type[BaseModel]] = NoConfig
    """Secrets, as `SecretStr` fields; stored encrypted, decrypted only to publish."""
    capabilities: ClassVar[Capabilities] = Capabilities()
    in_process: ClassVar[bool] = False
    """True when `publish` stores into Byline itself (the built-in blog): there is no remote
    destination to spare, so BYLINE_DISPATCH_CHANNEL_CONCURRENCY does not limit the calls to
    one channel (BYLINE_DISPATCH_CONCURRENCY still limits them all)."""

    def __init__(self, host: HostServices) -> None:
        self.host = host

    @abstractmethod
    async def publish(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult:
        """Publish `post` on `channel` once, and say where it lives.

        Must publish the rendering as given (signature included). Raises only the errors of this
        module; see the module docstring for which one means what.
        """

    async def check(self, channel: ChannelContext) -> CheckResult:
        """Check that the channel can be published to (credentials valid, page reachable).

        Must not publish anything. Its `detail` and its errors' messages go straight back to
        the person who asked: of the destination's answers, repeat only what identifies the
        account (a user's or a page's name), never other text of a body. The default says the
        configuration was accepted.
        """
        return CheckResult(ok=True, detail="configuration accepted", code="configuration_accepted")

    async def reconcile(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult | None:
        """After an unknown outcome: find whether `post` went out (by its idempotency key).

        Return the publication if found, None if it is not there now. A None is not taken as "it
        did not go out" at once: the caller asks again, and sends the post again only after a
        None given at least ``publish_timeout`` plus a margin after the uncertain request was
        sent, and for the second time (see the module docstring); so answer with what the
        destination holds now, with no caching of your own. Raise
        `TransientError` when the destination cannot tell now (Byline asks again later), and
        `PermanentError` when it will never be able to tell (a person then checks the channel:
        the delivery becomes `needs_attention`). Connectors that cannot look publications up
        leave this unimplemented (see `can_reconcile`).
        """
        raise NotImplementedError

    @classmethod
    def can_reconcile(cls) -> bool:
        return cls.reconcile is not Connector.reconcile

    async def warm_up(  # noqa: B027 - an optional hook: by default there is nothing to get
        self, channel: ChannelContext, post: OutgoingPost
    ) -> None:
        """Get ready to publish `post` on `channel` in a few seconds: look up and remember what
        `publish` will need from the destination (who the author is there, say), so that the
        post leaves at its time rather than a few requests later.

        Must not publish, change or reserve anything at the destination. Called outside any
        transaction, within ``publish_timeout``, for one post per channel and author due soon.
        Whatever it raises is logged and ignored: `publish` meets the problem again, and reports
        it then. The default does nothing.
        """

    # -- after publishing (optional) ------------------------------------------------------------

    async def update(
        self, channel: ChannelContext, external_id: str, post: OutgoingPost
    ) -> PublishResult:
        """Replace the publication `external_id` with `post`: the edited post, re-rendered and
        signed by the same author. Keep the idempotency marker where the connector stores one
        (``post.idempotency_key`` is the delivery's, as at publishing), so that ``reconcile``
        still finds it. Returns where it lives now. Raises the errors of this module
        (``PermanentError`` when the destination no longer has it or will not allow the
        change); the edit then stays owed, shown on the delivery."""
        raise NotImplementedError

    async def remove(self, channel: ChannelContext, external_id: str) -> None:
        """Take the publication down (trash, delete or unpublish, as the destination does).
        Already gone is success."""
        raise NotImplementedError

    async def lookup(self, channel: ChannelContext, external_id: str) -> PublishResult | None:
        """The publication as the destination has it now, or None when it was deleted there
        (or trashed, or unpublished)."""
        raise NotImplementedError

    @classmethod
    def can_update(cls) -> bool:
        return cls.update is not Connector.update

    @classmethod
    def can_remove(cls) -> bool:
        return cls.remove is not Connector.remove

    @classmethod
    def can_lookup(cls) -> bool:
        return cls.lookup is not Connector.lookup

    async def deliver(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult:
        """The boundary Byline calls: refuse an unsigned rendering, then `publish`."""
        ensure_signed(post, html=self.capabilities.supports_html)
        return await self.publish(channel, post)


def ensure_signed(post: OutgoingPost, *, html: bool) -> None:
    """Refuse a rendering that does not carry the author's signature block."""
    if not post.signature_text.strip() or post.signature_text not in post.text:
        raise UnsignedPost("the rendered text lacks the author's signature; nothing was sent")
    if post.signature.full_name not in post.signature_text:
        raise UnsignedPost("the signature block does not name the author; nothing was sent")
    if html and (not post.html or not post.signature_html or post.signature_html not in post.html):
        raise UnsignedPost("the rendered article lacks the author's byline; nothing was sent")
