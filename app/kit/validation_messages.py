"""What is wrong with a request field, in English and French, from a pydantic error.

pydantic words its errors in English and, for enums, with Python reprs (`<Role.CM: 'cm'>`); a
caller needs to read what to send instead, in their language. Each common error type has its own
wording here; any other keeps pydantic's message (which never holds a repr for those types).
"""

from enum import Enum
from typing import Any

_DETAILS: dict[str, tuple[str, str]] = {
    "literal_error": ("use one of {expected}", "utilisez l'une des valeurs {expected}"),
    "enum": ("use one of {expected}", "utilisez l'une des valeurs {expected}"),
    "string_type": ("write it as text", "écrivez-le sous forme de texte"),
    "string_too_short": (
        "write at least {min_length} character(s)",
        "écrivez au moins {min_length} caractère(s)",
    ),
    "string_too_long": (
        "write at most {max_length} characters",
        "écrivez au plus {max_length} caractères",
    ),
    "int_type": ("give a whole number", "indiquez un nombre entier"),
    "int_parsing": ("give a whole number", "indiquez un nombre entier"),
    "int_from_float": ("give a whole number", "indiquez un nombre entier"),
    "float_type": ("give a number", "indiquez un nombre"),
    "float_parsing": ("give a number", "indiquez un nombre"),
    "bool_type": ("give true or false", "indiquez true ou false"),
    "bool_parsing": ("give true or false", "indiquez true ou false"),
    "greater_than": ("give a number above {gt}", "indiquez un nombre supérieur à {gt}"),
    "greater_than_equal": ("give {ge} or more", "indiquez {ge} ou plus"),
    "less_than": ("give a number below {lt}", "indiquez un nombre inférieur à {lt}"),
    "less_than_equal": ("give {le} or less", "indiquez {le} ou moins"),
    "list_type": ("give a list, e.g. [1, 2]", "indiquez une liste, par exemple [1, 2]"),
    "too_short": (
        "give at least {min_length} item(s)",
        "indiquez au moins {min_length} élément(s)",
    ),
    "too_long": ("give at most {max_length} items", "indiquez au plus {max_length} éléments"),
    "dict_type": ("give a JSON object", "indiquez un objet JSON"),
    "model_type": ("give a JSON object", "indiquez un objet JSON"),
    "model_attributes_type": ("give a JSON object", "indiquez un objet JSON"),
    "url_type": (
        "give a web address such as https://example.com/photo.jpg",
        "indiquez une adresse web comme https://example.com/photo.jpg",
    ),
    "url_parsing": (
        "give a web address such as https://example.com/photo.jpg",
        "indiquez une adresse web comme https://example.com/photo.jpg",
    ),
    "url_scheme": (
        "give a web address starting with http:// or https://",
        "indiquez une adresse web commençant par http:// ou https://",
    ),
    "url_too_long": (
        "give a shorter web address (at most {max_length} characters)",
        "indiquez une adresse web plus courte (au plus {max_length} caractères)",
    ),
    "email_invalid": (
        "it is not an e-mail address ({reason}); write it as name@domain, e.g. "
        "mauricette@agence.fr",
        "ce n'est pas une adresse e-mail ; écrivez-la sous la forme nom@domaine, par exemple "
        "mauricette@agence.fr",
    ),
    "datetime_type": (
        "give a date and time in ISO 8601, e.g. 2026-12-01T09:30:00+01:00",
        "indiquez une date et une heure au format ISO 8601, par exemple "
        "2026-12-01T09:30:00+01:00",
    ),
    "datetime_parsing": (
        "give a date and time in ISO 8601, e.g. 2026-12-01T09:30:00+01:00",
        "indiquez une date et une heure au format ISO 8601, par exemple "
        "2026-12-01T09:30:00+01:00",
    ),
}


def _plain(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _french_list(expected: str) -> str:
    """pydantic joins the last choice with " or "; French uses " ou "."""
    head, sep, tail = expected.rpartition(" or ")
    return f"{head} ou {tail}" if sep else expected


def describe(error: dict[str, Any]) -> dict[str, str]:
    """{"en": …, "fr": …}: what is wrong with the field and how to fix it."""
    kind = str(error.get("type", ""))
    ctx = {key: _plain(value) for key, value in (error.get("ctx") or {}).items()}
    if kind in _DETAILS:
        english, french = _DETAILS[kind]
        try:
            french_ctx = ctx | (
                {"expected": _french_list(ctx["expected"])} if "expected" in ctx else {}
            )
            return {"en": english.format(**ctx), "fr": french.format(**french_ctx)}
        except KeyError:
            pass
    message = str(error.get("msg", "invalid value"))
    return {"en": message, "fr": f"valeur refusée ({message})"}
