"""Thin task adapter around the daily totals; safe to run twice (a counted day is not counted again)."""

from __future__ import annotations

from django.tasks import task

from guichet.privacy.access.services import access_log_aggregate


@task
def aggregate_access_log_task() -> list[str]:
    """Nightly (01:05, before the retention sweep at 03:15 deletes raw entries): the days counted."""
    return [day.isoformat() for day in access_log_aggregate()]
