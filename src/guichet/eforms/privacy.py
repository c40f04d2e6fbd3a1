"""The form engine's entries in the privacy registry (P01)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from guichet.core.keys import data_keys_preload
from guichet.core.registry import Category, DataKind, Erasure, NotPersonal, RetentionRule, registry
from guichet.eforms.models import Draft, Submission, Upload
from guichet.privacy.export import CHUNK_SIZE, date_after, iso

if TYPE_CHECKING:
    from guichet.accounts.models import User

DRAFT_AGE = datetime.timedelta(days=180)


def _preload_keys(rows: QuerySet[Any]) -> None:
    data_keys_preload(key_ids=rows.order_by().values_list("data_key_id", flat=True).distinct())


def _profile_text(profile: Any) -> str:
    return f"{profile.get_kind_display()}: {profile.display_name}"


# --- Export (P11, P23): the account's own drafts, applications and files, of all its profiles ---


def _export_drafts(user: User) -> Iterator[dict[str, Any]]:
    drafts = Draft.objects.filter(profile__owner=user).select_related("service", "profile").order_by("updated_at", "pk")
    _preload_keys(drafts)
    for draft in drafts.iterator(chunk_size=CHUNK_SIZE):
        yield {
            "id": str(draft.pk),
            "profile": _profile_text(draft.profile),
            "service": draft.service.title_text,
            "answers": draft.answers,
            "created": iso(draft.created_at),
            "updated": iso(draft.updated_at),
            "deleted_on": date_after(draft.updated_at, DRAFT_AGE),
        }


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
        export=_export_drafts,
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


def _submission_deleted_on(submission: Submission) -> str | None:
    """When the ``closed_cases`` rule deletes the submission: known once its case is closed."""
    case = getattr(submission, "case", None)
    if case is None or not case.is_closed:
        return None
    return date_after(case.closed_at, datetime.timedelta(days=settings.GUICHET_CASE_RETENTION_DAYS))


def _export_submissions(user: User) -> Iterator[dict[str, Any]]:
    submissions = (
        Submission.objects.filter(profile__owner=user)
        .select_related("service", "profile", "case")
        .order_by("submitted_at", "pk")
    )
    _preload_keys(submissions)
    for submission in submissions.iterator(chunk_size=CHUNK_SIZE):
        case = getattr(submission, "case", None)
        yield {
            "id": str(submission.pk),
            "profile": _profile_text(submission.profile),
            "service": submission.service.title_text,
            "case": case.reference if case is not None else None,
            "submitted": iso(submission.submitted_at),
            "fee": str(submission.fee),
            "language": submission.language,
            "answers": submission.answers,
            "deleted_on": _submission_deleted_on(submission),
        }


def _export_uploads(user: User) -> Iterator[dict[str, Any]]:
    # Name, type, size and checksum of each file: the file itself stays in the account.
    uploads = (
        Upload.objects.filter(profile__owner=user)
        .select_related("profile", "draft", "submission", "submission__case")
        .defer("draft__answers", "submission__answers")
        .order_by("created_at", "pk")
    )
    _preload_keys(uploads)
    for upload in uploads.iterator(chunk_size=CHUNK_SIZE):
        if upload.submission is not None:
            deleted_on = _submission_deleted_on(upload.submission)
        elif upload.draft is not None:
            deleted_on = date_after(upload.draft.updated_at, DRAFT_AGE)
        else:
            deleted_on = date_after(upload.created_at, UNSUBMITTED_UPLOAD_AGE)
        yield {
            "id": str(upload.pk),
            "profile": _profile_text(upload.profile),
            "name": upload.name,
            "content_type": upload.content_type,
            "size": upload.size,
            "sha256": upload.sha256,
            "uploaded": iso(upload.created_at),
            "draft": str(upload.draft_id) if upload.draft_id else None,
            "submission": str(upload.submission_id) if upload.submission_id else None,
            "deleted_on": deleted_on,
        }


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
        export=_export_submissions,
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
        export=_export_uploads,
    ),
)

registry.exempt(
    NotPersonal(
        model="eforms.FormVersion",
        fields=("source",),
        reason="The published text of a form: questions, not anybody's answers",
    ),
)
