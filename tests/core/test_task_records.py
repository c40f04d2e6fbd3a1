"""The queue keeps no record of a task that succeeded (no unbounded growth, no stale arguments)."""

from __future__ import annotations

import pytest
from huey.constants import EmptyData
from huey.contrib.djhuey import HUEY
from huey.contrib.djhuey.tasks_backend import KEY, HueyBackend

from guichet.privacy.tasks import session_cleanup_task


@pytest.fixture
def huey_backend() -> HueyBackend:
    assert HUEY.immediate, "tests run huey in immediate mode (GUICHET_TESTING)"
    return HueyBackend(alias="default", params={"OPTIONS": {}})


@pytest.mark.django_db(transaction=True)
def test_a_successful_task_leaves_no_record_behind(huey_backend: HueyBackend) -> None:
    result = huey_backend.enqueue(session_cleanup_task, (), {})
    assert HUEY.storage.peek_data(KEY % result.id) is EmptyData


@pytest.mark.django_db(transaction=True)
def test_a_failed_task_keeps_its_record_for_the_operator(
    huey_backend: HueyBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: object) -> list[object]:
        raise RuntimeError("database gone")

    monkeypatch.setattr("guichet.privacy.tasks.retention_sweep", broken)
    try:
        result = huey_backend.enqueue(session_cleanup_task, (), {})
    except RuntimeError:
        pytest.fail("huey in immediate mode records failures instead of raising")
    record = HUEY.storage.peek_data(KEY % result.id)
    assert record is not EmptyData
    assert huey_backend.get_result(result.id).status == "FAILED"
