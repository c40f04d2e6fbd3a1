"""The actor: who is acting in this request, and as whom.

Selectors and services take an ``Actor``, never a raw user, so every read and write is scoped
to what this actor may see. Later capabilities add a representation grant and API clients.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guichet.accounts.models import Profile, User
    from guichet.core.models import Authority, StaffMembership


class ActorKind(StrEnum):
    GUEST = "guest"
    CITIZEN = "citizen"
    STAFF = "staff"
    API_CLIENT = "api"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    user: User | None = None
    profile: Profile | None = None  # the profile the citizen acts as
    membership: StaffMembership | None = None

    @property
    def is_guest(self) -> bool:
        return self.kind is ActorKind.GUEST

    @property
    def is_citizen(self) -> bool:
        return self.kind is ActorKind.CITIZEN

    @property
    def is_staff(self) -> bool:
        return self.kind is ActorKind.STAFF

    @property
    def authority(self) -> Authority | None:
        return self.membership.authority if self.membership else None

    @property
    def ref(self) -> str:
        """An opaque reference for logs and audit events (never a name or an email)."""
        if self.user is not None:
            return str(self.user.pk)
        return ""


GUEST = Actor(kind=ActorKind.GUEST)
SYSTEM = Actor(kind=ActorKind.SYSTEM)


def citizen_actor(*, user: User, profile: Profile | None) -> Actor:
    return Actor(kind=ActorKind.CITIZEN, user=user, profile=profile)


def staff_actor(*, user: User, membership: StaffMembership) -> Actor:
    return Actor(kind=ActorKind.STAFF, user=user, membership=membership)
