"""Operator admin for accounts: status only. Personal values are not listed here; operators
work on accounts by id, and citizens manage their own data in the portal."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from guichet.accounts.models import User, email_index


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("id", "is_active", "is_staff", "date_joined", "last_login", "email_verified_at")
    list_filter = ("is_active", "is_staff")
    fields = ("is_active", "is_staff", "is_superuser", "date_joined", "last_login", "email_verified_at")
    readonly_fields = ("date_joined", "last_login", "email_verified_at")
    search_fields = ("id",)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[User], search_term: str
    ) -> tuple[QuerySet[User], bool]:
        # An exact email finds the account through the blind index; nothing else is searchable.
        if "@" in search_term:
            return queryset.filter(email_index=email_index(search_term)), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts are created by registration or load_demo, with a data key
