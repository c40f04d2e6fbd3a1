"""Every write of the form engine: starting, saving and deleting drafts."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from guichet.catalogue.models import Service
from guichet.core.actor import Actor
from guichet.eforms.models import Draft
from guichet.eforms.selectors import definition_get, draft_for_service

_DROP = object()


def to_json(value: Any) -> Any:
    """A JSON-serialisable copy of a cleaned form value: dates and amounts become strings.
    Uploaded files are not kept in drafts (yet); they come back as ``_DROP``."""
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
        converted = to_json(value)
        if converted is not _DROP:
            stored[key] = converted
    draft.answers = stored
    if completed:
        draft.current_step = max(draft.current_step, step_index + 1)
    draft.save()
    return draft


def draft_delete(*, actor: Actor, draft: Draft) -> None:
    _check_owner(actor, draft)
    draft.delete()
