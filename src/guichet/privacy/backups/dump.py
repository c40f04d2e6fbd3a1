"""Consistent database dumps without data keys, and loading them into an empty database.

SQLite: the online backup API copies the live database (WAL included) page by page into a
temporary file under one read transaction; in that copy the wrapped data keys are set to NULL,
with ``secure_delete`` and ``VACUUM`` so no old page keeps them.

PostgreSQL: one ``REPEATABLE READ`` transaction exports its snapshot; under it the row counts are
taken, the data keys are listed without their wrapped bytes, and ``pg_dump --format=custom
--snapshot=... --exclude-table-data=core_datakey`` writes the dump (streamed to a file by
pg_dump itself). A restore runs ``pg_restore`` section by section: schema, data, then the key
rows (ids from the listing, wrapped keys from the key-store snapshot), then indexes, constraints
and triggers, so the foreign keys to ``core_datakey`` hold when they are created.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
from django.db import connections
from django.db.utils import load_backend

KEY_TABLE = "core_datakey"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
KEY_LISTING_MEMBER = "datakeys.jsonl"


class RestoreRefused(Exception):
    """The restore cannot go ahead (non-empty target, stale keys, missing backup, ...)."""


@dataclass
class DatabaseDump:
    vendor: str
    path: Path
    member: str
    tables: dict[str, int]
    key_listing: Path | None = None


# --- Targets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A database to restore into, as a Django settings dict (normalised like ``DATABASES``)."""

    settings: dict[str, Any]

    @property
    def vendor(self) -> str:
        return "sqlite" if "sqlite" in self.settings["ENGINE"] else "postgresql"

    @property
    def label(self) -> str:
        if self.vendor == "sqlite":
            return str(self.settings["NAME"])
        return f"postgresql://{self.settings.get('HOST') or 'localhost'}/{self.settings['NAME']}"


def default_target() -> Target:
    return Target(dict(connections["default"].settings_dict))


