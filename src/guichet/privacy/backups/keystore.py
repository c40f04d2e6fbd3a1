"""Key-store snapshots: every data key (wrapped by the master key), apart from the database dump.

The database dump in a backup holds no wrapped data key. The keys travel in their own encrypted
snapshot, written to every destination with each backup and again after each erasure; on each
destination only the newest snapshot is kept. A restore takes the data from the chosen backup
and the keys from the newest snapshot, so a person erased after the backup has no key anywhere:
their data in the old backup is unreadable at once (crypto-shredding reaches the backups).
"""

from __future__ import annotations

import base64
import datetime
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from guichet.core.models import DataKey
from guichet.privacy.backups.archive import DecryptingReader, EncryptingWriter, Header, Kind


@dataclass(frozen=True)
class KeyRow:
    id: str
    master_kid: str
    wrapped: bytes | None
    created_at: str
    rotated_at: str | None
    destroyed_at: str | None


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def snapshot_write(target: IO[bytes], *, snapshot_id: uuid.UUID, created_at: datetime.datetime) -> int:
    """Write an encrypted snapshot of every data key into ``target``; returns the number of keys."""
    count = 0
    with EncryptingWriter(target, kind=Kind.KEYS, artefact_id=snapshot_id, created_at=created_at) as writer:
        rows = (
            DataKey.objects.order_by("pk")
            .values_list("pk", "master_kid", "wrapped", "created_at", "rotated_at", "destroyed_at")
            .iterator(chunk_size=2000)
        )
        for pk, master_kid, wrapped, created, rotated, destroyed in rows:
            line = {
                "id": str(pk),
                "master_kid": master_kid,
                "wrapped": base64.b64encode(bytes(wrapped)).decode() if wrapped is not None else None,
                "created_at": _iso(created),
                "rotated_at": _iso(rotated),
                "destroyed_at": _iso(destroyed),
            }
            writer.write((json.dumps(line, sort_keys=True) + "\n").encode())
            count += 1
    return count


def snapshot_rows(handle: IO[bytes]) -> tuple[Header, Iterator[KeyRow]]:
    """The header of a snapshot at once (so it can be checked), and its rows, verified as read."""
    reader = DecryptingReader(handle, expect_kind=Kind.KEYS)

    def rows() -> Iterator[KeyRow]:
        pending = b""
        for chunk in reader.chunks():
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                yield _row(line)
        if pending.strip():
            yield _row(pending)

    return reader.header, rows()


def _row(line: bytes) -> KeyRow:
    data = json.loads(line)
    wrapped = data.get("wrapped")
    return KeyRow(
        id=str(data["id"]),
        master_kid=str(data["master_kid"]),
        wrapped=base64.b64decode(wrapped) if wrapped else None,
        created_at=data["created_at"],
        rotated_at=data.get("rotated_at"),
        destroyed_at=data.get("destroyed_at"),
    )
