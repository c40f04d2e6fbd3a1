"""The encrypted container of backups, key-store snapshots and deletion-log copies.

One file per artefact. Format version 1 (integers big-endian)::

    header   "GBK" | version (1 byte, 0x01) | kind (1 byte) | artefact id (16 bytes, UUID)
             | created_at (int64, microseconds since the epoch, UTC) | segment size (uint32, 65536)
             | nonce prefix (8 random bytes) | master key id length (1 byte) | master key id (ASCII)
    segment* AES-256-GCM ciphertext of up to <segment size> bytes of plaintext + 16-byte tag

The key is ``HKDF-SHA256(master key, salt=artefact id, info="guichet:backup:v1:<kind>")``: it
is never written anywhere, and whoever holds the master key (``GUICHET_MASTER_KEYS``) can derive
it again. Segment ``i`` uses the nonce ``prefix | uint32(i)`` and the associated data
``header | uint32(i) | final flag``, so a changed header byte, a dropped, reordered or appended
segment, a truncated file and a file encrypted under another master key are all refused with
``ArchiveError``. Reading and writing keep one segment in memory, whatever the size.
"""

from __future__ import annotations

import datetime
import os
import struct
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured

from guichet.core import crypto
from guichet.core.files import read_exact

MAGIC = b"GBK"
VERSION = 1
SEGMENT_SIZE = 64 * 1024
_TAG = 16
_FIXED = struct.Struct(">3sBB16sqI8sB")  # magic, version, kind, id, created_at, segment, prefix, kid length
_SEGMENT_INFO = struct.Struct(">IB")
_MAX_SEGMENT = 1024 * 1024


class Kind:
    BACKUP = 1
    KEYS = 2
    DELETION_LOG = 3

    NAMES = {BACKUP: "backup", KEYS: "keys", DELETION_LOG: "deletion-log"}


class ArchiveError(Exception):
    """The file is not an intact artefact that the configured master keys can open."""


@dataclass(frozen=True)
class Header:
    kind: int
    artefact_id: uuid.UUID
    created_at: datetime.datetime
    master_kid: str
    segment_size: int
    prefix: bytes
    raw: bytes


def _derive(master: bytes, *, artefact_id: uuid.UUID, kind: int) -> AESGCM:
    info = f"guichet:backup:v1:{Kind.NAMES[kind]}".encode()
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=artefact_id.bytes, info=info).derive(master))


def _micros(moment: datetime.datetime) -> int:
    delta = moment - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class EncryptingWriter:
    """A binary file-like sink: what is written is sealed segment by segment into ``target``."""

    def __init__(self, target: IO[bytes], *, kind: int, artefact_id: uuid.UUID, created_at: datetime.datetime):
        ring = crypto.keyring()
        kid = ring.active_kid.encode("ascii")
        self._prefix = os.urandom(8)
        self.header = (
            _FIXED.pack(
                MAGIC, VERSION, kind, artefact_id.bytes, _micros(created_at), SEGMENT_SIZE, self._prefix, len(kid)
            )
            + kid
        )
        self._cipher = _derive(ring.keys[ring.active_kid], artefact_id=artefact_id, kind=kind)
        self._target = target
        self._pending = bytearray()
        self._index = 0
        self._closed = False
        target.write(self.header)

    def _seal(self, *, final: bool) -> None:
        nonce = self._prefix + struct.pack(">I", self._index)
        aad = self.header + _SEGMENT_INFO.pack(self._index, 1 if final else 0)
        self._target.write(self._cipher.encrypt(nonce, bytes(self._pending), aad))
        self._pending.clear()
        self._index += 1

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._closed:
            raise ValueError("write to a closed archive")
        view = memoryview(data)
        written = len(view)
        while view:
            # A full segment is sealed only once more data arrives: the last one carries the final flag.
            if len(self._pending) == SEGMENT_SIZE:
                self._seal(final=False)
            take = SEGMENT_SIZE - len(self._pending)
            self._pending += view[:take]
            view = view[take:]
        return written

    def close(self) -> None:
        if not self._closed:
            self._seal(final=True)
            self._closed = True
            self._target.flush()

    def __enter__(self) -> EncryptingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()


def read_header(handle: IO[bytes]) -> Header:
    fixed = read_exact(handle, _FIXED.size)
    if len(fixed) < _FIXED.size:
        raise ArchiveError("not a Guichet backup file (too short)")
    magic, version, kind, raw_id, micros, segment, prefix, kid_length = _FIXED.unpack(fixed)
    if magic != MAGIC:
        raise ArchiveError("not a Guichet backup file")
    if version != VERSION:
        raise ArchiveError(f"unknown backup format version {version}")
    if kind not in Kind.NAMES or not 0 < segment <= _MAX_SEGMENT:
        raise ArchiveError("damaged backup header")
    kid = read_exact(handle, kid_length)
    try:
        master_kid = kid.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ArchiveError("damaged backup header") from exc
    created = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(microseconds=micros)
    return Header(kind, uuid.UUID(bytes=raw_id), created, master_kid, segment, prefix, fixed + kid)


class DecryptingReader:
    """A binary file-like source over an artefact: ``read`` returns verified plaintext only.

    Each segment is authenticated before any of its bytes are returned; a file cut short is
    refused at its end (the last segment must carry the final flag)."""

    def __init__(self, handle: IO[bytes], *, expect_kind: int | None = None) -> None:
        self.header = read_header(handle)
        if expect_kind is not None and self.header.kind != expect_kind:
            raise ArchiveError(f"this file holds a {Kind.NAMES[self.header.kind]}, not a {Kind.NAMES[expect_kind]}")
        master = crypto.keyring().keys.get(self.header.master_kid)
        if master is None:
            raise ImproperlyConfigured(
                f"the backup was encrypted under master key {self.header.master_kid!r}, which is not configured"
            )
        self._cipher = _derive(master, artefact_id=self.header.artefact_id, kind=self.header.kind)
        self._handle = handle
        self._record = self.header.segment_size + _TAG
        self._index = 0
        self._current: bytes | None = None
        self._buffer = b""
        self._done = False

    def _next_segment(self) -> bytes:
        if self._current is None:
            self._current = read_exact(self._handle, self._record)
        current = self._current
        following = read_exact(self._handle, self._record)
        final = not following
        if len(current) < _TAG:
            raise ArchiveError("backup file is truncated")
        nonce = self.header.prefix + struct.pack(">I", self._index)
        aad = self.header.raw + _SEGMENT_INFO.pack(self._index, 1 if final else 0)
        try:
            plaintext = self._cipher.decrypt(nonce, current, aad)
        except InvalidTag as exc:
            raise ArchiveError(
                "backup file failed its integrity check: it was changed, cut short, or the master key is wrong"
            ) from exc
        self._current = following
        self._index += 1
        if final:
            self._done = True
        return plaintext

    def read(self, size: int = -1) -> bytes:
        while (size < 0 or len(self._buffer) < size) and not self._done:
            self._buffer += self._next_segment()
        if size < 0:
            out, self._buffer = self._buffer, b""
        else:
            out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out

    def chunks(self) -> Iterator[bytes]:
        while True:
            chunk = self.read(SEGMENT_SIZE)
            if not chunk:
                return
            yield chunk
