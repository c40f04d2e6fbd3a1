"""Uploaded files are stored encrypted under their owner's data key, in constant memory, and any
tampering, mix-up or destroyed key makes them unreadable rather than wrong."""

from __future__ import annotations

import hashlib
import io
import os
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from guichet.core import crypto
from guichet.core.files import (
    SEGMENT_SIZE,
    StoredBlob,
    blob_delete,
    blob_open,
    blob_read,
    blob_save,
    check_upload,
    sniff_content_type,
)
from guichet.core.keys import data_key_create, data_key_destroy

pytestmark = pytest.mark.django_db

TAG = 16
AAD = "eforms.submission:1b4e28ba-2fa1-11d2-883f-0016d3cca427:breed_permit"
CANARY = b"CANARY Alice Amrein 756.1234.5678.97 "
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    location = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}},
    }
    return location


@pytest.fixture
def key_id() -> str:
    return str(data_key_create().pk)


def pieces(data: bytes, sizes: tuple[int, ...] = (1, 7, 0, 65_535, 100_000)) -> Iterator[bytes]:
    """``data`` in chunks of uneven sizes (empty ones included), as uploads arrive."""
    position, turn = 0, 0
    while position < len(data):
        size = sizes[turn % len(sizes)]
        yield data[position : position + size]
        position += size
        turn += 1


def header_size(key_id: str) -> int:
    return 3 + 1 + 4 + 16 + 8 + 1 + len(key_id)


def on_disk(media: Path, blob: StoredBlob) -> Path:
    return media / blob.storage_name


