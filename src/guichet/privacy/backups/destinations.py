"""Where backups go: a local directory, S3-compatible object storage, an SFTP server.

Configured by one setting, ``GUICHET_BACKUP_DESTINATIONS``: a JSON list of objects
(``{"url": "...", "location": "CH"}``) or the compact form ``url@LOCATION,url@LOCATION,...``:

- ``local:/var/backups/guichet@CH`` (for tests and the demo; real installations use other hosts)
- ``s3://bucket/prefix?endpoint=https://s3.example.ch&region=eu-central-2&profile=backup@CH``;
  credentials come from boto3's usual chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``,
  or the named ``profile`` of ``AWS_SHARED_CREDENTIALS_FILE``), never from the URL
- ``sftp://user@host:22/srv/backups?key=/etc/guichet/backup_ed25519&known_hosts=/etc/guichet/known_hosts@CH``;
  ``key`` and ``known_hosts`` default to ``GUICHET_BACKUP_SFTP_KEY_FILE`` and
  ``GUICHET_BACKUP_SFTP_KNOWN_HOSTS``. The host key must be pinned in that file: an unknown or
  changed host key is refused.

Every destination declares its location (P07). Writes go to a temporary name first and are
renamed when complete, so a listing never shows half a backup.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import shutil
import stat
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_TEMP_SUFFIX = ".partial"


@dataclass(frozen=True)
class StoredObject:
    name: str
    size: int
    modified: datetime.datetime


@dataclass(frozen=True)
class DestinationSpec:
    url: str
    location: str

    @property
    def label(self) -> str:
        """The URL without query (key paths) or user name: safe for logs and listings."""
        parts = urlsplit(self.url)
        if parts.scheme == "local" or not parts.scheme:
            return self.url
        return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}"


class Destination(Protocol):
    spec: DestinationSpec

    def put(self, name: str, source: Path) -> None: ...

    def get(self, name: str, target: IO[bytes]) -> None: ...

    def list(self) -> list[StoredObject]: ...

    def delete(self, name: str) -> None: ...

    def close(self) -> None: ...


_NAME_RE = re.compile(r"(?:keys/)?[A-Za-z0-9][A-Za-z0-9._-]*")


def _check_name(name: str) -> str:
    if not _NAME_RE.fullmatch(name) or ".." in name:
        raise ValueError(f"not a backup object name: {name!r}")
    return name


# --- Local directory --------------------------------------------------------------------------


class LocalDestination:
    def __init__(self, spec: DestinationSpec) -> None:
        self.spec = spec
        path = spec.url.removeprefix("local:")
        if path.startswith("//"):
            path = path[2:]
        if not path:
            raise ImproperlyConfigured(f"backup destination {spec.url!r} names no directory")
        self.root = Path(path)

    def _path(self, name: str) -> Path:
        return self.root / _check_name(name)

    def put(self, name: str, source: Path) -> None:
        target = self._path(name)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = target.with_name(target.name + _TEMP_SUFFIX)
        with source.open("rb") as src, temporary.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
            dst.flush()
            os.fsync(dst.fileno())
        os.chmod(temporary, 0o600)
        temporary.replace(target)

    def get(self, name: str, target: IO[bytes]) -> None:
        with self._path(name).open("rb") as src:
            shutil.copyfileobj(src, target, 1024 * 1024)

    def list(self) -> list[StoredObject]:
        found: list[StoredObject] = []
        if not self.root.is_dir():
            raise FileNotFoundError(f"backup directory {self.root} does not exist")
        for folder, prefix in ((self.root, ""), (self.root / "keys", "keys/")):
            if not folder.is_dir():
                continue
            for entry in os.scandir(folder):
                if entry.is_file() and not entry.name.endswith(_TEMP_SUFFIX):
                    info = entry.stat()
                    modified = datetime.datetime.fromtimestamp(info.st_mtime, tz=datetime.UTC)
                    found.append(StoredObject(prefix + entry.name, info.st_size, modified))
        return found

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def close(self) -> None:
        pass


# --- S3-compatible object storage ----------------------------------------------------------------


class S3Destination:
    def __init__(self, spec: DestinationSpec) -> None:
        import boto3
        from botocore.config import Config

        self.spec = spec
        parts = urlsplit(spec.url)
        if not parts.hostname:
            raise ImproperlyConfigured(f"backup destination {spec.label!r} names no bucket")
        self.bucket = parts.hostname
        self.prefix = parts.path.strip("/")
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        session = boto3.session.Session(profile_name=query.get("profile") or None)
        self.client = session.client(
            "s3",
            endpoint_url=query.get("endpoint") or None,
            region_name=query.get("region") or None,
            config=Config(
                connect_timeout=10,
                read_timeout=60,
                retries={"max_attempts": 3, "mode": "standard"},
                s3={"addressing_style": "path"} if query.get("endpoint") else None,
            ),
        )

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{_check_name(name)}" if self.prefix else _check_name(name)

    def put(self, name: str, source: Path) -> None:
        # Multipart upload of a file: a failed upload leaves no object under the final key.
        self.client.upload_file(str(source), self.bucket, self._key(name))

    def get(self, name: str, target: IO[bytes]) -> None:
        self.client.download_fileobj(self.bucket, self._key(name), target)

    def list(self) -> list[StoredObject]:
        found: list[StoredObject] = []
        prefix = f"{self.prefix}/" if self.prefix else ""
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                name = item["Key"][len(prefix) :]
                if name.count("/") > 1 or (name.count("/") == 1 and not name.startswith("keys/")):
                    continue
                found.append(StoredObject(name, int(item["Size"]), item["LastModified"]))
        return found

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(name))

    def close(self) -> None:
        self.client.close()


# --- SFTP --------------------------------------------------------------------------------------


class SftpDestination:
    def __init__(self, spec: DestinationSpec) -> None:
        self.spec = spec
        parts = urlsplit(spec.url)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        if not parts.hostname or not parts.username:
            raise ImproperlyConfigured(f"backup destination {spec.label!r} needs sftp://user@host/path")
        self.host = parts.hostname
        self.port = parts.port or 22
        self.user = unquote(parts.username)
        self.root = unquote(parts.path) or "."
        self.key_file = query.get("key") or settings.GUICHET_BACKUP_SFTP_KEY_FILE
        self.known_hosts = query.get("known_hosts") or settings.GUICHET_BACKUP_SFTP_KNOWN_HOSTS
        if not self.key_file or not self.known_hosts:
            raise ImproperlyConfigured(
                f"backup destination {spec.label!r} needs a key file and a known_hosts file with the pinned host key"
            )
        self._client: Any = None
        self._sftp: Any = None

    def _connect(self) -> Any:
        if self._sftp is None:
            import paramiko

            client = paramiko.SSHClient()
            client.load_host_keys(self.known_hosts)
            client.set_missing_host_key_policy(paramiko.RejectPolicy())  # the host key is pinned
            client.connect(
                self.host,
                port=self.port,
                username=self.user,
                key_filename=self.key_file,
                look_for_keys=False,
                allow_agent=False,
                timeout=15,
                banner_timeout=15,
                auth_timeout=15,
            )
            self._client = client
            self._sftp = client.open_sftp()
        return self._sftp

    def _path(self, name: str) -> str:
        return f"{self.root.rstrip('/')}/{_check_name(name)}"

    def _makedirs(self, sftp: Any, path: str) -> None:
        current = ""
        for part in path.strip("/").split("/"):
            current = f"{current}/{part}" if current or path.startswith("/") else part
            try:
                sftp.stat(current)
            except OSError:
                sftp.mkdir(current, mode=0o700)

    def put(self, name: str, source: Path) -> None:
        sftp = self._connect()
        target = self._path(name)
        self._makedirs(sftp, target.rsplit("/", 1)[0])
        temporary = f"{target}{_TEMP_SUFFIX}"
        with source.open("rb") as src:
            sftp.putfo(src, temporary, file_size=source.stat().st_size, confirm=True)
        with contextlib.suppress(OSError):
            sftp.remove(target)  # posix-rename is an OpenSSH extension; a plain rename needs a free name
        sftp.rename(temporary, target)

    def get(self, name: str, target: IO[bytes]) -> None:
        self._connect().getfo(self._path(name), target)

    def list(self) -> list[StoredObject]:
        sftp = self._connect()
        found: list[StoredObject] = []
        for folder, prefix in ((self.root, ""), (f"{self.root.rstrip('/')}/keys", "keys/")):
            try:
                entries = sftp.listdir_attr(folder)
            except FileNotFoundError:
                if prefix:
                    continue
                raise
            for entry in entries:
                if stat.S_ISREG(entry.st_mode or 0) and not entry.filename.endswith(_TEMP_SUFFIX):
                    modified = datetime.datetime.fromtimestamp(entry.st_mtime or 0, tz=datetime.UTC)
                    found.append(StoredObject(prefix + entry.filename, entry.st_size or 0, modified))
        return found

    def delete(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._connect().remove(self._path(name))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = self._sftp = None


# --- Configuration -----------------------------------------------------------------------------

_KINDS: dict[str, type[LocalDestination] | type[S3Destination] | type[SftpDestination]] = {
    "local": LocalDestination,
    "s3": S3Destination,
    "sftp": SftpDestination,
}


def parse_specs(raw: str) -> list[DestinationSpec]:
    """The destinations of ``GUICHET_BACKUP_DESTINATIONS`` (JSON list or compact ``url@LOC`` list)."""
    raw = raw.strip()
    if not raw:
        return []
    specs: list[DestinationSpec] = []
    if raw.startswith("["):
        try:
            items = json.loads(raw)
        except ValueError as exc:
            raise ImproperlyConfigured(f"GUICHET_BACKUP_DESTINATIONS is not valid JSON: {exc}") from exc
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("url"), str):
                raise ImproperlyConfigured(
                    'GUICHET_BACKUP_DESTINATIONS entries must look like {"url": ..., "location": ...}'
                )
            specs.append(DestinationSpec(url=item["url"], location=str(item.get("location") or "").strip()))
    else:
        for item in (part.strip() for part in raw.split(",")):
            if not item:
                continue
            url, at, location = item.rpartition("@")
            # "sftp://user@host/path" without a location: the "@" belongs to the URL
            if not at or "/" in location or ":" in location:
                url, location = item, ""
            specs.append(DestinationSpec(url=url, location=location.strip()))
    for spec in specs:
        scheme = spec.url.split(":", 1)[0]
        if scheme not in _KINDS:
            raise ImproperlyConfigured(f"backup destination {spec.url!r}: unknown kind {scheme!r} (local, s3, sftp)")
    return specs


def configured_specs() -> list[DestinationSpec]:
    return parse_specs(settings.GUICHET_BACKUP_DESTINATIONS)


def open_destination(spec: DestinationSpec) -> Destination:
    return _KINDS[spec.url.split(":", 1)[0]](spec)


def location_problems(specs: list[DestinationSpec]) -> list[str]:
    """Why these destinations break P07: a missing location or one outside the allowed ones."""
    allowed = {
        settings.GUICHET_DATA_LOCATION.upper(),
        *(loc.upper() for loc in settings.GUICHET_BACKUP_ALLOWED_LOCATIONS),
    }
    problems = []
    for spec in specs:
        if not spec.location:
            problems.append(f"backup destination {spec.label} declares no location (append @CH or the country)")
        elif spec.location.upper() not in allowed:
            problems.append(
                f"backup destination {spec.label} lies in {spec.location}, outside {settings.GUICHET_DATA_LOCATION}; "
                "list it in GUICHET_BACKUP_ALLOWED_LOCATIONS only if the privacy statement allows it"
            )
    return problems


@contextlib.contextmanager
def opened(specs: list[DestinationSpec]) -> Iterator[list[tuple[DestinationSpec, Destination | Exception]]]:
    """Each spec with its opened destination, or the error that kept it from opening."""
    opened_items: list[tuple[DestinationSpec, Destination | Exception]] = []
    for spec in specs:
        try:
            opened_items.append((spec, open_destination(spec)))
        except Exception as exc:  # one broken destination must not stop the others
            opened_items.append((spec, exc))
    try:
        yield opened_items
    finally:
        for _spec, item in opened_items:
            if not isinstance(item, Exception):
                with contextlib.suppress(Exception):
                    item.close()


def new_id() -> uuid.UUID:
    return uuid.uuid4()
