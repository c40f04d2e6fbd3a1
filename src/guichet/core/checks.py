"""System checks that stop a misconfigured deployment at start-up."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_master_keys(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    from guichet.core.crypto import keyring

    errors: list[checks.CheckMessage] = []
    if keyring().active_kid == "demo":
        errors.append(
            checks.Error(
                "GUICHET_MASTER_KEYS still uses the demo key.",
                hint="Generate one with `manage.py generate_master_key`.",
                id="guichet.E001",
            )
        )
    if settings.SECRET_KEY.startswith("demo-only"):
        errors.append(checks.Error("GUICHET_SECRET_KEY still uses the demo value.", id="guichet.E002"))
    return errors
