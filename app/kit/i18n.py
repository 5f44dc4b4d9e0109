"""Languages: gettext catalogues (.po files read through Babel) and Accept-Language negotiation."""

from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("en", "fr")
DEFAULT_LOCALE = "en"
_LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


@lru_cache
def translations(locale: str) -> NullTranslations:
    """English is the source language; other catalogues are compiled in memory at first use."""
    po_file = _LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not po_file.is_file():
        return NullTranslations()
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def negotiate(accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Pick fr or en from an Accept-Language header, honouring q-values."""
    if not accept_language:
        return default
    weighted: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((quality, tag.strip().replace("-", "_")))
    preferred = [tag for _, tag in sorted(weighted, key=lambda item: -item[0])]
    return negotiate_locale(preferred, list(LOCALES)) or default


def normalise_locale(value: str | None, default: str = DEFAULT_LOCALE) -> str:
    return value if value in LOCALES else default


def N_(message: str) -> str:
    """Mark a message for extraction without translating it: it is translated where it is shown."""
    return message
