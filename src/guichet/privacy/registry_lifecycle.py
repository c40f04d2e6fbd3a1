"""Registry entries of the account lifecycle (P01): objections to a new version of the privacy
statement (P35) and the notice before an inactive account is deleted (P31)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from guichet.core.registry import Category, DataKind, Erasure, NotPersonal, registry
from guichet.privacy.export import iso
from guichet.privacy.models import InactivityNotice, StatementObjection

if TYPE_CHECKING:
    from guichet.accounts.models import User


def _export_objections(user: User) -> Iterator[dict[str, Any]]:
    objections = StatementObjection.objects.filter(user=user).select_related("version").order_by("at", "pk")
    for objection in objections:
        yield {
            "statement_version": objection.version.version,
            "objected": iso(objection.at),
            "version_takes_effect": iso(objection.version.effective_at),
            "deleted_on": None,
        }


def _export_inactivity_notice(user: User) -> Iterator[dict[str, Any]]:
    # Deleted at every login, so an export (which needs a login) rarely finds one.
    for notice in InactivityNotice.objects.filter(user=user):
        yield {"sent": iso(notice.sent_at), "account_deleted_after": iso(notice.erase_after), "deleted_on": None}


registry.register(
    DataKind(
        model="privacy.StatementObjection",
        category=Category.CONTENT,
        purpose=_(
            "Record that you objected to a change of the privacy statement, so the previous version applies to you"
        ),
        legal_basis=_("Your right to object to changes of the privacy statement"),
        person_links=("user",),
        retention_text=_("while the account exists"),
        erasure=Erasure.DELETE,
        export=_export_objections,
    ),
    DataKind(
        model="privacy.InactivityNotice",
        category=Category.USAGE,
        purpose=_("Tell you before an account unused for a long time is deleted"),
        legal_basis=_("Data minimisation: accounts nobody uses are deleted (Art. 6 FADP, Art. 5 GDPR)"),
        person_links=("user",),
        retention_text=_("until your next login, or until the account is deleted"),
        erasure=Erasure.DELETE,
        export=_export_inactivity_notice,
    ),
)

registry.exempt(
    NotPersonal(
        model="privacy.StatementVersion",
        fields=("notify_cursor",),
        reason=(
            "public announcements of changes to the privacy statement, written by the operator; "
            "notify_cursor is the opaque id of the last account emailed while a notification run "
            "is under way, cleared when it completes"
        ),
    ),
)
