"""The data export of the privacy centre: access and portability (P11, P23).

``export_archive(actor=...)`` streams a ZIP archive of everything Guichet holds about the
actor's account and all its profiles, built from the privacy registry: every ``DataKind`` with
an ``export`` function contributes its items. The archive holds

- ``index.html``: a readable, self-contained page (no scripts, no outside requests): per data
  kind a heading, its purpose, legal basis and retention, and a table of the items;
- ``data.json``: one JSON object, written incrementally::

      {"format": "guichet-export", "version": 1, "generated_at": "<ISO>", "language": "en",
       "kinds": [{"model": "app.Model", "name": ..., "purpose": ..., "legal_basis": ...,
                  "retention": ..., "items": [{...}, ...]}, ...]}

- ``<app>.<model>.csv`` (e.g. ``cases.case.csv``): one CSV file (UTF-8 with BOM, comma
  separated, header row) per data kind; nested values (form answers) are JSON text.

Every item carries ``purpose``, ``legal_basis`` and ``deleted_on``: the ISO date when its
retention rule deletes it, or the retention in words when that depends on a later event
("while the account exists").

Memory stays constant whatever the number of items: export functions are generators over
``iterator(chunk_size=...)`` querysets, and the ZIP is written into a small in-memory sink that
is drained after every item. Each of the three outputs (HTML, JSON, CSV) reads the items
afresh, so nothing decrypted is ever spooled to disk; the price is three reads per kind.

Export functions (``DataKind.export``, next to each kind in ``<app>/privacy.py``) take the
user and yield dicts of plain JSON values (str, int, bool, None, lists and dicts of those;
dates as ISO text), with the same keys for every item of a kind (the CSV header comes from the
first item). They never yield secrets: no password or token hashes, no TOTP secret, no keys.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone
from django.utils.html import escape
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext
from django.utils.translation import override as language_override

from guichet.core.actor import Actor
from guichet.core.registry import DataKind, registry

#: rows read per query by the export functions (``QuerySet.iterator(chunk_size=...)``)
CHUNK_SIZE = 500
FORMAT_NAME = "guichet-export"
FORMAT_VERSION = 1
#: drain the ZIP sink once it holds this much
FLUSH_AT = 64 * 1024
#: spreadsheet programs run cells starting with these as formulas: such text gets a leading "'"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- helpers for the export functions -----------------------------------------------------------


def iso(value: datetime.datetime | datetime.date | None) -> str | None:
    """A date or moment as ISO text (moments in the local time zone), ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        return moment.isoformat(timespec="seconds")
    return value.isoformat()


def date_after(moment: datetime.datetime | None, period: datetime.timedelta) -> str | None:
    """The ISO date on which ``moment + period`` falls (a retention rule's deletion date)."""
    if moment is None:
        return None
    end = moment + period
    return (timezone.localtime(end) if timezone.is_aware(end) else end).date().isoformat()


# --- the archive ----------------------------------------------------------------------------------


class _Sink:
    """A write-only file for ``zipfile`` that keeps what was written until ``drain``."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._position = 0

    def write(self, data: bytes, /) -> int:
        self._buffer += data
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def size(self) -> int:
        return len(self._buffer)

    def drain(self) -> bytes:
        data = bytes(self._buffer)
        self._buffer.clear()
        return data


def exported_kinds() -> list[DataKind]:
    """The registry's kinds that have an export function, in registry order."""
    return [kind for kind in registry if kind.export is not None]


def kind_items(kind: DataKind, user: Any) -> Iterator[dict[str, Any]]:
    """The kind's items for ``user``, each with purpose, legal basis and deletion date."""
    from guichet.privacy.selectors import retention_text

    assert kind.export is not None
    purpose, legal_basis, retention = str(kind.purpose), str(kind.legal_basis), str(retention_text(kind))
    for row in kind.export(user):
        item = dict(row)
        item["purpose"] = purpose
        item["legal_basis"] = legal_basis
        item["deleted_on"] = row.get("deleted_on") or retention
        yield item


def csv_name(kind: DataKind) -> str:
    return f"{kind.model.lower()}.csv"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _label(key: str) -> str:
    return capfirst(key.replace("_", " "))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _kind_header(kind: DataKind) -> dict[str, str]:
    from guichet.privacy.selectors import retention_text

    return {
        "model": kind.model,
        "name": str(capfirst(kind.verbose_name)),
        "purpose": str(kind.purpose),
        "legal_basis": str(kind.legal_basis),
        "retention": str(retention_text(kind)),
    }


def _json_parts(kinds: Iterable[DataKind], user: Any, generated_at: str) -> Iterator[str]:
    head = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "generated_at": generated_at, "language": get_language()}
    yield _json(head)[:-1] + ', "kinds": ['
    for number, kind in enumerate(kinds):
        yield ("," if number else "") + "\n" + _json(_kind_header(kind))[:-1] + ', "items": ['
        for index, item in enumerate(kind_items(kind, user)):
            yield ("," if index else "") + "\n" + _json(item)
        yield "]}"
    yield "\n]}\n"


