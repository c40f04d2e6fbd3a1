"""Uploaded files, stored encrypted under their owner's data key, and content sniffing.

Storage (``blob_save`` / ``blob_open`` / ``blob_read`` / ``blob_delete``)
    A file is encrypted in segments of 64 KiB of plaintext, each sealed with AES-256-GCM, and
    written through Django's default storage under ``blobs/<2 hex>/<32 hex>``: the name is random
    and carries no personal data. Memory stays constant whatever the size of the file: the
    ciphertext goes to a spooled temporary file (kept in memory up to 1 MiB) and is then handed to
    the storage in chunks. Destroying the owner's data key (crypto-shredding) makes the file
    unreadable, including its copies in backups.

    On-disk format, version 1 (integers big-endian)::

        header   "GXB" | version (1 byte, 0x01) | segment size (uint32, 65536)
                 | salt (16 random bytes) | nonce prefix (8 random bytes)
                 | key id length (1 byte) | data key id (ASCII)
        segment* AES-256-GCM ciphertext of up to <segment size> bytes of plaintext + 16-byte tag

    Every segment but the last holds exactly <segment size> bytes of plaintext; the last one holds
    the rest (0 bytes only for an empty file, which is a single empty segment). Segment ``i`` is
    sealed with the file key ``HKDF-SHA256(data key, salt, "guichet:blob:v1")`` and the nonce
    ``nonce prefix | uint32(i)``; its associated data is ``header | uint32(i) | final flag (1 byte)
    | aad (UTF-8)``. So a changed byte (header included), a dropped, added or reordered segment, a
    segment taken from another file, another ``aad`` (the file moved to another record) and
    another data key are all detected and raise ``crypto.DecryptionError``.

Sniffing (``sniff_content_type`` / ``check_upload``)
    An upload is accepted for what its first bytes are, not for what its name or the browser say:
    a ``.pdf`` that is really a program is refused.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import os
import re
import struct
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.utils.translation import gettext_lazy as _

from guichet.core import crypto
from guichet.core.keys import data_key_material

__all__ = [
    "EXTENSION_TYPES",
    "SEGMENT_SIZE",
    "SNIFF_BYTES",
    "StoredBlob",
    "blob_delete",
    "blob_open",
    "blob_read",
    "blob_save",
    "check_upload",
    "sniff_content_type",
]

# --- Encrypted blobs ---------------------------------------------------------------------------

SEGMENT_SIZE = 64 * 1024
_MAGIC = b"GXB"
_VERSION = 1
_TAG_BYTES = 16
_SALT_BYTES = 16
_PREFIX_BYTES = 8
_FIXED_HEADER = struct.Struct(">3sBI16s8sB")  # magic, version, segment size, salt, nonce prefix, key id length
_SEGMENT_INFO = struct.Struct(">IB")  # segment index, final flag
_MAX_SEGMENTS = 2**32
_MAX_SEGMENT_SIZE = 1024 * 1024  # a tampered header must not make a reader allocate gigabytes
_SPOOL_BYTES = 1024 * 1024
_HKDF_INFO = b"guichet:blob:v1"
_NAME_RE = re.compile(r"blobs/[0-9a-f]{2}/[0-9a-f]{32}(?:_[A-Za-z0-9]{7})?")


@dataclass(frozen=True)
class StoredBlob:
    """Where an encrypted file lives, and the size and SHA-256 (hex) of its plaintext."""

    storage_name: str
    size: int
    sha256: str


def _storage() -> Storage:
    return storages["default"]


def _check_name(storage_name: str) -> None:
    if not _NAME_RE.fullmatch(storage_name):
        raise ValueError("not the storage name of an encrypted blob")


def _file_key(data_key: bytes, salt: bytes) -> AESGCM:
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_HKDF_INFO).derive(data_key))


def _segment_aad(header: bytes, index: int, *, final: bool, aad: bytes) -> bytes:
    return header + _SEGMENT_INFO.pack(index, 1 if final else 0) + aad


def blob_save(*, data_key_id: str, aad: str, chunks: Iterable[bytes]) -> StoredBlob:
    """Encrypt ``chunks`` under the data key ``data_key_id`` and store them; constant memory.

    ``aad`` names what the file belongs to (e.g. ``"eforms.submission:<uuid>:permit"``): the
    same string must be given to read it back. Raises ``crypto.DecryptionError`` if the data key
    is destroyed or unknown."""
    data_key_id = str(data_key_id)
    key_id_bytes = data_key_id.encode("ascii")
    if not 0 < len(key_id_bytes) < 256:
        raise ValueError("data key id must be 1 to 255 ASCII characters")
    salt, prefix = os.urandom(_SALT_BYTES), os.urandom(_PREFIX_BYTES)
    header = _FIXED_HEADER.pack(_MAGIC, _VERSION, SEGMENT_SIZE, salt, prefix, len(key_id_bytes)) + key_id_bytes
    cipher = _file_key(data_key_material(data_key_id), salt)
    aad_bytes = aad.encode("utf-8")
    digest = hashlib.sha256()
    size = 0
    index = 0

    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        spool.write(header)

        def seal(plaintext: bytearray, *, final: bool) -> None:
            nonlocal index
            if index >= _MAX_SEGMENTS:
                raise ValueError("file too large for the blob format")
            nonce = prefix + struct.pack(">I", index)
            spool.write(cipher.encrypt(nonce, plaintext, _segment_aad(header, index, final=final, aad=aad_bytes)))
            index += 1

        # A full segment waits in ``pending`` until more data arrives: only then is it known not
        # to be the last one (the last segment is sealed with the final flag).
        pending = bytearray()
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            view = memoryview(chunk)
            while view:
                if len(pending) == SEGMENT_SIZE:
                    seal(pending, final=False)
                    pending.clear()
                take = SEGMENT_SIZE - len(pending)
                pending += view[:take]
                view = view[take:]
        seal(pending, final=True)

        spool.seek(0)
        shard = uuid.uuid4().hex
        storage = _storage()
        name = storage.save(f"blobs/{shard[:2]}/{shard}", File(spool))
    _check_name(name)
    return StoredBlob(storage_name=name, size=size, sha256=digest.hexdigest())


def read_exact(handle: IO[bytes] | File, count: int) -> bytes:
    """``count`` bytes, fewer only at the end of the file."""
    parts: list[bytes] = []
    missing = count
    while missing:
        part = handle.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


class _PlaintextStream(Iterator[bytes]):
    """Decrypts one segment per step; closes the file when done, on error or on ``close()``."""

    def __init__(self, handle: File, *, cipher: AESGCM, header: bytes, prefix: bytes, segment: int, aad: bytes):
        self._handle: File | None = handle
        self._cipher = cipher
        self._header = header
        self._prefix = prefix
        self._record = segment + _TAG_BYTES
        self._aad = aad
        self._index = 0
        self._current: bytes | None = None

    def __iter__(self) -> _PlaintextStream:
        return self

    def __next__(self) -> bytes:
        handle = self._handle
        if handle is None:
            raise StopIteration
        try:
            if self._current is None:
                self._current = read_exact(handle, self._record)
            current = self._current
            following = read_exact(handle, self._record)
            final = not following
            if len(current) < _TAG_BYTES or self._index >= _MAX_SEGMENTS:
                raise crypto.DecryptionError("encrypted file is truncated")
            nonce = self._prefix + struct.pack(">I", self._index)
            associated = _segment_aad(self._header, self._index, final=final, aad=self._aad)
            try:
                plaintext = self._cipher.decrypt(nonce, current, associated)
            except InvalidTag as exc:
                raise crypto.DecryptionError("integrity check failed") from exc
        except BaseException:
            self.close()
            raise
        if final:
            self.close()
        else:
            self._current = following
            self._index += 1
        if not plaintext:  # only an empty file has an empty (and final) segment
            raise StopIteration
        return plaintext

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            self._current = None

    def __enter__(self) -> _PlaintextStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def blob_open(*, storage_name: str, data_key_id: str, aad: str) -> Iterator[bytes]:
    """The plaintext of a stored file, in chunks of up to 64 KiB.

    The header and the key are checked at once, so a destroyed key, another person's key or a file
    that is not a blob raises ``crypto.DecryptionError`` here, before any byte is returned. Every
    chunk is authenticated before it is returned; a tampered or truncated file raises
    ``crypto.DecryptionError`` while iterating, at the latest at the end: a consumer that must not
    act on part of a file reads it whole first (``blob_read``). A missing file raises
    ``FileNotFoundError``. The file is closed when the iterator is exhausted or ``close()``d."""
    _check_name(storage_name)
    handle = _storage().open(storage_name, "rb")
    try:
        fixed = read_exact(handle, _FIXED_HEADER.size)
        if len(fixed) < _FIXED_HEADER.size:
            raise crypto.DecryptionError("not an encrypted file")
        magic, version, segment, salt, prefix, id_length = _FIXED_HEADER.unpack(fixed)
        if magic != _MAGIC:
            raise crypto.DecryptionError("not an encrypted file")
        if version != _VERSION:
            raise crypto.DecryptionError(f"unknown encrypted file format version {version}")
        if not 0 < segment <= _MAX_SEGMENT_SIZE:
            raise crypto.DecryptionError("encrypted file header is corrupt")
        key_id_bytes = read_exact(handle, id_length)
        if key_id_bytes != str(data_key_id).encode("ascii", errors="replace"):
            raise crypto.DecryptionError("the file is encrypted under another data key")
        cipher = _file_key(data_key_material(str(data_key_id)), salt)
    except BaseException:
        handle.close()
        raise
    return _PlaintextStream(
        handle, cipher=cipher, header=fixed + key_id_bytes, prefix=prefix, segment=segment, aad=aad.encode("utf-8")
    )


def blob_read(*, storage_name: str, data_key_id: str, aad: str) -> bytes:
    """The whole plaintext, fully authenticated (for small files: it is held in memory)."""
    return b"".join(blob_open(storage_name=storage_name, data_key_id=data_key_id, aad=aad))


def blob_delete(*, storage_name: str) -> None:
    """Delete a stored file; deleting a file that is gone already is not an error."""
    _check_name(storage_name)
    with contextlib.suppress(FileNotFoundError):  # storages other than the file system may raise it
        _storage().delete(storage_name)


# --- Content sniffing ----------------------------------------------------------------------------

SNIFF_BYTES = 8192

_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
_ODT = "application/vnd.oasis.opendocument.text"
_ODS = "application/vnd.oasis.opendocument.spreadsheet"

#: File name extension → the MIME type its content must have.
EXTENSION_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "heic": "image/heic",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "txt": "text/plain",
    "csv": "text/csv",
    "docx": _DOCX,
    "xlsx": _XLSX,
    "odt": _ODT,
    "ods": _ODS,
}
#: Extensions that are two spellings of one type.
_SAME_TYPE = {"jpeg": "jpg", "tiff": "tif"}
#: How the user knows the type (in messages); "PDF format", "JPG format" ...
_TYPE_LABELS = {"jpg": "JPG", "tif": "TIFF"}

_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1"}
_HEIC_SEQUENCE_BRANDS = {b"hevc", b"hevx", b"msf1"}
_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_TEXT_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f\x7f]")  # all but TAB LF FF CR and DOS EOF


def _zip_entries(head: bytes) -> list[tuple[str, int, bytes]]:
    """(name, compression method, data in the head) of the ZIP local file headers found in ``head``.

    Looks for every local header signature rather than walking from one entry to the next: with a
    data descriptor (bit 3) the sizes in the local header are zero and the walk would stop."""
    entries: list[tuple[str, int, bytes]] = []
    start = head.find(_ZIP_LOCAL)
    while start != -1 and start + _ZIP_LOCAL_HEADER.size <= len(head):
        fields = _ZIP_LOCAL_HEADER.unpack_from(head, start)
        method, compressed, name_length, extra_length = fields[3], fields[7], fields[9], fields[10]
        name_start = start + _ZIP_LOCAL_HEADER.size
        raw_name = head[name_start : name_start + name_length]
        if name_length and len(raw_name) == name_length:
            data_start = name_start + name_length + extra_length
            name = raw_name.decode("utf-8", errors="replace")
            entries.append((name, method, head[data_start : data_start + compressed]))
        start = head.find(_ZIP_LOCAL, start + 4)
    return entries


def _sniff_zip(head: bytes) -> str:
    entries = _zip_entries(head)
    if entries and entries[0][0] == "mimetype" and entries[0][1] == 0:  # ODF: stored, and first (ODF 1.2, 3.3)
        declared = entries[0][2].decode("ascii", errors="replace").strip()
        if declared.startswith("application/vnd.oasis.opendocument."):
            return declared
    names = [name for name, _method, _data in entries]
    for folder, mime in (("word/", _DOCX), ("xl/", _XLSX), ("ppt/", _PPTX)):
        if any(name.startswith(folder) for name in names):
            return mime
    return "application/zip"


def _sniff_ftyp(head: bytes) -> str | None:
    """ISO base media files (HEIC, AVIF, MP4 ...): the brands of the leading ``ftyp`` box."""
    box_size = int.from_bytes(head[:4], "big")
    if not 16 <= box_size <= 4096:
        return None
    box = head[8:box_size]
    brands = {box[0:4]} | {box[i : i + 4] for i in range(8, len(box) - 3, 4)}
    if b"avif" in brands or b"avis" in brands:
        return "image/avif"
    if box[0:4] in _HEIC_BRANDS or (box[0:4] not in _HEIC_SEQUENCE_BRANDS and brands & _HEIC_BRANDS):
        return "image/heic"
    if brands & _HEIC_SEQUENCE_BRANDS:
        return "image/heic-sequence"
    return None


def _is_text(head: bytes) -> bool:
    """UTF-8 (or, as Excel saves CSV on Swiss Windows, Windows-1252) without control characters.

    The head may end in the middle of a UTF-8 sequence: that is not an error."""
    if not head or _TEXT_CONTROLS.search(head):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        try:
            head.decode("cp1252")
        except UnicodeDecodeError:
            return False
    return True


def sniff_content_type(head: bytes) -> str | None:
    """The MIME type the first bytes of a file show, or ``None`` if unknown.

    ``head`` should be the first 8 KiB (``SNIFF_BYTES``): enough to tell Word from Excel inside a
    ZIP container in practice, and to tell text from binary."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head[4:8] == b"ftyp":
        return _sniff_ftyp(head)
    if head.startswith(_ZIP_LOCAL):
        return _sniff_zip(head)
    if head.startswith(b"PK\x05\x06"):  # an empty ZIP archive
        return "application/zip"
    if head.startswith(b"\xef\xbb\xbf") and _is_text(head[3:] or b"\n"):
        return "text/plain"
    if _is_text(head):
        return "text/plain"
    return None


