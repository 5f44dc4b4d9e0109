"""What a post looks like on each channel: the body plus the author's visible signature.

Signature blocks come from templates/signatures/: `text.txt` for text channels (appended to the
message) and `byline.html` for blogs (placed above the article).
"""

from dataclasses import dataclass
from datetime import datetime

from app.kit.html import body_to_html
from app.templating import environment
from connectors.base import Capabilities, OutgoingPost, Signature

_BY_WORD = {"en": "By", "fr": "Par"}


@dataclass(frozen=True)
class PostContent:
    title: str | None
    body: str
    link: str | None
    scheduled_at: datetime


def signature_text(signature: Signature) -> str:
    return environment.get_template("signatures/text.txt").render(signature=signature).strip()


def signature_html(signature: Signature, locale: str) -> str:
    return (
        environment.get_template("signatures/byline.html")
        .render(signature=signature, by_word=_BY_WORD.get(locale, _BY_WORD["en"]))
        .strip()
    )


def render(
    content: PostContent,
    signature: Signature,
    capabilities: Capabilities,
    *,
    idempotency_key: str,
    locale: str,
) -> OutgoingPost:
    sig_text = signature_text(signature)
    parts = [content.body.strip()]
    if content.link:
        parts.append(content.link)
    parts.append(sig_text)
    html = sig_html = None
    if capabilities.supports_html:
        sig_html = signature_html(signature, locale)
        html = sig_html + body_to_html(content.body)
    return OutgoingPost(
        idempotency_key=idempotency_key,
        title=content.title if capabilities.supports_title else None,
        text="\n\n".join(parts),
        html=html,
        link=content.link,
        signature=signature,
        signature_text=sig_text,
        signature_html=sig_html,
        scheduled_at=content.scheduled_at,
        locale=locale,
    )
