"""Every write of the form engine: starting, saving, deleting and submitting drafts."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils.translation import gettext as _

from guichet.catalogue.models import Service
from guichet.core.actor import Actor
from guichet.core.files import blob_save
from guichet.eforms.answers import missing_steps
from guichet.eforms.conditions import prune
from guichet.eforms.models import Draft, Submission, Upload
from guichet.eforms.pricing import calculate_fee
from guichet.eforms.selectors import (
    definition_get,
    draft_for_service,
    submission_for_draft,
    verified_answer_keys,
)
from guichet.eforms.versions import form_version_record

_DROP = object()


def to_json(value: Any) -> Any:
    """A JSON-serialisable copy of a cleaned form value: dates and amounts become strings.
    Files must be stored first (``_store_upload``); a file left here comes back as ``_DROP``."""
    if isinstance(value, UploadedFile):
        return _DROP
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): v for k, v in ((k, to_json(v)) for k, v in value.items()) if v is not _DROP}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [v for v in (to_json(item) for item in value) if v is not _DROP]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


def _check_owner(actor: Actor, draft: Draft) -> None:
    if not actor.is_citizen or actor.profile is None or draft.profile_id != actor.profile.pk:
        raise PermissionDenied


@transaction.atomic
def draft_start(*, actor: Actor, service: Service) -> Draft:
    """The actor's draft for ``service``: the existing one, else a new one."""
    if not actor.is_citizen or actor.profile is None:
        raise PermissionDenied
    existing = draft_for_service(actor=actor, service_id=service.pk)
    if existing is not None:
        return existing
    definition = definition_get(slug=service.form_definition)
    profile = actor.profile
    draft, _created = Draft.objects.get_or_create(
        profile=profile,
        service=service,
        defaults={
            "data_key_id": profile.data_key_id,
            "definition_slug": definition.slug,
            "definition_version": definition.version,
            "answers": {},
        },
    )
    return draft


@transaction.atomic
def draft_save_step(
    *,
    actor: Actor,
    draft: Draft,
    step_index: int,
    step_keys: Iterable[str],
    answers: Mapping[str, Any],
    completed: bool,
) -> Draft:
    """Store the answers of one step (replacing that step's earlier answers; fields now hidden
    are dropped). ``completed``: the step validated, so the draft may move past it."""
    _check_owner(actor, draft)
    stored = {key: value for key, value in (draft.answers or {}).items() if key not in set(step_keys)}
    for key, value in answers.items():
        if isinstance(value, UploadedFile):
            value = _store_upload(draft=draft, field_key=key, upload=value)
        converted = to_json(value)
        if converted is not _DROP:
            stored[key] = converted
    kept = {str(value.get("upload")) for value in stored.values() if isinstance(value, Mapping) and "upload" in value}
    for upload in draft.uploads.all():
        if str(upload.pk) not in kept:  # replaced, or its field is now hidden
            upload.delete()
    draft.answers = stored
    if completed:
        draft.current_step = max(draft.current_step, step_index + 1)
    draft.save()
    return draft


def _store_upload(*, draft: Draft, field_key: str, upload: UploadedFile) -> dict[str, Any]:
    """Encrypt a file given in a form field and keep a reference to it in the answers."""
    record = Upload(
        profile_id=draft.profile_id,
        data_key_id=draft.data_key_id,
        draft=draft,
        field_key=field_key,
        name=(upload.name or "file")[:255],
        content_type=getattr(upload, "sniffed_type", "") or "application/octet-stream",
    )
    stored = blob_save(data_key_id=str(draft.data_key_id), aad=record.aad, chunks=upload.chunks())
    record.size = stored.size
    record.sha256 = stored.sha256
    record.storage_name = stored.storage_name
    record.save()
    return {"upload": str(record.pk), "name": record.name, "size": record.size, "type": record.content_type}


def draft_delete(*, actor: Actor, draft: Draft) -> None:
    _check_owner(actor, draft)
    draft.delete()


class SubmissionIncomplete(ValidationError):
    """Some required answers are missing (``steps``: 1-based step numbers to revisit)."""

    def __init__(self, steps: list[int]) -> None:
        super().__init__(_("Some required answers are missing."), code="incomplete")
        self.steps = steps


def submission_create(*, actor: Actor, draft_id: uuid.UUID | str, language: str) -> Submission:
    """Submit the actor's draft: store the answers as sent, open the case, delete the draft.

    Idempotent: a second call for the same draft (double click, retry, back button) returns the
    submission made by the first. Raises ``Http404`` for a draft that is neither the actor's nor
    already submitted, and ``SubmissionIncomplete`` when required answers are missing."""
    from guichet.cases.services import case_open  # cases builds on eforms

    if not actor.is_citizen or actor.profile is None:
        raise PermissionDenied
    try:
        with transaction.atomic():
            draft = Draft.objects.select_for_update().filter(pk=draft_id, profile=actor.profile).first()
            if draft is None:
                existing = submission_for_draft(actor=actor, draft_id=draft_id)
                if existing is None:
                    raise Http404
                return existing
            definition = definition_get(slug=draft.definition_slug)
            answers = prune(definition, draft.answers or {})
            incomplete = missing_steps(definition, answers)
            if incomplete or draft.current_step < len(definition.steps):
                raise SubmissionIncomplete(incomplete or [draft.current_step + 1])
            submission = Submission.objects.create(
                profile=actor.profile,
                data_key_id=draft.data_key_id,
                service=draft.service,
                form_version=form_version_record(definition=definition),
                draft_ref=draft.pk,
                answers=answers,
                fee=calculate_fee(definition, answers).total,
                language=language,
                verified_keys=verified_answer_keys(actor=actor, answers=answers),
            )
            kept = [value["upload"] for value in answers.values() if isinstance(value, Mapping) and "upload" in value]
            for orphan in draft.uploads.exclude(pk__in=kept):  # files of fields hidden by later answers
                orphan.delete()
            draft.uploads.update(submission=submission, draft=None)
            draft.delete()
            case_open(actor=actor, submission=submission, definition=definition)
            Service.objects.filter(pk=submission.service_id).update(use_count=F("use_count") + 1)
            return submission
    except IntegrityError:  # a concurrent request for the same draft won the race
        existing = submission_for_draft(actor=actor, draft_id=draft_id)
        if existing is None:
            raise
        return existing


@transaction.atomic
def draft_from_submission(*, actor: Actor, submission: Submission) -> Draft:
    """Start a new draft with the answers of an earlier submission (files are not carried over).

    The actor's existing draft for the service is replaced only when it is empty; otherwise it
    is returned as it is, so nothing typed is lost."""
    if not actor.is_citizen or actor.profile is None or submission.profile_id != actor.profile.pk:
        raise PermissionDenied
    definition = definition_get(slug=submission.form_version.slug)
    existing = draft_for_service(actor=actor, service_id=submission.service_id)
    if existing is not None and existing.answers:
        return existing
    if existing is not None:
        existing.delete()
    answers = {
        key: value
        for key, value in (submission.answers or {}).items()
        if (field := definition.field(key)) is not None and field.type not in {"file", "declaration"}
    }
    return Draft.objects.create(
        profile=actor.profile,
        data_key_id=actor.profile.data_key_id,
        service_id=submission.service_id,
        definition_slug=definition.slug,
        definition_version=definition.version,
        answers=answers,
        current_step=0,
    )
