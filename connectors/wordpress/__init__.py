"""WordPress connector: the signed article goes to a self-hosted WordPress through its REST API.

WordPress REST API facts this package relies on, checked against WordPress's documentation, its
core source and a real WordPress 6.1 (tests/connectors/test_wordpress_real.py):
* Posts are created with POST {site}/wp-json/wp/v2/posts (`title`, `content`, `status`,
  `categories`, `author`), changed with POST /posts/{id}, trashed with DELETE /posts/{id}
  (without `force`; a second DELETE is 410 `rest_already_trashed`) and read with GET /posts/{id}
  (`status` is "trash" once trashed; 404 `rest_post_invalid_id` once deleted)
  (developer.wordpress.org/rest-api/reference/posts/).
* `title` is HTML to WordPress: it stores it as given and prints it unescaped in the page's
  heading (administrators and editors have `unfiltered_html`, so not even kses runs). Byline's
  title is plain text, so it is sent escaped; the content is the sanitised HTML it already is.
* Listing posts accepts `search` and `status`, an array whose values are the registered statuses
  plus `any` (WP_REST_Posts_Controller::get_collection_params, core changeset 39104);
  `context=edit` adds `content.raw` for users who may edit the post.
* GET /users/me?context=edit gives the account's `roles`, `capabilities` and `email`: `check`
  reads there whether it may publish (`publish_posts`) and set another author
  (`edit_others_posts`). See `authors` for how a post's WordPress author is chosen.
* Application Passwords authenticate REST requests with HTTP Basic auth, only over HTTPS or on a
  "local" environment (wp_is_application_passwords_supported, WordPress 5.6+). See `rest` for
  what each refusal means.

Idempotency: the REST API stores `meta` only for keys a plugin registered, and a slug is visible
in the post's address and editable by anyone. So each article ends with an invisible HTML comment,
`<!-- byline:{idempotency_key} -->`. WordPress keeps comments through its HTML filter (kses)
unless they contain "--", which the key never does. `reconcile` searches for the key with
`status=any` and accepts only a post whose content carries the exact comment, so
"byline-delivery-4" never matches "byline-delivery-42".
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import re
import time
from typing import Any, ClassVar

import httpx

from connectors.base import (
    Capabilities,
    ChannelContext,
    CheckLine,
    CheckResult,
    Connector,
    ConnectorError,
    HostServices,
    OutgoingPost,
    PermanentError,
    PublishResult,
    Signature,
    TransientError,
    UnknownOutcome,
)
from connectors.http import transport_error
from connectors.wordpress.authors import (
    ACCOUNT_NAME_LENGTH,
    Account,
    Attribution,
    account_of,
    attribute,
    display_name,
    same_email,
    user_with_email,
)
from connectors.wordpress.rest import AuthorNotMapped, code_of, json_of, refusal
from connectors.wordpress.settings import WordPressConfig, WordPressCredentials

__all__ = [
    "ACCOUNT_NAME_LENGTH",
    "TITLE_LENGTH",
    "AuthorNotMapped",
    "WordPressConfig",
    "WordPressConnector",
    "WordPressCredentials",
    "derived_title",
    "marker",
    "title_html",
]

TITLE_LENGTH = 80
_SAFE_KEY = re.compile(r"[A-Za-z0-9_.:]+(?:-[A-Za-z0-9_.:]+)*")
_GONE = ("rest_post_invalid_id", "rest_already_trashed")


class WordPressConnector(Connector):
    name = "wordpress"
    label = "WordPress"
    config_model = WordPressConfig
    credentials_model = WordPressCredentials
    capabilities: ClassVar[Capabilities] = Capabilities(
        max_length=None, supports_title=True, supports_link=True, supports_html=True
    )

    def __init__(self, host: HostServices) -> None:
        super().__init__(host)
        self._found_authors: dict[tuple[str, ...], tuple[float, Attribution]] = {}
        self._finding: dict[tuple[str, ...], asyncio.Future[Attribution]] = {}

    async def publish(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult:
        config, _ = _settings(channel)
        payload = self._article(config, post)
        attribution = await self._attribution(channel, post.signature)
        try:
            created = await self._write(channel, "posts", payload, attribution)
        except ConnectorError:
            self._found_authors.pop(_author_key(channel, post.signature), None)
            raise
        if not isinstance(created, dict) or created.get("id") is None:
            raise UnknownOutcome(
                "the site answered without a WordPress post; check the site address"
            )
        return _result(created)

    async def warm_up(self, channel: ChannelContext, post: OutgoingPost) -> None:
        """Finds the signer's WordPress user ahead (remembered for `publish`, see
        `_attribution`): a channel's first post of a burst then makes one request, not three."""
        await self._attribution(channel, post.signature)

    async def update(
        self, channel: ChannelContext, external_id: str, post: OutgoingPost
    ) -> PublishResult:
        """The edited article, under the same author, in place (POST /posts/{id})."""
        config, _ = _settings(channel)
        payload = self._article(config, post)
        payload.pop("status")
        attribution = await self._attribution(channel, post.signature)
        updated = await self._write(channel, f"posts/{_post_id(external_id)}", payload, attribution)
        if not isinstance(updated, dict) or updated.get("id") is None:
            raise UnknownOutcome(
                "the site answered without a WordPress post; check the site address"
            )
        if updated.get("status") == "trash":
            raise PermanentError(
                "the post is in WordPress's trash: restore it there to show the edit"
            )
        return _result(updated)

    async def remove(self, channel: ChannelContext, external_id: str) -> None:
        """Moves the post to WordPress's trash (where an editor can still restore it)."""
        response = await self._send(channel, "DELETE", f"posts/{_post_id(external_id)}")
        if response.is_success or code_of(response) in _GONE:
            return
        raise refusal(response, may_have_published=True)

    async def lookup(self, channel: ChannelContext, external_id: str) -> PublishResult | None:
        response = await self._send(
            channel, "GET", f"posts/{_post_id(external_id)}", params={"context": "edit"}
        )
        if response.status_code == 404 and code_of(response) == "rest_post_invalid_id":
            return None  # deleted (a 404 that is not WordPress's says nothing about the post)
        if not response.is_success:
            raise refusal(response, may_have_published=False, quote=False)
        found = json_of(response)
        if not isinstance(found, dict) or found.get("id") is None:
            raise TransientError("the site answered without a WordPress post; try again later")
        return None if found.get("status") == "trash" else _result(found)

    async def check(self, channel: ChannelContext) -> CheckResult:
        """Signs in, says whether the account may publish, and which name WordPress will show for
        each author of the channel's client. Of the site's answers it repeats only account and
        user names (not even WordPress's error messages), so a check cannot read pages off a
        server."""
        config, _ = _settings(channel)
        account = await self._account(channel)
        lines = [
            CheckLine(
                f"signed in as {account.name} ({account.role})",
                "wordpress.signed_in_as_role",
                {"account": account.name, "role": account.role},
            )
        ]
        ok = True
        needed = "publish_posts" if config.status == "publish" else "edit_posts"
        if not account.can(needed):
            ok = False
            verb = "publish" if needed == "publish_posts" else "write"
            lines.append(
                CheckLine(
                    f"{account.name} cannot {verb} posts (WordPress's {needed} capability): give "
                    "it the Author role or higher in WordPress, or reconnect the channel with "
                    "such an account",
                    f"wordpress.cannot_{verb}",
                    {"account": account.name, "capability": needed},
                )
            )
        for author in channel.authors:
            attribution = await self._resolve(
                channel, account, author.person_id, author.email, author.full_name, names=True
            )
            names = {"person": author.full_name, "shown": attribution.shown}
            if attribution.problem:
                ok = False
                lines.append(
                    CheckLine(
                        f"{author.full_name}: WordPress would show “{attribution.shown}”, "
                        f"because {attribution.problem}",
                        attribution.problem_code,
                        {**names, **attribution.params},
                    )
                )
            else:
                lines.append(
                    CheckLine(
                        f"{author.full_name}: WordPress shows “{attribution.shown}” "
                        f"({attribution.how})",
                        attribution.how_code,
                        {**names, **attribution.params},
                    )
                )
        if not channel.authors:
            lines.append(
                CheckLine("nobody signs for this client yet: no author to check", "check.no_author")
            )
        return CheckResult.of_lines(ok, lines)

    async def reconcile(self, channel: ChannelContext, post: OutgoingPost) -> PublishResult | None:
        wanted = marker(post.idempotency_key)
        found = await self._get(
            channel,
            "posts",
            {"search": post.idempotency_key, "status": "any", "context": "edit", "per_page": "20"},
        )
        if not isinstance(found, list):
            raise TransientError("the site did not list its posts; try again later")
        for item in found:
            if isinstance(item, dict) and wanted in _content_of(item):
                return _result(item)
        return None

    # -- authors -----------------------------------------------------------------------------

    async def _attribution(self, channel: ChannelContext, signature: Signature) -> Attribution:
        """Who the post goes out as; raises `AuthorNotMapped` rather than publish it under a
        name that is not the signer's. A hand-set mapping costs no request: WordPress itself
        refuses an author the account may not set (`rest_cannot_edit_others`)."""
        config, _ = _settings(channel)
        mapped = config.author_ids.get(signature.person_id or 0)
        if mapped is not None:
            return Attribution(mapped, f"user {mapped}", "mapped by hand")
        # The user found by e-mail is remembered for a few minutes, so a burst does not ask
        # WordPress who the author is before every post; a refused write forgets it.
        key = _author_key(channel, signature)
        remembered = self._found_authors.get(key)
        if remembered is not None and time.monotonic() - remembered[0] < AUTHOR_MEMORY_SECONDS:
            return remembered[1]
        # Posts of one author starting together share one lookup (shielded: a post that gives
        # up waiting does not cancel it for the others).
        finding = self._finding.get(key)
        if finding is None:
            finding = self._finding[key] = asyncio.ensure_future(self._find(channel, signature))
            finding.add_done_callback(lambda done: self._found(key, done))
        attribution = await asyncio.shield(finding)
        if attribution.problem:
            raise AuthorNotMapped(
                f"WordPress would show “{attribution.shown}” as the author of "
                f"{signature.full_name}'s post, because {attribution.problem}; then check the "
                "channel"
            )
        return attribution

    async def _find(self, channel: ChannelContext, signature: Signature) -> Attribution:
        account = await self._account(channel)
        return await self._resolve(
            channel, account, signature.person_id, signature.email, signature.full_name
        )

    def _found(self, key: tuple[str, ...], done: asyncio.Future[Attribution]) -> None:
        """A lookup ended: its answer is remembered unless it found a problem (or failed)."""
        self._finding.pop(key, None)
        if done.cancelled() or done.exception() is not None:
            return  # the posts that waited for it each raised its error
        attribution = done.result()
        if not attribution.problem:
            if len(self._found_authors) >= 4096:
                self._found_authors.clear()
            self._found_authors[key] = (time.monotonic(), attribution)

    async def _resolve(
        self,
        channel: ChannelContext,
        account: Account,
        person_id: int | None,
        email: str | None,
        person: str,
        *,
        names: bool = False,
    ) -> Attribution:
        """The WordPress user of one Byline person, by hand-set mapping, else by e-mail.
        `names`: look the hand-mapped user's name up too (for a check to show it)."""
        config, _ = _settings(channel)
        accepted = config.accept_account_author
        mapped = config.author_ids.get(person_id or 0)
        if mapped is not None:
            name, missing = (await self._user_name(channel, mapped)) if names else (None, None)
            return attribute(
                account,
                person=person,
                user_id=None if missing else mapped,
                user_name=name,
                how="mapped by hand",
                accepted=accepted,
                unmapped_because=missing,
                how_code="wordpress.author_mapped",
                reason="no_user_id",
                params={"user_id": str(mapped)},
            )
        if same_email(account.email, email):
            return attribute(
                account,
                person=person,
                user_id=account.id,
                user_name=account.name,
                how="the account's own e-mail",
                accepted=accepted,
                how_code="wordpress.author_own_email",
            )
        reason, params = "no_email", {}
        if not email:
            because = f"Byline knows no e-mail address for {person}"
        elif not account.can("list_users"):
            reason, params = "no_list_users", {"account": account.name}
            because = (
                f"the account {account.name} may not look users up by e-mail (it lacks "
                "WordPress's list_users capability)"
            )
        else:
            users = await self._get(
                channel, "users", {"search": email, "context": "edit", "per_page": "100"}
            )
            user = user_with_email(users, email)
            if user is not None:
                return attribute(
                    account,
                    person=person,
                    user_id=user["id"],
                    user_name=display_name(user),
                    how="found by e-mail",
                    accepted=accepted,
                    how_code="wordpress.author_found_by_email",
                )
            reason, params = "no_user_with_email", {"email": email}
            because = f"no WordPress user has the e-mail {email}"
        return attribute(
            account,
            person=person,
            user_id=None,
            user_name=None,
            how="no WordPress user of its own",
            accepted=accepted,
            unmapped_because=because,
            reason=reason,
            params=params,
        )

    async def _user_name(
        self, channel: ChannelContext, user_id: int
    ) -> tuple[str | None, str | None]:
        """(the user's name, None), or (None, why it cannot be the author)."""
        response = await self._send(channel, "GET", f"users/{user_id}", params={"context": "view"})
        if response.status_code == 404:
            return None, f"WordPress has no user {user_id} (the channel's author_ids names it)"
        if not response.is_success:
            # Users without published posts are hidden from accounts without list_users.
            return f"user {user_id}", None
        return display_name(json_of(response)) or f"user {user_id}", None

    async def _account(self, channel: ChannelContext) -> Account:
        config, _ = _settings(channel)
        account = account_of(await self._get(channel, "users/me", {"context": "edit"}))
        if account is None:
            raise PermanentError(
                f"{config.site_url} does not answer as a WordPress REST API; check the address",
                code="wordpress.not_a_rest_api",
                params={"site": str(config.site_url)},
            )
        return account

    # -- HTTP ----------------------------------------------------------------------------------

    def _article(self, config: WordPressConfig, post: OutgoingPost) -> dict[str, Any]:
        if post.html is None:
            raise PermanentError("WordPress needs the HTML rendering of the post")
        payload: dict[str, Any] = {
            "title": title_html(post.title or derived_title(post.text)),
            "content": post.html + _link_paragraph(post.link) + marker(post.idempotency_key),
            "status": config.status,
        }
        if config.category_ids:
            payload["categories"] = config.category_ids
        return payload

    async def _write(
        self, channel: ChannelContext, path: str, payload: dict[str, Any], attribution: Attribution
    ) -> Any:
        """POST an article. An author the account may not set is refused by WordPress before
        anything is stored; a channel that accepts the account's name then goes out under it."""
        config, _ = _settings(channel)
        body = (
            payload if attribution.user_id is None else {**payload, "author": attribution.user_id}
        )
        response = await self._send(channel, "POST", path, json=body, publishes=True)
        if (
            code_of(response) == "rest_cannot_edit_others"
            and config.accept_account_author
            and "author" in body
        ):
            response = await self._send(channel, "POST", path, json=payload, publishes=True)
        if not response.is_success:
            raise refusal(response, may_have_published=True)
        return json_of(response)

    async def _send(
        self,
        channel: ChannelContext,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
        publishes: bool = False,
    ) -> httpx.Response:
        config, auth = _settings(channel)
        try:
            return await self.host.http.request(
                method, _api(config, path), params=params, json=json, auth=auth
            )
        except httpx.TransportError as error:
            raise transport_error(
                error,
                destination=str(config.site_url),
                sent_may_publish=publishes or method == "DELETE",
            ) from None

    async def _get(self, channel: ChannelContext, path: str, params: dict[str, str]) -> Any:
        """A read: it publishes nothing, so failures are transient unless credentials fail."""
        config, _ = _settings(channel)
        response = await self._send(channel, "GET", path, params=params)
        if not response.is_success:
            raise refusal(response, may_have_published=False, quote=False)
        body = json_of(response)
        if body is None:
            raise TransientError(f"{config.site_url} answered with something that is not JSON")
        return body


