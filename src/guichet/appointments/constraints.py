"""The database's own guarantee that no seat is given twice (used by migration 0002).

PostgreSQL: an exclusion constraint over the time range per counter and seat (``btree_gist``),
for every booking that is not cancelled. SQLite has no exclusion constraints; triggers refuse an
insert or update that would overlap an active booking of the same seat. SQLite runs one writer at
a time, so the trigger's check and the write cannot be interleaved by another connection."""

from __future__ import annotations

from typing import Any

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE appointments_booking ADD CONSTRAINT appointments_booking_no_overlap
       EXCLUDE USING gist (counter_id WITH =, seat WITH =, tstzrange(starts_at, blocks_until, '[)') WITH &&)
       WHERE (status <> 'cancelled')""",
]
POSTGRES_DOWN = ["ALTER TABLE appointments_booking DROP CONSTRAINT IF EXISTS appointments_booking_no_overlap"]

_SQLITE_CHECK = """
    SELECT RAISE(ABORT, 'appointments_booking_no_overlap')
    WHERE NEW.status <> 'cancelled' AND EXISTS (
        SELECT 1 FROM appointments_booking AS other
        WHERE other.counter_id = NEW.counter_id AND other.seat = NEW.seat AND other.id <> NEW.id
          AND other.status <> 'cancelled'
          AND other.starts_at < NEW.blocks_until AND NEW.starts_at < other.blocks_until
    );
"""
SQLITE_UP = [
    "CREATE TRIGGER appointments_booking_no_overlap_insert BEFORE INSERT ON appointments_booking "
    f"BEGIN {_SQLITE_CHECK} END",
    "CREATE TRIGGER appointments_booking_no_overlap_update BEFORE UPDATE OF counter_id, seat, starts_at, blocks_until, "
    f"status ON appointments_booking BEGIN {_SQLITE_CHECK} END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS appointments_booking_no_overlap_insert",
    "DROP TRIGGER IF EXISTS appointments_booking_no_overlap_update",
]


def _run(schema_editor: Any, statements: dict[str, list[str]]) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def install(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP})


def uninstall(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN})
