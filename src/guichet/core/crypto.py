"""Envelope encryption for personal data at rest (P25).

- A *master keyring* comes from the environment (``GUICHET_MASTER_KEYS``): ``kid:base64key`` pairs,
  the first one active. Master keys never touch the database.
- Every person has a *data key* (random 256 bits) stored only wrapped (AES-256-GCM) under a
  master key, with the master key id so keys can be rotated.
- Field values are sealed with AES-256-GCM under the person's data key. The token records the
  data key id, and the associated data binds it to its table and column, so a ciphertext moved to
  another field does not decrypt.
- Destroying a data key (erasure) makes every value sealed under it unreadable, including the
  copies in older backups (crypto-shredding).
- Lookups use a keyed HMAC blind index (``core.keys.blind_index``). Its key is a system data key
  stored wrapped like every other data key, so rotating master keys never changes an index.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
import time
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TOKEN_PREFIX = "gx1"  # noqa: S105  (format marker of sealed values, not a secret)
_NONCE_BYTES = 12


class DecryptionError(Exception):
    """A value cannot be decrypted: its key was destroyed, or it was tampered with."""


@dataclass(frozen=True)
class MasterKeyring:
    active_kid: str
    keys: dict[str, bytes]

    @classmethod
    def parse(cls, spec: str) -> MasterKeyring:
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for item in (part.strip() for part in spec.split(",")):
            if not item:
                continue
            kid, sep, encoded = item.partition(":")
            if not sep or not kid:
                raise ImproperlyConfigured("GUICHET_MASTER_KEYS entries must look like 'kid:base64key'")
            try:
                raw = base64.b64decode(encoded, validate=True)
            except ValueError as exc:
                raise ImproperlyConfigured(f"master key {kid!r} is not valid base64") from exc
            if len(raw) != 32:
                raise ImproperlyConfigured(f"master key {kid!r} must be 32 bytes, got {len(raw)}")
            if kid in keys:
                raise ImproperlyConfigured(f"master key id {kid!r} appears twice")
            keys[kid] = raw
            order.append(kid)
        if not order:
            raise ImproperlyConfigured("GUICHET_MASTER_KEYS holds no key")
        return cls(active_kid=order[0], keys=keys)

    def wrap(self, data_key: bytes, *, key_id: str) -> tuple[str, bytes]:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self.keys[self.active_kid]).encrypt(nonce, data_key, f"datakey:{key_id}".encode())
        return self.active_kid, nonce + sealed

    def unwrap(self, wrapped: bytes, *, master_kid: str, key_id: str) -> bytes:
        master = self.keys.get(master_kid)
        if master is None:
            raise ImproperlyConfigured(f"master key {master_kid!r} is needed but not configured")
        return AESGCM(master).decrypt(wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:], f"datakey:{key_id}".encode())


@cache
def _keyring_for(spec: str) -> MasterKeyring:
    return MasterKeyring.parse(spec)


def keyring() -> MasterKeyring:
    return _keyring_for(settings.GUICHET_MASTER_KEYS)


def generate_master_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(plaintext: bytes, *, data_key: bytes, key_id: str, aad: str) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(data_key).encrypt(nonce, plaintext, aad.encode())
    return f"{TOKEN_PREFIX}:{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def parse_token(token: str) -> tuple[str, bytes]:
    prefix, _, rest = token.partition(":")
    key_id, _, payload = rest.partition(":")
    if prefix != TOKEN_PREFIX or not key_id or not payload:
        raise DecryptionError("not an encrypted token")
    return key_id, base64.urlsafe_b64decode(payload)


def open_sealed(blob: bytes, *, data_key: bytes, aad: str) -> bytes:
    try:
        return AESGCM(data_key).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], aad.encode())
    except Exception as exc:  # InvalidTag: tampered or moved between fields
        raise DecryptionError("integrity check failed") from exc


def hmac_index(value: str, *, key: bytes, purpose: str) -> str:
    """Keyed HMAC of a normalised value, with a sub-key per purpose so indexes are unlinkable."""
    sub_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"guichet:index:{purpose}".encode()).derive(
        key
    )
    return hmac.new(sub_key, value.strip().casefold().encode(), hashlib.sha256).hexdigest()


class DataKeyCache:
    """Process-local cache of unwrapped data keys, so a page listing many items of one person
    does not unwrap the same key again and again. Entries expire quickly; destroying a key
    evicts it at once in this process."""

    def __init__(self, *, ttl: float = 60.0, max_size: int = 2048) -> None:
        self._ttl = ttl
        self._max_size = max_size
        self._items: dict[str, tuple[float, bytes]] = {}
        self._lock = threading.Lock()

    def get(self, key_id: str) -> bytes | None:
        with self._lock:
            item = self._items.get(key_id)
            if item is None or item[0] < time.monotonic():
                self._items.pop(key_id, None)
                return None
            return item[1]

    def put(self, key_id: str, key: bytes) -> None:
        with self._lock:
            if len(self._items) >= self._max_size:
                self._items.clear()
            self._items[key_id] = (time.monotonic() + self._ttl, key)

    def evict(self, key_id: str) -> None:
        with self._lock:
            self._items.pop(key_id, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


data_key_cache = DataKeyCache()
