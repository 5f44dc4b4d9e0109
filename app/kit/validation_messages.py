"""What is wrong with a request field, in English and French, from a pydantic error.

pydantic words its errors in English and, for enums, with Python reprs (`<Role.CM: 'cm'>`); a
caller needs to read what to send instead, in their language. Each common error type has its own
wording here; any other keeps pydantic's message (which never holds a repr for those types).
"""

import re
from enum import Enum
from typing import Any

_DETAILS: dict[str, tuple[str, str]] = {
    "literal_error": ("use one of: {choices_en}", "choisissez parmi : {choices_fr}"),
    "enum": ("use one of: {choices_en}", "choisissez parmi : {choices_fr}"),
    "string_type": ("give text", "indiquez du texte"),
    "string_unicode": (
        "give text without lone surrogates (\\ud800 to \\udfff alone are not characters)",
        "indiquez du texte sans demi-codet isolé (\\ud800 à \\udfff seuls ne sont pas des "
        "caractères)",
    ),
    "string_too_short": (
        "write at least {min_length} characters",
        "écrivez au moins {min_length} caractères",
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
    "greater_than_equal": (
        "give a number greater than or equal to {ge}",
        "indiquez un nombre supérieur ou égal à {ge}",
    ),
    "less_than": ("give a number below {lt}", "indiquez un nombre inférieur à {lt}"),
    "less_than_equal": (
        "give a number less than or equal to {le}",
        "indiquez un nombre inférieur ou égal à {le}",
    ),
    "list_type": ("give a list, e.g. [1, 2]", "indiquez une liste, par exemple [1, 2]"),
    "too_short": (
        "give at least {min_length} items",
        "indiquez au moins {min_length} éléments",
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
        "it is not an e-mail address; write it as name@domain, e.g. mauricette@agence.fr",
        "ce n'est pas une adresse e-mail ; écrivez-la sous la forme nom@domaine, par exemple "
        "mauricette@agence.fr",
    ),
    "null_refused": (
        "it cannot be null; leave it out to keep what it is",
        "il ne peut pas valoir null ; omettez-le pour le laisser tel quel",
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


# Said plainly when the limit is one: "at least 1 characters" reads badly in both languages.
_WHEN_ONE: dict[str, tuple[str, str]] = {
    "string_too_short": ("it must not be empty", "ce champ ne peut pas être vide"),
    "too_short": ("give at least one item", "indiquez au moins un élément"),
}


def _choices(expected: str) -> tuple[str, str]:
    """pydantic's "'a', 'b' or 'c'" as “a”, “b”, “c” and « a », « b », « c »."""
    values = re.findall(r"'([^']*)'", expected) or [expected]
    return ", ".join(f"“{v}”" for v in values), ", ".join(f"« {v} »" for v in values)


def describe(error: dict[str, Any]) -> dict[str, str]:
    """{"en": …, "fr": …}: what is wrong with the field and how to fix it."""
    kind = str(error.get("type", ""))
    ctx = {key: _plain(value) for key, value in (error.get("ctx") or {}).items()}
    if ctx.get("min_length") == "1" and kind in _WHEN_ONE:
        english, french = _WHEN_ONE[kind]
        return {"en": english, "fr": french}
    if "expected" in ctx:
        ctx["choices_en"], ctx["choices_fr"] = _choices(ctx["expected"])
    if kind in _DETAILS:
        english, french = _DETAILS[kind]
        try:
            return {"en": english.format(**ctx), "fr": french.format(**ctx)}
        except KeyError:
            pass
    # A type without wording of its own: pydantic's words in English, none in French (they
    # would be English inside French).
    return {"en": str(error.get("msg", "invalid value")), "fr": "valeur refusée"}
