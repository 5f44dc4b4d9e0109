"""A client's own wording of its handover announcements: the text, with placeholders for the
people it names. It must name both the person who leaves and the person who takes over."""

import string

from app.errors import AppError

PLACEHOLDERS = frozenset({"outgoing", "incoming", "incoming_role", "client"})
REQUIRED = frozenset({"outgoing", "incoming"})


def check_wording(value: str) -> str:
    """A client's announcement wording, or the AppError that says what to fix."""
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
    except ValueError:
        raise AppError(
            "handover_wording_invalid",
            field="handover_wording",
            detail={
                "en": "a brace is not closed (write {{ and }} for a brace itself).",
                "fr": "une accolade n'est pas fermée (écrivez {{ et }} pour une accolade seule).",
            },
        ) from None
    unknown = ", ".join("{" + name + "}" for name in sorted(fields - PLACEHOLDERS))
    if unknown:
        raise AppError(
            "handover_wording_invalid",
            field="handover_wording",
            detail={
                "en": f"{unknown} is not one of them.",
                "fr": f"{unknown} n'en fait pas partie.",
            },
        )
    missing = ", ".join("{" + name + "}" for name in sorted(REQUIRED - fields))
    if missing:
        raise AppError(
            "handover_wording_invalid",
            field="handover_wording",
            detail={"en": f"{missing} is missing.", "fr": f"il manque {missing}."},
        )
    return value.strip()