@pytest.mark.parametrize(
    "size",
    [0, 1, 1000, SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 2 * SEGMENT_SIZE, 3_000_000],
    ids=["empty", "one-byte", "small", "segment-minus-one", "one-segment", "segment-plus-one", "two-segments", "3MB"],
)
def test_roundtrip(size: int, key_id: str, media: Path) -> None:
    data = os.urandom(size)
    blob = blob_save(data_key_id=key_id, aad=AAD, chunks=pieces(data))
    assert blob.size == size
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob_read(storage_name=blob.storage_name, data_key_id=key_id, aad=AAD) == data
    chunks = list(blob_open(storage_name=blob.storage_name, data_key_id=key_id, aad=AAD))
    assert all(0 < len(chunk) <= SEGMENT_SIZE for chunk in chunks)
    segments = max(1, -(-size // SEGMENT_SIZE))
    assert on_disk(media, blob).stat().st_size == header_size(key_id) + size + segments * TAG


def test_storage_holds_no_plaintext_and_the_name_says_nothing(key_id: str, media: Path) -> None:
    data = CANARY * 10_000
    blob = blob_save(data_key_id=key_id, aad=AAD, chunks=[data])
    stored = on_disk(media, blob).read_bytes()
    assert CANARY not in stored
    assert b"Alice" not in stored
    assert AAD.encode() not in stored
    assert blob.storage_name.startswith("blobs/")
    assert key_id not in blob.storage_name
    assert "breed_permit" not in blob.storage_name
    assert [path.name for path in media.rglob("*") if path.is_file()] == [Path(blob.storage_name).name]


def test_same_content_twice_gives_different_ciphertexts(key_id: str, media: Path) -> None:
    first = blob_save(data_key_id=key_id, aad=AAD, chunks=[CANARY])
    second = blob_save(data_key_id=key_id, aad=AAD, chunks=[CANARY])
    assert first.storage_name != second.storage_name
    assert first.sha256 == second.sha256
    assert on_disk(media, first).read_bytes() != on_disk(media, second).read_bytes()


# --- Tampering -------------------------------------------------------------------------------------


@pytest.fixture
def three_segments(key_id: str, media: Path) -> tuple[StoredBlob, Path, bytes]:
    data = os.urandom(2 * SEGMENT_SIZE + 1000)
    blob = blob_save(data_key_id=key_id, aad=AAD, chunks=[data])
    return blob, on_disk(media, blob), data


def assert_unreadable(blob: StoredBlob, key_id: str, aad: str = AAD) -> None:
    with pytest.raises(crypto.DecryptionError):
        blob_read(storage_name=blob.storage_name, data_key_id=key_id, aad=aad)


@pytest.mark.parametrize(
    "where",
    ["magic", "segment-size", "salt", "nonce-prefix", "first-byte", "middle", "last-tag"],
)
def test_a_flipped_byte_is_detected(where: str, key_id: str, three_segments: tuple[StoredBlob, Path, bytes]) -> None:
    blob, path, _data = three_segments
    stored = bytearray(path.read_bytes())
    header = header_size(key_id)
    offset = {
        "magic": 0,
        "segment-size": 6,
        "salt": 10,
        "nonce-prefix": 30,
        "first-byte": header,
        "middle": header + SEGMENT_SIZE + TAG + 500,
        "last-tag": len(stored) - 1,
    }[where]
    stored[offset] ^= 0x01
    path.write_bytes(bytes(stored))
    assert_unreadable(blob, key_id)


def test_a_dropped_last_segment_is_detected(key_id: str, three_segments: tuple[StoredBlob, Path, bytes]) -> None:
    blob, path, _data = three_segments
    path.write_bytes(path.read_bytes()[: header_size(key_id) + 2 * (SEGMENT_SIZE + TAG)])
    assert_unreadable(blob, key_id)


@pytest.mark.parametrize("cut", [1, TAG, 1000 + TAG])
def test_a_shortened_file_is_detected(cut: int, key_id: str, three_segments: tuple[StoredBlob, Path, bytes]) -> None:
    blob, path, _data = three_segments
    path.write_bytes(path.read_bytes()[:-cut])
    assert_unreadable(blob, key_id)


def test_a_header_only_file_is_detected(key_id: str, three_segments: tuple[StoredBlob, Path, bytes]) -> None:
    blob, path, _data = three_segments
    path.write_bytes(path.read_bytes()[: header_size(key_id)])
    assert_unreadable(blob, key_id)


def test_swapped_segments_are_detected(key_id: str, three_segments: tuple[StoredBlob, Path, bytes]) -> None:
    blob, path, _data = three_segments
    stored = path.read_bytes()
    header, record = header_size(key_id), SEGMENT_SIZE + TAG
    first, second = stored[header : header + record], stored[header + record : header + 2 * record]
    path.write_bytes(stored[:header] + second + first + stored[header + 2 * record :])
    assert_unreadable(blob, key_id)


def test_an_appended_segment_is_detected(key_id: str, three_segments: tuple[StoredBlob, Path, bytes]) -> None:
    blob, path, _data = three_segments
    stored = path.read_bytes()
    header, record = header_size(key_id), SEGMENT_SIZE + TAG
    path.write_bytes(stored + stored[header : header + record])
    assert_unreadable(blob, key_id)


def test_a_segment_from_another_file_is_detected(
    key_id: str, media: Path, three_segments: tuple[StoredBlob, Path, bytes]
) -> None:
    blob, path, _data = three_segments
    other = blob_save(data_key_id=key_id, aad=AAD, chunks=[os.urandom(3 * SEGMENT_SIZE)])
    header, record = header_size(key_id), SEGMENT_SIZE + TAG
    stored, foreign = path.read_bytes(), on_disk(media, other).read_bytes()
    path.write_bytes(
        stored[: header + record] + foreign[header + record : header + 2 * record] + stored[header + 2 * record :]
    )
    assert_unreadable(blob, key_id)


def test_swapped_files_are_detected(key_id: str, media: Path) -> None:
    """A file moved to another record (another aad) does not decrypt there."""
    permit = blob_save(data_key_id=key_id, aad=AAD, chunks=[b"permit"])
    assert_unreadable(permit, key_id, aad=AAD.replace("breed_permit", "vaccination"))
    assert_unreadable(permit, key_id, aad="")


def test_another_persons_key_cannot_read(key_id: str, media: Path) -> None:
    blob = blob_save(data_key_id=key_id, aad=AAD, chunks=[CANARY])
    other = str(data_key_create().pk)
    assert_unreadable(blob, other)
    # Rewriting the key id in the header to the other key does not help either.
    path = on_disk(media, blob)
    path.write_bytes(path.read_bytes().replace(key_id.encode(), other.encode()))
    assert_unreadable(blob, other)


def test_a_file_that_is_no_blob_is_refused(key_id: str, media: Path) -> None:
    blob = blob_save(data_key_id=key_id, aad=AAD, chunks=[CANARY])
    on_disk(media, blob).write_bytes(CANARY)
    assert_unreadable(blob, key_id)
    on_disk(media, blob).write_bytes(b"")
    assert_unreadable(blob, key_id)


# --- Crypto-shredding and life cycle ------------------------------------------------------------


def test_destroyed_key_makes_the_file_unreadable(key_id: str) -> None:
    blob = blob_save(data_key_id=key_id, aad=AAD, chunks=[CANARY])
    assert blob_read(storage_name=blob.storage_name, data_key_id=key_id, aad=AAD) == CANARY
    data_key_destroy(key_id=key_id)
    crypto.data_key_cache.clear()  # as in another process
    with pytest.raises(crypto.DecryptionError):
        blob_open(storage_name=blob.storage_name, data_key_id=key_id, aad=AAD)  # before the first byte
    assert_unreadable(blob, key_id)
    with pytest.raises(crypto.DecryptionError):
        blob_save(data_key_id=key_id, aad=AAD, chunks=[CANARY])


def test_unknown_key_cannot_store() -> None:
    with pytest.raises(crypto.DecryptionError):
        blob_save(data_key_id="00000000-0000-0000-0000-000000000000", aad=AAD, chunks=[CANARY])


def test_delete_is_idempotent(key_id: str, media: Path) -> None:
    blob = blob_save(data_key_id=key_id, aad=AAD, chunks=[CANARY])
    blob_delete(storage_name=blob.storage_name)
    assert not on_disk(media, blob).exists()
    blob_delete(storage_name=blob.storage_name)
    with pytest.raises(FileNotFoundError):
        blob_read(storage_name=blob.storage_name, data_key_id=key_id, aad=AAD)


@pytest.mark.parametrize("name", ["../settings.py", "blobs/../../etc/passwd", "/etc/passwd", "uploads/x.pdf", ""])
def test_only_blob_names_are_touched(name: str, key_id: str) -> None:
    with pytest.raises(ValueError, match="storage name"):
        blob_delete(storage_name=name)
    with pytest.raises(ValueError, match="storage name"):
        blob_open(storage_name=name, data_key_id=key_id, aad=AAD)


def test_a_stream_closed_early_releases_the_file(key_id: str) -> None:
    blob = blob_save(data_key_id=key_id, aad=AAD, chunks=[os.urandom(3 * SEGMENT_SIZE)])
    stream = blob_open(storage_name=blob.storage_name, data_key_id=key_id, aad=AAD)
    assert len(next(stream)) == SEGMENT_SIZE
    stream.close()  # type: ignore[attr-defined]
    assert list(stream) == []


# --- Constant memory ---------------------------------------------------------------------------------


def test_memory_stays_bounded_for_a_large_file(key_id: str) -> None:
    size, block = 50 * 1024 * 1024, os.urandom(100_000)

    def stream() -> Iterator[bytes]:
        left = size
        while left > 0:
            yield block[: min(left, len(block))]
            left -= len(block)

    expected = hashlib.sha256()
    for chunk in stream():
        expected.update(chunk)
    blob_save(data_key_id=key_id, aad=AAD, chunks=[b"warm-up"])  # key unwrapped and cached, storage set up

    tracemalloc.start()
    try:
        started = time.perf_counter()
        blob = blob_save(data_key_id=key_id, aad=AAD, chunks=stream())
        saved = time.perf_counter() - started
        _current, save_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        started = time.perf_counter()
        digest, length = hashlib.sha256(), 0
        for chunk in blob_open(storage_name=blob.storage_name, data_key_id=key_id, aad=AAD):
            digest.update(chunk)
            length += len(chunk)
        read = time.perf_counter() - started
        _current, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (blob.size, blob.sha256) == (size, expected.hexdigest())
    assert (length, digest.hexdigest()) == (size, expected.hexdigest())
    assert save_peak < 5 * 1024 * 1024, save_peak
    assert read_peak < 5 * 1024 * 1024, read_peak
    print(  # shown with -s: throughput under tracemalloc
        f"50 MB: save {size / saved / 1e6:.0f} MB/s, peak {save_peak / 1e6:.2f} MB; "
        f"read {size / read / 1e6:.0f} MB/s, peak {read_peak / 1e6:.2f} MB"
    )


# --- Content sniffing ----------------------------------------------------------------------------------


def image(kind: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


def pdf() -> bytes:
    from fpdf import FPDF

    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text="Haltebewilligung")
    return bytes(document.output())


def office(first: str, names: list[str], *, stored_first: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if stored_first is not None:
            archive.writestr(zipfile.ZipInfo(first), stored_first, compress_type=zipfile.ZIP_STORED)
        else:
            archive.writestr(first, "<?xml version='1.0'?><Types/>")
        for name in names:
            archive.writestr(name, "<?xml version='1.0'?><x/>" * 20)
    return buffer.getvalue()


HEIC_HEAD = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
AVIF_HEAD = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 64
DOCX = office("[Content_Types].xml", ["_rels/.rels", "word/document.xml", "word/styles.xml"])
XLSX = office("[Content_Types].xml", ["_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml"])
ODT = office("mimetype", ["content.xml"], stored_first=b"application/vnd.oasis.opendocument.text")
ODS = office("mimetype", ["content.xml"], stored_first=b"application/vnd.oasis.opendocument.spreadsheet")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (pdf(), "application/pdf"),
        (image("PNG"), "image/png"),
        (image("JPEG"), "image/jpeg"),
        (image("GIF"), "image/gif"),
        (image("TIFF"), "image/tiff"),
        (HEIC_HEAD, "image/heic"),
        (AVIF_HEAD, "image/avif"),
        (DOCX, DOCX_TYPE),
        (XLSX, XLSX_TYPE),
        (ODT, "application/vnd.oasis.opendocument.text"),
        (ODS, "application/vnd.oasis.opendocument.spreadsheet"),
        (office("readme.txt", ["data.bin"]), "application/zip"),
        ("Name;Ort\nMüller;Zürich\n".encode(), "text/plain"),
        ("\ufeffName;Ort\r\nMüller;Zürich\r\n".encode(), "text/plain"),
        ("Name;Ort\nMüller;Zürich\n".encode("cp1252"), "text/plain"),  # CSV as saved by Excel on Windows
        (("ä" * 5000).encode()[:8191], "text/plain"),  # the head ends within a character
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", None),
        (b"\x7fELF\x02\x01\x01\x00", None),
        (b"text with a \x00 byte", None),
        (b"", None),
    ],
)
def test_sniff_content_type(content: bytes, expected: str | None) -> None:
    assert sniff_content_type(content[:8192]) == expected


@pytest.mark.parametrize(
    ("name", "content", "accept", "expected"),
    [
        ("scan.pdf", pdf(), ("pdf", "jpg", "png"), "application/pdf"),
        ("SCAN.PDF", pdf(), ("pdf",), "application/pdf"),
        ("photo.jpeg", image("JPEG"), ("pdf", "jpg", "png"), "image/jpeg"),
        ("photo.jpg", image("JPEG"), ("jpeg",), "image/jpeg"),
        ("scan.tif", image("TIFF"), ("tiff",), "image/tiff"),
        ("liste.csv", b"a;b\n1;2\n", ("csv",), "text/csv"),
        (
            "brief.docx",
            DOCX,
            ("docx", "odt"),
            DOCX_TYPE,
        ),
        ("brief.odt", ODT, ("docx", "odt"), "application/vnd.oasis.opendocument.text"),
        # Word's first part is large: the head shows an Office package but not which one.
        (
            "brief.docx",
            office("[Content_Types].xml", ["docProps/thumbnail.jpeg"])[:8192],
            ("docx",),
            DOCX_TYPE,
        ),
    ],
)
def test_check_upload_accepts(name: str, content: bytes, accept: tuple[str, ...], expected: str) -> None:
    assert check_upload(name=name, head=content[:8192], accept=accept) == expected


@pytest.mark.parametrize(
    ("name", "content", "accept", "code"),
    [
        ("scan.pdf", image("PNG"), ("pdf", "png"), "file_content"),
        ("scan.pdf", b"MZ\x90\x00", ("pdf",), "file_content"),
        ("virus.exe", b"MZ\x90\x00", ("pdf",), "file_type"),
        ("photo.png", image("PNG"), ("pdf",), "file_type"),
        ("no-extension", pdf(), ("pdf",), "file_type"),
        (".pdf", pdf(), ("pdf",), "file_type"),
        ("table.xlsx", DOCX, ("xlsx",), "file_content"),
        ("table.xlsx", office("readme.txt", ["data.bin"]), ("xlsx",), "file_content"),
        ("letter.odt", ODS, ("odt",), "file_content"),
        ("notes.txt", b"\x00\x01\x02", ("txt",), "file_content"),
        ("empty.pdf", b"", ("pdf",), "file_content"),
        ("tool.exe", b"MZ", ("exe",), "file_type"),  # unknown types can never be accepted
    ],
)
def test_check_upload_refuses(name: str, content: bytes, accept: tuple[str, ...], code: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_upload(name=name, head=content[:8192], accept=accept)
    assert info.value.code == code
