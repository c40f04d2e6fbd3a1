"""Privacy requests that need a person (P11): rectification or completion of data the account
holder cannot change themselves, objection to processing, and other requests about one's data.

The account holder files a request in the privacy centre, about one of their cases (then the
case's authority answers it) or in general (then the portal's operator answers it). It must be
answered within ``GUICHET_PRIVACY_REQUEST_DAYS`` of receipt; the handler may extend that once, by
``GUICHET_PRIVACY_REQUEST_EXTENSION_DAYS``, before the deadline and with a reason the person is
told about (Art. 12(3) GDPR; Art. 25 revDSG and Art. 18 DSV). The handlers work from a queue
sorted by deadline; nobody is emailed about new requests.

Who handles a request: staff of its authority, or, for requests without an authority, an
operator. An operator acts through a staff actor without a membership (``operator_actor``), so
the audit trail records their accesses like any staff access.

Emails to the person carry the reference, a date and a link, never the text of the request or of
the answer (P26, P27); they name the privacy contact like every email (P13).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from guichet.accounts.models import Profile
from guichet.cases.models import Case
from guichet.cases.reference import new_reference
from guichet.core.access import scoped_get
from guichet.core.actor import Actor, ActorKind
from guichet.core.audit import audit_record
from guichet.core.email import send_templated_email
from guichet.core.keys import data_keys_preload
from guichet.core.language import active_language
from guichet.core.models import AuditEvent
from guichet.privacy.models import PrivacyRequest

if TYPE_CHECKING:
    from guichet.accounts.models import User

MAX_TEXT = 5000
#: the queue warns this many days before the deadline
DUE_SOON_DAYS = 7
REFERENCE_PREFIX = "P-"
_REFERENCE_ATTEMPTS = 8
OPEN_STATUSES = (PrivacyRequest.Status.OPEN, PrivacyRequest.Status.IN_PROGRESS)
ANSWERED_STATUSES = (PrivacyRequest.Status.DONE, PrivacyRequest.Status.REFUSED)
#: what a queue row loads: nothing encrypted, so no data key is unwrapped per person
_QUEUE_COLUMNS = (
    "id",
    "reference",
    "kind",
    "status",
    "received_at",
    "due_at",
    "extended_at",
    "answered_at",
    "authority_id",
    "case__id",
    "case__reference",
)

RECEIVED_EMAIL = "privacy/request_received"
EXTENDED_EMAIL = "privacy/request_extended"
ANSWERED_EMAIL = "privacy/request_answered"


# --- Deadlines -----------------------------------------------------------------------------------


def first_deadline(received_at: datetime.datetime) -> datetime.datetime:
    return received_at + datetime.timedelta(days=settings.GUICHET_PRIVACY_REQUEST_DAYS)


def extended_deadline(received_at: datetime.datetime) -> datetime.datetime:
    """The latest deadline the law allows: the first one plus the one extension."""
    return first_deadline(received_at) + datetime.timedelta(days=settings.GUICHET_PRIVACY_REQUEST_EXTENSION_DAYS)


@dataclass(frozen=True)
class Deadline:
    """Where an open request stands against its deadline, in whole calendar days."""

    due_at: datetime.datetime
    days_left: int  # 0: due today; negative: overdue by that many days
    overdue: bool

    @property
    def due_soon(self) -> bool:
        return not self.overdue and self.days_left <= DUE_SOON_DAYS

    @property
    def days_overdue(self) -> int:
        return max(1, -self.days_left) if self.overdue else 0


def deadline(request: PrivacyRequest, *, now: datetime.datetime | None = None) -> Deadline | None:
    """The deadline of an open request (``None`` once answered)."""
    if request.status not in OPEN_STATUSES:
        return None
    now = now or timezone.now()
    days_left = (timezone.localdate(request.due_at) - timezone.localdate(now)).days
    return Deadline(due_at=request.due_at, days_left=days_left, overdue=request.due_at < now)


# --- Who handles a request -----------------------------------------------------------------------


def operator_actor(*, user: User | None) -> Actor | None:
    """The actor of a portal operator (an active account with the operator flag), or ``None``.

    A staff actor without a membership: it handles what belongs to no authority."""
    if user is None or not user.is_authenticated or not user.is_active or not user.is_staff:
        return None
    return Actor(kind=ActorKind.STAFF, user=user)


def is_operator(actor: Actor) -> bool:
    return actor.is_staff and actor.membership is None and actor.user is not None and actor.user.is_staff


def _handles(actor: Actor, request: PrivacyRequest) -> bool:
    if not actor.is_staff:
        return False
    if actor.authority is not None:
        return request.authority_id == actor.authority.pk
    return is_operator(actor) and request.authority_id is None


# --- Reads: the account holder -------------------------------------------------------------------


def _citizen_user(actor: Actor) -> User | None:
    return actor.user if actor.is_citizen and actor.user is not None else None


def request_cases(*, actor: Actor) -> QuerySet[Case]:
    """The cases a request can be about: those of all the account's profiles, newest first.
    Privacy rights belong to the person, whichever of their profiles applied."""
    user = _citizen_user(actor)
    if user is None:
        return Case.objects.none()
    return (
        Case.objects.filter(profile__owner=user)
        .select_related("service", "authority")
        .only("id", "reference", "opened_at", "authority__id", "authority__name", "service__id", "service__title")
        .order_by("-opened_at", "pk")
    )


def request_case_get(*, actor: Actor, case_id: uuid.UUID | str) -> Case:
    return scoped_get(request_cases(actor=actor), actor=actor, pk=case_id)


def my_requests(*, actor: Actor) -> QuerySet[PrivacyRequest]:
    """The account holder's own requests, newest first."""
    user = _citizen_user(actor)
    if user is None:
        return PrivacyRequest.objects.none()
    return PrivacyRequest.objects.filter(user=user).select_related("case", "authority").order_by("-received_at", "pk")


