"""The form engine's entries in the privacy registry (P01)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from guichet.core.registry import Category, DataKind, Erasure, NotPersonal, RetentionRule, registry
from guichet.eforms.models import Draft, Submission, Upload

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


UNSUBMITTED_UPLOAD_AGE = datetime.timedelta(days=1)


def _closed_case_cutoff(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(days=settings.GUICHET_CASE_RETENTION_DAYS)


def _submissions_of_old_closed_cases(now: datetime.datetime) -> QuerySet[Submission]:
    # Deleting the submission deletes its case, the case's timeline and every stored file.
    return Submission.objects.filter(case__is_closed=True, case__closed_at__lt=_closed_case_cutoff(now))


def _orphan_uploads(now: datetime.datetime) -> QuerySet[Upload]:
    # Files of drafts that were deleted, or left behind when a later answer hid their field.
    return Upload.objects.filter(
        draft__isnull=True, submission__isnull=True, created_at__lt=now - UNSUBMITTED_UPLOAD_AGE
    )


_CASE_BASIS = _("The public-law task of the authority that handles your application")

registry.register(
    DataKind(
        model="eforms.Submission",
        category=Category.CONTENT,
        purpose=_("Hand your application to the authority and keep a receipt in your account"),
        legal_basis=_CASE_BASIS,
        fields=("answers", "fee", "submitted_at"),
        person_links=("profile",),
        retention=RetentionRule(
            name="closed_cases",
            start_event=_("the closing of the case"),
            period=datetime.timedelta(days=settings.GUICHET_CASE_RETENTION_DAYS),
            due=_submissions_of_old_closed_cases,
        ),
        erasure=Erasure.SHRED,
    ),
    DataKind(
        model="eforms.Upload",
        category=Category.CONTENT,
        purpose=_("Documents you attach to an application"),
        legal_basis=_CASE_BASIS,
        fields=("name", "content_type", "size", "sha256", "storage_name"),
        person_links=("profile", "draft", "submission"),
        retention=RetentionRule(
            name="orphan_uploads",
            start_event=_("the deletion of the draft it belonged to"),
            period=UNSUBMITTED_UPLOAD_AGE,
            due=_orphan_uploads,
        ),
        erasure=Erasure.SHRED,
    ),
)

registry.exempt(
    NotPersonal(
        model="eforms.FormVersion",
        fields=("source",),
        reason="The published text of a form: questions, not anybody's answers",
    ),
)
