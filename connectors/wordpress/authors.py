"""Who WordPress shows as a post's author: the WordPress user mapped to the signing person.

WordPress prints its own author beside Byline's signature (and names it as `dc:creator` in its
feed), so a post must go out with `author` set to the signer's WordPress user, never silently
under the account that holds the application password. The user is the one the channel maps to
the person by hand (`author_ids`), else the account itself when its e-mail is the person's, else
the user with the person's e-mail (GET /wp/v2/users?search=…&context=edit: WordPress searches
`user_email` for a term with an "@", for accounts with `list_users`). Setting another user as
author needs `edit_others_posts` (Editors, Administrators). When none of that works, the post
goes out under the account's name only if the channel accepts it (`accept_account_author`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.wordpress.rest import TAGS

ACCOUNT_NAME_LENGTH = 100


@dataclass(frozen=True)
class Account:
    """The WordPress user the channel signs in as (GET /wp/v2/users/me?context=edit)."""

    id: int
    name: str
    email: str | None
    roles: tuple[str, ...]
    capabilities: frozenset[str]

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def role(self) -> str:
        return ", ".join(self.roles) or "no role"


@dataclass(frozen=True)
class Attribution:
    """Who a post of one Byline person goes out as."""

    user_id: int | None
    """The `author` to send; None: none is sent, WordPress shows the account."""
    shown: str
    """The name WordPress shows."""
    how: str
    """How that user was found, or why the account's name is used."""
    problem: str | None = None
    """Set when WordPress would show another name than the person's and nobody accepted it."""
    how_code: str | None = None
    problem_code: str | None = None
    """The stable names of `how` and `problem`, for a check's line (connectors.base.CheckLine)."""
    params: Mapping[str, str] = field(default_factory=dict)
    """The values the reason names (a user id, an e-mail, the account)."""


def display_name(user: Any) -> str | None:
    """A user's display name (else its slug) from a REST answer, without markup, bounded."""
    if not isinstance(user, dict):
        return None
    for key in ("name", "slug"):
        value = user.get(key)
        if isinstance(value, str):
            name = " ".join(TAGS.sub("", value).split())[:ACCOUNT_NAME_LENGTH]
            if name:
                return name
    user_id = user.get("id")
    return f"user {user_id}" if isinstance(user_id, int) else None


def account_of(me: Any) -> Account | None:
    """The account a `users/me?context=edit` answer describes, or None if it is not one."""
    if not isinstance(me, dict) or not isinstance(me.get("id"), int):
        return None
    capabilities = me.get("capabilities")
    roles = me.get("roles")
    email = me.get("email")
    return Account(
        id=me["id"],
        name=display_name(me) or f"user {me['id']}",
        email=email if isinstance(email, str) and email else None,
        roles=tuple(role for role in roles if isinstance(role, str))
        if isinstance(roles, list)
        else (),
        capabilities=frozenset(name for name, granted in capabilities.items() if granted is True)
        if isinstance(capabilities, dict)
        else frozenset(),
    )


def same_email(left: str | None, right: str | None) -> bool:
    return bool(left and right and left.strip().casefold() == right.strip().casefold())


def user_with_email(users: Any, email: str) -> dict[str, Any] | None:
    """The user of a search answer whose e-mail is exactly `email` (the search is a LIKE)."""
    if not isinstance(users, list):
        return None
    for user in users:
        if (
            isinstance(user, dict)
            and isinstance(user.get("id"), int)
            and same_email(user.get("email"), email)
        ):
            return user
    return None


def attribute(
    account: Account,
    *,
    person: str,
    user_id: int | None,
    user_name: str | None,
    how: str,
    accepted: bool,
    unmapped_because: str | None = None,
    how_code: str | None = None,
    reason: str | None = None,
    params: Mapping[str, str] | None = None,
) -> Attribution:
    """Decide, once the person's WordPress user is known (`user_id`) or not (`unmapped_because`),
    who the post goes out as."""
    problem = unmapped_because
    if user_id is not None and user_id != account.id and not account.can("edit_others_posts"):
        reason, params = "no_edit_others", {"account": account.name}
        problem = (
            f"the account {account.name} may not set another author (it lacks WordPress's "
            "edit_others_posts capability: give it the Editor or Administrator role)"
        )
    values = dict(params or {})
    if problem is None and user_id is not None:
        shown = account.name if user_id == account.id else (user_name or f"user {user_id}")
        return Attribution(user_id, shown, how, how_code=how_code, params=values)
    if accepted:
        how = f"{problem}; the channel accepts the account's name"
        code = f"wordpress.author_accepted_{reason}" if reason else None
        return Attribution(None, account.name, how, how_code=code, params=values)
    fix = (
        f"map {person} to a WordPress user in the channel's settings (author_ids), or accept "
        f"the account's name for this channel (accept_account_author)"
    )
    return Attribution(
        None,
        account.name,
        how,
        problem=f"{problem}. To fix: {fix}",
        problem_code=f"wordpress.author_{reason}" if reason else None,
        params=values,
    )
