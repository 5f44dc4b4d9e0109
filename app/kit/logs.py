"""Logging for every `byline` process: plain text or one JSON object a line, always on stderr.

Each record carries the ids of what it is about, taken from context variables: the HTTP request
(`request_id`, also sent back as the `X-Request-ID` header), the dispatcher process (`worker_id`)
and the delivery being published (`delivery_id`). asyncio copies context variables into every task
it creates, so a value set before a task starts follows that task and no other.
"""

import logging
import sys
import uuid
from contextvars import ContextVar
from typing import IO, Any

from pythonjsonlogger.json import JsonFormatter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
worker_id: ContextVar[str | None] = ContextVar("worker_id", default=None)
delivery_id: ContextVar[int | None] = ContextVar("delivery_id", default=None)

_CONTEXT: dict[str, ContextVar[Any]] = {
    "request_id": request_id,
    "worker_id": worker_id,
    "delivery_id": delivery_id,
}
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(context)s"
_REQUEST_ID_HEADER = b"x-request-id"
_log = logging.getLogger("byline.http")


class ContextFilter(logging.Filter):
    """Puts the current ids on each record (as attributes, and as `context` for the text format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        found = {name: var.get() for name, var in _CONTEXT.items() if var.get() is not None}
        for name, value in found.items():
            setattr(record, name, value)
        record.context = "".join(f" {name}={value}" for name, value in found.items())
        return True


class _Json(JsonFormatter):
    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        for noise in ("context", "color_message"):  # the text format's; uvicorn's ANSI copy
            log_data.pop(noise, None)
        for name in _CONTEXT:
            if hasattr(record, name):
                log_data[name] = getattr(record, name)


def make_handler(log_format: str = "text", stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing `text` or `json` records, with the context ids, to `stream` (stderr)."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(ContextFilter())
    if log_format == "json":
        handler.setFormatter(
            _Json(
                "%(levelname)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp="time",
            )
        )
    else:
        handler.setFormatter(logging.Formatter(_TEXT_FORMAT))
    return handler


def configure(*, log_format: str = "text", level: str | int = logging.INFO) -> None:
    """One handler on the root logger, writing to stderr; uvicorn's loggers propagate to it."""
    handler = make_handler(log_format)
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # httpx logs every request URL at INFO; some APIs take tokens in the query string.
    logging.getLogger("httpx").setLevel(logging.WARNING)


class RequestIdMiddleware:
    """Gives each HTTP request an id (the caller's `X-Request-ID` when it sends a sane one), sets
    it for the logs, and returns it in the response's `X-Request-ID` header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(_REQUEST_ID_HEADER, b"").decode("latin-1")
        current = given if _acceptable(given) else uuid.uuid4().hex
        token = request_id.set(current)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (key, value)
                    for key, value in message.get("headers", [])
                    if key.lower() != _REQUEST_ID_HEADER
                ]
                headers.append((_REQUEST_ID_HEADER, current.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Logged here with the request's id, which stays set (this request's task ends with
            # it) so that the 500 page, rendered outside this middleware, can name it too.
            _log.exception("unexpected error answering %s %r", scope["method"], scope["path"])
            raise
        request_id.reset(token)


def _acceptable(value: str) -> bool:
    return 0 < len(value) <= 128 and all(c.isascii() and (c.isalnum() or c in "-_.:") for c in value)
