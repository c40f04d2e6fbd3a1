"""Signal receivers of the privacy app, connected in ``PrivacyConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from guichet.accounts.models import User


@receiver(user_logged_in, dispatch_uid="guichet.privacy.inactivity_reset")
def _reset_inactivity_on_login(sender: Any, user: Any, **kwargs: Any) -> None:
    """A login resets the inactivity lifecycle (P31): the pending notice no longer stands."""
    from guichet.privacy.inactivity import inactivity_reset

    if isinstance(user, User):
        inactivity_reset(user=user)
