"""Who Ghost will show as the author of each person's posts, for a channel's check."""

from __future__ import annotations

from typing import Any

from connectors.base import Author, CheckLine
from connectors.ghost.admin_api import plain
from connectors.ghost.settings import GhostConfig


def attribution(
    config: GhostConfig, authors: tuple[Author, ...], users: list[dict[str, Any]]
) -> tuple[list[CheckLine], list[str]]:
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
    lines: list[CheckLine] = []
    unmapped: list[str] = []
    for author in authors:
        chosen = config.authors.get(author.person_id)
        if chosen:
            user = by_id.get(chosen) or by_email.get(chosen.lower())
        else:
            user = by_email.get(author.email.lower())
        person = author.full_name
        if user is not None:
            name = plain(user.get("name")) or ""
            lines.append(
                CheckLine(
                    f"{person} signs as Ghost user {name}",
                    "ghost.author_user",
                    {"person": person, "user": name},
                )
            )
            continue
        unmapped.append(person)
        # Without the owner's name the line says "the site owner" in the reader's words.
        suffix = "" if owner_name else "_owner"
        shown = owner_name or "the site owner"
        values = {"person": person, "shown": shown, "person_id": str(author.person_id)}
        if chosen:
            lines.append(
                CheckLine(
                    f"{person} is mapped to {chosen}, which is no staff user of this "
                    f"site: Ghost would show {shown}; correct the channel's authors",
                    f"ghost.author_mapped_missing{suffix}",
                    {**values, "chosen": chosen},
                )
            )
        elif config.accept_default_author:
            lines.append(
                CheckLine(
                    f"{person}'s posts show {shown} as author (accepted)",
                    f"ghost.author_accepted{suffix}",
                    values,
                )
            )
        else:
            lines.append(
                CheckLine(
                    f"{person} (person {author.person_id}) has no Ghost staff user: Ghost "
                    f"would show {shown} as the author. Map them in the channel's authors (person "
                    "id → Ghost e-mail), or accept it (accept_default_author); until then their "
                    "posts here are held",
                    f"ghost.author_unmapped{suffix}",
                    values,
                )
            )
    return lines, unmapped
