"""Reads of second factors.

The account pages pass the actor; the login second step has no actor yet (the account is only
half logged in), so those reads take the account the pending login belongs to."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from guichet.accounts.models import Passkey, RecoveryCode, TotpDevice, User
from guichet.core.access import scoped_get
from guichet.core.actor import Actor


def _actor_user(actor: Actor) -> User:
    if actor.user is None or not actor.user.is_authenticated:
        raise Http404
    return actor.user


def totp_device_get(*, user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user).first()


def totp_is_active(*, user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def passkey_list(*, actor: Actor) -> QuerySet[Passkey]:
    return Passkey.objects.filter(user=_actor_user(actor)).order_by("created_at")


def passkey_get(*, actor: Actor, passkey_id: object) -> Passkey:
    """The actor's own passkey; anything else (missing or someone else's) is a 404."""
    return scoped_get(passkey_list(actor=actor), actor=actor, pk=passkey_id)


def passkey_credentials(*, user: User) -> dict[str, str]:
    """Credential id → credential data (public keys) of the account's passkeys."""
    return dict(Passkey.objects.filter(user=user).values_list("credential_id", "credential_data"))


def recovery_codes_remaining(*, user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def pending_user_get(*, user_id: object) -> User | None:
    """The active account a pending (half-finished) login belongs to."""
    try:
        return User.objects.filter(pk=uuid.UUID(str(user_id)), is_active=True).first()
    except (ValueError, TypeError):
        return None
