"""Backups: take one, write it to every destination, list them, delete the expired ones.

A backup is one encrypted file per destination (``guichet-<UTC time>-<id>.gbk``, see
``archive``) holding a tar stream: the database dump without data keys (``dump``), every stored
file of the default storage (already encrypted per person, see ``core.files``) and, last, a
manifest with the row count of every table and the size and SHA-256 of every member. Next to
it, each destination receives the newest key-store snapshot and a copy of the deletion log
(under ``keys/``). The file is built once in a temporary directory (memory stays constant) and
then copied to each destination; a destination that fails does not stop the others.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import logging
import re
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, storages
from django.utils import timezone

from guichet.core.models import ProofRun
from guichet.privacy.backups import deletion_log, keystore
from guichet.privacy.backups.archive import EncryptingWriter, Kind
from guichet.privacy.backups.destinations import Destination, DestinationSpec, configured_specs, opened
from guichet.privacy.backups.dump import dump_database

logger = logging.getLogger("guichet.backups")

PROOF_NAME = "backup"
MANIFEST_MEMBER = "manifest.json"
FILES_PREFIX = "files/"
LOG_COPY_NAME = "keys/deletion-log.gbk"
_STAMP = "%Y%m%dT%H%M%S%fZ"
BACKUP_NAME_RE = re.compile(r"guichet-(?P<stamp>\d{8}T\d{12}Z)-(?P<id>[0-9a-f]{32})\.gbk")
KEYS_NAME_RE = re.compile(r"keys/guichet-keys-(?P<stamp>\d{8}T\d{12}Z)-(?P<id>[0-9a-f]{32})\.gbk")


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime(_STAMP)


def _parse_stamp(stamp: str) -> datetime.datetime:
    return datetime.datetime.strptime(stamp, _STAMP).replace(tzinfo=datetime.UTC)


def backup_name(backup_id: uuid.UUID, created_at: datetime.datetime) -> str:
    return f"guichet-{_stamp(created_at)}-{backup_id.hex}.gbk"


def keys_name(snapshot_id: uuid.UUID, created_at: datetime.datetime) -> str:
    return f"keys/guichet-keys-{_stamp(created_at)}-{snapshot_id.hex}.gbk"


@dataclass(frozen=True)
class DestinationResult:
    label: str
    location: str
    ok: bool
    error: str = ""
    seconds: float = 0.0

    def as_summary(self) -> str:
        return "ok" if self.ok else f"error: {self.error}"


@dataclass(frozen=True)
class BackupResult:
    backup_id: uuid.UUID
    name: str
    created_at: datetime.datetime
    size: int
    manifest: dict[str, Any]
    destinations: tuple[DestinationResult, ...]

    @property
    def ok(self) -> bool:
        return bool(self.destinations) and all(result.ok for result in self.destinations)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


# --- Building the archive ----------------------------------------------------------------------


class _HashingReader:
    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def files_root() -> Path | None:
    """The folder of the default storage, when it is a local file system (object storage is
    replicated by its provider and is not copied into backups)."""
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        return Path(storage.location)
    return None


def _stored_files(root: Path) -> Iterator[tuple[Path, str]]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, path.relative_to(root).as_posix()


def _add(tar: tarfile.TarFile, members: dict[str, dict[str, Any]], name: str, handle: IO[bytes], size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(time.time())
    reader = _HashingReader(handle)
    tar.addfile(info, reader)  # tarfile reads exactly info.size bytes
    members[name] = {"size": size, "sha256": reader.digest.hexdigest()}


def build_archive(work: Path, *, backup_id: uuid.UUID, created_at: datetime.datetime) -> tuple[Path, dict[str, Any]]:
    dump_dir = work / "dump"
    dump_dir.mkdir()
    dump = dump_database(dump_dir)
    path = work / backup_name(backup_id, created_at)
    members: dict[str, dict[str, Any]] = {}
    file_count = 0
    root = files_root()
    with (
        path.open("wb") as raw,
        EncryptingWriter(raw, kind=Kind.BACKUP, artefact_id=backup_id, created_at=created_at) as writer,
        tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar,  # type: ignore[call-overload]
    ):
        with dump.path.open("rb") as handle:
            _add(tar, members, dump.member, handle, dump.path.stat().st_size)
        dump.path.unlink()  # the plain dump leaves the disk as soon as it is sealed
        if dump.key_listing is not None:
            with dump.key_listing.open("rb") as handle:
                _add(tar, members, dump.key_listing.name, handle, dump.key_listing.stat().st_size)
        if root is not None:
            for file_path, relative in _stored_files(root):
                try:
                    with file_path.open("rb") as handle:
                        _add(tar, members, FILES_PREFIX + relative, handle, file_path.stat().st_size)
                except FileNotFoundError:
                    continue  # deleted while we walked: it is gone from the database too
                file_count += 1
        manifest = {
            "format": 1,
            "backup_id": str(backup_id),
            "created_at": created_at.astimezone(datetime.UTC).isoformat(),
            "vendor": dump.vendor,
            "database": dump.member,
            "tables": dump.tables,
            "files": file_count,
            "members": members,
        }
        body = json.dumps(manifest, sort_keys=True, indent=1).encode()
        info = tarfile.TarInfo(MANIFEST_MEMBER)
        info.size, info.mode, info.mtime = len(body), 0o600, int(time.time())
        tar.addfile(info, io.BytesIO(body))
    return path, manifest


def build_key_artefacts(work: Path, *, now: datetime.datetime) -> tuple[tuple[str, Path], tuple[str, Path]]:
    """The key-store snapshot and the deletion-log copy, encrypted, ready to upload."""
    snapshot_id = uuid.uuid4()
    snapshot_name = keys_name(snapshot_id, now)
    snapshot_path = work / snapshot_name.replace("/", "_")
    with snapshot_path.open("wb") as handle:
        keystore.snapshot_write(handle, snapshot_id=snapshot_id, created_at=now)
    log_path = work / "deletion-log.gbk"
    with (
        log_path.open("wb") as raw,
        EncryptingWriter(raw, kind=Kind.DELETION_LOG, artefact_id=uuid.uuid4(), created_at=now) as writer,
    ):
        deletion_log.write_copy(writer)  # type: ignore[arg-type]
    return (snapshot_name, snapshot_path), (LOG_COPY_NAME, log_path)


def _keep_newest_snapshot(destination: Destination) -> None:
    """Only the newest key-store snapshot stays: an older one may still hold a destroyed key."""
    snapshots = sorted(
        (match["stamp"], item.name)
        for item in destination.list()
        if (match := KEYS_NAME_RE.fullmatch(item.name)) is not None
    )
    for _stamp_value, name in snapshots[:-1]:
        destination.delete(name)


def _work_dir() -> tempfile.TemporaryDirectory[str]:
    base = settings.GUICHET_BACKUP_WORK_DIR or None
    if base:
        Path(base).mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix="guichet-backup-", dir=base)


def _specs(specs: list[DestinationSpec] | None) -> list[DestinationSpec]:
    specs = configured_specs() if specs is None else specs
    if not specs:
        raise ImproperlyConfigured("no backup destination is configured (GUICHET_BACKUP_DESTINATIONS)")
    return specs


# --- Public API --------------------------------------------------------------------------------


def backup_run(*, specs: list[DestinationSpec] | None = None, now: datetime.datetime | None = None) -> BackupResult:
    """Take a full backup and write it, with the key-store snapshot and the deletion-log copy, to
    every destination. Records ``ProofRun("backup")`` (``ok`` only when every destination took it)."""
    specs = _specs(specs)
    created_at = now or timezone.now()
    backup_id = uuid.uuid4()
    results: list[DestinationResult] = []
    with _work_dir() as work_name:
        work = Path(work_name)
        archive, manifest = build_archive(work, backup_id=backup_id, created_at=created_at)
        size = archive.stat().st_size
        (snapshot_name, snapshot_path), (log_name, log_path) = build_key_artefacts(work, now=timezone.now())
        with opened(specs) as destinations:
            for spec, destination in destinations:
                started = time.monotonic()
                try:
                    if isinstance(destination, Exception):
                        raise destination
                    destination.put(archive.name, archive)
                    destination.put(snapshot_name, snapshot_path)
                    destination.put(log_name, log_path)
                    _keep_newest_snapshot(destination)
                except Exception as exc:  # one failing destination must not stop the others
                    logger.exception("backup %s to %s failed", backup_id.hex, spec.label)
                    results.append(
                        DestinationResult(spec.label, spec.location, False, _describe(exc), time.monotonic() - started)
                    )
                else:
                    results.append(DestinationResult(spec.label, spec.location, True, "", time.monotonic() - started))
    result = BackupResult(backup_id, archive.name, created_at, size, manifest, tuple(results))
    ProofRun.objects.update_or_create(
        name=PROOF_NAME,
        defaults={
            "last_run_at": timezone.now(),
            "ok": result.ok,
            "summary": {
                "backup": result.name,
                "size": size,
                "destinations": {item.label: item.as_summary() for item in results},
            },
        },
    )
    logger.info(
        "backup %s size=%d ok=%s destinations=%s",
        result.name,
        size,
        result.ok,
        ", ".join(f"{item.label}={'ok' if item.ok else 'failed'}" for item in results),
    )
    return result


def keys_publish(*, specs: list[DestinationSpec] | None = None) -> tuple[DestinationResult, ...]:
    """Write a fresh key-store snapshot and deletion-log copy to every destination (after an
    erasure), and remove the older snapshots there."""
    specs = configured_specs() if specs is None else specs
    results: list[DestinationResult] = []
    if not specs:
        return ()
    with _work_dir() as work_name:
        (snapshot_name, snapshot_path), (log_name, log_path) = build_key_artefacts(Path(work_name), now=timezone.now())
        with opened(specs) as destinations:
            for spec, destination in destinations:
                try:
                    if isinstance(destination, Exception):
                        raise destination
                    destination.put(snapshot_name, snapshot_path)
                    destination.put(log_name, log_path)
                    _keep_newest_snapshot(destination)
                except Exception as exc:
                    logger.exception("key-store snapshot to %s failed", spec.label)
                    results.append(DestinationResult(spec.label, spec.location, False, _describe(exc)))
                else:
                    results.append(DestinationResult(spec.label, spec.location, True))
    return tuple(results)


@dataclass
class BackupEntry:
    """One backup id and where it is."""

    backup_id: str
    name: str
    created_at: datetime.datetime
    size: int
    destinations: list[str] = field(default_factory=list)

    def age(self, now: datetime.datetime) -> datetime.timedelta:
        return now - self.created_at


@dataclass
class Listing:
    backups: list[BackupEntry]
    errors: dict[str, str]


def backups_list(*, specs: list[DestinationSpec] | None = None) -> Listing:
    """Every backup on every destination, newest first, one entry per backup id."""
    specs = _specs(specs)
    found: dict[str, BackupEntry] = {}
    errors: dict[str, str] = {}
    with opened(specs) as destinations:
        for spec, destination in destinations:
            try:
                if isinstance(destination, Exception):
                    raise destination
                items = destination.list()
            except Exception as exc:
                errors[spec.label] = _describe(exc)
                continue
            for item in items:
                match = BACKUP_NAME_RE.fullmatch(item.name)
                if match is None:
                    continue
                entry = found.setdefault(
                    match["id"], BackupEntry(match["id"], item.name, _parse_stamp(match["stamp"]), item.size)
                )
                entry.size = max(entry.size, item.size)
                entry.destinations.append(spec.label)
    return Listing(sorted(found.values(), key=lambda entry: entry.created_at, reverse=True), errors)


@dataclass
class PruneResult:
    deleted: dict[str, list[str]]
    errors: dict[str, str]


def backups_prune(
    *, specs: list[DestinationSpec] | None = None, now: datetime.datetime | None = None, days: int | None = None
) -> PruneResult:
    """Delete the backups older than the retention (90 days, P14/P15) from every destination."""
    specs = _specs(specs)
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days or settings.GUICHET_BACKUP_RETENTION_DAYS)
    deleted: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    with opened(specs) as destinations:
        for spec, destination in destinations:
            try:
                if isinstance(destination, Exception):
                    raise destination
                for item in destination.list():
                    match = BACKUP_NAME_RE.fullmatch(item.name)
                    if match is not None and _parse_stamp(match["stamp"]) < cutoff:
                        destination.delete(item.name)
                        deleted.setdefault(spec.label, []).append(item.name)
            except Exception as exc:
                logger.exception("pruning backups on %s failed", spec.label)
                errors[spec.label] = _describe(exc)
    for label, names in deleted.items():
        logger.info("pruned %d backups older than %s on %s", len(names), cutoff.date(), label)
    return PruneResult(deleted, errors)


def last_backup() -> ProofRun | None:
    return ProofRun.objects.filter(name=PROOF_NAME).first()


@contextlib.contextmanager
def downloaded(destination: Destination, name: str, work: Path) -> Iterator[Path]:
    path = work / name.replace("/", "_")
    try:
        with path.open("wb") as handle:
            destination.get(name, handle)
        yield path
    finally:
        path.unlink(missing_ok=True)
