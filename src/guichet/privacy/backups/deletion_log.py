"""The deletion log kept outside the main database: what a restore must erase again.

An append-only JSON-lines file (``GUICHET_DELETION_LOG_PATH``, by default under the var
directory), one line per erasure or key destruction, with ids only — never a name or any
content::

    {"id": "<uuid>", "at": "<ISO 8601 UTC>", "kind": "account_erasure" | "inactivity" | "retention",
     "user": "<account id or null>", "data_keys": ["<uuid>", ...],
     "rows": {"cases.Case": ["<pk>", ...], ...},      # deleted rows
     "stripped": {"appointments.Booking": [...]}}      # rows kept without the person

A copy (encrypted like a backup) goes to every destination with each backup and after each
erasure, so the log survives the loss of the server. ``restore`` replays it: it destroys those
data keys and deletes those rows in the restored database, so people erased after the backup
stay erased.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

#: the kinds written today (a new erasure trigger simply adds its own)
KINDS = ("account_erasure", "inactivity", "retention")


@dataclass(frozen=True)
class Entry:
    id: str
    at: datetime.datetime
    kind: str
    user: str | None = None
    data_keys: tuple[str, ...] = ()
    rows: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    stripped: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def as_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "at": self.at.astimezone(datetime.UTC).isoformat(),
                "kind": self.kind,
                "user": self.user,
                "data_keys": list(self.data_keys),
                "rows": {model: list(pks) for model, pks in self.rows.items()},
                "stripped": {model: list(pks) for model, pks in self.stripped.items()},
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, line: str) -> Entry:
        data = json.loads(line)
        return cls(
            id=str(data["id"]),
            at=datetime.datetime.fromisoformat(data["at"]),
            kind=str(data["kind"]),
            user=data.get("user"),
            data_keys=tuple(str(key) for key in data.get("data_keys", ())),
            rows={str(model): tuple(str(pk) for pk in pks) for model, pks in data.get("rows", {}).items()},
            stripped={str(model): tuple(str(pk) for pk in pks) for model, pks in data.get("stripped", {}).items()},
        )


def log_path() -> Path:
    return Path(settings.GUICHET_DELETION_LOG_PATH)


def _ids(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(sorted({str(value) for value in values}))


def append(
    *,
    kind: str,
    user: object | None = None,
    data_keys: Iterable[Any] = (),
    rows: Mapping[str, Iterable[Any]] | None = None,
    stripped: Mapping[str, Iterable[Any]] | None = None,
    at: datetime.datetime | None = None,
) -> Entry:
    """Append one entry now (fsync'd, under an exclusive lock: web and worker append side by side)."""
    entry = Entry(
        id=str(uuid.uuid4()),
        at=at or timezone.now(),
        kind=kind,
        user=str(user) if user is not None else None,
        data_keys=_ids(data_keys),
        rows={model: _ids(pks) for model, pks in (rows or {}).items() if pks},
        stripped={model: _ids(pks) for model, pks in (stripped or {}).items() if pks},
    )
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.write(entry.as_json() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return entry


def record_on_commit(
    *,
    kind: str,
    user: object | None = None,
    data_keys: Iterable[Any] = (),
    rows: Mapping[str, Iterable[Any]] | None = None,
    stripped: Mapping[str, Iterable[Any]] | None = None,
) -> None:
    """After the erasure commits: log it, then push a fresh key-store snapshot and log copy to the
    backup destinations, so no destination keeps a key that no longer exists for long."""
    keys, row_map = list(data_keys), {model: list(pks) for model, pks in (rows or {}).items()}
    strip_map = {model: list(pks) for model, pks in (stripped or {}).items()}

    def commit() -> None:
        append(kind=kind, user=user, data_keys=keys, rows=row_map, stripped=strip_map)
        from guichet.privacy.backups.tasks import keystore_publish_task

        keystore_publish_task.enqueue()

    transaction.on_commit(commit)


def parse(lines: Iterable[str]) -> Iterator[Entry]:
    for line in lines:
        line = line.strip()
        if line:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                yield Entry.from_json(line)


def read_local() -> list[Entry]:
    path = log_path()
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return list(parse(handle))


def write_copy(target: IO[bytes]) -> int:
    """The local log, as is, into ``target``; returns the number of bytes."""
    path = log_path()
    if not path.exists():
        return 0
    size = 0
    with path.open("rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            while chunk := handle.read(64 * 1024):
                target.write(chunk)
                size += len(chunk)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return size


def merge(*sources: Iterable[Entry]) -> list[Entry]:
    """The union of several copies of the log (local file and destinations), oldest first."""
    seen: dict[str, Entry] = {}
    for source in sources:
        for entry in source:
            seen.setdefault(entry.id, entry)
    return sorted(seen.values(), key=lambda entry: (entry.at, entry.id))
