"""The web app speaks French and English: every interface string has its French translation."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.kit.i18n import negotiate, translations
from app.paths import data_root

ROOT = data_root()


def _template_strings() -> set[str]:
    found = extract_from_dir(
        str(ROOT / "templates"),
        method_map=[("**.html", "jinja2")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
    )
    return {
        message for _file, _line, message, _comments, _context in found if isinstance(message, str)
    }


def test_every_template_string_is_translated_to_french() -> None:
    with (Path(ROOT) / "app" / "locales" / "fr" / "LC_MESSAGES" / "messages.po").open(
        "rb"
    ) as handle:
        catalogue = read_po(handle)
    missing = sorted(
        s for s in _template_strings() if not (catalogue.get(s) and catalogue.get(s).string)
    )
    assert not missing, f"add French translations for: {missing}"


def test_french_pages_use_the_catalogue() -> None:
    assert translations("fr").gettext("Log in") == "Se connecter"
    assert translations("en").gettext("Log in") == "Log in"


def test_accept_language_negotiation() -> None:
    assert negotiate("fr-FR,fr;q=0.9,en;q=0.8") == "fr"
    assert negotiate("en-GB,fr;q=0.5") == "en"
    assert negotiate("de-DE,fr;q=0.3") == "fr"
    assert negotiate("de-DE") == "en"
    assert negotiate(None) == "en"
