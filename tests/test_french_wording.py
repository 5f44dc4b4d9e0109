"""In French, an engagement (a person × client) is a « mission »: no French text says « engagement »."""

import ast
import re
from pathlib import Path

from babel.messages.pofile import read_po

from app.errors import CATALOGUE, AppError
from app.paths import data_root

ROOT = Path(data_root())
ENGAGEMENT = re.compile(r"\bengagements?\b", re.IGNORECASE)


def _french_catalogue_texts() -> list[str]:
    with (ROOT / "app" / "locales" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    texts: list[str] = []
    for message in catalogue:
        if message.id:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            texts.extend(strings)
    return texts


def _french_python_texts() -> list[str]:
    """The French half of every {"en": …, "fr": …} table written in Python under app/."""
    texts: list[str] = []
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "fr" and value is not None:
                        texts.extend(
                            part.value
                            for part in ast.walk(value)
                            if isinstance(part, ast.Constant) and isinstance(part.value, str)
                        )
            # not_found("engagement", "<French>", …) names the thing in both languages.
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "not_found"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
            ):
                texts.append(str(node.args[1].value))
    return texts


def _french_templates() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in (ROOT / "templates").rglob("*.fr.*")]


def test_no_french_text_says_engagement() -> None:
    sources = {
        "messages.po": _french_catalogue_texts(),
        "app/**.py (French tables)": _french_python_texts(),
        "templates/**.fr.*": _french_templates(),
    }
    found = {
        where: [text for text in texts if ENGAGEMENT.search(text)]
        for where, texts in sources.items()
    }
    assert not any(found.values()), f"say « mission » in French, not « engagement »: {found}"


def test_french_refusals_about_engagements_say_mission() -> None:
    codes = [code for code in CATALOGUE if "engagement" in code]
    assert codes
    for code in codes:
        params = {"status_word": "acceptée", "client": "Fromagerie", "ends": "1er décembre"}
        params |= {"starts": "1er décembre", "name": "Mauricette"}
        french = AppError(code, **params).message("fr")
        assert not ENGAGEMENT.search(french), f"{code}: {french}"
    assert "mission" in AppError("no_engagement", client="Fromagerie").message("fr")
