"""What a post looks like on each channel: the body plus the author's visible signature.

Signature blocks come from templates/signatures/: `{kind}.txt` (else `text.txt`) for the text that
every channel carries, and `{kind}.html` (else `byline.html`) for channels that publish HTML. A
client may word the lead-in ("Written by", "Votre CM :"); the name, role and client always follow.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from app.kit.html import body_to_html
from app.kit.i18n import translations
from app.templating import environment
from connectors.base import Capabilities, OutgoingPost, Signature

_TEXT_INTRO = "—"
_HTML_INTRO = {"en": "By", "fr": "Par"}
_LINK_OF_ITS_OWN = frozenset({"facebook_page"})
"""Kinds whose connector sends the link as a field of its own (Facebook's `link`, which shows
as a preview card): their text does not repeat it."""


@dataclass(frozen=True)
class PostContent:
    title: str | None
    body: str
    link: str | None
    scheduled_at: datetime


@dataclass(frozen=True)
class SignatureStyle:
    """How a channel of a given kind shows the signature, and the client's lead-in, if any."""

    kind: str
    intro: str | None
    locale: str


_SIGNATURES = 1024
"""Signature blocks kept rendered: one per author, client and channel kind (a burst of a
thousand posts by a handful of authors renders a handful of blocks, not a thousand)."""


@lru_cache(maxsize=_SIGNATURES)
def signature_text(signature: Signature, style: SignatureStyle) -> str:
    template = environment.select_template([f"signatures/{style.kind}.txt", "signatures/text.txt"])
    catalogue = translations(style.locale)
    return template.render(
        signature=signature, intro=style.intro or _TEXT_INTRO, _=catalogue.gettext
    ).strip()


@lru_cache(maxsize=_SIGNATURES)
def signature_html(signature: Signature, style: SignatureStyle) -> str:
    template = environment.select_template(
        [f"signatures/{style.kind}.html", "signatures/byline.html"]
    )
    intro = style.intro or _HTML_INTRO.get(style.locale, _HTML_INTRO["en"])
    return template.render(signature=signature, intro=intro).strip()


def render(
    content: PostContent,
    signature: Signature,
    capabilities: Capabilities,
    style: SignatureStyle,
    *,
    idempotency_key: str,
) -> OutgoingPost:
    sig_text = signature_text(signature, style)
    parts = [content.body.strip()]
    if content.link and style.kind not in _LINK_OF_ITS_OWN:
        parts.append(content.link)
    parts.append(sig_text)
    html = sig_html = None
    if capabilities.supports_html:
        sig_html = signature_html(signature, style)
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
        locale=style.locale,
    )
