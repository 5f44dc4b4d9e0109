"""Stand-ins for the destinations, answering as their documented APIs do.

Each fake keeps what it was sent (`published`, decoded from the request body) and answers the
look-ups its connector makes, so a test can publish, then reconcile, against the same fake.
"""

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs

import httpx
from pydantic import SecretStr

from connectors.base import Author, ChannelContext
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


def wordpress_context(authors: tuple[Author, ...] = (), **config: Any) -> ChannelContext:
    return ChannelContext(
        channel_id=8,
        name="Blog WordPress",
        config=WordPressConfig.model_validate({"site_url": WP_SITE, **config}),
        credentials=WordPressCredentials(
            username=WP_USER, application_password=SecretStr(WP_PASSWORD)
        ),
        authors=authors,
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
            found["message"] = fields["message"]  # an edit: `published` counts new posts
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


# What each WordPress role may do, of what the connector asks (wp-admin/includes/schema.php).
WP_ROLE_CAPABILITIES = {
    "administrator": {
        "list_users",
        "edit_others_posts",
        "publish_posts",
        "edit_posts",
        "unfiltered_html",
    },
    "editor": {"edit_others_posts", "publish_posts", "edit_posts", "unfiltered_html"},
    "author": {"publish_posts", "edit_posts"},
    "contributor": {"edit_posts"},
}


@dataclass
class WPUser:
    id: int
    login: str
    name: str
    email: str
    role: str
    application_password: str | None = None

    def can(self, capability: str) -> bool:
        return capability in WP_ROLE_CAPABILITIES.get(self.role, set())

    def as_json(self, *, edit: bool) -> dict[str, Any]:
        seen: dict[str, Any] = {"id": self.id, "name": self.name, "slug": self.login}
        if edit:
            capabilities = dict.fromkeys(sorted(WP_ROLE_CAPABILITIES.get(self.role, ())), True)
            seen |= {"email": self.email, "roles": [self.role], "capabilities": capabilities}
        return seen


def wp_users(account_role: str = "administrator") -> list[WPUser]:
    """The account Byline signs in as (the fixtures' credentials), and a second author."""
    return [
        WPUser(
            2, WP_USER, "Mauricette Raoul", "mauricette@cl-consult.fr", account_role, WP_PASSWORD
        ),
        WPUser(5, "josephine", "Joséphine Maurice", "josephine@cl-consult.fr", "author"),
    ]


@dataclass
class FakeWordPress:
    """A WordPress site as its REST API answers: /posts creates, searches, reads, updates and
    trashes; /users/me describes the account; /users searches by e-mail (with `list_users`).

    Sign-in is HTTP Basic with a user's login and Application Password. Permissions follow
    WordPress's roles (`WP_ROLE_CAPABILITIES`) and its refusal codes. `title` and `content` are
    stored as sent: WordPress prints both as HTML (see `shown_title`)."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    users: list[WPUser] = field(default_factory=wp_users)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        me = self._signed_in(request)
        if me is None:
            return wp_error(401, "incorrect_password", "The provided password is invalid.")
        path = request.url.path.removeprefix("/wp-json/wp/v2/")
        method = request.method
        if path == "posts" and method == "POST":
            return self._create(me, json.loads(request.content))
        if path == "posts" and method == "GET":
            term = request.url.params.get("search", "")
            return httpx.Response(
                200, json=[post for post in self.posts if term in post["content"]["raw"]]
            )
        if path.startswith("posts/"):
            post = self.post(int(path.removeprefix("posts/")))
            if post is None:
                return wp_error(404, "rest_post_invalid_id", "Invalid post ID.")
            if method == "GET":
                return httpx.Response(200, json=post)
            if method == "POST":
                return self._update(me, post, json.loads(request.content))
            if method == "DELETE":
                return self._trash(me, post, request.url.params.get("force") == "true")
        if path == "users/me" and method == "GET":
            return httpx.Response(200, json=me.as_json(edit=True))
        if path == "users" and method == "GET":
            edit = request.url.params.get("context") == "edit"
            if edit and not me.can("list_users"):
                return wp_error(
                    403, "rest_forbidden_context", "Sorry, you are not allowed to edit users."
                )
            term = request.url.params.get("search", "").casefold()
            found = [
                user
                for user in self.users
                if term in (user.email.casefold() if "@" in term else user.login.casefold())
            ]
            return httpx.Response(200, json=[user.as_json(edit=edit) for user in found])
        if path.startswith("users/") and method == "GET":
            user = self.user(int(path.removeprefix("users/")))
            if user is None:
                return wp_error(404, "rest_user_invalid_id", "Invalid user ID.")
            return httpx.Response(200, json=user.as_json(edit=False))
        return wp_error(
            404, "rest_no_route", "No route was found matching the URL and request method."
        )

    def post(self, post_id: int) -> dict[str, Any] | None:
        return next((post for post in self.posts if post["id"] == post_id), None)

    def user(self, user_id: int) -> WPUser | None:
        return next((user for user in self.users if user.id == user_id), None)

    def shown_author(self, post: dict[str, Any]) -> str:
        """The name WordPress prints as the post's author."""
        author = self.user(post["author"])
        assert author is not None
        return author.name

    def _signed_in(self, request: httpx.Request) -> WPUser | None:
        for user in self.users:
            if user.application_password is None:
                continue
            secret = base64.b64encode(f"{user.login}:{user.application_password}".encode())
            if request.headers.get("authorization") == f"Basic {secret.decode()}":
                return user
        return None

    def _author_refusal(self, me: WPUser, sent: dict[str, Any]) -> httpx.Response | None:
        author = sent.get("author")
        if author is None or author == me.id:
            return None
        if not me.can("edit_others_posts"):
            return wp_error(
                403,
                "rest_cannot_edit_others",
                "Sorry, you are not allowed to create posts as this user.",
            )
        if self.user(author) is None:
            return wp_error(400, "rest_invalid_author", "Invalid author ID.")
        return None

    def _create(self, me: WPUser, sent: dict[str, Any]) -> httpx.Response:
        if not me.can("edit_posts"):
            return wp_error(
                403,
                "rest_cannot_create",
                "Sorry, you are not allowed to create posts as this user.",
            )
        if sent.get("status") == "publish" and not me.can("publish_posts"):
            return wp_error(
                403,
                "rest_cannot_publish",
                "Sorry, you are not allowed to publish posts in this post type.",
            )
        refused = self._author_refusal(me, sent)
        if refused is not None:
            return refused
        self.published.append(sent["content"])
        number = 300 + len(self.posts)
        post = {
            "id": number,
            "link": f"{WP_SITE}/?p={number}",
            "status": sent["status"],
            "author": sent.get("author", me.id),
            "title": {"raw": sent["title"], "rendered": sent["title"]},
            "content": {"raw": sent["content"], "rendered": sent["content"]},
        }
        self.posts.append(post)
        return httpx.Response(201, json=post)

    def _update(self, me: WPUser, post: dict[str, Any], sent: dict[str, Any]) -> httpx.Response:
        if post["author"] != me.id and not me.can("edit_others_posts"):
            return wp_error(
                403, "rest_cannot_edit", "Sorry, you are not allowed to edit this post."
            )
        refused = self._author_refusal(me, sent)
        if refused is not None:
            return refused
        if "title" in sent:
            post["title"] = {"raw": sent["title"], "rendered": sent["title"]}
        if "content" in sent:
            post["content"] = {"raw": sent["content"], "rendered": sent["content"]}
        post["author"] = sent.get("author", post["author"])
        return httpx.Response(200, json=post)

    def _trash(self, me: WPUser, post: dict[str, Any], force: bool) -> httpx.Response:
        if post["author"] != me.id and not me.can("edit_others_posts"):
            return wp_error(
                403, "rest_cannot_delete", "Sorry, you are not allowed to delete this post."
            )
        if force:
            self.posts.remove(post)
            return httpx.Response(200, json={"deleted": True, "previous": post})
        if post["status"] == "trash":
            return wp_error(410, "rest_already_trashed", "The post has already been deleted.")
        post["status"] = "trash"
        return httpx.Response(200, json=post)


def shown_title(post: dict[str, Any]) -> str:
    """The heading a reader sees: WordPress prints the stored title as HTML."""
    return html_text(post["title"]["raw"])


def html_text(fragment: str) -> str:
    """The text a browser shows for an HTML fragment that must hold no element (a heading).
    Raises when it holds one: that markup would render, or run."""
    parser = _TextOnly()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.text)


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise AssertionError(f"the title holds a <{tag}> element")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


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