def marker(idempotency_key: str) -> str:
    """The invisible comment that lets `reconcile` find an article again."""
    if not _SAFE_KEY.fullmatch(idempotency_key):
        raise PermanentError(f"cannot mark an article with the key {idempotency_key!r}")
    return f"<!-- byline:{idempotency_key} -->"


def title_html(title: str) -> str:
    """A plain-text title as WordPress's HTML `title`: shown as the very text written."""
    return html.escape(title, quote=False)


def derived_title(text: str) -> str:
    """The first line of the post, shortened at a word boundary: WordPress posts need a title."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(first) <= TITLE_LENGTH:
        return first
    cut = first[: TITLE_LENGTH - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"


def _post_id(external_id: str) -> str:
    if not (external_id.isascii() and external_id.isdigit()):
        raise PermanentError(f"{external_id!r} is not a WordPress post id")
    return external_id


def _link_paragraph(link: str | None) -> str:
    if not link:
        return ""
    href = html.escape(link, quote=True)
    return f'<p><a href="{href}">{html.escape(link)}</a></p>'


AUTHOR_MEMORY_SECONDS = 300.0


def _author_key(channel: ChannelContext, signature: Signature) -> tuple[str, ...]:
    """Which author lookup a remembered answer is for: the same channel, site, account,
    password and person (a new password or address asks again)."""
    config, _ = _settings(channel)
    credentials = channel.credentials
    assert isinstance(credentials, WordPressCredentials)
    secret = hashlib.sha256(credentials.application_password.get_secret_value().encode())
    return (
        str(channel.channel_id),
        str(config.site_url),
        credentials.username,
        secret.hexdigest(),
        str(signature.person_id),
        signature.email or "",
        str(config.accept_account_author),
    )


def _settings(channel: ChannelContext) -> tuple[WordPressConfig, httpx.BasicAuth]:
    config, credentials = channel.config, channel.credentials
    if not isinstance(config, WordPressConfig) or not isinstance(credentials, WordPressCredentials):
        raise PermanentError("this channel does not hold WordPress settings; recreate it")
    auth = httpx.BasicAuth(
        credentials.username, credentials.application_password.get_secret_value()
    )
    return config, auth


def _api(config: WordPressConfig, path: str) -> str:
    return f"{str(config.site_url).rstrip('/')}/wp-json/wp/v2/{path}"


def _result(post: dict[str, Any]) -> PublishResult:
    link = post.get("link")
    return PublishResult(
        external_id=str(post["id"]), external_url=link if isinstance(link, str) else None
    )


def _content_of(post: dict[str, Any]) -> str:
    content = post.get("content")
    if not isinstance(content, dict):
        return ""
    return str(content.get("raw") or content.get("rendered") or "")