def my_request_get(*, actor: Actor, request_id: uuid.UUID | str) -> PrivacyRequest:
    return scoped_get(my_requests(actor=actor), actor=actor, pk=request_id)


@dataclass(frozen=True)
class MyRequest:
    request: PrivacyRequest
    deadline: Deadline | None
    answered_by: str


def answered_by(request: PrivacyRequest) -> str:
    """Who answers the request, as the person reads it."""
    if request.authority is not None:
        return request.authority.name
    return _("%(operator)s (the operator of this portal)") % {"operator": settings.GUICHET_OPERATOR_NAME}


def my_request_rows(*, actor: Actor, now: datetime.datetime | None = None) -> list[MyRequest]:
    now = now or timezone.now()
    return [
        MyRequest(request=request, deadline=deadline(request, now=now), answered_by=answered_by(request))
        for request in my_requests(actor=actor)
    ]


def centre_context(*, actor: Actor) -> dict[str, Any]:
    """What the privacy centre's page shows of this part: the person's requests."""
    return {
        "privacy_requests": my_request_rows(actor=actor),
        "privacy_request_days": settings.GUICHET_PRIVACY_REQUEST_DAYS,
    }


# --- Reads: the handlers' queue --------------------------------------------------------------------


def handler_requests(*, actor: Actor) -> QuerySet[PrivacyRequest]:
    """The requests the actor handles: their authority's, or (operators) those without one."""
    if not actor.is_staff:
        return PrivacyRequest.objects.none()
    if actor.authority is not None:
        return PrivacyRequest.objects.filter(authority=actor.authority)
    if is_operator(actor):
        return PrivacyRequest.objects.filter(authority__isnull=True)
    return PrivacyRequest.objects.none()


QUEUE_STATES = ("open", "answered")


def handler_queue(*, actor: Actor, state: str = "open") -> QuerySet[PrivacyRequest]:
    """Open requests by deadline (the most urgent first), or answered ones, latest first. References
    and dates only: no name and no text is loaded (nothing is decrypted)."""
    requests = handler_requests(actor=actor).select_related("case").only(*_QUEUE_COLUMNS)
    if state == "answered":
        return requests.filter(status__in=ANSWERED_STATUSES).order_by("-answered_at", "pk")
    return requests.filter(status__in=OPEN_STATUSES).order_by("due_at", "received_at", "pk")


