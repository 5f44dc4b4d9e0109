"""The idempotency marker each delivery carries to its destination.

A destination finds an earlier attempt by this marker (connectors' `reconcile`), so it must be
unique across every Byline that may publish there, not only within one database: it names this
install (an identifier generated once and stored in the database) and the delivery,
`byline-{install}-delivery-{id}`. Deliveries that existed before the install had an identifier
keep the marker they may already have been sent with, `byline-delivery-{id}`: one in flight
across the upgrade still reconciles, and only those few lack the install's name.
"""

import secrets
import string
from dataclasses import dataclass

_ALPHABET = string.ascii_lowercase + string.digits
INSTALL_ID_LENGTH = 16
"""Lowercase letters and digits: no "-" (a marker is split on it nowhere, and "--" would end an
HTML comment, where WordPress keeps it)."""


def new_install_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(INSTALL_ID_LENGTH))


@dataclass(frozen=True)
class Markers:
    install_id: str
    legacy_keys_through: int = 0

    def key(self, delivery_id: int) -> str:
        if delivery_id <= self.legacy_keys_through:
            return f"byline-delivery-{delivery_id}"
        return f"byline-{self.install_id}-delivery-{delivery_id}"
