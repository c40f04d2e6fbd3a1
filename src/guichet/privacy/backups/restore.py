"""Restore a backup into an empty database, with the newest keys, then replay the deletion log.

1. The target must be empty (a restore never merges).
2. The keys: the newest key-store snapshot found on any destination. It must not be older than
   the newest entry of the deletion log (the union of the local log and every destination's
   copy): such a snapshot could hold keys destroyed since.
3. The backup is downloaded from the first destination that holds it and can be decrypted,
   unpacked into a staging folder and checked against its manifest (SHA-256 of every member).
4. The database is loaded, the wrapped keys are put back from the snapshot (keys missing from
   it stay destroyed), and the row count of every table is compared with the manifest.
5. Stored files go back into the file storage.
6. The deletion log is replayed: the data keys it names are destroyed and the rows and accounts
   it names are deleted again, so a person erased after the backup stays erased.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import shutil
import tarfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.db import DatabaseError, connections, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone

from guichet.core.models import DataKey
from guichet.privacy.backups import deletion_log, dump, engine, keystore
from guichet.privacy.backups.archive import ArchiveError, DecryptingReader, Kind
from guichet.privacy.backups.destinations import Destination, DestinationSpec, opened
from guichet.privacy.backups.dump import RestoreRefused, Target

logger = logging.getLogger("guichet.backups")

_BATCH = 1000


class VerificationFailed(Exception):
    """The restored data does not match what the backup recorded."""


@dataclass
class RestoreReport:
    backup: str
    created_at: datetime.datetime
    source: str
    target: str
    tables: dict[str, int]
    files: int
    keys_snapshot: str
    keys_restored: int
    keys_destroyed: int
    replayed: int = 0
    replay_problems: list[str] = field(default_factory=list)
    stripped_kinds: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.replay_problems


# --- Finding the pieces ------------------------------------------------------------------------


def _resolve(backup: str, listing: engine.Listing) -> engine.BackupEntry:
    wanted = backup.strip().removesuffix(".gbk").lower()
    if not listing.backups:
        raise RestoreRefused("no backup was found on any destination")
    if wanted in {"latest", "newest"}:
        return listing.backups[0]
    matches = [
        entry
        for entry in listing.backups
        if entry.backup_id.startswith(wanted.replace("-", "")) or entry.name.lower().removesuffix(".gbk") == wanted
    ]
    if not matches:
        raise RestoreRefused(f"no backup {backup!r} on any destination (see manage.py backups)")
    if len(matches) > 1:
        raise RestoreRefused(f"{backup!r} names {len(matches)} backups; give more of its id")
    return matches[0]


def _read_log_copies(destinations: list[tuple[DestinationSpec, Destination | Exception]], work: Path) -> list[Any]:
    copies: list[Any] = []
    for spec, destination in destinations:
        if isinstance(destination, Exception):
            continue
        try:
            with engine.downloaded(destination, engine.LOG_COPY_NAME, work) as path, path.open("rb") as handle:
                reader = DecryptingReader(handle, expect_kind=Kind.DELETION_LOG)
                text = b"".join(reader.chunks()).decode("utf-8")
            copies.append(list(deletion_log.parse(text.splitlines())))
        except Exception as exc:  # a missing copy is normal on a fresh destination
            logger.info("no readable deletion-log copy on %s: %s", spec.label, type(exc).__name__)
    return copies


def _newest_snapshot(
    destinations: list[tuple[DestinationSpec, Destination | Exception]],
) -> list[tuple[str, str, Destination]]:
    """(stamp, name, destination) of every snapshot, newest first."""
    found: list[tuple[str, str, Destination]] = []
    for _spec, destination in destinations:
        if isinstance(destination, Exception):
            continue
        try:
            items = destination.list()
        except Exception:  # noqa: S112  (an unreachable destination is simply not asked)
            continue
        for item in items:
            match = engine.KEYS_NAME_RE.fullmatch(item.name)
            if match is not None:
                found.append((match["stamp"], item.name, destination))
    return sorted(found, key=lambda item: item[0], reverse=True)


# --- Unpacking ---------------------------------------------------------------------------------


def _safe_member(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ArchiveError(f"unsafe member name in backup: {name!r}")
    return path


def unpack(archive: Path, staging: Path, *, backup_id: str | None = None) -> dict[str, Any]:
    """Decrypt and unpack ``archive`` into ``staging``; returns its manifest once every member's
    SHA-256 matched it."""
    digests: dict[str, tuple[int, str]] = {}
    manifest: dict[str, Any] | None = None
    with archive.open("rb") as handle:
        reader = DecryptingReader(handle, expect_kind=Kind.BACKUP)
        if backup_id is not None and reader.header.artefact_id.hex != backup_id:
            raise ArchiveError("the file holds another backup than its name says")
        with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
            for member in tar:
                if not member.isfile():
                    raise ArchiveError(f"unexpected member in backup: {member.name!r}")
                relative = _safe_member(member.name)
                source = tar.extractfile(member)
                assert source is not None
                if member.name == engine.MANIFEST_MEMBER:
                    manifest = json.loads(source.read())
                    continue
                target = staging.joinpath(*relative.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                size = 0
                with target.open("wb") as out:
                    while chunk := source.read(1024 * 1024):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
                digests[member.name] = (size, digest.hexdigest())
    if manifest is None:
        raise VerificationFailed("the backup has no manifest")
    if backup_id is not None and manifest.get("backup_id", "").replace("-", "") != backup_id:
        raise VerificationFailed("the manifest belongs to another backup")
    expected = {name: (item["size"], item["sha256"]) for name, item in manifest["members"].items()}
    if expected != digests:
        wrong = sorted(set(expected.items()) ^ set(digests.items()))
        raise VerificationFailed(f"{len(wrong)} member(s) do not match the manifest, e.g. {wrong[0][0]}")
    return manifest


# --- Keys and replay -----------------------------------------------------------------------------


def _apply_keys(alias: str, rows: Iterable[keystore.KeyRow]) -> tuple[int, int]:
    """Put the wrapped keys of the snapshot back; keys it lacks stay destroyed. Returns (live
    keys restored, keys left destroyed)."""
    restored = 0
    batch: list[keystore.KeyRow] = []

    def flush() -> int:
        present = {
            str(pk)
            for pk in DataKey.objects.using(alias).filter(pk__in=[row.id for row in batch]).values_list("pk", flat=True)
        }
        changed = 0
        for row in batch:
            if row.id not in present:
                continue  # created after the backup: no data of the backup needs it
            DataKey.objects.using(alias).filter(pk=row.id).update(
                master_kid=row.master_kid,
                wrapped=row.wrapped,
                rotated_at=datetime.datetime.fromisoformat(row.rotated_at) if row.rotated_at else None,
                destroyed_at=datetime.datetime.fromisoformat(row.destroyed_at) if row.destroyed_at else None,
            )
            changed += row.wrapped is not None
        batch.clear()
        return changed

    with transaction.atomic(using=alias):
        for row in rows:
            batch.append(row)
            if len(batch) >= _BATCH:
                restored += flush()
        if batch:
            restored += flush()
        # Whatever the snapshot did not hold has no key anywhere: mark it destroyed.
        DataKey.objects.using(alias).filter(wrapped__isnull=True, destroyed_at__isnull=True).update(
            destroyed_at=timezone.now()
        )
    return restored, DataKey.objects.using(alias).filter(wrapped__isnull=True).count()


def replay(alias: str, entries: Iterable[deletion_log.Entry]) -> tuple[int, list[str]]:
    """Erase again, in the restored database, everything the deletion log names."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    count = 0
    problems: list[str] = []
    for entry in entries:
        try:
            with transaction.atomic(using=alias):
                if entry.user:
                    user_model._default_manager.using(alias).filter(pk=entry.user).delete()
                for label, pks in entry.rows.items():
                    try:
                        model = apps.get_model(label)
                    except LookupError:
                        continue  # a data kind that no longer exists
                    model._default_manager.using(alias).filter(pk__in=list(pks)).delete()
                DataKey.objects.using(alias).filter(pk__in=list(entry.data_keys), wrapped__isnull=False).update(
                    wrapped=None, destroyed_at=entry.at
                )
        except (DatabaseError, ProtectedError, RestrictedError, ValueError) as exc:
            logger.exception("replaying deletion log entry %s failed", entry.id)
            problems.append(f"{entry.id} ({entry.kind}): {type(exc).__name__}")
            continue
        count += 1
    return count, problems