def handler_request_get(*, actor: Actor, request_id: uuid.UUID | str) -> PrivacyRequest:
    requests = handler_requests(actor=actor).select_related("case", "authority")
    found = scoped_get(requests, actor=actor, pk=request_id)
    data_keys_preload(key_ids=[found.data_key_id])
    return found


def requester_name(*, actor: Actor, request: PrivacyRequest) -> str:
    """Whose data it is, for the handler of ``request``: the name on the requester's private
    profile (organisations act through a person's account), or "" when there is none."""
    _check_handler(actor, request)
    profile = Profile.objects.filter(owner_id=request.user_id, kind=Profile.Kind.PRIVATE).first()
    return profile.display_name if profile is not None else ""


@dataclass(frozen=True)
class QueueCounts:
    open: int
    overdue: int
    due_soon: int


def queue_counts(*, actor: Actor, now: datetime.datetime | None = None) -> QueueCounts:
    """How many open requests the actor's queue holds, how many are overdue, how many due within
    ``DUE_SOON_DAYS`` (for the backoffice's start page)."""
    now = now or timezone.now()
    open_requests = handler_requests(actor=actor).filter(status__in=OPEN_STATUSES)
    soon = now + datetime.timedelta(days=DUE_SOON_DAYS)
    return QueueCounts(
        open=open_requests.count(),
        overdue=open_requests.filter(due_at__lt=now).count(),
        due_soon=open_requests.filter(due_at__gte=now, due_at__lt=soon).count(),
    )


# --- Writes ----------------------------------------------------------------------------------------


def _clean_text(text: str, *, field: str) -> str:
    text = (text or "").strip()
    if not text:
        messages = {
            "body": _("Please describe your request."),
            "reason": _("Please give the reason for the extension: the person is told about it."),
            "answer": _("Please write the answer."),
        }
        raise ValidationError(messages[field], code="required")
    if len(text) > MAX_TEXT:
        raise ValidationError(
            _("The text is too long: at most %(count)s characters (it has %(length)s)."),
            code="too_long",
            params={"count": MAX_TEXT, "length": len(text)},
        )
    return text


def _link(request: PrivacyRequest) -> str:
    return settings.SITE_URL + reverse("privacy_centre:request_detail", args=[request.pk])


def _notify(request: PrivacyRequest, template: str, *, user: User) -> None:
    """One short email to the person: reference, date, link. Sent after the commit; even to
    accounts that chose "only in my account" for news on cases, because the law requires telling
    the person about the deadline and its extension."""
    if not user.is_active or not user.email:
        return
    context = {
        "reference": request.reference,
        "due": timezone.localdate(request.due_at),
        "link": _link(request),
    }
    send_templated_email(to=user.email, template=template, context=context, language=request.language)


def _check_handler(actor: Actor, request: PrivacyRequest) -> None:
    if not _handles(actor, request):
        raise PermissionDenied


def _lock(request: PrivacyRequest) -> PrivacyRequest:
    return PrivacyRequest.objects.select_for_update(of=("self",)).select_related("user").get(pk=request.pk)


def _check_open(request: PrivacyRequest) -> None:
    if request.status not in OPEN_STATUSES:
        raise ValidationError(_("This request has already been answered."), code="answered")


def privacy_request_create(
    *,
    actor: Actor,
    kind: str,
    body: str,
    case: Case | None = None,
    now: datetime.datetime | None = None,
) -> PrivacyRequest:
    """File the account holder's request. About one of their cases, the case's authority answers
    it; otherwise the operator. The person gets a confirmation with the reference and deadline."""
    user = _citizen_user(actor)
    if user is None:
        raise PermissionDenied("only an account holder files a privacy request")
    if kind not in PrivacyRequest.Kind.values:
        raise ValidationError(_("Choose what your request is about."), code="invalid_kind")
    body = _clean_text(body, field="body")
    if case is not None:
        try:
            case = request_case_get(actor=actor, case_id=case.pk)  # someone else's case: refused
        except Http404 as error:
            raise PermissionDenied("not the account holder's case") from error
    now = now or timezone.now()
    with transaction.atomic():
        for _attempt in range(_REFERENCE_ATTEMPTS):
            try:
                with transaction.atomic():
                    request = PrivacyRequest.objects.create(
                        reference=REFERENCE_PREFIX + new_reference(year=timezone.localdate(now).year),
                        user=user,
                        data_key_id=user.data_key_id,
                        kind=kind,
                        authority_id=case.authority_id if case is not None else None,
                        case=case,
                        body=body,
                        received_at=now,
                        due_at=first_deadline(now),
                        language=active_language(),
                    )
                break
            except IntegrityError:  # two equal references: draw again
                continue
        else:  # pragma: no cover - would need 8 clashes in a row
            raise RuntimeError("no free privacy request reference")
        audit_record(
            actor=actor, action=AuditEvent.Action.CREATE, obj=request, subject_ref=str(user.pk), detail={"kind": kind}
        )
        _notify(request, RECEIVED_EMAIL, user=user)
    return request