def _canonical(extension: str) -> str:
    extension = extension.lower().lstrip(".")
    return _SAME_TYPE.get(extension, extension)


def _label(extension: str) -> str:
    return _TYPE_LABELS.get(extension, extension.upper())


def _display_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/"))
    return base if len(base) <= 80 else f"{base[:60]}…{base[-15:]}"


def _matches(extension: str, sniffed: str | None, head: bytes) -> bool:
    expected = EXTENSION_TYPES[extension]
    if sniffed == expected:
        return True
    if extension in {"txt", "csv"}:
        return sniffed == "text/plain"
    if extension in {"docx", "xlsx"} and sniffed == "application/zip":
        # An Office Open XML package whose parts beyond the head are unknown: accept it when the
        # head shows the package manifest, for the name to tell Word from Excel.
        return any(name == "[Content_Types].xml" for name, _method, _data in _zip_entries(head))
    return False


def check_upload(*, name: str, head: bytes, accept: Sequence[str]) -> str:
    """The MIME type of an upload whose name and content agree and are of an accepted type.

    ``accept`` lists file name extensions (``("pdf", "jpg", "png")``; ``jpg`` and ``jpeg`` are the
    same, so are ``tif`` and ``tiff``). ``head`` is the start of the file (``SNIFF_BYTES``). Raises
    ``ValidationError`` with code ``file_type`` (the name has another extension) or
    ``file_content`` (the content is not what the name says)."""
    accepted = [_canonical(kind) for kind in accept if _canonical(kind) in EXTENSION_TYPES]
    accepted = list(dict.fromkeys(accepted))
    stem, dot, extension = os.path.basename(name.replace("\\", "/")).rpartition(".")
    extension = _canonical(extension) if dot and stem else ""
    if extension not in accepted:
        allowed = ", ".join(f".{kind}" for kind in accept)
        raise ValidationError(
            _("Files of this type are not accepted here. Allowed: %(types)s."),
            code="file_type",
            params={"types": allowed},
        )
    sniffed = sniff_content_type(head)
    if not _matches(extension, sniffed, head):
        raise ValidationError(
            _("The file “%(name)s” is not in %(kind)s format, although its name says so."),
            code="file_content",
            params={"name": _display_name(name), "kind": _label(extension)},
        )
    return EXTENSION_TYPES[extension]
