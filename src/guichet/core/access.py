"""Fetching one object for an actor: the single place where "not found" and "not allowed"
become the same 404, and where every refusal is logged (ASVS: log authorization decisions).

Selectors build a queryset already scoped to what the actor may see, then call
``scoped_get``; nothing outside that scope can be returned, and a probe for someone else's
object leaves a trace without revealing whether it exists."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.http import Http404

from guichet.core.actor import Actor

logger = logging.getLogger("guichet.access")


def scoped_get[M: models.Model](queryset: models.QuerySet[M], *, actor: Actor, pk: Any) -> M:
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError) as exc:  # bad ids are "not found" too
        logger.warning(
            "access denied or not found: actor=%s:%s object=%s:%s",
            actor.kind,
            actor.ref or "-",
            queryset.model._meta.label_lower,
            str(pk)[:64],
        )
        raise Http404 from exc
