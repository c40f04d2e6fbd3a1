"""One helper for the audit trail: every staff/API access to personal data and every change."""

from __future__ import annotations

import logging
from typing import Any

from django.db import models as db_models

from guichet.core.actor import Actor
from guichet.core.inserts import insert_row
from guichet.core.models import AuditEvent

logger = logging.getLogger("guichet.audit")


def audit_record(
    *,
    actor: Actor,
    action: AuditEvent.Action | str,
    obj: db_models.Model | None = None,
    object_type: str = "",
    subject_ref: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_kind=str(actor.kind),
        actor_ref=actor.ref,
        authority=actor.authority,
        action=str(action),
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_ref=str(obj.pk) if obj is not None else "",
        subject_ref=subject_ref,
        detail=detail or {},
    )
    insert_row(event)  # every write path records one: the INSERT is built once, not per call
    logger.info(
        "audit action=%s actor=%s:%s object=%s:%s",
        event.action,
        event.actor_kind,
        event.actor_ref,
        event.object_type,
        event.object_ref,
    )
    return event
