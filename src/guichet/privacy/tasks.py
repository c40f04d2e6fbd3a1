"""Thin task adapters around the privacy services; each is safe to run twice (deleting what is due
is idempotent, notices and emails are recorded before they go out)."""

from __future__ import annotations

from django.tasks import task

from guichet.privacy.inactivity import inactivity_run
from guichet.privacy.retention import retention_sweep
from guichet.privacy.statement_versions import statement_notify_pending


@task
def retention_sweep_task() -> dict[str, int]:
    return {result.rule: result.count for result in retention_sweep()}


@task
def session_cleanup_task() -> int:
    """Expired sessions more often than nightly: server-side session content is not kept (P22)."""
    return sum(result.count for result in retention_sweep(only=["sessions.Session"], trigger="session_cleanup"))


@task
def inactivity_lifecycle_task() -> dict[str, int]:
    """Daily: notify inactive accounts, erase those whose notice went unanswered (P31)."""
    return inactivity_run().counts()


@task
def statement_notices_task() -> int:
    """Every 15 minutes: email the summary of a newly published statement version to every
    account not emailed yet (P35); resumes where a crashed run stopped, never emails twice."""
    return statement_notify_pending()
