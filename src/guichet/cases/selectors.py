"""Every read of cases, scoped by the actor: citizens see the cases of the profile they act as,
staff the cases of their authority. Anything else is a 404 (``core.access.scoped_get``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from guichet.accounts.models import User
from guichet.cases.models import Case, CaseAttachment, CaseEvent
from guichet.cases.reference import normalise_reference
from guichet.cases.restriction import is_restricted, refuse_if_restricted, with_restriction
from guichet.cases.workflow import case_awaits_reply, status_label
from guichet.core.access import scoped_get
from guichet.core.actor import Actor
from guichet.core.keys import data_keys_preload
from guichet.eforms.models import Upload

_RELATED = ("service", "service__authority", "submission__form_version")


def case_list(*, actor: Actor) -> QuerySet[Case]:
    """The cases of the profile the citizen acts as, latest change first."""
    if not actor.is_citizen or actor.profile is None:
        return Case.objects.none()
    # The applicant always sees their cases, restricted or not (P23): restriction binds the authority.
    return (
        with_restriction(Case.objects.filter(profile=actor.profile)).select_related(*_RELATED).order_by("-updated_at")
    )


def case_list_light(*, actor: Actor) -> QuerySet[Case]:
    """``case_list`` without the answers: lists need no decryption per row."""
    return case_list(actor=actor).defer("submission__answers")


@dataclass(frozen=True)
class CaseSummary:
    """One line of a list of cases: the status as the citizen sees it, and whether the
    authority waits for an answer."""

    case: Case
    status: str
    awaits_reply: bool
    restricted: bool = False  # the applicant restricted processing (P23)


def case_summaries(cases: Iterable[Case], *, language: str) -> list[CaseSummary]:
    """Summaries of ``cases`` read through ``case_list``: the workflow comes from the form
    version already joined, so this adds no query."""
    return [
        CaseSummary(
            case=case,
            status=status_label(case, case.public_status, language),
            awaits_reply=case_awaits_reply(case),
            restricted=is_restricted(case),
        )
        for case in cases
    ]


def dashboard_cases(*, actor: Actor, language: str, limit: int = 5) -> list[CaseSummary]:
    """The latest cases of the actor's profile for the dashboard (one query, whatever the number)."""
    return case_summaries(case_list_light(actor=actor)[:limit], language=language)


def case_get(*, actor: Actor, case_id: uuid.UUID | str) -> Case:
    return scoped_get(case_list(actor=actor), actor=actor, pk=case_id)


def case_timeline(*, actor: Actor, case: Case) -> list[CaseEvent]:
    """The events the citizen may see (never internal notes or internal statuses)."""
    events = case.events.filter(visible=True).prefetch_related("attachments")
    if not actor.is_citizen or actor.profile is None or case.profile_id != actor.profile.pk:
        return []
    return list(events)


@dataclass(frozen=True)
class QueueFilter:
    state: str = "open"  # open | attention | waiting | closed | all
    q: str = ""
    service: int | None = None
    assignee: str = ""  # "" any | "me" | "nobody"


def staff_case_list(*, actor: Actor) -> QuerySet[Case]:
    if not actor.is_staff or actor.authority is None:
        return Case.objects.none()
    return Case.objects.filter(authority=actor.authority).select_related(*_RELATED, "assignee", "profile")


#: What a queue row shows: no answers, no profile, nothing that needs decrypting.
_QUEUE_COLUMNS = (
    "id",
    "reference",
    "status",
    "needs_attention",
    "is_closed",
    "opened_at",
    "closed_at",
    "assignee",
    "service__id",
    "service__title",
    "submission__id",
    "submission__form_version",
)


def staff_case_queue(*, actor: Actor, filters: QueueFilter) -> QuerySet[Case]:
    """The authority's incoming queue: oldest first (first come, first served). References, not
    names: a row never loads the applicant's profile or answers (a constant number of queries)."""
    if not actor.is_staff or actor.authority is None:
        return Case.objects.none()
    cases = with_restriction(
        Case.objects.filter(authority=actor.authority)
        .select_related("service", "submission")
        .only(*_QUEUE_COLUMNS, "restricted_at")
        .prefetch_related("submission__form_version")
    )  # a restricted case stays in the queue as a bare row, so the clerk knows why it does not move
    match filters.state:
        case "open":
            cases = cases.filter(is_closed=False)
        case "attention":
            cases = cases.filter(is_closed=False, needs_attention=True)
        case "waiting":
            cases = cases.filter(is_closed=False, resume_status__gt="")
        case "closed":
            cases = cases.filter(is_closed=True)
    if filters.service is not None:
        cases = cases.filter(service_id=filters.service)
    if filters.assignee == "me" and actor.user is not None:
        cases = cases.filter(assignee=actor.user)
    elif filters.assignee == "nobody":
        cases = cases.filter(assignee__isnull=True)
    text = filters.q.strip()
    if text:
        reference = normalise_reference(text)
        condition = Q(reference=reference) if reference else Q(reference__icontains=text.upper()[:20])
        cases = cases.filter(condition)
    order = "-closed_at" if filters.state == "closed" else "opened_at"
    return cases.order_by(order, "id")


def staff_case_get(*, actor: Actor, case_id: uuid.UUID | str) -> Case:
    """A case of the actor's authority (else 404). A case the applicant restricted raises
    ``CaseRestricted`` (403) before anything of it is decrypted (P23)."""
    case = scoped_get(staff_case_list(actor=actor), actor=actor, pk=case_id)
    refuse_if_restricted(actor=actor, case=case)
    data_keys_preload(key_ids=[case.data_key_id])
    return case


def staff_case_events(*, actor: Actor, case: Case) -> list[CaseEvent]:
    """Every event, internal notes included, for staff of the case's authority."""
    if not actor.is_staff or actor.authority is None or case.authority_id != actor.authority.pk:
        return []
    refuse_if_restricted(actor=actor, case=case)
    return list(case.events.select_related("author").prefetch_related("attachments"))


def staff_members(*, actor: Actor) -> QuerySet[User]:
    """Whom a case can be assigned to: the staff of the actor's authority."""
    if not actor.is_staff or actor.authority is None:
        return User.objects.none()
    return User.objects.filter(memberships__authority=actor.authority).distinct().order_by("date_joined")


def case_attachment_get(*, actor: Actor, case: Case, attachment_id: uuid.UUID | str) -> CaseAttachment:
    """A document of the case, for its owner or for the authority's staff."""
    allowed = (actor.is_citizen and actor.profile is not None and case.profile_id == actor.profile.pk) or (
        actor.is_staff and actor.authority is not None and case.authority_id == actor.authority.pk
    )
    attachments = CaseAttachment.objects.filter(case=case) if allowed else CaseAttachment.objects.none()
    if allowed and actor.is_staff:
        refuse_if_restricted(actor=actor, case=case)
    return scoped_get(attachments, actor=actor, pk=attachment_id)


def case_upload_get(*, actor: Actor, case: Case, upload_id: uuid.UUID | str) -> Upload:
    """A file given in the submitted form, for its owner or for the authority's staff."""
    allowed = (actor.is_citizen and actor.profile is not None and case.profile_id == actor.profile.pk) or (
        actor.is_staff and actor.authority is not None and case.authority_id == actor.authority.pk
    )
    uploads = Upload.objects.filter(submission_id=case.submission_id) if allowed else Upload.objects.none()
    if allowed and actor.is_staff:
        refuse_if_restricted(actor=actor, case=case)
    return scoped_get(uploads, actor=actor, pk=upload_id)
