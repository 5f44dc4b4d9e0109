"""What a handover says: the incoming person's announcement and the outgoing person's farewell,
drafted from templates/handovers/{announcement,farewell}.{locale}.txt in the client's language.

The first line of a template is the title (blogs show it), the rest is the text. A client may word
the announcement's text itself (`Client.handover_wording`) with the placeholders `{outgoing}`,
`{incoming}`, `{incoming_role}` and `{client}` (app.clients.wording checks it). Drafts are only drafts:
the person who signs reads and may edit them, and nobody's post is sent for them.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from app.templating import environment


@dataclass(frozen=True)
class Text:
    title: str
    body: str


@dataclass(frozen=True)
class People:
    """Who the texts speak of."""

    outgoing: str
    incoming: str
    incoming_role: str | None
    client: str
    locale: str
    effective_at: datetime
    zone: str


_MOMENT = {"fr": "d MMMM y 'à' HH:mm", "en": "MMMM d, y 'at' HH:mm"}


def _split(rendered: str) -> Text:
    title, _, body = rendered.strip().partition("\n")
    return Text(title=title.strip(), body=body.strip())


def _render(name: str, people: People) -> Text:
    locale = people.locale if people.locale in ("fr", "en") else "en"
    template = environment.get_template(f"handovers/{name}.{locale}.txt")
    moment = people.effective_at.astimezone(ZoneInfo(people.zone))
    return _split(
        template.render(
            outgoing=people.outgoing,
            incoming=people.incoming,
            incoming_role=people.incoming_role,
            client=people.client,
            effective_date=format_datetime(moment, _MOMENT[locale], locale=locale),
        )
    )


def announcement(people: People, wording: str | None) -> Text:
    drafted = _render("announcement", people)
    if not wording:
        return drafted
    body = wording.format_map(
        {
            "outgoing": people.outgoing,
            "incoming": people.incoming,
            "incoming_role": people.incoming_role or "",
            "client": people.client,
        }
    )
    return Text(title=drafted.title, body=body.strip())


def farewell(people: People) -> Text:
    return _render("farewell", people)
