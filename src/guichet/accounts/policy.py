"""Who may do what with account data (citizen side).

Views ask this module; selectors and services enforce the same rules on the data they touch,
so a forgotten check in a view still cannot leak or change someone else's profile.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from guichet.accounts.models import Profile
from guichet.core.actor import Actor
from guichet.core.middleware import request_actor

ViewFunc = Callable[..., HttpResponseBase]

#: Profile kinds an account holder may add and remove themselves. The private profile is
#: created at registration and lives as long as the account.
CREATABLE_KINDS: tuple[str, ...] = (Profile.Kind.BUSINESS, Profile.Kind.ORGANISATION)


def citizen_required(view: ViewFunc) -> ViewFunc:
    """Log-in required for the citizen area: guests go to the login page (and come back)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        actor = request_actor(request)
        if actor.is_guest:
            return redirect_to_login(request.get_full_path())
        if not actor.is_citizen:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def owns(actor: Actor, profile: Profile) -> bool:
    return actor.is_citizen and actor.user is not None and profile.owner_id == actor.user.pk


def can_create_profile(actor: Actor, kind: str) -> bool:
    return actor.is_citizen and kind in CREATABLE_KINDS


def can_edit_profile(actor: Actor, profile: Profile) -> bool:
    return owns(actor, profile)


def can_delete_profile(actor: Actor, profile: Profile) -> bool:
    return owns(actor, profile) and profile.kind != Profile.Kind.PRIVATE


def can_activate_profile(actor: Actor, profile: Profile) -> bool:
    return owns(actor, profile)
