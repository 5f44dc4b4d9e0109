"""Turning a post body into safe HTML for the blogs."""

import re

import nh3

ALLOWED_TAGS = {
    "a",
    "p",
    "br",
    "em",
    "strong",
    "b",
    "i",
    "u",
    "s",
    "blockquote",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
_BLANK_LINES = re.compile(r"\n\s*\n")


def body_to_html(body: str) -> str:
    """Blank lines separate paragraphs and newlines break lines; a few inline tags are kept,
    everything else (scripts, handlers, styles) is removed by nh3."""
    paragraphs = [part.strip() for part in _BLANK_LINES.split(body.replace("\r\n", "\n"))]
    html = "".join(f"<p>{part.replace(chr(10), '<br>')}</p>" for part in paragraphs if part)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
