"""A Ghost site behind its Admin API, answering as Ghost documents it and as its source does.

Authentication is verified as Ghost's `api-key/admin.js` does: the token comes as
`Authorization: Ghost <jwt>`, its `kid` must name a known Admin API key (else 401
`UNKNOWN_ADMIN_API_KEY`), and it must verify with that key's hex-decoded secret, HS256, audience
`/admin/`, issued at most 5 minutes ago (else 401 `INVALID_JWT`). Posts are created from HTML
(`?source=html`), Ghost's owner becomes the author when none is named or the one named is not
found, edits need the current `updated_at` (else 409 `UpdateCollisionError`), and browsing
filters on one `field:'value'` equality, as NQL does.
"""

import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import httpx
import jwt
from pydantic import SecretStr

from connectors.base import ChannelContext
from connectors.ghost import GhostConfig, GhostCredentials

GHOST_SITE = "https://blog.boulangerie-corre.fr"
GHOST_KEY_ID = "6748592f4b9b7700010f6564"
GHOST_SECRET = "b1b5b9c1d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1"
GHOST_KEY = f"{GHOST_KEY_ID}:{GHOST_SECRET}"
OWNER_ID = "5951f5fca366002ebd5dbef7"
MAURICETTE_ID = "6748592f4b9b7700010f6601"
MAURICETTE_EMAIL = "mauricette@cl-consult.fr"
_API = "/ghost/api/admin/"
_FILTER = re.compile(r"(\w+):'([^']*)'")


def ghost_context(**config: Any) -> ChannelContext:
    """A Ghost channel; by default it accepts the owner's name for people with no staff user,
    as the contract suite's signature names nobody Ghost knows."""
    return ChannelContext(
        channel_id=9,
        name="Blog Ghost",
        config=GhostConfig.model_validate(
            {"site_url": GHOST_SITE, "accept_default_author": True, **config}
        ),
        credentials=GhostCredentials(admin_api_key=SecretStr(GHOST_KEY)),
    )


def ghost_error(status: int, kind: str, message: str, code: str | None = None) -> httpx.Response:
    error = {
        "message": message,
        "context": None,
        "type": kind,
        "details": None,
        "property": None,
        "help": None,
        "code": code,
        "id": "1f8e7c10-0a0b-11ef-9d6a-2b6c0e3f4a5b",
        "ghostErrorCode": None,
    }
    return httpx.Response(status, json={"errors": [error]})


