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


LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


@checks.register(checks.Tags.security)
def check_email_transport(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """P16: email leaves the machine encrypted. Plain SMTP is allowed only to a relay on loopback
    (which then sends on with TLS); any other host without STARTTLS or SSL stops start-up."""
    mailer: dict[str, Any] = settings.MAILERS.get("default", {})
    if not str(mailer.get("BACKEND", "")).endswith("smtp.EmailBackend"):
        return []
    options: dict[str, Any] = mailer.get("OPTIONS", {})
    encrypted = bool(options.get("use_tls") or options.get("use_ssl"))
    host = str(options.get("host", "localhost")).strip("[]").lower()
    if encrypted or host in LOOPBACK_HOSTS:
        return []
    return [
        checks.Error(
            f"Email to {host} would travel unencrypted.",
            hint="Set GUICHET_EMAIL_USE_TLS=1, or send through a relay on loopback.",
            id="guichet.E003",
        )
    ]