def _is_default(target: Target) -> bool:
    default = connections["default"].settings_dict
    return target.settings["ENGINE"] == default["ENGINE"] and str(target.settings["NAME"]) == str(default["NAME"])


# --- Public API --------------------------------------------------------------------------------


def restore_run(
    *,
    backup: str,
    target: Target | None = None,
    files_dir: Path | None = None,
    specs: list[DestinationSpec] | None = None,
    replay_log: bool = True,
    work: Path,
) -> RestoreReport:
    """Restore ``backup`` (an id, a prefix of it, a file name or ``latest``) into ``target``
    (default: the configured database, which must be empty). ``files_dir`` receives the stored
    files (default: the folder of the default storage). Raises ``RestoreRefused``,
    ``ArchiveError`` (tampered file or wrong master key) or ``VerificationFailed``."""
    target = target or dump.default_target()
    files_dir = files_dir if files_dir is not None else engine.files_root()
    dump.ensure_empty(target)
    listing = engine.backups_list(specs=specs)
    entry = _resolve(backup, listing)

    with opened(engine._specs(specs)) as destinations:
        # Keys first: refuse before any work if they are stale.
        log_entries = deletion_log.merge(deletion_log.read_local(), *_read_log_copies(destinations, work))
        snapshots = _newest_snapshot(destinations)
        if not snapshots:
            raise RestoreRefused("no key-store snapshot was found on any destination")
        snapshot_path = work / "keys.gbk"
        header = None
        snapshot_name = ""
        for _stamp, name, destination in snapshots:
            try:
                with snapshot_path.open("wb") as handle:
                    destination.get(name, handle)
                with snapshot_path.open("rb") as handle:
                    candidate, rows = keystore.snapshot_rows(handle)
                    for _row in rows:  # read it all: every segment must pass its integrity check
                        pass
                header, snapshot_name = candidate, name
                break
            except Exception as exc:
                logger.warning("key-store snapshot %s on %s unusable: %s", name, destination.spec.label, exc)
        if header is None:
            raise RestoreRefused("no key-store snapshot could be read (is GUICHET_MASTER_KEYS right?)")
        if log_entries and header.created_at < log_entries[-1].at:
            raise RestoreRefused(
                f"the newest key-store snapshot ({header.created_at:%Y-%m-%d %H:%M} UTC) is older than the last "
                f"erasure ({log_entries[-1].at:%Y-%m-%d %H:%M} UTC): it may hold keys destroyed since. Run "
                "`manage.py backup` on the old system, or restore the snapshot written after the erasure."
            )

        # The backup itself, from the first destination that holds a sound copy.
        staging = work / "staging"
        manifest: dict[str, Any] | None = None
        source = ""
        errors: list[str] = []
        for spec, holder in destinations:
            if isinstance(holder, Exception) or spec.label not in entry.destinations:
                continue
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            try:
                with engine.downloaded(holder, entry.name, work) as archive:
                    manifest = unpack(archive, staging, backup_id=entry.backup_id)
                source = spec.label
                break
            except (ArchiveError, VerificationFailed) as exc:
                errors.append(f"{spec.label}: {exc}")
                logger.warning("backup %s on %s refused: %s", entry.name, spec.label, exc)
            except Exception as exc:
                errors.append(f"{spec.label}: {type(exc).__name__}: {exc}")
        if manifest is None:
            raise ArchiveError("no sound copy of the backup could be read: " + "; ".join(errors))

    if manifest["vendor"] != target.vendor:
        raise RestoreRefused(f"the backup is of a {manifest['vendor']} database; the target is {target.vendor}")
    database = staging / manifest["database"]

    if target.vendor == "sqlite":
        dump.load_sqlite(database, target)
    else:
        dump.pg_restore_section(database, target, section="pre-data")
        dump.pg_restore_section(database, target, section="data")
        dump.pg_insert_key_listing(staging / dump.KEY_LISTING_MEMBER, target)

    with target_alias_for(target) as alias:
        with snapshot_path.open("rb") as handle:
            _header, rows = keystore.snapshot_rows(handle)
            restored, destroyed = _apply_keys(alias, rows)
        connections[alias].close()
        if target.vendor == "postgresql":
            # Indexes, constraints and triggers last: the key rows are complete now.
            dump.pg_restore_section(database, target, section="post-data")
        database.unlink()
        tables = dump.table_counts(target)
        if tables != manifest["tables"]:
            wrong = sorted(
                name
                for name in set(tables) | set(manifest["tables"])
                if tables.get(name) != manifest["tables"].get(name)
            )
            raise VerificationFailed(f"row counts differ from the manifest in {', '.join(wrong[:5])}")

        files = 0
        files_source = staging / engine.FILES_PREFIX.rstrip("/")
        if files_dir is not None and files_source.is_dir():
            for path in sorted(files_source.rglob("*")):
                if path.is_file():
                    destination_path = files_dir / path.relative_to(files_source)
                    destination_path.parent.mkdir(parents=True, exist_ok=True)
                    if not destination_path.exists():
                        shutil.move(path, destination_path)
                    files += 1

        report = RestoreReport(
            backup=entry.name,
            created_at=entry.created_at,
            source=source,
            target=target.label,
            tables=tables,
            files=files,
            keys_snapshot=snapshot_name,
            keys_restored=restored,
            keys_destroyed=destroyed,
        )
        if replay_log:
            report.replayed, report.replay_problems = replay(alias, log_entries)
            report.stripped_kinds = sorted({label for item in log_entries for label in item.stripped})
    if replay_log and report.stripped_kinds and _is_default(target):
        # Stripped rows (e.g. bookings past 30 days) are due by definition: strip them again now.
        from guichet.privacy.retention import retention_sweep

        retention_sweep(only=report.stripped_kinds, trigger="restore")
    logger.info(
        "restored %s into %s: %d tables, %d files, %d live keys, %d log entries replayed",
        entry.name,
        target.label,
        len(tables),
        files,
        restored,
        report.replayed,
    )
    return report


target_alias_for = dump.target_alias


def new_scratch_name() -> str:
    return f"guichet_drill_{uuid.uuid4().hex[:12]}"
