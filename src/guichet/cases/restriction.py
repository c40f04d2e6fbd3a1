"""Restriction of processing (P23, Art. 18 GDPR) as the cases see it: one rule, used by the
selectors, the services and the notifications, so no staff page, action, download or email can
forget it.

A case is restricted when the applicant restricted the case itself or the whole profile it
belongs to. A restricted case is kept (and still deleted at the end of its retention period:
restriction means "storage only", not "keep longer"), the applicant still sees and exports it,
but the authority's staff may not open, download or change it and no email is sent about it.
The citizen side (restricting and lifting) lives in ``guichet.privacy.restriction``."""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet

from guichet.cases.models import Case
from guichet.core.actor import Actor

access_logger = logging.getLogger("guichet.access")

#: the annotation carrying the profile's restriction, so lists need no query per row
PROFILE_RESTRICTED_AT = "profile_restricted_at"


class CaseRestricted(PermissionDenied):
    """The applicant restricted processing of this case: staff and tasks must leave it alone.

    A ``PermissionDenied``: a view that does not catch it still answers 403, never 200."""

    def __init__(self, *, reference: str, since: datetime.datetime | None) -> None:
        super().__init__("processing of this case is restricted by the applicant")
        self.reference = reference
        self.since = since


def restricted_q(prefix: str = "") -> Q:
    """Cases (or rows reaching a case through ``prefix``, e.g. ``"case__"``) that are restricted."""
    return Q(**{f"{prefix}restricted_at__isnull": False}) | Q(**{f"{prefix}profile__restricted_at__isnull": False})


def with_restriction(cases: QuerySet[Case]) -> QuerySet[Case]:
    """``cases`` with the profile's restriction joined in (one join, nothing decrypted)."""
    return cases.annotate(**{PROFILE_RESTRICTED_AT: F("profile__restricted_at")})


def restricted_since(case: Case) -> datetime.datetime | None:
    """Since when the case is restricted (its own or its profile's restriction, the earlier), or
    ``None``. Uses the annotation of ``with_restriction`` when present, else the loaded profile."""
    if hasattr(case, PROFILE_RESTRICTED_AT):
        profile_since = getattr(case, PROFILE_RESTRICTED_AT)
    else:
        profile_since = case.profile.restricted_at
    moments = [moment for moment in (case.restricted_at, profile_since) if moment is not None]
    return min(moments) if moments else None


def is_restricted(case: Case) -> bool:
    return restricted_since(case) is not None


def is_restricted_now(case: Case) -> bool:
    """As ``is_restricted``, asked of the database: for side effects (emails, tasks) that may run
    with objects loaded before the applicant restricted the case or its profile."""
    return Case.objects.filter(restricted_q(), pk=case.pk).exists()


def refuse_if_restricted(*, actor: Actor, case: Case, fresh: bool = False) -> None:
    """Raise ``CaseRestricted`` if the case may not be processed. ``fresh``: ask the database
    rather than the loaded objects (a service about to write, while the applicant may just have
    restricted the case in another request)."""
    if fresh:
        row = Case.objects.filter(pk=case.pk).values_list("restricted_at", "profile__restricted_at").first()
        moments = [moment for moment in row or () if moment is not None]
        since = min(moments) if moments else None
    else:
        since = restricted_since(case)
    if since is not None:
        access_logger.warning(
            "restricted case refused: actor=%s:%s object=cases.case:%s", actor.kind, actor.ref or "-", case.pk
        )
        raise CaseRestricted(reference=case.reference, since=since)
