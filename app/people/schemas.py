from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.accounts.actor import Role
from app.kit.email import Email
from app.kit.fields import NOT_NULL, WebAddress

_LOGIN_RULES = (
    "10 to 256 characters; not a common password or word, not made of repeats, sequences or "
    "keyboard rows, and without your name, your e-mail address or “byline”."
)


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
    password: str | None = Field(default=None, description=_LOGIN_RULES)
    locale: Literal["en", "fr"] | None = Field(
        default=None,
        description="Language of the web app and messages; default: the organisation's.",
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
    """Changing `full_name` withdraws the attestation: the new name must be attested again (by
    someone else: nobody changes their own name)."""

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
    password: Annotated[str | None, NOT_NULL] = Field(
        default=None, description="Your own only. " + _LOGIN_RULES
    )
    role: Annotated[Role | None, NOT_NULL] = Field(
        default=None,
        description="Owners only; the organisation keeps at least one owner.",
    )
    confirm_name: bool = Field(default=False, description="As in PersonCreate (owner or manager).")


HistoryEvent = Literal[
    "created", "profile_changed", "role_changed", "attested", "attestation_withdrawn", "left"
]


class HistoryActor(BaseModel):
    id: int
    full_name: str


class HistoryChange(BaseModel):
    field: Literal[
        "full_name", "short_name", "role_title", "photo_url", "locale", "role", "password"
    ]
    old: str | None = Field(
        description="None: empty, or not recorded (changes made before Byline kept old values)."
    )
    new: str | None = Field(description="None: empty (never shown for `password`).")


class HistoryEntry(BaseModel):
    """One thing that happened to a person: what every signature of theirs shows (name, role
    title, photo), their attestation, their role and their departure."""

    id: int
    at: datetime
    event: HistoryEvent
    summary: str = Field(description="The event in words, in the caller's language.")
    actor: HistoryActor | None = Field(description="Who did it; None: Byline itself.")
    changes: list[HistoryChange] = Field(
        description="profile_changed and role_changed: each field."
    )
    method: str | None = Field(description="attested: how the name was checked.")
    attested_name: str | None = Field(description="attested: the name vouched for.")
    reason: str | None = Field(description="attestation_withdrawn: why.")
    left_at: datetime | None = Field(description="left: from when.")
