"""The raw access log for operators (P05): read-only, and every look at it is audited.

Only accounts that may enter the admin (operators) and hold the view permission (superusers
do) see it; staff of authorities and citizens never do. The statistics page shows the totals.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from guichet.core.actor import Actor, ActorKind
from guichet.core.audit import audit_record
from guichet.core.models import AuditEvent
from guichet.privacy.access.entries import KNOWN_GROUPS, STATUS_CLASSES
from guichet.privacy.access.models import AccessLogEntry


class StatusClassFilter(admin.SimpleListFilter):
    title = _("status class")
    parameter_name = "status_class"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(klass, klass) for klass in STATUS_CLASSES[1:]]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value in STATUS_CLASSES:
            first = int(value[0]) * 100
            return queryset.filter(status__gte=first, status__lt=first + 100)
        return queryset


class SectionFilter(admin.SimpleListFilter):
    title = _("section")
    parameter_name = "section"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(group, group) for group in ("/static/", *KNOWN_GROUPS)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value in ("/static/", *KNOWN_GROUPS):
            return queryset.filter(path__startswith=value)
        return queryset


def _operator(request: HttpRequest) -> Actor:
    # There is no operator actor kind: an operator acts on the system itself.
    return Actor(kind=ActorKind.SYSTEM, user=request.user)  # type: ignore[arg-type]


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    list_display = ("requested_at", "status", "path", "bytes_sent", "browser", "os", "referrer", "ip")
    list_filter = (StatusClassFilter, SectionFilter)
    search_fields = ("ip", "path")
    search_help_text = _("An IP address (exact) or part of a path.")
    date_hierarchy = "requested_at"
    list_per_page = 100
    show_full_result_count = False  # a week of traffic: no COUNT(*) over the whole table per page
    change_list_template = "admin/access_log/accesslogentry/change_list.html"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        """An address finds its requests exactly; anything else searches the paths. (Left to the
        admin, text that is no address would be compared with the address column, and
        PostgreSQL refuses that with an error.)"""
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            address = str(ipaddress.ip_address(term))
        except ValueError:
            return queryset.filter(path__icontains=term), False
        return queryset.filter(ip=address), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # entries go by the retention sweep only

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "raw_days": settings.GUICHET_ACCESS_LOG_RAW_DAYS}
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200 and self.has_view_permission(request):
            # Who looked, not what they searched for: a search term may be an address.
            audit_record(
                actor=_operator(request),
                action=AuditEvent.Action.VIEW,
                object_type=AccessLogEntry._meta.label_lower,
                detail={"view": "list"},
            )
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and self.has_view_permission(request):
            audit_record(
                actor=_operator(request),
                action=AuditEvent.Action.VIEW,
                object_type=AccessLogEntry._meta.label_lower,
                detail={"view": "entry", "entry": str(object_id)},
            )
        return response
