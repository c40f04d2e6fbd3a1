"""Downloads of personal documents: always saved (never shown inline or sniffed), never cached,
and stored files decrypted while they are sent (constant memory).

One place for the headers, so the citizen's and the clerk's downloads cannot drift apart."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from urllib.parse import quote

from django.http import Http404, StreamingHttpResponse
from django.http.response import HttpResponseBase

from guichet.core import crypto
from guichet.core.files import EXTENSION_TYPES, blob_open

#: The types uploads are checked against (``core.files.check_upload``) and their usual extension.
EXTENSIONS: dict[str, str] = {}
for _extension, _mime in EXTENSION_TYPES.items():
    EXTENSIONS.setdefault(_mime, _extension)


def safe_name(name: str) -> str:
    """A person's file name made harmless for ``filename*``: no folders, no control or
    direction-changing characters, not too long."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/")).rsplit("/", 1)[-1]
    base = "".join(char for char in base if unicodedata.category(char)[0] != "C")
    return base.strip().strip(".")[:150]


def _ascii(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.replace("ß", "ss"))
    text = "".join(c for c in folded if c.isascii() and c.isprintable() and c not in '"\\;')
    return text.strip() or "document"


def as_download[R: HttpResponseBase](response: R, *, filename: str, original: str = "") -> R:
    """Headers for a download. ``filename`` is the ASCII name every client understands;
    ``original`` (a person's own file name) goes into an RFC 5987 ``filename*`` that browsers
    prefer when they can."""
    disposition = f'attachment; filename="{_ascii(filename)}"'
    safe = safe_name(original)
    if safe:
        disposition += f"; filename*=UTF-8''{quote(safe, safe='')}"
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def open_stored(*, storage_name: str, data_key_id: str, aad: str) -> Iterator[bytes]:
    """The decrypted chunks of a stored file; a 404 when it is erased (key destroyed) or gone."""
    try:
        return blob_open(storage_name=storage_name, data_key_id=data_key_id, aad=aad)
    except (crypto.DecryptionError, FileNotFoundError, ValueError) as exc:
        raise Http404 from exc


def stored_file_response(
    chunks: Iterator[bytes], *, content_type: str, size: int, filename_stem: str, original: str
) -> StreamingHttpResponse:
    """Stream an opened stored file. Only the checked upload types are served as such."""
    served = content_type if content_type in EXTENSIONS else "application/octet-stream"
    response = StreamingHttpResponse(chunks, content_type=served)
    response["Content-Length"] = str(size)
    return as_download(response, filename=f"{filename_stem}.{EXTENSIONS.get(served, 'bin')}", original=original)
