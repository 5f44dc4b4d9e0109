"""Stand-ins for the destinations, answering as their documented APIs do.

Each fake keeps what it was sent (`published`, decoded from the request body) and answers the
look-ups its connector makes, so a test can publish, then reconcile, against the same fake.
"""

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
from pydantic import SecretStr

from connectors.base import ChannelContext
from connectors.facebook import FacebookPageConfig, FacebookPageCredentials
from connectors.wordpress import WordPressConfig, WordPressCredentials

PAGE_ID = "104857600123456"
PAGE_TOKEN = "EAAGm0PX4ZCpsBAPageTokenSecret"
WP_SITE = "https://blog.boulangerie-corre.fr"
WP_USER = "mauricette"
WP_PASSWORD = "abcd EFGH 1234 ijkl MNOP 6789"


def facebook_context(**config: Any) -> ChannelContext:
    return ChannelContext(
        channel_id=7,
        name="Page Facebook",
        config=FacebookPageConfig(page_id=PAGE_ID, **config),
        credentials=FacebookPageCredentials(page_access_token=SecretStr(PAGE_TOKEN)),
    )


def wordpress_context(**config: Any) -> ChannelContext:
    return ChannelContext(
        channel_id=8,
        name="Blog WordPress",
        config=WordPressConfig.model_validate({"site_url": WP_SITE, **config}),
        credentials=WordPressCredentials(
            username=WP_USER, application_password=SecretStr(WP_PASSWORD)
        ),
    )


def form(request: httpx.Request) -> dict[str, str]:
    """The fields of a form-encoded body (each sent once)."""
    return {key: values[0] for key, values in parse_qs(request.content.decode()).items()}


def graph_error(status: int, code: int, message: str, **extra: Any) -> httpx.Response:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbC123"}
    return httpx.Response(status, json={"error": {**error, **extra}})


def wp_error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(
        status, json={"code": code, "message": message, "data": {"status": status}}
    )


@dataclass
class FakePage:
    """A Facebook Page behind the Graph API, answering as Meta documents it: /feed publishes
    (reading the new post back when `fields` asks, "read after write"), /posts lists,
    /{post-id} reads, edits and deletes (a deleted post is error 100, subcode 33), /me and
    /debug_token describe the token. `usage` is sent as X-Business-Use-Case-Usage on every
    answer; `token_type` and `scopes` are what /debug_token says of the token."""

    posts: list[dict[str, str]] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    token_type: str = "PAGE"
    scopes: list[str] = field(
        default_factory=lambda: ["pages_show_list", "pages_read_engagement", "pages_manage_posts"]
    )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        response = self._answer(request)
        if self.usage is not None:
            response.headers["X-Business-Use-Case-Usage"] = json.dumps(
                {PAGE_ID: [{"type": "pages", **self.usage}]}
            )
        return response

    def _answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        fields = form(request) if request.method == "POST" else dict(request.url.params)
        if fields.get("access_token") != PAGE_TOKEN:
            return graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        wanted = fields.get("fields", "")
        if request.method == "POST" and path.endswith(f"/{PAGE_ID}/feed"):
            message = fields["message"]
            self.published.append(message)
            number = 9000 + len(self.posts)
            post_id = f"{PAGE_ID}_{number}"
            created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
            post = {
                "id": post_id,
                "message": message,
                "created_time": created,
                "permalink_url": f"https://www.facebook.com/{PAGE_ID}/posts/pfbid0{number}",
            }
            self.posts.insert(0, post)
            return httpx.Response(200, json=_only(post, wanted) if wanted else {"id": post_id})
        if request.method == "GET" and path.endswith(f"/{PAGE_ID}/posts"):
            return httpx.Response(200, json={"data": self.posts, "paging": {}})
        if path.endswith("/me") and request.method == "GET":
            me: dict[str, Any] = {"id": PAGE_ID, "name": "Boulangerie Corre"}
            if fields.get("metadata") == "1":
                me["metadata"] = {"type": "page"}
            return httpx.Response(200, json=me)
        if path.endswith("/debug_token") and request.method == "GET":
            return httpx.Response(200, json={"data": self._token_data()})
        if path.endswith(f"/{PAGE_ID}") and request.method == "GET":
            return httpx.Response(200, json={"id": PAGE_ID, "name": "Boulangerie Corre"})
        post_id = path.rsplit("/", 1)[-1]
        found = next((post for post in self.posts if post["id"] == post_id), None)
        if found is None:
            return graph_error(
                400,
                100,
                f"Unsupported get request. Object with ID '{post_id}' does not exist",
                type="GraphMethodException",
                error_subcode=33,
            )
        if request.method == "GET":
            return httpx.Response(200, json=_only(found, wanted or "id"))
        if request.method == "POST":
            found["message"] = fields["message"]
            self.published.append(fields["message"])
            return httpx.Response(200, json={"success": True})
        if request.method == "DELETE":
            self.posts.remove(found)
            return httpx.Response(200, json={"success": True})
        return graph_error(400, 100, "Unsupported request")

    def _token_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "app_id": "138483919580948",
            "type": self.token_type,
            "application": "Byline",
            "is_valid": True,
            "scopes": self.scopes,
            "user_id": "10210000000000001",
        }
        if self.token_type == "PAGE":
            data["profile_id"] = PAGE_ID
            data["granular_scopes"] = [
                {"scope": scope, "target_ids": [PAGE_ID]} for scope in self.scopes
            ]
        return data


