"""The cases' entries in the privacy registry (P01). Cases are deleted with their submission
(``eforms.Submission``'s rule ``closed_cases``): that rule is the cases' retention too."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guichet.core.registry import Category, DataKind, Erasure, registry

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
    ),
)
