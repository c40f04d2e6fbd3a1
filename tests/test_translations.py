"""Every user-facing string is translated in the four languages, and the compiled catalogues
match their sources (the .mo files are committed so no gettext tools are needed to run)."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"


CONTEXT_SEPARATOR = "\x04"


def _compiled(catalogue: gettext.GNUTranslations, key: str) -> str:
    if CONTEXT_SEPARATOR in key:
        context, msgid = key.split(CONTEXT_SEPARATOR, 1)
        return catalogue.pgettext(context, msgid)
    return catalogue.gettext(key)


def parse_po(path: Path) -> dict[str, str]:
    """A minimal .po reader: msgid/msgstr pairs (plural forms joined), fuzzy entries flagged."""
    entries: dict[str, str] = {}
    msgid: list[str] = []
    msgstr: list[str] = []
    target: list[str] | None = None
    extra_forms: list[list[str]] = []
    context: list[str] = []
    fuzzy = False

    def flush() -> None:
        nonlocal fuzzy
        key = "".join(msgid)
        if context:  # gettext's own key for a message with a context
            key = "".join(context) + CONTEXT_SEPARATOR + key
        if key:
            complete = not fuzzy and all("".join(form) for form in extra_forms)
            entries[key] = "".join(msgstr) if complete else ""
        msgid.clear()
        msgstr.clear()
        extra_forms.clear()
        context.clear()
        fuzzy = False

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#,") and "fuzzy" in line:
            flush()
            fuzzy = True
        elif line.startswith("msgctxt "):
            if msgstr:
                flush()
            target = context
            target.append(ast.literal_eval(line[8:]))
        elif line.startswith("msgid "):
            if msgstr:
                was_fuzzy = fuzzy
                flush()
                fuzzy = was_fuzzy
            target = msgid
            target.append(ast.literal_eval(line[6:]))
        elif line.startswith("msgid_plural "):
            target = None
        elif line.startswith(("msgstr ", "msgstr[0]")):
            target = msgstr
            target.append(ast.literal_eval(line.split(" ", 1)[1]))
        elif line.startswith("msgstr["):
            # Further plural forms: an empty one makes the whole entry untranslated.
            target = []
            extra_forms.append(target)
            target.append(ast.literal_eval(line.split(" ", 1)[1]))
        elif line.startswith('"') and target is not None:
            target.append(ast.literal_eval(line))
        elif not line.strip():
            flush()
            target = None
    flush()
    return entries


@pytest.mark.parametrize("language", ["de", "fr", "it", "en"])
def test_catalogue_is_complete(language: str) -> None:
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    assert po.is_file(), f"missing catalogue {po}: run `make messages`"
    entries = parse_po(po)
    assert len(entries) > 50, "the catalogue looks empty"
    untranslated = [msgid for msgid, msgstr in entries.items() if not msgstr]
    assert not untranslated, f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"


@pytest.mark.parametrize("language", ["de", "fr", "it", "en"])
def test_compiled_catalogue_matches_source(language: str) -> None:
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [msgid for msgid, msgstr in parse_po(folder / "django.po").items() if _compiled(compiled, msgid) != msgstr]
    assert not stale, f"{language}: django.mo is stale for {stale[:5]}: run `make messages`"
