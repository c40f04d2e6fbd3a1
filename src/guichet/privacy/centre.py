"""Reads for the privacy centre (``/account/privacy/``): which kinds of data are processed about
the account holder and why (confirmation, P11), and who of the authorities looked at them.

The access list comes from the audit trail: every staff or API access to a person's data is
recorded with the person as subject (``core.audit``). The person's own actions are not listed,
and neither are the staff's names: an access is shown with the authority that made it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from guichet.core.actor import Actor, ActorKind
from guichet.core.models import AuditEvent

#: What an audited object is, in words the account holder understands.
OBJECT_NAMES: dict[str, Promise] = {
    "cases.case": _("one of your cases and its application"),
    "appointments.booking": _("one of your appointments"),
    "appointments.day": _("a day list of appointments"),
    "accounts.user": _("your account"),
    "accounts.profile": _("one of your profiles"),
    "privacy.privacyrequest": _("one of your privacy requests"),
    "privacy.statementobjection": _("your objection to the privacy statement"),
}
#: How each action reads in the list.
ACTION_NAMES: dict[str, Promise] = {
    AuditEvent.Action.VIEW: _("looked at"),
    AuditEvent.Action.CHANGE: _("changed"),
    AuditEvent.Action.CREATE: _("created"),
    AuditEvent.Action.DELETE: _("deleted"),
    AuditEvent.Action.EXPORT: _("exported"),
}
WHO_ACCESSES = (ActorKind.STAFF, ActorKind.API_CLIENT)


@dataclass(frozen=True)
class AccessRow:
    at: datetime.datetime
    who: str
    action: str
    what: str


def accesses_to_my_data(*, actor: Actor) -> QuerySet[AuditEvent]:
    """Staff and API accesses whose subject is the actor's account, newest first."""
    if not actor.is_citizen or actor.user is None:
        return AuditEvent.objects.none()
    return (
        AuditEvent.objects.filter(subject_ref=str(actor.user.pk), actor_kind__in=[str(k) for k in WHO_ACCESSES])
        .select_related("authority")
        .order_by("-at", "-id")
    )


def access_rows(events: list[AuditEvent]) -> list[AccessRow]:
    rows = []
    for event in events:
        if event.authority is not None:
            who = event.authority.name
        elif event.actor_kind == ActorKind.API_CLIENT:
            who = str(_("a system of an authority"))
        else:
            # staff without an authority: the portal's operator (privacy requests, objections)
            who = str(_("the operator of the portal"))
        rows.append(
            AccessRow(
                at=event.at,
                who=who,
                action=str(ACTION_NAMES.get(event.action, event.get_action_display())),
                what=str(OBJECT_NAMES.get(event.object_type, _("your data"))),
            )
        )
    return rows
