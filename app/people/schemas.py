from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.accounts.actor import Role
from app.kit.email import Email
from app.kit.fields import NOT_NULL, WebAddress


class NameCheckRead(BaseModel):
    verdict: Literal["accept", "review", "refuse"]
    code: str
    message: str


class PersonCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "email": "mauricette@cl-consult.fr",
                    "full_name": "Mauricette Raoul",
                    "short_name": "Mauricette",
                    "role": "cm",
                    "role_title": "Community Manager",
                    "photo_url": "https://cl-consult.fr/team/mauricette.jpg",
                    "password": "a long passphrase",
                }
            ]
        },
    )

    email: Email
    full_name: str = Field(
        min_length=1, max_length=200, description="The signing name, as written."
    )
    short_name: str | None = Field(default=None, max_length=100)
    role: Role = Role.CM
    role_title: str | None = Field(default=None, max_length=120)
    photo_url: WebAddress | None = None
    password: str | None = Field(default=None, min_length=10, max_length=1000)
    locale: Literal["en", "fr"] | None = Field(
        default=None, description="Language of the web app and messages; default: the organisation's."
    )
    confirm_name: bool = Field(
        default=False,
        description="An owner or manager confirms a name refused only for how it is written "
        "(a title, initials, internal capitals…), when it is the person's real name. Role, "
        "placeholder and organisation names can never be confirmed.",
    )


class PersonRead(BaseModel):
    id: int
    email: str
    full_name: str
    short_name: str | None
    role: Role
    role_title: str | None
    photo_url: str | None
    locale: str
    attested: bool
    active: bool
    name_check: NameCheckRead
    created_at: datetime


class AttestRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"method": "id_document", "note": "Passport seen 2026-11-02"}]
        },
    )

    method: Literal["declared", "id_document", "directory"] = Field(
        description="How the name was checked: declared by the organisation, seen on an "
        "identity document, or found in a directory."
    )
    note: str | None = Field(default=None, max_length=1000)
    confirm: bool = Field(
        default=False, description="Needed when the name's check verdict is `review`."
    )


class WithdrawRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=200)


class PersonUpdate(BaseModel):
    """Changing `full_name` withdraws the attestation: the new name must be attested again."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"role_title": "Responsable éditoriale", "short_name": "Mauricette"}]
        },
    )

    full_name: Annotated[str | None, NOT_NULL] = Field(default=None, min_length=1, max_length=200)
    short_name: str | None = Field(default=None, max_length=100)
    role_title: str | None = Field(default=None, max_length=120)
    photo_url: WebAddress | None = None
    locale: Annotated[Literal["en", "fr"] | None, NOT_NULL] = None
    password: Annotated[str | None, NOT_NULL] = Field(default=None, min_length=10, max_length=1000)
    confirm_name: bool = Field(default=False, description="As in PersonCreate (owner or manager).")
