"""Restriction of processing (P23, Art. 18 GDPR; Art. 32 revFADP): the account holder restricts
processing of one case or of a whole profile (and so of all its cases), and lifts it again.

Restricted data is kept ("storage only"): the applicant still sees it and exports it, but the
authority's staff cannot open, download or change a restricted case and no email is sent about
it. The rule is enforced where the data is read and written (``guichet.cases.restriction``,
used by the case selectors, services and notifications), not in templates.

What restriction does not stop, on purpose:

- the retention sweep: a restricted case is still deleted when its retention period ends
  (restriction means "no processing", not "keep longer"; deleting at the end of the period
  stays lawful and keeps P09);
- the person's own use: seeing, replying, exporting, deleting the account;
- appointments: a booking is its own record, which the person can change or cancel themselves
  at any time (P18) and which is deleted 30 days after the appointment (P14); masking a booking
  would only make the appointment unusable at the counter.

Each change is the person's own action: it is recorded in the audit trail (it explains to the
authority, later, why a case did not move) and, on each case concerned, as a visible event of
its history, so the clerk sees why once the restriction is lifted."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from guichet.accounts.models import Profile, User
from guichet.accounts.selectors import profile_list
from guichet.cases.models import Case, CaseEvent
from guichet.cases.restriction import restricted_since, with_restriction
from guichet.cases.workflow import status_label
from guichet.catalogue.models import pick
from guichet.core.access import scoped_get
from guichet.core.actor import Actor
from guichet.core.audit import audit_record
from guichet.core.language import active_language
from guichet.core.models import AuditEvent

# --- Reads, scoped to the account holder --------------------------------------------------------


def my_cases(*, actor: Actor) -> QuerySet[Case]:
    """The cases of all the account's profiles (not only the active one): restriction is about
    the person, whichever profile they act as now. Someone else's case is simply not in here."""
    cases = Case.objects.filter(profile__in=profile_list(actor=actor))
    return (
        with_restriction(cases)
        .select_related("service", "authority", "submission__form_version")
        .defer("submission__answers")
    )


def my_case_get(*, actor: Actor, case_id: uuid.UUID | str) -> Case:
    return scoped_get(my_cases(actor=actor), actor=actor, pk=case_id)


def my_profile_get(*, actor: Actor, profile_id: uuid.UUID | str) -> Profile:
    return scoped_get(profile_list(actor=actor), actor=actor, pk=profile_id)


# --- Services ------------------------------------------------------------------------------------


def _owner(actor: Actor) -> User:
    if not actor.is_citizen or actor.user is None:
        raise PermissionDenied("only the account holder restricts processing of their data")
    return actor.user


def _audit(actor: Actor, obj: Case | Profile, *, restricted: bool) -> None:
    """The holder's own change, in the audit trail with the holder as subject."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        obj=obj,
        subject_ref=str(_owner(actor).pk),
        detail={"restricted": restricted},
    )


def _own_profile_locked(actor: Actor, profile: Profile) -> Profile:
    locked = Profile.objects.select_for_update().filter(pk=profile.pk, owner=_owner(actor)).first()
    if locked is None:
        raise PermissionDenied("not your profile")
    return locked


def _own_case_locked(actor: Actor, case: Case) -> Case:
    locked = (
        Case.objects.select_for_update()
        .select_related("profile")
        .filter(pk=case.pk, profile__owner=_owner(actor))
        .only("id", "reference", "data_key_id", "restricted_at", "profile__id", "profile__restricted_at")
        .first()
    )
    if locked is None:
        raise PermissionDenied("not your case")
    return locked


def _history(cases: list[tuple[uuid.UUID, uuid.UUID]], *, kind: str, now: datetime.datetime) -> None:
    """One visible event per case (``(case id, data key id)``): the applicant did it."""
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=case_id,
            data_key_id=data_key_id,
            kind=kind,
            visible=True,
            author_kind=CaseEvent.Author.CITIZEN,
            at=now,
        )
        for case_id, data_key_id in cases
    )


@transaction.atomic
def case_restrict(*, actor: Actor, case: Case, now: datetime.datetime | None = None) -> Case:
    """Restrict processing of one of the account's cases. Restricting twice changes nothing."""
    now = now or timezone.now()
    case = _own_case_locked(actor, case)
    if case.restricted_at is not None:
        return case
    already = case.profile.restricted_at is not None  # restricted with its profile: no new event
    case.restricted_at = now
    case.save(update_fields=["restricted_at"])
    if not already:
        _history([(case.pk, case.data_key_id)], kind=CaseEvent.Kind.RESTRICTED, now=now)
    _audit(actor, case, restricted=True)
    return case


