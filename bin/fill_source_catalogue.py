#!/usr/bin/env python
"""English is the source language: fill the en catalogue's empty msgstr with the msgid.

Run by `make messages` after makemessages; de/fr/it are translated by people (or reviewed)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ENTRY = re.compile(r'(?ms)^(msgid (?:"[^\n]*"\n)+)(msgstr "")\n(?!")')
PLURAL = re.compile(r'(?ms)^(msgid (?:"[^\n]*"\n)+)(msgid_plural (?:"[^\n]*"\n)+)msgstr\[0\] ""\nmsgstr\[1\] ""\n')


def fill(text: str) -> str:
    def single(match: re.Match[str]) -> str:
        msgid = match.group(1)
        if msgid.startswith('msgid ""\n"') or msgid != 'msgid ""\n':
            return msgid + "msgstr" + msgid[len("msgid") :].rstrip("\n") + "\n"
        return match.group(0)

    def plural(match: re.Match[str]) -> str:
        msgid, msgid_plural = match.group(1), match.group(2)
        return (
            msgid
            + msgid_plural
            + "msgstr[0]"
            + msgid[len("msgid") :]
            + "msgstr[1]"
            + msgid_plural[len("msgid_plural") :]
        )

    text = PLURAL.sub(plural, text)
    return ENTRY.sub(single, text)


if __name__ == "__main__":
    path = Path(sys.argv[1])
    path.write_text(fill(path.read_text(encoding="utf-8")), encoding="utf-8")
