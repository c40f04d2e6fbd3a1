"""Thin task adapters around the retention engine; safe to run twice (deleting what is due is idempotent)."""

from __future__ import annotations

from django.tasks import task

from guichet.privacy.retention import retention_sweep


@task
def retention_sweep_task() -> dict[str, int]:
    return {result.rule: result.count for result in retention_sweep()}


@task
def session_cleanup_task() -> int:
    """Expired sessions more often than nightly: server-side session content is not kept (P22)."""
    return sum(result.count for result in retention_sweep(only=["sessions.Session"], trigger="session_cleanup"))