@transaction.atomic
def case_lift_restriction(*, actor: Actor, case: Case, now: datetime.datetime | None = None) -> Case:
    """Lift the case's own restriction. The case stays restricted while its profile is."""
    now = now or timezone.now()
    case = _own_case_locked(actor, case)
    if case.restricted_at is None:
        return case
    case.restricted_at = None
    case.save(update_fields=["restricted_at"])
    if case.profile.restricted_at is None:
        _history([(case.pk, case.data_key_id)], kind=CaseEvent.Kind.RESTRICTION_LIFTED, now=now)
    _audit(actor, case, restricted=False)
    return case


def _cases_on_their_own_terms(profile: Profile) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """The profile's cases without a restriction of their own: the profile's decides for them."""
    rows = Case.objects.filter(profile=profile, restricted_at__isnull=True).order_by("opened_at", "pk")
    return [(case_id, key_id) for case_id, key_id in rows.values_list("pk", "data_key_id")]


@transaction.atomic
def profile_restrict(*, actor: Actor, profile: Profile, now: datetime.datetime | None = None) -> Profile:
    """Restrict processing of one of the account's profiles and of all its cases, present and
    future. Restricting twice changes nothing."""
    now = now or timezone.now()
    profile = _own_profile_locked(actor, profile)
    if profile.restricted_at is not None:
        return profile
    profile.restricted_at = now
    profile.save(update_fields=["restricted_at"])
    _history(_cases_on_their_own_terms(profile), kind=CaseEvent.Kind.RESTRICTED, now=now)
    _audit(actor, profile, restricted=True)
    return profile


@transaction.atomic
def profile_lift_restriction(*, actor: Actor, profile: Profile, now: datetime.datetime | None = None) -> Profile:
    """Lift the profile's restriction; cases restricted on their own stay restricted."""
    now = now or timezone.now()
    profile = _own_profile_locked(actor, profile)
    if profile.restricted_at is None:
        return profile
    profile.restricted_at = None
    profile.save(update_fields=["restricted_at"])
    _history(_cases_on_their_own_terms(profile), kind=CaseEvent.Kind.RESTRICTION_LIFTED, now=now)
    _audit(actor, profile, restricted=False)
    return profile


# --- The privacy centre's part -------------------------------------------------------------------


@dataclass(frozen=True)
class CaseLine:
    case: Case
    service: str
    status: str
    since: datetime.datetime | None  # restricted since (its own or its profile's), else None
    own: bool  # restricted on its own (it can be lifted here)


@dataclass(frozen=True)
class ProfileLine:
    profile: Profile
    cases: list[CaseLine] = field(default_factory=list)


def restriction_lines(*, actor: Actor, language: str) -> list[ProfileLine]:
    """Each of the account's profiles with its cases, latest first (two queries in all)."""
    lines = {profile.pk: ProfileLine(profile=profile) for profile in profile_list(actor=actor)}
    for case in my_cases(actor=actor).order_by("-opened_at", "pk"):
        line = lines.get(case.profile_id)
        if line is None:  # pragma: no cover - my_cases only holds the account's profiles
            continue
        line.cases.append(
            CaseLine(
                case=case,
                service=pick(case.service.title, language) or case.service.slug,
                status=status_label(case, case.public_status, language),
                since=restricted_since(case),
                own=case.restricted_at is not None,
            )
        )
    return list(lines.values())


def centre_context(*, actor: Actor) -> dict[str, Any]:
    """What the privacy centre's page shows of this part: profiles and cases, each restrictable."""
    return {"restriction_profiles": restriction_lines(actor=actor, language=active_language())}
