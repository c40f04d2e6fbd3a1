"""Reads for the staff UI, always scoped to the staff actor's authority."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from guichet.accounts.models import Profile, User
from guichet.cases import selectors as case_selectors
from guichet.catalogue.models import Service, pick
from guichet.core.actor import Actor, staff_actor
from guichet.core.keys import data_keys_preload
from guichet.core.models import StaffMembership

#: The authority a member of several authorities works for, remembered for the session.
SESSION_AUTHORITY_KEY = "guichet_backoffice_authority"


def staff_memberships(*, user: User | None) -> QuerySet[StaffMembership]:
    """The memberships of an account, authority loaded, in a stable order."""
    if user is None or not user.is_authenticated:
        return StaffMembership.objects.none()
    return StaffMembership.objects.filter(user=user).select_related("authority").order_by("authority__name", "pk")


def staff_actor_for_request(request: HttpRequest) -> Actor | None:
    """The staff actor of a request, or ``None`` for anyone without a membership.

    With several memberships, the authority chosen in this session wins; otherwise the first."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = list(staff_memberships(user=user))
    if not memberships:
        return None
    chosen = request.session.get(SESSION_AUTHORITY_KEY)
    membership = next((m for m in memberships if m.authority_id == chosen), memberships[0])
    return staff_actor(user=user, membership=membership)


def staff_membership_for_authority(*, user: User, authority_id: object) -> StaffMembership | None:
    try:
        return staff_memberships(user=user).filter(authority_id=int(str(authority_id))).first()
    except ValueError:
        return None


@dataclass(frozen=True)
class StaffMember:
    name: str
    role: str
    is_me: bool


def staff_list(*, actor: Actor) -> list[StaffMember]:
    """The staff of the actor's own authority, named by their private profiles. No email (P32)."""
    if not actor.is_staff or actor.authority is None or actor.user is None:
        return []
    # Not select_related("user"): loading an account decrypts its email, one key per person.
    memberships = list(
        StaffMembership.objects.filter(authority=actor.authority)
        .annotate(user_data_key_id=F("user__data_key_id"))
        .order_by("created_at", "pk")
    )
    data_keys_preload(key_ids=[m.user_data_key_id for m in memberships])
    names = {
        profile.owner_id: profile.display_name
        for profile in Profile.objects.filter(owner_id__in=[m.user_id for m in memberships], kind=Profile.Kind.PRIVATE)
    }
    members = [
        StaffMember(
            name=names.get(m.user_id) or "",
            role=m.get_role_display(),
            is_me=m.user_id == actor.user.pk,
        )
        for m in memberships
    ]
    return sorted(members, key=lambda member: member.name.casefold())


def staff_member_names(*, actor: Actor) -> dict[str, str]:
    """The names of the authority's staff by account id, in the selector's order.

    A fixed number of queries however many staff: their data keys are unwrapped at once, and their
    email addresses are not loaded (that would decrypt each one, and no page shows them, P32)."""
    members = list(case_selectors.staff_members(actor=actor).only("id", "data_key_id", "date_joined"))
    data_keys_preload(key_ids=[member.data_key_id for member in members])
    names = {
        str(profile.owner_id): profile.display_name
        for profile in Profile.objects.filter(owner__in=[m.pk for m in members], kind=Profile.Kind.PRIVATE)
    }
    return {str(member.pk): names.get(str(member.pk)) or _("(no name given)") for member in members}


def service_choices(*, actor: Actor) -> list[tuple[int, str]]:
    """The authority's services with an online form (catalogue data, no personal data)."""
    if actor.authority is None:
        return []
    services = Service.objects.filter(authority=actor.authority).exclude(form_definition="").only("id", "title")
    return sorted(((s.pk, pick(s.title)) for s in services), key=lambda item: item[1].casefold())
