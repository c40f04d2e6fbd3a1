"""Recovery codes: high-entropy, single-use, stored only as a keyed hash.

A code is ten characters from an alphabet without look-alikes (about 50 bits), shown as
``xxxxx-xxxxx``. Because the codes are random and long, a keyed SHA-256 is as safe as a slow
password hash and lets the code be found with one indexed query. The HMAC key is derived (HKDF)
from the account's own data key: a stolen database alone does not allow testing guesses, master
key rotation does not invalidate the codes (data keys are only re-wrapped), and erasing the
account (destroying its data key) makes the hashes meaningless too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from guichet.core.keys import data_key_material

COUNT = 10
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
LENGTH = 10


def code_generate() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def code_normalise(code: str) -> str:
    return "".join(ch for ch in code.casefold() if ch.isalnum())


def code_hash(*, data_key_id: str, code: str) -> str:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"guichet:mfa-recovery-code").derive(
        data_key_material(data_key_id)
    )
    return hmac.new(key, code_normalise(code).encode(), hashlib.sha256).hexdigest()


def code_looks_valid(code: str) -> bool:
    normalised = code_normalise(code)
    return len(normalised) == LENGTH and all(ch in ALPHABET for ch in normalised)
