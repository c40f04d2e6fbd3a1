"""Recovery codes: ten, shown once, stored only hashed, single-use, regenerated after re-authentication."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from guichet.accounts.mfa import recovery
from guichet.accounts.mfa import services as mfa_services
from guichet.accounts.models import RecoveryCode, User
from guichet.core import crypto
from guichet.core.actor import citizen_actor
from guichet.core.keys import data_keys_rotate
from guichet.core.models import AuditEvent
from tests.accounts.mfa_support import active_totp, current_code, fresh_login, stale_login

CODE_RE = re.compile(r"<li><code>([a-z0-9-]+)</code></li>")


def _setup_totp_through_pages(client: Client, user: User) -> list[str]:
    client.get(reverse("auth:mfa_totp_setup"))
    device = user.totp
    response = client.post(reverse("auth:mfa_totp_setup"), {"totp-code": current_code(device)})
    return CODE_RE.findall(response.content.decode())


def _database_text() -> str:
    """Every value of every table, as text, with sessions decoded: a plaintext search target."""
    chunks: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            chunks.extend(repr(row) for row in cursor.fetchall())
    chunks.extend(repr(session.get_decoded()) for session in Session.objects.all())
    return "\n".join(chunks)


def test_codes_are_stored_hashed_and_nowhere_in_clear(alice: User) -> None:
    client = fresh_login(Client(), alice)
    codes = _setup_totp_through_pages(client, alice)
    assert len(codes) == recovery.COUNT
    stored = set(RecoveryCode.objects.filter(user=alice).values_list("code_hash", flat=True))
    assert len(stored) == recovery.COUNT
    text = _database_text()
    for code in codes:
        assert code not in text
        assert recovery.code_normalise(code) not in text
        assert code.upper() not in text
    assert recovery.code_hash(data_key_id=str(alice.data_key_id), code=codes[0]) in stored


def test_a_code_works_exactly_once(alice: User) -> None:
    client = fresh_login(Client(), alice)
    codes = _setup_totp_through_pages(client, alice)
    assert mfa_services.recovery_code_use(user=alice, code=codes[0])
    assert not mfa_services.recovery_code_use(user=alice, code=codes[0])
    # Typed differently (capitals, no hyphen, spaces): the same code, still spent.
    assert not mfa_services.recovery_code_use(user=alice, code=codes[0].upper().replace("-", " "))
    assert mfa_services.recovery_code_use(user=alice, code=f"  {codes[1].upper().replace('-', '')} ")
    assert RecoveryCode.objects.filter(user=alice, used_at__isnull=True).count() == recovery.COUNT - 2


def test_codes_are_bound_to_the_account(alice: User, bob: User) -> None:
    active_totp(alice)
    active_totp(bob)
    alice_codes = mfa_services.recovery_codes_regenerate(actor=citizen_actor(user=alice, profile=None))
    assert not mfa_services.recovery_code_use(user=bob, code=alice_codes[0])
    assert mfa_services.recovery_code_use(user=alice, code=alice_codes[0])


@pytest.mark.parametrize("code", ["", "abc", "abcde-abcde-abcde", "0000000000", "<script>"])
def test_malformed_codes_are_refused(alice: User, code: str) -> None:
    active_totp(alice)
    mfa_services.recovery_codes_regenerate(actor=citizen_actor(user=alice, profile=None))
    assert not mfa_services.recovery_code_use(user=alice, code=code)


def test_overview_shows_how_many_remain(alice: User) -> None:
    client = fresh_login(Client(), alice)
    codes = _setup_totp_through_pages(client, alice)
    mfa_services.recovery_code_use(user=alice, code=codes[3])
    response = client.get(reverse("auth:mfa_index"), headers={"accept-language": "en"})
    assert response.status_code == 200
    assert "You have 9 unused recovery codes" in response.content.decode()


def test_regenerating_replaces_every_code_and_needs_reauthentication(alice: User) -> None:
    client = fresh_login(Client(), alice)
    old = _setup_totp_through_pages(client, alice)

    stale = stale_login(Client(), alice)
    response = stale.post(reverse("auth:mfa_recovery_codes"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("auth:reauthenticate"))
    assert mfa_services.recovery_code_use(user=alice, code=old[0])

    assert client.get(reverse("auth:mfa_recovery_codes")).status_code == 200
    response = client.post(reverse("auth:mfa_recovery_codes"))
    assert response.status_code == 200
    new = CODE_RE.findall(response.content.decode())
    assert len(new) == recovery.COUNT
    assert not set(new) & set(old)
    assert not mfa_services.recovery_code_use(user=alice, code=old[1]), "old codes stop working"
    assert mfa_services.recovery_code_use(user=alice, code=new[0])
    assert AuditEvent.objects.filter(detail__factor="recovery_codes", detail__change="regenerated").exists()


def test_no_codes_without_a_factor(alice: User) -> None:
    client = fresh_login(Client(), alice)
    response = client.post(reverse("auth:mfa_recovery_codes"))
    assert response.status_code == 302
    assert not RecoveryCode.objects.filter(user=alice).exists()


def test_codes_survive_master_key_rotation(alice: User) -> None:
    active_totp(alice)
    codes = mfa_services.recovery_codes_regenerate(actor=citizen_actor(user=alice, profile=None))
    new_ring = f"new:{crypto.generate_master_key()},{settings.GUICHET_MASTER_KEYS}"
    with override_settings(GUICHET_MASTER_KEYS=new_ring):
        assert data_keys_rotate() >= 1
        crypto.data_key_cache.clear()
        assert mfa_services.recovery_code_use(user=alice, code=codes[0])
