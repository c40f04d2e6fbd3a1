"""Authenticate by email through the blind index (the address itself is stored encrypted)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from guichet.accounts.models import User


class EmailBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        email = kwargs.get("email") or username
        if not email or password is None:
            return None
        user = User.objects.find_by_email(email)
        if user is None:
            User().set_password(password)  # same work for unknown accounts: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
