"""The one schedule (periodic jobs). Only one consumer runs it; the others use ``--no-periodic``.

Each job only enqueues a django.tasks task, so the work runs with the same retries, logging and
backend as everything else, and app code never depends on huey. ``SCHEDULE`` is data so tests
can check the wiring: every job names a real task and the worker registers it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.tasks import Task
from django.utils.module_loading import import_string
from huey import crontab
from huey.contrib.djhuey import periodic_task

# (job name, crontab arguments, dotted path of the django.tasks Task it enqueues)
SCHEDULE: list[tuple[str, dict[str, str], str]] = [
    ("retention_sweep", {"minute": "15", "hour": "3"}, "guichet.privacy.tasks.retention_sweep_task"),
    ("session_cleanup", {"minute": "40", "hour": "*"}, "guichet.privacy.tasks.session_cleanup_task"),
    ("appointment_reminders", {"minute": "*/10"}, "guichet.appointments.tasks.send_reminders_task"),
    ("access_log_aggregate", {"minute": "5", "hour": "1"}, "guichet.privacy.access.tasks.aggregate_access_log_task"),
    ("inactivity_lifecycle", {"minute": "30", "hour": "4"}, "guichet.privacy.tasks.inactivity_lifecycle_task"),
    ("statement_notices", {"minute": "*/15"}, "guichet.privacy.tasks.statement_notices_task"),
    # Hourly check; a backup (and prune) runs once the last one is GUICHET_BACKUP_INTERVAL_HOURS old.
    ("backup", {"minute": "50", "hour": "*"}, "guichet.privacy.backups.tasks.backup_task"),
    (
        "restore_drill",
        {"minute": "20", "hour": "5", "day_of_week": "0"},
        "guichet.privacy.backups.tasks.restore_drill_task",
    ),
]


def _enqueuer(task_path: str) -> Callable[[], None]:
    def job() -> None:
        task: Task = import_string(task_path)  # resolved late: no import cycles at worker start
        task.enqueue()

    return job


def _register() -> dict[str, Any]:
    jobs: dict[str, Any] = {}
    for name, spec, task_path in SCHEDULE:
        jobs[name] = periodic_task(crontab(**spec), name=name)(_enqueuer(task_path))
    return jobs


JOBS = _register()
