"""Test connectors that record every call in a file, so that several processes can share the
record and a test can count how many times each delivery went out. Test code only: registered by
passing `connectors={...}` to create_app/build_state, never through entry points."""

import asyncio
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from connectors.base import (
    ChannelContext,
    Connector,
    OutgoingPost,
    PermanentError,
    PublishResult,
    ReauthRequired,
    TransientError,
    UnknownOutcome,
)
from connectors.local_blog import LocalBlogConnector

# What a call does: None publishes; "transient", "rate_limited", "permanent", "reauth" fail before
# sending; "lost_before_send" looks like an unknown outcome but sent nothing; "timeout_after_send" and "unknown_after_send" publish and then lose the answer;
# "hang" publishes and then never answers (the dispatcher's timeout, or a kill, cuts it short);
# "crash" raises what no connector should (a bug) before sending. Getting ready ahead asks the
# plan too, as attempt 0: "unready" makes it fail.
Plan = Callable[[str, int], str | None]


class CallLog:
    """Append-only, one line per call; O_APPEND keeps lines whole across processes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, kind: str, key: str) -> None:
        line = f"{kind} {key} {os.getpid()}\n".encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def lines(self) -> list[tuple[str, str, int]]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text().splitlines():
            kind, key, pid = line.split()
            out.append((kind, key, int(pid)))
        return out

    def published(self) -> Counter[str]:
        return Counter(key for kind, key, _ in self.lines() if kind == "sent")

    def attempts(self) -> Counter[str]:
        return Counter(key for kind, key, _ in self.lines() if kind == "call")


class RecordingConnector(Connector):
    """Publishes by writing a line; cannot look publications up (no reconcile)."""

    name = "recording_blind"
    label = "Recording, no reconciliation (tests)"
    log: ClassVar[CallLog]
    plan: ClassVar[Plan | None] = None
    latency: ClassVar[float] = 0.0
    calls: ClassVar[Counter[str]]
    """Calls per key made by this process (the plan's attempt number)."""

    async def warm_up(self, channel: ChannelContext, post: OutgoingPost) -> None:
        self.log.append("ready", post.idempotency_key)
        plan = type(self).plan
        if plan is not None and plan(post.idempotency_key, 0) == "unready":
            raise TransientError("the service is busy (503)")

    async def publish(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult:
        key = post.idempotency_key
        self.log.append("call", key)
        type(self).calls[key] += 1
        plan = type(self).plan
        fault = plan(key, type(self).calls[key]) if plan is not None else None
        if fault == "transient":
            raise TransientError("the service is busy (503)")
        if fault == "rate_limited":
            raise TransientError("too many requests (429)", retry_after=90.0)
        if fault == "permanent":
            raise PermanentError("the page refuses this post: links are not allowed")
        if fault == "reauth":
            raise ReauthRequired("the page's token expired")
        if fault == "lost_before_send":
            raise UnknownOutcome("the connection dropped")
        if fault == "crash":
            raise RuntimeError("a bug in the connector")
        self.log.append("sent", key)
        if self.latency:
            await asyncio.sleep(self.latency)
        if fault == "timeout_after_send":
            raise TimeoutError
        if fault == "unknown_after_send":
            raise UnknownOutcome("502 after the request was sent")
        if fault == "hang":
            await asyncio.sleep(3600)
        return PublishResult(external_id=key, external_url=f"https://example.test/{key}")


class ReconcilingConnector(RecordingConnector):
    """The same, and it can find whether a post went out."""

    name = "recording"
    label = "Recording (tests)"

    async def reconcile(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult | None:
        key = post.idempotency_key
        self.log.append("reconcile", key)
        if self.log.published()[key]:
            return PublishResult(external_id=key, external_url=f"https://example.test/{key}")
        return None


def recording_connectors(
    log_path: Path, *, plan: Plan | None = None, latency: float = 0.0
) -> dict[str, type[Connector]]:
    """Both recording kinds bound to one call log, plus the built-in blog (factories use it)."""
    attrs: dict[str, object] = {"log": CallLog(log_path), "latency": latency}
    if plan is not None:
        attrs["plan"] = staticmethod(plan)
    blind = type("Blind", (RecordingConnector,), {**attrs, "calls": Counter()})
    reconciling = type("Reconciling", (ReconcilingConnector,), {**attrs, "calls": Counter()})
    return {
        "local_blog": LocalBlogConnector,
        blind.name: blind,
        reconciling.name: reconciling,
    }
