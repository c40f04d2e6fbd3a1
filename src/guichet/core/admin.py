"""Operator admin: tenants and staff; logs are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from guichet.core.models import AuditEvent, Authority, DeletionLogEntry, ProofRun, StaffMembership


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "slug", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [StaffMembershipInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs are evidence: operators may read them, nobody edits or deletes them here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_kind", "action", "object_type", "authority")
    list_filter = ("action", "actor_kind", "authority")
    date_hierarchy = "at"


@admin.register(DeletionLogEntry)
class DeletionLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "data_kind", "rule", "count", "dry_run", "trigger")
    list_filter = ("data_kind", "dry_run", "trigger")


@admin.register(ProofRun)
class ProofRunAdmin(ReadOnlyAdmin):
    list_display = ("name", "last_run_at", "ok")
