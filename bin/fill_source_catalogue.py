#!/usr/bin/env python
"""After makemessages: drop msgmerge's fuzzy guesses and fill the source-language catalogue.

msgmerge pairs a new string with a similar old one and marks it fuzzy ("Online form" gets the
translation of "Online counter"); such guesses are wrong more often than right, so every fuzzy
entry is emptied for a translator. English is the source language: its catalogue gets each
msgid as msgstr. Usage: fill_source_catalogue.py LOCALE_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _strings(lines: list[str], keyword: str) -> tuple[str, int]:
    """The joined string value that starts at the line beginning with ``keyword``, and its end."""
    start = next(i for i, line in enumerate(lines) if line.startswith(keyword + " "))
    text = json.loads(lines[start][len(keyword) + 1 :])
    end = start + 1
    while end < len(lines) and lines[end].startswith('"'):
        text += json.loads(lines[end])
        end += 1
    return text, end


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def rewrite_entry(block: str, *, source: bool) -> str:
    lines = block.split("\n")
    if not any(line.startswith("msgid ") for line in lines):
        return block
    msgid, _ = _strings(lines, "msgid")
    if msgid == "":
        return block  # the header
    flags = [line for line in lines if line.startswith("#,")]
    fuzzy = any("fuzzy" in line for line in flags)
    if not fuzzy and not source:
        return block
    comments = [line for line in lines if line.startswith("#") and not line.startswith(("#,", "#|"))]
    kept_flags = []
    for line in flags:
        rest = [flag.strip() for flag in line[2:].split(",") if flag.strip() and flag.strip() != "fuzzy"]
        if rest:
            kept_flags.append("#, " + ", ".join(rest))
    context = (
        [f"msgctxt {_quote(_strings(lines, 'msgctxt')[0])}"]
        if any(line.startswith("msgctxt ") for line in lines)
        else []
    )
    out = [*comments, *kept_flags, *context, f"msgid {_quote(msgid)}"]
    if any(line.startswith("msgid_plural ") for line in lines):
        plural, _ = _strings(lines, "msgid_plural")
        forms = sum(1 for line in lines if line.startswith("msgstr["))
        out.append(f"msgid_plural {_quote(plural)}")
        for n in range(forms):  # English: singular, then plural; others: emptied guesses
            out.append(f"msgstr[{n}] {_quote((msgid if n == 0 else plural) if source else '')}")
    else:
        current, _ = _strings(lines, "msgstr")
        value = msgid if source and (fuzzy or not current) else ("" if fuzzy else current)
        out.append(f"msgstr {_quote(value)}")
    return "\n".join(out)


def process(path: Path, *, source: bool) -> None:
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    path.write_text("\n\n".join(rewrite_entry(b, source=source) for b in blocks), encoding="utf-8")


if __name__ == "__main__":
    locale = Path(sys.argv[1])
    for po in sorted(locale.glob("*/LC_MESSAGES/django.po")):
        process(po, source=po.parent.parent.name == "en")
