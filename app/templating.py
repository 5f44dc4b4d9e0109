"""The one Jinja2 environment: web pages, blog pages, signature blocks."""

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.paths import TEMPLATES_DIR

environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html", "xml"]),
    undefined=StrictUndefined,
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
