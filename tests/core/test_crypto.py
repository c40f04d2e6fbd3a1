from __future__ import annotations

import base64
import threading
import time
from typing import Any

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connection, connections, transaction

from guichet.accounts.models import Profile, User
from guichet.core import crypto
from guichet.core.keys import INDEX_KEY_ID, blind_index, data_key_destroy, data_keys_preload, data_keys_rotate
from guichet.core.models import DataKey


def test_keyring_rejects_short_keys() -> None:
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        crypto.MasterKeyring.parse("k1:" + base64.b64encode(b"short").decode())


@pytest.mark.promise("P25")
def test_profile_values_are_stored_encrypted_and_read_back(alice: User) -> None:
    profile = alice.private_profile
    assert profile is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT first_name FROM accounts_profile WHERE id = %s",
            [profile.pk.hex if connection.vendor == "sqlite" else profile.pk],
        )
        (raw,) = cursor.fetchone()
    assert raw.startswith("gx1:")
    assert "Alice" not in raw
    assert Profile.objects.get(pk=profile.pk).first_name == "Alice"


@pytest.mark.promise("P25")
def test_destroying_the_data_key_makes_the_data_unreadable(alice: User) -> None:
    data_key_destroy(key_id=alice.data_key_id)
    crypto.data_key_cache.clear()
    assert Profile.objects.get(owner=alice, kind="private").first_name is None


def test_plaintext_bypass_of_save_is_refused(alice: User) -> None:
    with pytest.raises(FieldError, match="unencrypted"):
        Profile.objects.filter(owner=alice).update(first_name="Mallory")


def test_rotation_rewraps_every_live_key(alice: User, settings: object) -> None:
    new_key = base64.b64encode(b"n" * 32).decode()
    old = settings.GUICHET_MASTER_KEYS  # type: ignore[attr-defined]
    settings.GUICHET_MASTER_KEYS = f"k2:{new_key},{old}"  # type: ignore[attr-defined]
    assert data_keys_rotate() == DataKey.objects.filter(wrapped__isnull=False).count()
    crypto.data_key_cache.clear()
    settings.GUICHET_MASTER_KEYS = f"k2:{new_key}"  # type: ignore[attr-defined]  # old key retired
    assert User.objects.get(pk=alice.pk).email == "alice@example.ch"
    # The blind index did not change with the master key: the account is still found by email.
    assert User.objects.find_by_email("Alice@Example.ch") == alice


def test_a_destroyed_index_key_is_never_replaced_silently(alice: User) -> None:
    data_key_destroy(key_id=INDEX_KEY_ID)
    with pytest.raises(crypto.DecryptionError):
        User.objects.find_by_email("alice@example.ch")


@pytest.mark.django_db
def test_an_index_key_minted_in_a_rolled_back_transaction_is_never_used_again() -> None:
    """The first request ever to need the blind-index key creates it inside its own transaction;
    if that transaction is rolled back, no other request of the process may go on with the key."""
    DataKey.objects.filter(pk=INDEX_KEY_ID).delete()
    crypto.data_key_cache.evict(str(INDEX_KEY_ID))

    def failing_request() -> None:
        with transaction.atomic():
            blind_index("anna@example.ch", purpose="test")
            raise RuntimeError("the request fails after the key was made")

    with pytest.raises(RuntimeError):
        failing_request()

    after = blind_index("anna@example.ch", purpose="test")

    assert DataKey.objects.filter(pk=INDEX_KEY_ID, wrapped__isnull=False).exists()
    crypto.data_key_cache.clear()  # another process, or this one a minute later: the key from the database
    assert blind_index("anna@example.ch", purpose="test") == after


@pytest.mark.django_db(transaction=True)
def test_racing_first_uses_of_the_index_key_agree() -> None:
    """A request that needs the key while another one's creation is not committed yet waits for
    it and uses the same key."""
    if connection.vendor != "postgresql":
        pytest.skip("a second connection needs PostgreSQL (the SQLite test database is in memory)")
    DataKey.objects.filter(pk=INDEX_KEY_ID).delete()
    crypto.data_key_cache.evict(str(INDEX_KEY_ID))
    created, other = threading.Event(), {}

    def second_request() -> None:
        created.wait(10)
        try:
            other["index"] = blind_index("anna@example.ch", purpose="test")
        finally:
            connections.close_all()

    thread = threading.Thread(target=second_request)
    thread.start()
    with transaction.atomic():
        first = blind_index("anna@example.ch", purpose="test")
        created.set()
        time.sleep(0.3)  # the second request now waits for this commit
    thread.join(10)

    assert other["index"] == first


def test_preloading_unwraps_many_keys_in_one_query(alice: User, bob: User, django_assert_num_queries: Any) -> None:
    crypto.data_key_cache.clear()
    with django_assert_num_queries(1):
        data_keys_preload(key_ids=[alice.data_key_id, bob.data_key_id])
    with django_assert_num_queries(1):  # the profiles only: no data key is fetched again
        names = sorted(p.first_name for p in Profile.objects.filter(kind="private", owner__in=[alice, bob]))
    assert names == ["Alice", "Bob"]
