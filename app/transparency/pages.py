"""The public transparency page /t/{client-slug} (and .json), in the client's language."""

from typing import Any

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.accounts.dependencies import Session, State
from app.clients import service as clients
from app.errors import AppError
from app.models import Client
from app.transparency import service
from app.web.rendering import render

router = APIRouter(prefix="/t", include_in_schema=False)


async def _client(session: Session, slug: str) -> Client:
    client = await clients.get_by_slug(session, slug)
    if client is None:
        raise AppError("route_not_found")
    return client


def _voice_json(voice: service.Voice) -> dict[str, Any]:
    return {
        "full_name": voice.full_name,
        "role_title": voice.role_title,
        "photo_url": voice.photo_url,
        "since": voice.since.isoformat(),
        "until": voice.until.isoformat() if voice.until else None,
    }


def _handover_json(handover: service.Handover) -> dict[str, Any]:
    return {
        "outgoing": handover.outgoing,
        "incoming": handover.incoming,
        "at": handover.at.isoformat(),
        "announcement_url": handover.announcement_url,
    }


@router.get("/{client_slug}.json")
async def transparency_json(client_slug: str, session: Session, state: State) -> Response:
    client = await _client(session, client_slug)
    found = await service.voices(session, client, now=state.clock())
    silent = found.silent_since
    return JSONResponse(
        {
            "client": {"name": client.name, "slug": client.slug},
            "current": [_voice_json(voice) for voice in found.current],
            "past": [_voice_json(voice) for voice in found.past],
            "nobody_since": silent.isoformat() if silent else None,
            "handovers": [_handover_json(handover) for handover in found.handovers],
        }
    )


@router.get("/{client_slug}")
async def transparency_page(
    client_slug: str, request: Request, session: Session, state: State
) -> Response:
    client = await _client(session, client_slug)
    found = await service.voices(session, client, now=state.clock())
    return render(
        "transparency/page.html",
        locale=client.locale,
        request=request,
        client=client,
        voices=found,
        day=lambda moment: format_date(moment, format="long", locale=client.locale),
    )
