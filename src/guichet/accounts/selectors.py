"""Reads of account data, always scoped by the actor."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import HttpRequest

from guichet.accounts.models import Profile, User
from guichet.core.access import scoped_get
from guichet.core.actor import GUEST, Actor, citizen_actor


def actor_for_request(request: HttpRequest) -> Actor:
    """The citizen actor of a request: the account and the profile it acts as.

    Staff actors are resolved by the backoffice for its own URLs (see backoffice.selectors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return GUEST
    profile = _active_profile(user)
    return citizen_actor(user=user, profile=profile)


def _active_profile(user: User) -> Profile | None:
    if user.active_profile_id is not None:
        profile = Profile.objects.filter(pk=user.active_profile_id, owner=user).first()
        if profile is not None:
            return profile
    return Profile.objects.filter(owner=user).order_by("created_at").first()


def profile_list(*, actor: Actor) -> QuerySet[Profile]:
    if not actor.is_citizen or actor.user is None:
        return Profile.objects.none()
    return Profile.objects.filter(owner=actor.user).order_by("created_at")


def profile_get(*, actor: Actor, profile_id: uuid.UUID | str) -> Profile:
    """The actor's own profile; anything else (missing or someone else's) is a 404."""
    return scoped_get(profile_list(actor=actor), actor=actor, pk=profile_id)
