"""Every write on cases: open, change status, ask for information, reply, note, assign.

Staff actions take a staff actor of the case's authority; the citizen's reply takes the citizen
actor who owns the case. Each change is one transaction, leaves an audit event, and a change the
citizen can see sends one short email after the commit (P27)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.accounts.models import User
from guichet.cases import notifications
from guichet.cases.models import Case, CaseAttachment, CaseEvent
from guichet.cases.reference import new_reference
from guichet.cases.restriction import refuse_if_restricted
from guichet.cases.workflow import case_awaits_reply, case_definition
from guichet.core.actor import Actor
from guichet.core.audit import audit_record
from guichet.core.files import blob_save
from guichet.core.models import AuditEvent, StaffMembership
from guichet.eforms.definition import FormDefinition
from guichet.eforms.models import Submission

MAX_TEXT = 5000
_REFERENCE_ATTEMPTS = 8


class CaseClosed(ValidationError):
    pass


def _subject(case: Case) -> str:
    return str(case.profile.owner_id)


def _check_staff(actor: Actor, case: Case) -> None:
    """Staff of the case's authority, on a case the applicant has not restricted (P23): checked
    in the database, so neither a stale object nor a task or API caller can process it."""
    if not actor.is_staff or actor.authority is None or case.authority_id != actor.authority.pk:
        raise PermissionDenied
    refuse_if_restricted(actor=actor, case=case, fresh=True)


def _check_open(case: Case) -> None:
    if case.is_closed:
        raise CaseClosed(_("This case is closed and can no longer be changed."), code="closed")


def _clean_text(text: str, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationError(_("Please write a message."), code="required")
    if len(text) > MAX_TEXT:
        raise ValidationError(
            _("The message is too long: at most %(count)s characters."), code="too_long", params={"count": MAX_TEXT}
        )
    return text


def _event(case: Case, *, actor: Actor, kind: str, status: str = "", visible: bool, text: str = "") -> CaseEvent:
    author_kind = (
        CaseEvent.Author.STAFF
        if actor.is_staff
        else CaseEvent.Author.CITIZEN
        if actor.is_citizen
        else CaseEvent.Author.SYSTEM
    )
    return CaseEvent.objects.create(
        case=case,
        data_key_id=case.data_key_id,
        kind=kind,
        status=status,
        visible=visible,
        text=text,
        author_kind=author_kind,
        author=actor.user if actor.is_staff else None,
    )


def case_open(*, actor: Actor, submission: Submission, definition: FormDefinition) -> Case:
    """Open the case of a new submission at the authority owning the service (inside the
    submission's transaction)."""
    initial = definition.initial_status
    year = timezone.localdate().year
    for _attempt in range(_REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    reference=new_reference(year=year),
                    submission=submission,
                    authority_id=submission.service.authority_id,
                    service=submission.service,
                    profile=submission.profile,
                    data_key_id=submission.data_key_id,
                    status=initial.key,
                    public_status=initial.key,
                    needs_attention=True,
                    opened_at=submission.submitted_at,
                    updated_at=submission.submitted_at,
                )
            break
        except IntegrityError:  # the one-in-billions clash of two references: draw again
            continue
    else:  # pragma: no cover - would need 8 clashes in a row
        raise RuntimeError("no free case reference")
    _event(case, actor=actor, kind=CaseEvent.Kind.SUBMITTED, status=initial.key, visible=True)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=case, subject_ref=_subject(case))
    notifications.notify_submitted(case)
    return case


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("submission__form_version", "profile__owner").get(pk=case.pk)


def _lock_for_staff(actor: Actor, case: Case) -> Case:
    """Lock the case, then look again: a restriction committed since ``_check_staff`` still wins."""
    case = _lock(case)
    refuse_if_restricted(actor=actor, case=case)
    return case


@transaction.atomic
def case_set_status(*, actor: Actor, case: Case, status: str, note: str = "") -> Case:
    """Move the case to ``status`` with an optional note. The note goes to the citizen with a
    visible status and stays internal with an internal one. A final status closes the case."""
    _check_staff(actor, case)
    case = _lock_for_staff(actor, case)
    _check_open(case)
    definition = case_definition(case)
    target = definition.status(status)
    if target is None:
        raise ValidationError(_("Choose one of the statuses offered."), code="invalid_status")
    if target.asks_citizen:
        raise ValidationError(_("To ask for information, use “Ask the applicant”."), code="use_request")
    if target.key == case.status:
        raise ValidationError(_("The case already has this status."), code="same_status")
    note = _clean_text(note, required=False)
    now = timezone.now()
    case.status = target.key
    case.resume_status = ""  # the clerk moved on: the case no longer waits for the applicant
    case.updated_at = now
    case.needs_attention = False
    if target.visible:
        case.public_status = target.key
    if target.final:
        case.is_closed = True
        case.closed_at = now
    case.save(update_fields=["status", "public_status", "is_closed", "closed_at", "updated_at", "needs_attention"])
    _event(case, actor=actor, kind=CaseEvent.Kind.STATUS, status=target.key, visible=target.visible, text=note)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        obj=case,
        subject_ref=_subject(case),
        detail={"status": target.key},
    )
    if target.visible:
        notifications.notify_updated(case)
    return case


