"""A fake WordPress for the burst benchmark: a pure-asyncio HTTP/1.1 server on 127.0.0.1 that
answers the few REST calls connectors/wordpress.py makes, each after a set latency, and counts
what it received.

    .venv/bin/python -m bench.fake_destination --latency 0.2     (prints "port N", then serves)

Any path prefix is a site: http://127.0.0.1:N/site-3 is one WordPress, /site-4 another.

* POST {site}/wp-json/wp/v2/posts: 201 with the post (`id`, `link`, `content.raw`...), as
  WordPress answers. The post is counted under its idempotency key, read from the
  `<!-- byline:KEY -->` comment the connector appends (or under its title when it has none).
* GET {site}/wp-json/wp/v2/posts?search=KEY: the stored posts whose content holds KEY (what the
  connector's `reconcile` asks after an unknown outcome).
* GET {site}/wp-json/wp/v2/users/me: the account, an editor (what the connector's `check` asks).
* GET {site}/wp-json/wp/v2/users?search=: the signer's own user, found by e-mail.
* Anything under /wp-json without HTTP Basic credentials: 401 `rest_not_logged_in`.

For the benchmark itself, without latency: GET /_bench/stats (every key → the times, in epoch
seconds, its POSTs were answered) and POST /_bench/reset.

It runs in a process of its own, so that its CPU time is neither Byline's nor the bare loop's.
No framework: uvicorn without httptools parses HTTP in pure Python (h11) and would cost more CPU
than what it serves; this needs only keep-alive and Content-Length bodies, which httpx sends.
"""

import argparse
import asyncio
import json
import re
import signal
import socket
import time
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import parse_qs, urlsplit

_KEY = re.compile(r"<!-- byline:([A-Za-z0-9_.:-]+) -->")
_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}


class Destination:
    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.received: dict[str, list[float]] = defaultdict(list)
        self.posts: list[dict[str, Any]] = []
        self.requests: Counter[str] = Counter()
        self.busy = [float("inf"), 0.0]
        """When the first post arrived, and the seconds posts spent being answered (look-ups,
        such as those Byline makes ahead of a burst, are not counted)."""

    def reset(self) -> None:
        self.received.clear()
        self.posts.clear()
        self.requests.clear()
        self.busy = [float("inf"), 0.0]

    async def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        if path == "/_bench/stats" and method == "GET":
            return 200, {
                "received": self.received,
                "requests": self.requests,
                "first_arrival": self.busy[0] if self.busy[0] != float("inf") else None,
                "busy_seconds": self.busy[1],
            }
        if path == "/_bench/reset" and method == "POST":
            self.reset()
            return 200, {"ok": True}
        site, found, route = path.partition("/wp-json/wp/v2/")
        if not found:
            return 404, _wp_error("rest_no_route", "No route was found.", 404)
        if not headers.get("authorization", "").startswith("Basic "):
            return 401, _wp_error("rest_not_logged_in", "You are not currently logged in.", 401)
        self.requests[f"{method} {route}"] += 1
        arrived = time.time()
        await asyncio.sleep(self.latency)
        if route == "posts" and method == "POST":
            self.busy[0] = min(self.busy[0], arrived)
            self.busy[1] += time.time() - arrived
            return self._create(site, body)
        if route == "posts" and method == "GET":
            search = query.get("search", [""])[0]
            return 200, [post for post in self.posts if search in post["content"]["raw"]]
        if route == "users/me" and method == "GET":
            # The agency's account (an editor), which sets each post's author to the signer.
            return 200, {
                "id": 1,
                "name": "Bench Publisher",
                "slug": "bench",
                "email": "web@cl-consult.fr",
                "roles": ["editor"],
                "capabilities": {
                    name: True
                    for name in ("edit_posts", "publish_posts", "edit_others_posts", "list_users")
                },
            }
        if route == "users" and method == "GET":
            search = query.get("search", [""])[0].casefold()
            return 200, [user for user in _USERS if search and search in user["email"]]
        return 404, _wp_error("rest_no_route", "No route was found.", 404)

    def _create(self, site: str, body: bytes) -> tuple[int, Any]:
        try:
            payload = json.loads(body)
            title, content = str(payload["title"]), str(payload["content"])
        except (ValueError, KeyError, TypeError):
            return 400, _wp_error("rest_invalid_json", "Invalid JSON body passed.", 400)
        post_id = len(self.posts) + 1
        post = {
            "id": post_id,
            "link": f"http://127.0.0.1{site}/?p={post_id}",
            "status": payload.get("status", "publish"),
            "title": {"raw": title, "rendered": title},
            "content": {"raw": content, "rendered": content},
        }
        self.posts.append(post)
        marked = _KEY.search(content)
        # Counted when answered: the moment the sender learns it went out.
        self.received[marked.group(1) if marked else f"title:{title}"].append(time.time())
        return 201, post


_USERS: list[dict[str, Any]] = [
    {"id": 7, "name": "Mauricette Raoul", "slug": "mraoul", "email": "mauricette@cl-consult.fr"}
]


def _wp_error(code: str, message: str, status: int) -> dict[str, Any]:
    return {"code": code, "message": message, "data": {"status": status}}


async def serve_connection(
    destination: Destination, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """One keep-alive connection: requests one after another, until the client closes it."""
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, target, _version = request_line.split(" ", 2)
            headers = {}
            for line in header_lines:
                name, _, value = line.partition(":")
                if name:
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            status, answer = await destination.handle(method, target, headers, body)
            data = json.dumps(answer).encode()
            writer.write(
                f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}\r\n"
                f"Content-Type: application/json; charset=UTF-8\r\n"
                f"Content-Length: {len(data)}\r\n\r\n".encode()
                + data
            )
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                return
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        writer.close()


async def main_async(latency: float) -> None:
    destination = Destination(latency)
    # A free port chosen by the kernel, bound before it is announced: no race with other users.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    # A burst opens hundreds of connections at once: a short accept queue would drop SYNs, whose
    # retransmission (1 s later) would show up as lateness that is neither side's doing.
    server = await asyncio.start_server(
        lambda r, w: serve_connection(destination, r, w), sock=sock, backlog=2048
    )
    print(f"port {sock.getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=0.2, help="seconds before each answer")
    args = parser.parse_args()
    asyncio.run(main_async(args.latency))


if __name__ == "__main__":
    main()
