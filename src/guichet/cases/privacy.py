"""The cases' entries in the privacy registry (P01). Cases are deleted with their submission
(``eforms.Submission``'s rule ``closed_cases``): that rule is the cases' retention too."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from guichet.cases.models import Case, CaseAttachment, CaseEvent
from guichet.core.keys import data_keys_preload
from guichet.core.registry import Category, DataKind, Erasure, registry
from guichet.eforms.models import FormVersion
from guichet.eforms.versions import definition_of
from guichet.privacy.export import CHUNK_SIZE, date_after, iso

if TYPE_CHECKING:
    from guichet.accounts.models import User

#: the submission is joined for its form version's id only: the form's source (the workflow that
#: names the statuses) is read once per form version, not once per row
_CASE_RELATED = ("service", "authority", "profile", "submission")


def _deleted_on(case: Case) -> str | None:
    """A case goes with its submission: ``GUICHET_CASE_RETENTION_DAYS`` after it was closed."""
    if not case.is_closed:
        return None
    return date_after(case.closed_at, datetime.timedelta(days=settings.GUICHET_CASE_RETENTION_DAYS))


class _StatusNames:
    """A status key in the citizen's words, per form version (as ``cases.workflow.status_label``)."""

    def __init__(self) -> None:
        self.versions: dict[int, FormVersion] = {}
        self.language = get_language() or "de"

    def __call__(self, case: Case, key: str) -> str:
        if not key:
            return ""
        version_id = case.submission.form_version_id
        if version_id not in self.versions:
            self.versions[version_id] = FormVersion.objects.get(pk=version_id)
        status = definition_of(self.versions[version_id]).status(key)
        return status.label_text(self.language) if status is not None else key


# --- Export (P11, P23): what the citizen sees of their cases, never internal notes or statuses ---


def _export_cases(user: User) -> Iterator[dict[str, Any]]:
    cases = (
        Case.objects.filter(profile__owner=user)
        .select_related(*_CASE_RELATED)
        .defer("submission__answers")
        .order_by("opened_at", "pk")
    )
    data_keys_preload(key_ids=cases.order_by().values_list("data_key_id", flat=True).distinct())
    _status = _StatusNames()
    for case in cases.iterator(chunk_size=CHUNK_SIZE):
        yield {
            "reference": case.reference,
            "profile": f"{case.profile.get_kind_display()}: {case.profile.display_name}",
            "service": case.service.title_text,
            "authority": case.authority.name,
            "status": _status(case, case.public_status),
            "closed": case.is_closed,
            "submitted": iso(case.opened_at),
            "last_change": iso(case.updated_at),
            "closed_on": iso(case.closed_at),
            "deleted_on": _deleted_on(case),
        }


def _export_case_events(user: User) -> Iterator[dict[str, Any]]:
    events = (
        CaseEvent.objects.filter(case__profile__owner=user, visible=True)
        .select_related("case", "case__submission")
        .defer("case__submission__answers")
        .order_by("case__opened_at", "case_id", "at", "pk")
    )
    data_keys_preload(key_ids=events.order_by().values_list("data_key_id", flat=True).distinct())
    _status = _StatusNames()
    for event in events.iterator(chunk_size=CHUNK_SIZE):
        yield {
            "case": event.case.reference,
            "at": iso(event.at),
            "what": str(event.get_kind_display()),
            "status": _status(event.case, event.status),
            "by": str(event.get_author_kind_display()),
            "text": event.text,
            "deleted_on": _deleted_on(event.case),
        }


def _export_case_attachments(user: User) -> Iterator[dict[str, Any]]:
    # Name, type and size of each document: the files themselves stay in the account.
    attachments = (
        CaseAttachment.objects.filter(case__profile__owner=user)
        .filter(Q(event__isnull=True) | Q(event__visible=True))
        .select_related("case")
        .order_by("created_at", "pk")
    )
    data_keys_preload(key_ids=attachments.order_by().values_list("data_key_id", flat=True).distinct())
    for attachment in attachments.iterator(chunk_size=CHUNK_SIZE):
        yield {
            "case": attachment.case.reference,
            "name": attachment.name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "added": iso(attachment.created_at),
            "deleted_on": _deleted_on(attachment.case),
        }


_BASIS = _("The public-law task of the authority that handles your application")
_WITH_SUBMISSION = _("as long as the submission it belongs to")

registry.register(
    DataKind(
        model="cases.Case",
        category=Category.CONTENT,
        purpose=_("Let the authority process your application and let you follow its progress"),
        legal_basis=_BASIS,
        fields=("reference", "status", "public_status", "opened_at", "updated_at", "closed_at"),
        person_links=("profile", "submission", "assignee"),
        retention_text=_WITH_SUBMISSION,
        erasure=Erasure.SHRED,
        export=_export_cases,
    ),
    DataKind(
        model="cases.CaseEvent",
        category=Category.CONTENT,
        purpose=_("The history of your case: status changes, requests, your replies, the authority's notes"),
        legal_basis=_BASIS,
        fields=("text", "status", "at"),
        person_links=("case", "author"),
        retention_text=_WITH_SUBMISSION,
        erasure=Erasure.SHRED,
        export=_export_case_events,
    ),
    DataKind(
        model="cases.CaseAttachment",
        category=Category.CONTENT,
        purpose=_("Documents you add to a running case"),
        legal_basis=_BASIS,
        fields=("name", "content_type", "size", "sha256", "storage_name"),
        person_links=("case", "event"),
        retention_text=_WITH_SUBMISSION,
        erasure=Erasure.SHRED,
        export=_export_case_attachments,
    ),
)
