"""Who is acting: the authenticated person, their organisation and role."""

from dataclasses import dataclass
from enum import StrEnum

from app.errors import AppError


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    CM = "cm"


@dataclass(frozen=True)
class Actor:
    person_id: int
    organisation_id: int
    role: Role

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.OWNER, Role.MANAGER)

    def require_manager(self) -> None:
        if not self.is_manager:
            raise AppError("forbidden_role")