def privacy_request_record_view(*, actor: Actor, request: PrivacyRequest) -> None:
    """A handler read the request: the person sees it under "who accessed my data"."""
    _check_handler(actor, request)
    audit_record(actor=actor, action=AuditEvent.Action.VIEW, obj=request, subject_ref=str(request.user_id))


@transaction.atomic
def privacy_request_start(*, actor: Actor, request: PrivacyRequest) -> PrivacyRequest:
    """Mark a received request as in progress (the person sees the status; no email)."""
    _check_handler(actor, request)
    request = _lock(request)
    _check_open(request)
    if request.status == PrivacyRequest.Status.IN_PROGRESS:
        raise ValidationError(_("This request is already in progress."), code="in_progress")
    request.status = PrivacyRequest.Status.IN_PROGRESS
    request.handled_by = actor.user
    request.save(update_fields=["status", "handled_by"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        obj=request,
        subject_ref=str(request.user_id),
        detail={"status": request.status},
    )
    return request


@transaction.atomic
def privacy_request_extend(
    *, actor: Actor, request: PrivacyRequest, reason: str, now: datetime.datetime | None = None
) -> PrivacyRequest:
    """Extend the deadline once, before it passes, with a reason. The person is emailed that the
    deadline moved and until when; the reason is shown in their account."""
    _check_handler(actor, request)
    request = _lock(request)
    _check_open(request)
    now = now or timezone.now()
    if request.extended_at is not None:
        raise ValidationError(
            _("The deadline was already extended on %(date)s. The law allows only one extension."),
            code="already_extended",
            params={"date": date_format(timezone.localdate(request.extended_at), "DATE_FORMAT")},
        )
    if request.due_at < now:
        raise ValidationError(
            _("The deadline has passed: it can only be extended before it ends. Please answer the request now."),
            code="too_late",
        )
    reason = _clean_text(reason, field="reason")
    request.extended_at = now
    request.extension_reason = reason
    request.due_at = extended_deadline(request.received_at)
    request.status = PrivacyRequest.Status.IN_PROGRESS  # whoever extends it is working on it
    request.handled_by = actor.user
    request.save(update_fields=["extended_at", "extension_reason", "due_at", "status", "handled_by"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        obj=request,
        subject_ref=str(request.user_id),
        detail={"extended_until": request.due_at.isoformat()},
    )
    _notify(request, EXTENDED_EMAIL, user=request.user)
    return request


@transaction.atomic
def privacy_request_answer(
    *,
    actor: Actor,
    request: PrivacyRequest,
    status: str,
    answer: str,
    now: datetime.datetime | None = None,
) -> PrivacyRequest:
    """Answer the request: done (what was changed) or refused (why, and that the person may
    complain to the supervisory authority). The person is emailed that there is an answer."""
    _check_handler(actor, request)
    request = _lock(request)
    _check_open(request)
    if status not in ANSWERED_STATUSES:
        raise ValidationError(_("Choose whether the request was granted or refused."), code="invalid_status")
    answer = _clean_text(answer, field="answer")
    request.status = status
    request.answer = answer
    request.answered_at = now or timezone.now()
    request.handled_by = actor.user
    request.save(update_fields=["status", "answer", "answered_at", "handled_by"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        obj=request,
        subject_ref=str(request.user_id),
        detail={"status": status},
    )
    _notify(request, ANSWERED_EMAIL, user=request.user)
    return request
