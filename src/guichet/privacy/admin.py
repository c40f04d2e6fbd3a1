"""Operator admin for the account lifecycle: statement versions with their objections (P35) and
pending inactivity notices (P31). Read-only: versions are published with ``manage.py
statement_publish``, objections are the account holders' own, notices belong to the nightly run."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from guichet.core.actor import Actor, ActorKind
from guichet.core.audit import audit_record
from guichet.core.models import AuditEvent
from guichet.privacy.models import InactivityNotice, StatementObjection, StatementVersion


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _account_link(user_id: Any) -> str:
    return format_html('<a href="{}">{}</a>', reverse("admin:accounts_user_change", args=[user_id]), user_id)


class StatementObjectionInline(admin.TabularInline):
    model = StatementObjection
    fields = ("account", "at")
    readonly_fields = ("account", "at")
    extra = 0
    can_delete = False
    show_change_link = True

    @admin.display(description=_("account"))
    def account(self, objection: StatementObjection) -> str:
        return _account_link(objection.user_id)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StatementVersion)
class StatementVersionAdmin(_ReadOnly):
    list_display = ("version", "published_at", "effective_at", "notified_at", "notified_count", "objection_count")
    fields = ("version", "summary", "published_at", "effective_at", "notified_at", "notified_count")
    readonly_fields = fields
    inlines = [StatementObjectionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[StatementVersion]:
        return super().get_queryset(request).annotate(objection_total=Count("objections"))

    @admin.display(description=_("objections"), ordering="objection_total")
    def objection_count(self, version: StatementVersion) -> int:
        return int(getattr(version, "objection_total", 0))


@admin.register(StatementObjection)
class StatementObjectionAdmin(_ReadOnly):
    """Whoever objected is contacted by the operator: the detail page shows the account's address,
    and opening it is recorded in the audit trail (the account holder sees it in the privacy centre)."""

    list_display = ("version", "account", "at")
    list_filter = ("version",)
    fields = ("version", "account", "contact_address", "at")
    readonly_fields = fields

    @admin.display(description=_("account"))
    def account(self, objection: StatementObjection) -> str:
        return _account_link(objection.user_id)

    @admin.display(description=_("email address"))
    def contact_address(self, objection: StatementObjection) -> str:
        return objection.user.email

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        objection = StatementObjection.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if objection is not None:
            audit_record(
                actor=Actor(kind=ActorKind.STAFF, user=request.user),  # type: ignore[arg-type]
                action=AuditEvent.Action.VIEW,
                object_type="accounts.user",
                subject_ref=str(objection.user_id),
                detail={"why": "statement objection", "version": objection.version.version},
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(InactivityNotice)
class InactivityNoticeAdmin(_ReadOnly):
    """Accounts warned by the inactivity run (P31) and when they are erased unless they log in."""

    list_display = ("account", "sent_at", "erase_after")
    fields = ("account", "sent_at", "erase_after")
    readonly_fields = fields
    date_hierarchy = "erase_after"

    @admin.display(description=_("account"))
    def account(self, notice: InactivityNotice) -> str:
        return _account_link(notice.user_id)
