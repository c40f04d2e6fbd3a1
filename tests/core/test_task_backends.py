"""The task queue is chosen by settings only: SQLite embedded, Redis for scale-out."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
from huey.contrib.djhuey import HUEY
print(type(HUEY).__name__)
HUEY.flush()
from guichet.core.tasks import send_email_task
from guichet.core.email import seal_payload
send_email_task.enqueue(payload=seal_payload({"to": "a@example.ch", "subject": "s", "text": "t", "html": "h"}))
print(HUEY.pending_count())
HUEY.flush()
"""


def _run(env_extra: dict[str, str], tmp_path: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"GUICHET_TESTING", "REDIS_URL"}}
    env.update({"GUICHET_DEBUG": "1", "GUICHET_VAR_DIR": str(tmp_path), **env_extra})
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.split()


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def test_embedded_default_queues_in_sqlite_next_to_the_database(tmp_path: Path) -> None:
    assert _run({}, tmp_path) == ["SqliteHuey", "1"]
    assert (tmp_path / "huey.sqlite3").is_file()


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis on 127.0.0.1:6379 (start redis-server to run this)")
def test_redis_url_moves_the_queue_to_redis_without_code_changes(tmp_path: Path) -> None:
    kind, pending = _run({"REDIS_URL": "redis://127.0.0.1:6379/15", "GUICHET_QUEUE_NAME": "guichet-test"}, tmp_path)
    assert kind == "PriorityRedisHuey"
    assert pending == "1"
    assert not (tmp_path / "huey.sqlite3").exists()
