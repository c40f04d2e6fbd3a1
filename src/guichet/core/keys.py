"""Data keys: create, unwrap, destroy (crypto-shredding) and rotate under a new master key."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from guichet.core import crypto
from guichet.core.inserts import insert_row
from guichet.core.models import DataKey

# The blind-index key is a data key with a fixed id that belongs to no person: wrapped by the
# master key and re-wrapped on rotation like any other, so the indexes never change with it.
INDEX_KEY_ID = uuid.uuid5(uuid.NAMESPACE_URL, "urn:guichet:blind-index-key")


def _data_key_insert(key_id: uuid.UUID) -> tuple[DataKey, bytes]:
    material = crypto.new_data_key()
    master_kid, wrapped = crypto.keyring().wrap(material, key_id=str(key_id))
    key = DataKey(id=key_id, master_kid=master_kid, wrapped=wrapped)
    insert_row(key)  # one per person and per booking: the INSERT is built once, not per call
    return key, material


def data_key_create(*, key_id: uuid.UUID | None = None) -> DataKey:
    key, material = _data_key_insert(key_id or uuid.uuid4())
    # The first value sealed under a new key follows at once: no need to read back what we hold.
    # Only after the row exists, so a failed insert leaves no key in the cache.
    crypto.data_key_cache.put(str(key.pk), material)
    return key


def data_key_material(key_id: str) -> bytes:
    cached = crypto.data_key_cache.get(key_id)
    if cached is not None:
        return cached
    row = DataKey.objects.filter(pk=key_id).values_list("master_kid", "wrapped").first()
    if row is None or row[1] is None:
        raise crypto.DecryptionError("data key destroyed or unknown")
    material = crypto.keyring().unwrap(bytes(row[1]), master_kid=row[0], key_id=key_id)
    crypto.data_key_cache.put(key_id, material)
    return material


def data_keys_preload(*, key_ids: Iterable[object]) -> None:
    """Unwrap many people's data keys with one query instead of one per person: a page that
    lists many people (staff lists, queues) stays at a constant number of queries."""
    missing = {str(key_id) for key_id in key_ids if crypto.data_key_cache.get(str(key_id)) is None}
    if not missing:
        return
    ring = crypto.keyring()
    rows = DataKey.objects.filter(pk__in=missing, wrapped__isnull=False).values_list("pk", "master_kid", "wrapped")
    for pk, master_kid, wrapped in rows:
        assert wrapped is not None  # filtered above
        crypto.data_key_cache.put(str(pk), ring.unwrap(bytes(wrapped), master_kid=master_kid, key_id=str(pk)))


def data_key_destroy(*, key_id: uuid.UUID | str) -> None:
    """Crypto-shred: forget the wrapped key for good. The row stays as a tombstone so values
    sealed under it are recognised as erased rather than as corrupt."""
    DataKey.objects.filter(pk=key_id).update(wrapped=None, destroyed_at=timezone.now())
    crypto.data_key_cache.evict(str(key_id))


def data_keys_rotate(*, batch_size: int = 500) -> int:
    """Re-wrap every live data key under the active master key; returns how many changed.

    The data itself is untouched: only the small wrapped keys are rewritten, so rotation is
    cheap and a retired master key can be removed from the configuration afterwards."""
    ring = crypto.keyring()
    changed = 0
    while True:
        with transaction.atomic():
            batch = list(
                DataKey.objects.select_for_update()
                .filter(wrapped__isnull=False)
                .exclude(master_kid=ring.active_kid)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return changed
            for key in batch:
                assert key.wrapped is not None  # filtered above
                material = ring.unwrap(bytes(key.wrapped), master_kid=key.master_kid, key_id=str(key.pk))
                key.master_kid, key.wrapped = ring.wrap(material, key_id=str(key.pk))
                key.rotated_at = timezone.now()
            DataKey.objects.bulk_update(batch, ["master_kid", "wrapped", "rotated_at"])
            changed += len(batch)


def _index_key() -> bytes:
    try:
        return data_key_material(str(INDEX_KEY_ID))
    except crypto.DecryptionError:
        pass  # not there yet, or created by a racing request that has not committed yet
    if DataKey.objects.filter(pk=INDEX_KEY_ID, wrapped__isnull=True).exists():
        raise crypto.DecryptionError("the blind-index key is destroyed")  # never mint a new one silently
    try:
        with transaction.atomic():
            _key, material = _data_key_insert(INDEX_KEY_ID)
    except IntegrityError:
        return data_key_material(str(INDEX_KEY_ID))  # a racing request created it first (waited for its commit)
    # Other requests of this process may use the new key only once it is committed: were the
    # caller's transaction rolled back, their indexes would be made with a key that never existed.
    transaction.on_commit(lambda: crypto.data_key_cache.put(str(INDEX_KEY_ID), material))
    return material


def blind_index(value: str, *, purpose: str) -> str:
    """Equality lookups (email, throttle buckets) without storing the value."""
    return crypto.hmac_index(value, key=_index_key(), purpose=purpose)
