#!/usr/bin/env python
"""Set translations in a .po catalogue: `po_set.py LANG 'msgid' 'msgstr' [...]`.

Replaces the entry's msgstr and clears its fuzzy flag; for the few strings a change adds,
without a full translation tool."""

from __future__ import annotations

import json
import sys
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "src" / "guichet" / "locale"


def po_quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def set_translation(text: str, msgid: str, msgstr: str) -> str:
    blocks = text.split("\n\n")
    for index, block in enumerate(blocks):
        lines = block.split("\n")
        body = [line for line in lines if not line.startswith("#")]
        joined = "".join(
            json.loads(line[6:] if line.startswith("msgid ") else line)
            for line in body
            if line.startswith("msgid ") or (line.startswith('"') and body.index(line) < _msgstr_at(body))
        )
        if joined != msgid:
            continue
        comments = [line for line in lines if line.startswith("#") and not line.startswith(("#, fuzzy", "#|"))]
        blocks[index] = "\n".join([*comments, f"msgid {po_quote(msgid)}", f"msgstr {po_quote(msgstr)}"])
        return "\n\n".join(blocks)
    raise SystemExit(f"msgid not found: {msgid!r}")


def _msgstr_at(body: list[str]) -> int:
    return next((i for i, line in enumerate(body) if line.startswith("msgstr")), len(body))


if __name__ == "__main__":
    language, *pairs = sys.argv[1:]
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    content = path.read_text(encoding="utf-8")
    for msgid, msgstr in zip(pairs[::2], pairs[1::2], strict=True):
        content = set_translation(content, msgid, msgstr)
    path.write_text(content, encoding="utf-8")
