"""E-mail addresses as logins: any syntactically valid address, internal domains included.

Byline sends no mail, so an address only has to be well formed: `cm@agence.local` and `ops@intranet`
are fine. email-validator checks the syntax; its list of special-use domains (`.local`, `.test`,
`localhost`…), meant for addresses that must be deliverable on the internet, is emptied here, as its
documentation allows (the module-level list is read at each call).
"""

from typing import Annotated

import email_validator
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

email_validator.SPECIAL_USE_DOMAIN_NAMES.clear()


def normalise_email(value: str) -> str:
    """The address as Byline stores and compares it (lower case), or ValueError saying why not."""
    try:
        checked = email_validator.validate_email(
            value.strip(),
            check_deliverability=False,
            globally_deliverable=False,
            allow_quoted_local=True,
            allow_domain_literal=True,
        )
    except email_validator.EmailNotValidError as error:
        raise ValueError(str(error).rstrip(".")) from error
    return checked.normalized.lower()


def stored_form(value: str) -> str:
    """How an address someone typed is looked up: as stored when it is well formed, else as
    typed (in lower case), which then matches nobody."""
    try:
        return normalise_email(value)
    except ValueError:
        return value.strip().lower()


def _validate(value: str) -> str:
    try:
        return normalise_email(value)
    except ValueError as error:
        raise PydanticCustomError(
            "email_invalid", "not an e-mail address: {reason}", {"reason": str(error)}
        ) from error


Email = Annotated[str, AfterValidator(_validate)]
"""A pydantic field type for logins."""
