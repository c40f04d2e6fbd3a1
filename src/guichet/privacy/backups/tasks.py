"""Scheduled adapters (``core.schedule``): backup + prune every 12 hours, the weekly drill, and the
key-store snapshot after each erasure."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from guichet.privacy.backups import drill, engine


@task
def backup_task() -> dict[str, Any]:
    """Runs hourly; backs up when the last backup is older than ``GUICHET_BACKUP_INTERVAL_HOURS``."""
    from django.conf import settings
    from django.utils import timezone

    last = engine.last_backup()
    interval = settings.GUICHET_BACKUP_INTERVAL_HOURS * 3600
    # A little slack so an hourly job hits "every 12 hours" even when runs drift by a minute.
    if last is not None and last.ok and (timezone.now() - last.last_run_at).total_seconds() < interval - 300:
        return {"skipped": True}
    result = engine.backup_run()
    pruned = engine.backups_prune()
    return {
        "backup": result.name,
        "ok": result.ok,
        "destinations": {item.label: item.as_summary() for item in result.destinations},
        "pruned": sum(len(names) for names in pruned.deleted.values()),
    }


@task
def restore_drill_task() -> dict[str, Any]:
    result = drill.restore_drill()
    return {"ok": result.ok, "backup": result.backup, "error": result.error}


@task
def keystore_publish_task() -> dict[str, str]:
    return {item.label: item.as_summary() for item in engine.keys_publish()}
