"""The form engine's entries in the privacy registry (P01)."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from guichet.core.registry import Category, DataKind, RetentionRule, registry
from guichet.eforms.models import Draft

DRAFT_AGE = datetime.timedelta(days=180)


def _untouched_drafts(now: datetime.datetime) -> QuerySet[Draft]:
    return Draft.objects.filter(updated_at__lt=now - DRAFT_AGE)


registry.register(
    DataKind(
        model="eforms.Draft",
        category=Category.CONTENT,
        purpose=_("Keep the answers of an application you have not submitted yet, so you can continue later"),
        legal_basis=_("Necessary to provide the service you asked for"),
        fields=("answers",),
        person_links=("profile",),
        retention=RetentionRule(
            name="untouched_drafts",
            start_event=_("the last time the draft was saved"),
            period=DRAFT_AGE,
            due=_untouched_drafts,
        ),
    ),
)
