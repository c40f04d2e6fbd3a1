"""System checks for the backup destinations (P07, P15)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from guichet.privacy.backups.destinations import location_problems, parse_specs


@checks.register(checks.Tags.security)
def check_backup_destinations(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        specs = parse_specs(settings.GUICHET_BACKUP_DESTINATIONS)
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="guichet.B001")]
    messages: list[checks.CheckMessage] = [
        checks.Error(problem, hint="P07: backups stay in the declared data location.", id="guichet.B002")
        for problem in location_problems(specs)
    ]
    if not specs and not settings.TESTING:
        messages.append(
            checks.Warning(
                "no backup destination is configured (GUICHET_BACKUP_DESTINATIONS): no backups are taken",
                id="guichet.B003",
            )
        )
    elif 0 < len(specs) < 3:
        messages.append(
            checks.Warning(
                f"{len(specs)} backup destination(s) configured; the privacy statement promises three (P15)",
                id="guichet.B004",
            )
        )
    return messages
