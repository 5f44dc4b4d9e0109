"""What a French page must not say: English interface text."""

import re

from babel.messages.pofile import read_po

from app.kit.i18n import translations
from app.paths import data_root


def english_left(text: str) -> list[str]:
    """English interface text on a French page: any fragment of a translated string, and a few
    words no French page says."""
    catalogue = translations("fr")
    found = []
    with (data_root() / "app" / "locales" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        for message in read_po(f):
            if not message.id or message.string == message.id:
                continue
            for fragment in re.split(r"%\(\w+\)s", str(message.id)):
                if len(fragment.strip()) >= 12 and fragment.strip() in text:
                    found.append(fragment.strip())
    found += re.findall(r"\b(?:the|your|and|with|Home|Posts|People|Log out|Accept|Decline)\b", text)
    assert catalogue.gettext("Log in") != "Log in"
    return found
