"""Secrets at rest (Fernet) and one-way hashes for API tokens."""

import base64
import hashlib
import json
import secrets
from typing import Any

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def fernet_for(secret_key: str) -> Fernet:
    # Derive a dedicated key so the cookie-signing secret is never used raw for encryption.
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"byline channel credentials"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt_json(fernet: Fernet, data: dict[str, Any]) -> str:
    return fernet.encrypt(json.dumps(data).encode()).decode()


def decrypt_json(fernet: Fernet, token: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(fernet.decrypt(token.encode()))
    return result


TOKEN_PREFIX = "byl_"  # noqa: S105 - a public prefix, not a secret


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_api_token(token: str) -> str:
    # API tokens carry 256 bits of entropy, so a fast hash is the right tool (no stretching needed).
    return hashlib.sha256(token.encode()).hexdigest()
