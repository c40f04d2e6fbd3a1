"""Case reference numbers a person can read out on the phone: ``2026-K7QM-4X9R``.

The year, then seven random symbols and one check symbol from an alphabet without look-alikes
(no 0/O, 1/I/L, U/V). The check symbol catches every single mistyped symbol and every swap of
two neighbours, so a clerk knows at once when a number was misheard."""

from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"  # 29 symbols: a prime, so the weighted check works
_RANDOM_SYMBOLS = 7
_PATTERN = re.compile(rf"^(\d{{4}})([{ALPHABET}]{{8}})$")


def check_symbol(symbols: str) -> str:
    """Weighted sum modulo 29 (a prime): position weights 1..n catch substitutions and transpositions."""
    total = sum((position + 1) * ALPHABET.index(symbol) for position, symbol in enumerate(symbols))
    return ALPHABET[total % len(ALPHABET)]


def format_reference(year: int, symbols: str) -> str:
    return f"{year:04d}-{symbols[:4]}-{symbols[4:]}"


def new_reference(*, year: int) -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(_RANDOM_SYMBOLS))
    return format_reference(year, symbols + check_symbol(symbols))


def normalise_reference(text: str) -> str | None:
    """The canonical form of a typed reference (case, spaces and dashes ignored; O read as 0 is
    not possible, so O → Q is not guessed), or ``None`` if it cannot be one."""
    compact = re.sub(r"[\s\-\u2013.]", "", text or "").upper()
    match = _PATTERN.match(compact)
    if match is None:
        return None
    year, symbols = match.groups()
    if check_symbol(symbols[:-1]) != symbols[-1]:
        return None
    return format_reference(int(year), symbols)