def _csv_parts(kind: DataKind, user: Any) -> Iterator[str]:
    line = io.StringIO()
    writer: csv.DictWriter[str] | None = None
    yield "\ufeff"  # so that spreadsheet programs read UTF-8
    for item in kind_items(kind, user):
        if writer is None:
            writer = csv.DictWriter(line, fieldnames=list(item), extrasaction="ignore", lineterminator="\r\n")
            writer.writeheader()
        writer.writerow({key: _cell(value) for key, value in item.items()})
        yield line.getvalue()
        line.seek(0)
        line.truncate()


_STYLE = (
    "body{font-family:system-ui,sans-serif;line-height:1.5;margin:2rem auto;max-width:80rem;padding:0 1rem;"
    "color:#1a1a1a;background:#fff}table{border-collapse:collapse;width:100%;margin:1rem 0 2rem}"
    "th,td{border:1px solid #767676;padding:.3rem .5rem;text-align:left;vertical-align:top}"
    "thead th{background:#f0f0f0}.wrap{overflow-x:auto}pre{margin:0;white-space:pre-wrap;font:inherit}"
    "dt{font-weight:bold}dd{margin:0 0 .5rem}"
)


def _html_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return escape(gettext("yes") if value else gettext("no"))
    if isinstance(value, (dict, list)):
        return "<pre>" + escape(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)) + "</pre>"
    return escape(str(value))


def _html_parts(kinds: list[DataKind], user: Any, generated_at: str) -> Iterator[str]:
    title = gettext("Your data at the online counter")
    yield (
        f'<!DOCTYPE html>\n<html lang="{escape(get_language() or "en")}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{escape(title)}</title>\n'
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{escape(title)}</h1>\n"
        f"<p>{escape(gettext('Created on %(date)s.') % {'date': generated_at})} "
        + escape(
            gettext(
                "This page lists everything we hold about your account and all its profiles. The same data is "
                "in data.json and in one CSV file per kind of data, for use in other programs."
            )
        )
        + "</p>\n"
    )
    if kinds:
        yield f'<nav aria-labelledby="toc"><h2 id="toc">{escape(gettext("Contents"))}</h2><ul>\n'
        for number, kind in enumerate(kinds):
            yield f'<li><a href="#kind-{number}">{escape(capfirst(kind.verbose_name))}</a></li>\n'
        yield "</ul></nav>\n"
    for number, kind in enumerate(kinds):
        header = _kind_header(kind)
        yield (
            f'<section aria-labelledby="kind-{number}">\n<h2 id="kind-{number}">{escape(header["name"])}</h2>\n<dl>'
            f"<dt>{escape(gettext('Purpose'))}</dt><dd>{escape(header['purpose'])}</dd>"
            f"<dt>{escape(gettext('Legal basis'))}</dt><dd>{escape(header['legal_basis'])}</dd>"
            f"<dt>{escape(gettext('Kept'))}</dt><dd>{escape(header['retention'])}</dd>"
            f"<dt>{escape(gettext('File'))}</dt><dd>{escape(csv_name(kind))}</dd></dl>\n"
        )
        columns: list[str] | None = None
        for item in kind_items(kind, user):
            if columns is None:
                columns = [key for key in item if key not in ("purpose", "legal_basis")]
                yield (
                    f'<div class="wrap"><table>\n<caption>{escape(header["name"])}</caption>\n<thead><tr>'
                    + "".join(f'<th scope="col">{escape(_label(key))}</th>' for key in columns)
                    + "</tr></thead>\n<tbody>\n"
                )
            yield "<tr>" + "".join(f"<td>{_html_value(item.get(key))}</td>" for key in columns) + "</tr>\n"
        if columns is None:
            yield f"<p>{escape(gettext('We hold nothing of this kind about you.'))}</p>\n</section>\n"
        else:
            yield "</tbody>\n</table></div>\n</section>\n"
    yield "</main>\n</body>\n</html>\n"


def export_archive(*, actor: Actor, language: str | None = None) -> Iterator[bytes]:
    """The ZIP archive of the actor's data, as a stream of chunks (see the module docstring).

    ``language``: the language of the texts (default: the active one when called); it is held
    while the stream is read, which happens after the view has returned."""
    if not actor.is_citizen or actor.user is None:
        raise PermissionError("only an account holder exports their own data")
    user = actor.user
    language = language or get_language() or "en"
    generated_at = iso(timezone.now()) or ""
    kinds = exported_kinds()
    entries: list[tuple[str, Iterable[str]]] = [
        ("index.html", _html_parts(kinds, user, generated_at)),
        ("data.json", _json_parts(kinds, user, generated_at)),
        *((csv_name(kind), _csv_parts(kind, user)) for kind in kinds),
    ]
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, parts in entries:
            info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as entry, language_override(language):
                for part in parts:
                    entry.write(part.encode("utf-8"))
                    if sink.size() >= FLUSH_AT:
                        yield sink.drain()
            yield sink.drain()
    yield sink.drain()