def _only(post: dict[str, str], fields: str) -> dict[str, str]:
    return {key: post[key] for key in fields.split(",") if key in post}


def facebook_refusal(kind: str) -> httpx.Response:
    """How the Graph API says each failure the contract names."""
    if kind == "rejected":
        return graph_error(400, 100, "(#100) Invalid parameter")
    if kind == "auth":
        return graph_error(
            400, 190, "Error validating access token: Session has expired", error_subcode=463
        )
    if kind == "rate_limited":
        response = graph_error(429, 4, "(#4) Application request limit reached")
        response.headers["Retry-After"] = "120"
        return response
    if kind == "server_error":
        return graph_error(500, 2, "Service temporarily unavailable")
    raise ValueError(kind)


@dataclass
class FakeWordPress:
    """A WordPress site: /posts creates and searches, /users/me describes the account."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    published: list[str] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        expected = base64.b64encode(f"{WP_USER}:{WP_PASSWORD}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return wp_error(401, "incorrect_password", "The provided password is invalid.")
        path = request.url.path
        if request.method == "POST" and path == "/wp-json/wp/v2/posts":
            sent = json.loads(request.content)
            self.published.append(sent["content"])
            number = 300 + len(self.posts)
            post = {
                "id": number,
                "link": f"{WP_SITE}/?p={number}",
                "status": sent["status"],
                "title": {"raw": sent["title"]},
                "content": {"raw": sent["content"], "rendered": sent["content"]},
            }
            self.posts.append(post)
            return httpx.Response(201, json=post)
        if request.method == "GET" and path == "/wp-json/wp/v2/posts":
            term = request.url.params.get("search", "")
            return httpx.Response(
                200, json=[post for post in self.posts if term in post["content"]["raw"]]
            )
        if request.method == "GET" and path == "/wp-json/wp/v2/users/me":
            return httpx.Response(200, json={"id": 2, "name": "Mauricette Raoul", "slug": WP_USER})
        return wp_error(404, "rest_no_route", "No route was found matching the URL.")


def wordpress_refusal(kind: str) -> httpx.Response:
    """How a WordPress site (or the proxy in front of it) says each failure the contract names."""
    if kind == "rejected":
        return wp_error(400, "rest_invalid_param", "Invalid parameter(s): categories")
    if kind == "auth":
        return wp_error(
            401, "incorrect_password", "The provided password is an invalid application password."
        )
    if kind == "rate_limited":
        return httpx.Response(429, headers={"Retry-After": "120"}, text="Too Many Requests")
    if kind == "server_error":
        return httpx.Response(502, text="<html><body>Bad Gateway</body></html>")
    raise ValueError(kind)
