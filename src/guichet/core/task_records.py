"""Forget the queue's record of a task once it succeeded.

The huey backend of django.tasks keeps a result record per task (arguments, status, return
value) for ``get_result``, and never expires it. Guichet does not read results of finished
tasks, so keeping them would only grow the queue store without bound and keep task arguments
around longer than needed. Failed tasks keep their record for the operator to inspect."""

from __future__ import annotations

from typing import Any

from django.tasks import TaskResult, TaskResultStatus


def forget_successful_task(sender: Any, task_result: TaskResult, **kwargs: Any) -> None:
    from huey.contrib.djhuey import HUEY
    from huey.contrib.djhuey.tasks_backend import KEY, HueyBackend

    if sender is HueyBackend and task_result.status == TaskResultStatus.SUCCESSFUL:
        HUEY.get(KEY % task_result.id)  # get() without peek removes the record
