"""Multi-factor authentication: authenticator apps (TOTP), passkeys, recovery codes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guichet.accounts.models import User


def user_has_mfa(*, user: User) -> bool:
    """True once the account has a confirmed authenticator app or at least one passkey."""
    from guichet.accounts.models import Passkey, TotpDevice

    if user.pk is None:
        return False
    return (
        TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()
        or Passkey.objects.filter(user=user).exists()
    )


__all__ = ["user_has_mfa"]