def _stamp(edits: int) -> str:
    """An `updated_at` as Ghost writes them; each save gets a new one."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{edits % 1000:03d}Z"


@dataclass
class FakeGhost:
    """Keeps the posts it was sent (`posts`, and the HTML of each create in `published`; edits
    change `posts` and count in `edits`)."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    users: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {
                "id": OWNER_ID,
                "name": "Aline Lamour",
                "slug": "aline",
                "email": "aline@boulangerie-corre.fr",
                "roles": [{"name": "Owner"}],
            },
            {
                "id": MAURICETTE_ID,
                "name": "Mauricette Raoul",
                "slug": "mauricette",
                "email": MAURICETTE_EMAIL,
                "roles": [{"name": "Author"}],
            },
        ]
    )
    keys: dict[str, str] = field(default_factory=lambda: {GHOST_KEY_ID: GHOST_SECRET})
    edits: int = 0
    accept_versions: list[str | None] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.accept_versions.append(request.headers.get("accept-version"))
        path = request.url.path
        if not path.startswith(_API):
            return httpx.Response(404, text="<html>Not found</html>")
        route = path[len(_API) :]
        if route == "site/" and request.method == "GET":
            return httpx.Response(
                200,
                json={
                    "site": {
                        "title": "Le blog de la Boulangerie",
                        "url": GHOST_SITE + "/",
                        "version": "6.3",
                    }
                },
            )
        refused = self._authenticate(request)
        if refused is not None:
            return refused
        return self._route(request, route)

    def _authenticate(self, request: httpx.Request) -> httpx.Response | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            return ghost_error(403, "NoPermissionError", "Authorization failed", "UNAUTHORIZED")
        if scheme.lower() != "ghost" or not token:
            return ghost_error(
                401,
                "UnauthorizedError",
                'Authorization header format is "Authorization: Ghost [token]"',
                "INVALID_AUTH_HEADER",
            )
        try:
            key_id = jwt.get_unverified_header(token).get("kid")
        except jwt.DecodeError:
            return ghost_error(400, "BadRequestError", "Invalid token", "INVALID_JWT")
        if not key_id:
            return ghost_error(
                400, "BadRequestError", "Admin API kid missing.", "MISSING_ADMIN_API_KID"
            )
        secret = self.keys.get(key_id)
        if secret is None:
            return ghost_error(
                401, "UnauthorizedError", "Unknown Admin API Key", "UNKNOWN_ADMIN_API_KEY"
            )
        try:
            claims = jwt.decode(
                token, bytes.fromhex(secret), algorithms=["HS256"], audience="/admin/"
            )
        except jwt.PyJWTError as error:
            return ghost_error(401, "UnauthorizedError", f"Invalid token: {error}", "INVALID_JWT")
        if time.time() - float(claims.get("iat", 0)) > 300:
            return ghost_error(
                401, "UnauthorizedError", "Invalid token: maxAge exceeded", "INVALID_JWT"
            )
        return None

    def _route(self, request: httpx.Request, route: str) -> httpx.Response:
        method = request.method
        if route == "posts/" and method == "POST":
            return self._create(request)
        if route == "posts/" and method == "GET":
            return self._browse(request)
        if route == "users/" and method == "GET":
            return httpx.Response(200, json={"users": self.users, "meta": {"pagination": {}}})
        if route.startswith("users/"):
            wanted = unquote(route.removeprefix("users/").removesuffix("/"))
            if wanted.startswith("email/"):
                email = wanted.removeprefix("email/").lower()
                found = [u for u in self.users if u["email"].lower() == email]
            else:
                found = [u for u in self.users if u["id"] == wanted]
            if not found:
                return ghost_error(404, "NotFoundError", "User not found.")
            return httpx.Response(200, json={"users": found})
        match = re.fullmatch(r"posts/([0-9a-f]{24})/", route)
        if match:
            return self._one(request, match.group(1))
        return ghost_error(404, "NotFoundError", "Resource not found")

    def _create(self, request: httpx.Request) -> httpx.Response:
        if request.url.params.get("source") != "html":
            return ghost_error(422, "ValidationError", "html is ignored without source=html")
        (sent,) = json.loads(request.content)["posts"]
        if not sent.get("title"):
            return ghost_error(422, "ValidationError", "Validation error, cannot save post.")
        number = len(self.posts) + 1
        post = {
            "id": f"675a1b2c3d4e5f60718293{number:02x}",
            "uuid": f"0f6b1a52-8c1e-4d2b-9d7e-{number:012d}",
            "title": sent["title"],
            "html": sent["html"],
            "status": sent.get("status", "draft"),
            "codeinjection_foot": sent.get("codeinjection_foot"),
            "authors": self._authors(sent.get("authors")),
            "updated_at": _stamp(len(self.published)),
        }
        post["url"] = (
            f"{GHOST_SITE}/article-{number}/"
            if post["status"] == "published"
            else f"{GHOST_SITE}/p/{post['uuid']}/"
        )
        self.posts.append(post)
        self.published.append(sent["html"])
        return httpx.Response(201, json={"posts": [post]})

    def _authors(self, named: list[dict[str, str]] | None) -> list[dict[str, Any]]:
        """As Ghost's matchAuthors: a named author it cannot find becomes the owner."""
        owner = self.users[0]
        if not named:
            return [owner]
        found = []
        for author in named:
            user = next(
                (
                    u
                    for u in self.users
                    if u["id"] == author.get("id") or u["email"] == author.get("email")
                ),
                owner,
            )
            found.append(user)
        return found

    def _browse(self, request: httpx.Request) -> httpx.Response:
        wanted = request.url.params.get("filter")
        posts = self.posts
        if wanted:
            match = _FILTER.fullmatch(wanted)
            if match is None:
                return ghost_error(400, "BadRequestError", "Error parsing filter")
            name, value = match.groups()
            posts = [post for post in posts if post.get(name) == value]
        return httpx.Response(200, json={"posts": posts, "meta": {"pagination": {}}})

    def _one(self, request: httpx.Request, post_id: str) -> httpx.Response:
        post = next((p for p in self.posts if p["id"] == post_id), None)
        if post is None:
            return ghost_error(404, "NotFoundError", "Post not found.")
        if request.method == "GET":
            return httpx.Response(200, json={"posts": [post]})
        if request.method == "DELETE":
            self.posts.remove(post)
            return httpx.Response(204)
        if request.method == "PUT":
            (sent,) = json.loads(request.content)["posts"]
            if sent.get("updated_at") != post["updated_at"]:
                return ghost_error(
                    409,
                    "UpdateCollisionError",
                    "Saving failed! Someone else is editing this post.",
                )
            for key in ("title", "html", "status", "codeinjection_foot"):
                if key in sent:
                    post[key] = sent[key]
            if "authors" in sent:
                post["authors"] = self._authors(sent["authors"])
            self.edits += 1  # an edit: `published` counts new posts
            post["updated_at"] = _stamp(len(self.published) + self.edits)
            return httpx.Response(200, json={"posts": [post]})
        return ghost_error(404, "NotFoundError", "Resource not found")


def ghost_refusal(kind: str) -> httpx.Response:
    """How a Ghost site (or the proxy in front of it) says each failure the contract names."""
    if kind == "rejected":
        return ghost_error(422, "ValidationError", "Validation error, cannot save post.")
    if kind == "auth":
        return ghost_error(
            401, "UnauthorizedError", "Invalid token: invalid signature", "INVALID_JWT"
        )
    if kind == "rate_limited":
        response = ghost_error(429, "TooManyRequestsError", "Too many requests")
        response.headers["Retry-After"] = "120"
        return response
    if kind == "server_error":
        return httpx.Response(502, text="<html><body>Bad Gateway</body></html>")
    raise ValueError(kind)
