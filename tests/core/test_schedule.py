"""Deployment wiring: every scheduled job names a real task, and the worker registers it."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.tasks import Task
from django.utils.module_loading import import_string
from huey.contrib.djhuey import HUEY

from guichet.core.schedule import JOBS, SCHEDULE

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("name", "spec", "task_path"), SCHEDULE, ids=[entry[0] for entry in SCHEDULE])
def test_every_scheduled_job_names_a_django_task(name: str, spec: dict[str, str], task_path: str) -> None:
    assert isinstance(import_string(task_path), Task)


def test_the_consumer_registry_holds_every_periodic_job() -> None:
    periodic = {task_class.__name__ for task_class in HUEY._registry._periodic_tasks}
    assert {name for name, _spec, _path in SCHEDULE} <= periodic


@pytest.mark.promise("P09")
def test_retention_sweep_runs_nightly_at_quarter_past_three() -> None:
    job = JOBS["retention_sweep"].task_class()
    assert job.validate_datetime(datetime.datetime(2025, 3, 9, 3, 15))  # noqa: DTZ001  (huey passes naive UTC)
    assert not job.validate_datetime(datetime.datetime(2025, 3, 9, 3, 16))  # noqa: DTZ001
    assert not job.validate_datetime(datetime.datetime(2025, 3, 9, 15, 15))  # noqa: DTZ001


def test_a_fresh_worker_process_discovers_the_schedule() -> None:
    """What `manage.py run_huey` does at start: import every installed app's tasks module."""
    code = (
        "import django, json; django.setup();"
        "from django.utils.module_loading import autodiscover_modules; autodiscover_modules('tasks');"
        "from huey.contrib.djhuey import HUEY;"
        "print(json.dumps(sorted(t.__name__ for t in HUEY._registry._periodic_tasks)))"
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "guichet.settings", "GUICHET_TESTING": "1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert set(json.loads(out.stdout.strip().splitlines()[-1])) >= {name for name, _spec, _path in SCHEDULE}


@pytest.mark.django_db
def test_a_job_only_enqueues_its_task(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    for name, _spec, task_path in SCHEDULE:
        task = import_string(task_path)
        task.get_backend().clear()
        JOBS[name].call_local()
        (queued,) = task.get_backend().results
        assert queued.task.module_path == task_path
