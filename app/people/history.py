"""A person's history, read from the audit trail: the events that change what their signature
shows or whether they may sign, each with its old and new values and a summary in fr or en."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, get_args

from app.models import AuditEvent
from app.people.schemas import HistoryActor, HistoryChange, HistoryEntry, HistoryEvent

EVENTS: dict[str, HistoryEvent] = {
    "person.created": "created",
    "person.updated": "profile_changed",
    "person.role_changed": "role_changed",
    "person.attested": "attested",
    "person.attestation_withdrawn": "attestation_withdrawn",
    "person.left": "left",
}
"""Audit actions shown, and the event each one is (logins and tokens are not a profile's)."""

_FIELDS = get_args(HistoryChange.model_fields["field"].annotation)

_SUMMARIES = {
    "created": {"en": "Added as {role}", "fr": "Ajout comme {role}"},
    "profile_changed": {"en": "Changed: {fields}", "fr": "Modifié : {fields}"},
    "role_changed": {"en": "Role: {old} → {new}", "fr": "Rôle : {old} → {new}"},
    "attested": {
        "en": "Name “{name}” attested ({method})",
        "fr": "Nom « {name} » attesté ({method})",
    },
    "attestation_withdrawn": {
        "en": "Attestation withdrawn: {reason}",
        "fr": "Attestation retirée : {reason}",
    },
    "left": {
        "en": "Leaves the organisation at {left_at}",
        "fr": "Quitte l'organisation le {left_at}",
    },
}
_WORDS = {
    "full_name": {"en": "signing name", "fr": "nom de signature"},
    "short_name": {"en": "short name", "fr": "nom court"},
    "role_title": {"en": "role title", "fr": "fonction"},
    "photo_url": {"en": "photo", "fr": "photo"},
    "locale": {"en": "language", "fr": "langue"},
    "role": {"en": "role", "fr": "rôle"},
    "password": {"en": "password", "fr": "mot de passe"},
    "owner": {"en": "owner", "fr": "propriétaire"},
    "manager": {"en": "manager", "fr": "responsable"},
    "cm": {"en": "community manager", "fr": "community manager"},
    "declared": {"en": "declared by the organisation", "fr": "déclaré par l'organisation"},
    "id_document": {"en": "identity document seen", "fr": "pièce d'identité vue"},
    "directory": {"en": "found in a directory", "fr": "trouvé dans un annuaire"},
    "setup": {"en": "at setup", "fr": "à l'installation"},
}


def _word(value: object, locale: str) -> str:
    return _WORDS.get(str(value), {}).get(locale, str(value))


def _changes(data: Mapping[str, Any]) -> list[HistoryChange]:
    """`{field: [old, new]}`; events written before old values were kept hold the new value
    alone, and a new password only `password_changed`."""
    changes = []
    for name, value in data.items():
        if name == "password_changed":
            changes.append(HistoryChange(field="password", old=None, new=None))
        elif name in _FIELDS:
            old, new = value if isinstance(value, list) and len(value) == 2 else (None, value)
            changes.append(HistoryChange(field=name, old=old, new=new))
    return changes


def entry(event: AuditEvent, actors: Mapping[int, str], locale: str) -> HistoryEntry:
    kind = EVENTS[event.action]
    data: dict[str, Any] = dict(event.data or {})
    changes = _changes(data) if kind in ("profile_changed", "role_changed") else []
    left_at = datetime.fromisoformat(data["left_at"]) if kind == "left" else None
    words = {
        "role": _word(data.get("role"), locale),
        "fields": ", ".join(_word(change.field, locale) for change in changes) or "—",
        "old": _word(changes[0].old, locale) if changes else "",
        "new": _word(changes[0].new, locale) if changes else "",
        "name": data.get("name", ""),
        "method": _word(data.get("method"), locale),
        "reason": data.get("reason", ""),
        "left_at": left_at.isoformat() if left_at else "",
    }
    actor = (
        HistoryActor(id=event.actor_id, full_name=actors.get(event.actor_id, ""))
        if event.actor_id is not None
        else None
    )
    return HistoryEntry(
        id=event.id,
        at=event.created_at,
        event=kind,
        summary=_SUMMARIES[kind][locale if locale == "fr" else "en"].format(**words),
        actor=actor,
        changes=changes,
        method=data.get("method") if kind == "attested" else None,
        attested_name=data.get("name") if kind == "attested" else None,
        reason=data.get("reason") if kind == "attestation_withdrawn" else None,
        left_at=left_at,
    )