def target_from_url(url: str) -> Target:
    """A target from a database URL (``sqlite:////path`` or ``postgres://...``), with the
    default database's options for everything the URL does not say."""
    parsed = dj_database_url.parse(url)
    base = dict(connections["default"].settings_dict)
    if parsed["ENGINE"] != base["ENGINE"]:
        base["OPTIONS"] = {}
    base.update({key: parsed.get(key, "") for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")})
    base["TEST"] = {**base.get("TEST", {}), "NAME": None}
    return Target(base)


def sqlite_target(path: Path) -> Target:
    base = dict(connections["default"].settings_dict)
    base.update({"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)})
    if "sqlite" not in connections["default"].settings_dict["ENGINE"]:
        base["OPTIONS"] = {}
    return Target(base)


@contextlib.contextmanager
def target_alias(target: Target) -> Iterator[str]:
    """A temporary connection alias for ``target``, so the ORM can work on the restored data."""
    alias = f"guichet_restore_{uuid.uuid4().hex[:12]}"
    # A connection of this thread only, not added to the settings: Django treats it as created
    # on the fly (the test runner allows those too).
    connection = load_backend(target.settings["ENGINE"]).DatabaseWrapper(dict(target.settings), alias)
    connections[alias] = connection
    try:
        yield alias
    finally:
        with contextlib.suppress(Exception):
            connection.close()
        with contextlib.suppress(Exception):
            del connections[alias]


def _pg_env(settings: dict[str, Any]) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGCONNECT_TIMEOUT": "15"}
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings.get(key):
            env[name] = str(settings[key])
    sslmode = (settings.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env


def _pg_connect(settings: dict[str, Any], *, dbname: str | None = None) -> Any:
    import psycopg

    return psycopg.connect(
        dbname=dbname or settings["NAME"],
        user=settings.get("USER") or None,
        password=settings.get("PASSWORD") or None,
        host=settings.get("HOST") or None,
        port=settings.get("PORT") or None,
        sslmode=(settings.get("OPTIONS") or {}).get("sslmode") or None,
        connect_timeout=15,
    )


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RestoreRefused(f"{name} is not installed (PostgreSQL client tools are needed)")
    return path


# --- Dump --------------------------------------------------------------------------------------


def dump_database(work: Path, *, alias: str = "default") -> DatabaseDump:
    connection = connections[alias]
    if connection.vendor == "sqlite":
        return _dump_sqlite(work, alias=alias)
    if connection.vendor == "postgresql":
        return _dump_postgresql(work, settings=connection.settings_dict)
    raise RuntimeError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")


def _sqlite_counts(handle: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in handle.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {name: handle.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}  # noqa: S608


def _regexp(pattern: str | None, value: object) -> bool | None:
    # Django's check constraints use REGEXP, which only its own connections define; VACUUM re-checks them.
    if pattern is None or value is None:
        return None
    return re.search(pattern, str(value)) is not None


def _dump_sqlite(work: Path, *, alias: str) -> DatabaseDump:
    connection = connections[alias]
    connection.ensure_connection()
    target = work / SQLITE_MEMBER
    copy = sqlite3.connect(target)
    copy.create_function("REGEXP", 2, _regexp, deterministic=True)
    try:
        connection.connection.backup(copy)  # one read transaction: a consistent copy
        copy.execute("PRAGMA journal_mode=DELETE")
        copy.execute("PRAGMA secure_delete=ON")
        copy.execute(f"UPDATE {KEY_TABLE} SET wrapped = NULL")  # noqa: S608  (constant)
        copy.commit()
        copy.execute("VACUUM")  # rewrite every page: no freed page keeps a wrapped key
        tables = _sqlite_counts(copy)
    finally:
        copy.close()
    return DatabaseDump(vendor="sqlite", path=target, member=SQLITE_MEMBER, tables=tables)


def _dump_postgresql(work: Path, *, settings: dict[str, Any]) -> DatabaseDump:
    from psycopg import IsolationLevel, sql

    target = work / PG_MEMBER
    listing = work / KEY_LISTING_MEMBER
    with _pg_connect(settings) as pg:
        pg.isolation_level = IsolationLevel.REPEATABLE_READ
        pg.read_only = True
        snapshot = pg.execute("SELECT pg_export_snapshot()").fetchone()[0]
        names = [
            row[0]
            for row in pg.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
            )
        ]
        tables = {
            name: pg.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))).fetchone()[0]
            for name in names
        }
        with listing.open("w", encoding="utf-8") as handle:
            cursor = pg.cursor(name="guichet_datakeys")
            cursor.execute(
                f"SELECT id::text, master_kid, created_at, rotated_at, destroyed_at FROM {KEY_TABLE} ORDER BY id"  # noqa: S608
            )
            for key_id, master_kid, created, rotated, destroyed in cursor:
                handle.write(
                    json.dumps(
                        {
                            "id": key_id,
                            "master_kid": master_kid,
                            "created_at": created.isoformat(),
                            "rotated_at": rotated.isoformat() if rotated else None,
                            "destroyed_at": destroyed.isoformat() if destroyed else None,
                        }
                    )
                    + "\n"
                )
            cursor.close()
        command = [
            _tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--snapshot={snapshot}",
            f"--exclude-table-data={KEY_TABLE}",
            f"--file={target}",
            "--dbname",
            str(settings["NAME"]),
        ]
        result = subprocess.run(command, env=_pg_env(settings), capture_output=True, text=True, check=False)  # noqa: S603
        pg.rollback()  # read only: nothing to keep; the snapshot had to live until pg_dump finished
    if result.returncode != 0:
        raise RuntimeError(f"pg_dump failed: {result.stderr.strip()[:500]}")
    return DatabaseDump(vendor="postgresql", path=target, member=PG_MEMBER, tables=tables, key_listing=listing)


# --- Load --------------------------------------------------------------------------------------


def ensure_empty(target: Target) -> None:
    """Refuse a target that holds tables: a restore never merges into existing data."""
    if target.vendor == "sqlite":
        path = Path(target.settings["NAME"])
        if "memory" in str(path) or not path.exists() or path.stat().st_size == 0:
            if "memory" in str(path):
                raise RestoreRefused("cannot restore into an in-memory SQLite database; give a file")
            return
        with contextlib.closing(sqlite3.connect(path)) as handle:
            count = handle.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if count:
            raise RestoreRefused(
                f"the target database {path} is not empty ({count} tables); restore only into an empty database"
            )
        return
    with _pg_connect(target.settings) as pg:
        count = pg.execute("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()").fetchone()[0]
    if count:
        raise RestoreRefused(
            f"the target database {target.label} is not empty ({count} tables); "
            "create an empty database (createdb) and restore into it"
        )


def load_sqlite(dump: Path, target: Target) -> None:
    path = Path(target.settings["NAME"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(dump)) as source, contextlib.closing(sqlite3.connect(path)) as copy:
        source.backup(copy)


def pg_restore_section(dump: Path, target: Target, *, section: str) -> None:
    command = [
        _tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        f"--section={section}",
        "--dbname",
        str(target.settings["NAME"]),
        str(dump),
    ]
    result = subprocess.run(  # noqa: S603  (fixed tool, arguments from settings)
        command, env=_pg_env(target.settings), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"pg_restore ({section}) failed: {result.stderr.strip()[:800]}")


def pg_insert_key_listing(listing: Path, target: Target) -> int:
    """Tombstone rows for every data key the dump refers to; the wrapped keys come afterwards
    from the key-store snapshot."""
    count = 0
    with _pg_connect(target.settings) as pg, listing.open(encoding="utf-8") as handle:
        with pg.cursor() as cursor:
            batch: list[tuple[Any, ...]] = []
            for line in handle:
                row = json.loads(line)
                batch.append((row["id"], row["master_kid"], row["created_at"], row["rotated_at"], row["destroyed_at"]))
                if len(batch) >= 2000:
                    cursor.executemany(_PG_INSERT_KEY, batch)
                    count += len(batch)
                    batch.clear()
            if batch:
                cursor.executemany(_PG_INSERT_KEY, batch)
                count += len(batch)
        pg.commit()
    return count


_PG_INSERT_KEY = (
    f"INSERT INTO {KEY_TABLE} (id, master_kid, wrapped, created_at, rotated_at, destroyed_at) "  # noqa: S608
    "VALUES (%s, %s, NULL, %s, %s, %s)"
)


def table_counts(target: Target) -> dict[str, int]:
    if target.vendor == "sqlite":
        with contextlib.closing(sqlite3.connect(target.settings["NAME"])) as handle:
            return _sqlite_counts(handle)
    from psycopg import sql

    with _pg_connect(target.settings) as pg:
        names = [
            row[0]
            for row in pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
        ]
        return {
            name: pg.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))).fetchone()[0]
            for name in names
        }


def pg_create_database(settings: dict[str, Any], name: str) -> None:
    from psycopg import sql

    with _pg_connect(settings, dbname="postgres") as pg:
        pg.autocommit = True
        pg.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def pg_drop_database(settings: dict[str, Any], name: str) -> None:
    from psycopg import sql

    with _pg_connect(settings, dbname="postgres") as pg:
        pg.autocommit = True
        pg.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
