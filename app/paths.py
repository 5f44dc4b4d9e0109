"""Where Byline's non-Python files live: the source tree, or byline_data/ in an installed wheel."""

from pathlib import Path

_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def data_root() -> Path:
    if (_SOURCE_ROOT / "alembic.ini").is_file():
        return _SOURCE_ROOT
    return _SOURCE_ROOT / "byline_data"


TEMPLATES_DIR = data_root() / "templates"
STATIC_DIR = data_root() / "static"
ALEMBIC_INI = data_root() / "alembic.ini"