@transaction.atomic
def case_request_information(*, actor: Actor, case: Case, message: str) -> Case:
    """Ask the citizen for information or documents; the case waits for the reply."""
    _check_staff(actor, case)
    case = _lock_for_staff(actor, case)
    _check_open(case)
    asking = case_definition(case).asks_citizen_status
    if asking is None:
        raise ValidationError(_("This form has no status for asking the applicant."), code="no_request_status")
    message = _clean_text(message, required=True)
    if case.status != asking.key:
        case.resume_status = case.status
    case.status = case.public_status = asking.key
    case.updated_at = timezone.now()
    case.needs_attention = False
    case.save(update_fields=["status", "public_status", "resume_status", "updated_at", "needs_attention"])
    _event(case, actor=actor, kind=CaseEvent.Kind.INFO_REQUEST, status=asking.key, visible=True, text=message)
    audit_record(
        actor=actor, action=AuditEvent.Action.CHANGE, obj=case, subject_ref=_subject(case), detail={"request": True}
    )
    notifications.notify_updated(case)
    return case


def _check_owner(actor: Actor, case: Case) -> None:
    if not actor.is_citizen or actor.profile is None or case.profile_id != actor.profile.pk:
        raise PermissionDenied


MAX_REPLY_FILES = 10


@transaction.atomic
def case_reply(*, actor: Actor, case: Case, text: str, files: Sequence[tuple[UploadedFile, str]] = ()) -> CaseEvent:
    """The citizen answers the authority's request, with documents (``(upload, content type)``
    pairs, already checked by the form). The case goes back to the status it had before."""
    _check_owner(actor, case)
    case = _lock(case)
    if not case_awaits_reply(case):
        raise ValidationError(_("The authority is not waiting for an answer on this case."), code="not_waiting")
    text = _clean_text(text, required=not files)
    if len(files) > MAX_REPLY_FILES:
        raise ValidationError(
            _("Add at most %(count)s documents at once."), code="too_many", params={"count": MAX_REPLY_FILES}
        )
    definition = case_definition(case)
    back = definition.status(case.resume_status) or definition.initial_status
    case.status = back.key
    if back.visible:
        case.public_status = back.key
    case.resume_status = ""
    case.needs_attention = True
    case.updated_at = timezone.now()
    case.save(update_fields=["status", "public_status", "resume_status", "updated_at", "needs_attention"])
    event = _event(case, actor=actor, kind=CaseEvent.Kind.REPLY, visible=True, text=text)
    for upload, content_type in files:
        attachment = CaseAttachment(case=case, event=event, data_key_id=case.data_key_id, name=upload.name or "")
        stored = blob_save(data_key_id=str(case.data_key_id), aad=attachment.aad, chunks=upload.chunks())
        attachment.content_type = content_type
        attachment.size = stored.size
        attachment.sha256 = stored.sha256
        attachment.storage_name = stored.storage_name
        attachment.save()
    return event


@transaction.atomic
def case_add_note(*, actor: Actor, case: Case, text: str) -> CaseEvent:
    """An internal note: staff of the authority read it, the citizen never does."""
    _check_staff(actor, case)
    text = _clean_text(text, required=True)
    event = _event(case, actor=actor, kind=CaseEvent.Kind.NOTE, visible=False, text=text)
    audit_record(
        actor=actor, action=AuditEvent.Action.CHANGE, obj=case, subject_ref=_subject(case), detail={"note": True}
    )
    return event


@transaction.atomic
def case_assign(*, actor: Actor, case: Case, assignee: User | None) -> Case:
    """Give the case to a member of the authority's staff (``None``: nobody)."""
    _check_staff(actor, case)
    case = _lock_for_staff(actor, case)
    if (
        assignee is not None
        and not StaffMembership.objects.filter(user=assignee, authority_id=case.authority_id).exists()
    ):
        raise ValidationError(_("Choose a member of this authority's staff."), code="not_staff")
    if case.assignee_id == (assignee.pk if assignee else None):
        return case
    case.assignee = assignee
    case.save(update_fields=["assignee"])
    _event(case, actor=actor, kind=CaseEvent.Kind.ASSIGNED, visible=False)
    audit_record(
        actor=actor, action=AuditEvent.Action.CHANGE, obj=case, subject_ref=_subject(case), detail={"assigned": True}
    )
    return case


def case_record_view(*, actor: Actor, case: Case, what: str = "submission") -> None:
    """Staff opened or downloaded the submission: the citizen sees it under "who accessed my data"."""
    _check_staff(actor, case)
    audit_record(
        actor=actor, action=AuditEvent.Action.VIEW, obj=case, subject_ref=_subject(case), detail={"what": what}
    )
