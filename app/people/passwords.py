"""A member's new password, checked by the one rule of app.kit.passwords wherever it is set (the
API, the first-run page, `byline setup`)."""

from collections.abc import Iterable

from app.errors import AppError
from app.kit import passwords


def check(password: str, *, email: str, names: Iterable[str | None]) -> None:
    try:
        passwords.check_new_password(password, email=email, names=names)
    except passwords.PasswordRefused as refusal:
        raise AppError(refusal.code, field="password", **refusal.params) from None
