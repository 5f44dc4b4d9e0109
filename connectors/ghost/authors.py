"""Who Ghost will show as the author of each person's posts, for a channel's check."""

from __future__ import annotations

from typing import Any

from connectors.base import Author
from connectors.ghost.admin_api import plain
from connectors.ghost.settings import GhostConfig


def attribution(
    config: GhostConfig, authors: tuple[Author, ...], users: list[dict[str, Any]]
) -> tuple[list[str], list[str]]:
    """For each person who signs, the name Ghost will show; and who would show as the owner."""
    owner = next(
        (
            user
            for user in users
            if any(
                isinstance(role, dict) and role.get("name") == "Owner"
                for role in user.get("roles") or []
            )
        ),
        None,
    )
    owner_name = plain(owner.get("name")) if owner else None
    by_id = {user.get("id"): user for user in users}
    by_email = {str(user.get("email", "")).lower(): user for user in users}
    lines: list[str] = []
    unmapped: list[str] = []
    for author in authors:
        chosen = config.authors.get(author.person_id)
        if chosen:
            user = by_id.get(chosen) or by_email.get(chosen.lower())
        else:
            user = by_email.get(author.email.lower())
        if user is not None:
            lines.append(f"{author.full_name} signs as Ghost user {plain(user.get('name'))}")
            continue
        unmapped.append(author.full_name)
        shown = owner_name or "the site owner"
        if chosen:
            lines.append(
                f"{author.full_name} is mapped to {chosen}, which is no staff user of this "
                f"site: Ghost would show {shown}; correct the channel's authors"
            )
        elif config.accept_default_author:
            lines.append(f"{author.full_name}'s posts show {shown} as author (accepted)")
        else:
            lines.append(
                f"{author.full_name} (person {author.person_id}) has no Ghost staff user: Ghost "
                f"would show {shown} as the author. Map them in the channel's authors (person "
                "id → Ghost e-mail), or accept it (accept_default_author); until then their "
                "posts here are held"
            )
    return lines, unmapped
