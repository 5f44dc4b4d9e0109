"""Byline speaks French and English: every interface string and every API message has its French
translation, in the one gettext catalogue."""

from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.errors import CATALOGUE, AppError
from app.kit.i18n import negotiate, translations
from app.paths import data_root

ROOT = Path(data_root())


@cache
def _extracted() -> dict[str, set[str]]:
    """What `pybabel extract -F babel.cfg` finds, by msgid (a plural's singular): its files."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str, set[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        text = message[0] if isinstance(message, tuple) else message
        if text:
            found.setdefault(text, set()).add(filename)
    return found


def _translated(catalogue: Catalog, msgid: str) -> bool:
    message = catalogue.get(msgid)
    if message is None:
        return False
    return all(message.string) if isinstance(message.string, tuple) else bool(message.string)


def _french() -> Catalog:
    with (ROOT / "app" / "locales" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def test_every_extracted_string_is_translated_to_french() -> None:
    """Templates and Python (the API's refusals are marked with N_) alike."""
    catalogue = _french()
    missing = sorted(
        f"{text!r} ({', '.join(sorted(files))})"
        for text, files in _extracted().items()
        if not _translated(catalogue, text)
    )
    assert not missing, f"add French translations to messages.po for: {missing}"


def test_every_api_refusal_is_extracted_from_the_source() -> None:
    """A message written without the N_ marker would escape the test above."""
    extracted = _extracted()
    unmarked = sorted(code for code, spec in CATALOGUE.items() if spec.en not in extracted)
    assert not unmarked, f"mark these messages with N_() in app/errors.py: {unmarked}"


def test_api_refusals_read_in_french_with_their_parameters() -> None:
    error = AppError("scheduled_at_nonexistent", value="2026-03-29 02:30", zone="Europe/Paris")
    assert error.message("fr") == (
        "2026-03-29 02:30 n'existe pas dans le fuseau Europe/Paris (changement d'heure). "
        "Choisissez une autre heure ou indiquez un décalage explicite."
    )
    assert error.message("en").startswith("2026-03-29 02:30 does not exist in Europe/Paris")
    missing = AppError("field_required", field="body")
    assert missing.message("fr") == "Ajoutez le champ « body » : il est obligatoire."


def test_french_pages_use_the_catalogue() -> None:
    assert translations("fr").gettext("Log in") == "Se connecter"
    assert translations("en").gettext("Log in") == "Log in"


def test_accept_language_negotiation() -> None:
    assert negotiate("fr-FR,fr;q=0.9,en;q=0.8") == "fr"
    assert negotiate("en-GB,fr;q=0.5") == "en"
    assert negotiate("de-DE,fr;q=0.3") == "fr"
    assert negotiate("de-DE") == "en"
    assert negotiate(None) == "en"
