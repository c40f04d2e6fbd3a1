"""Passkeys (WebAuthn): registration and authentication verified for real against a software
authenticator (ES256 key, 'none' attestation), listing, removal, origin and challenge checks."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from guichet.accounts.mfa import passkeys, user_has_mfa
from guichet.accounts.mfa import services as mfa_services
from guichet.accounts.models import Passkey, RecoveryCode, User
from guichet.core.models import AuditEvent
from tests.accounts.mfa_support import SoftAuthenticator, fresh_login, stale_login, start_pending, webauthn_options

HOST = {"host": "localhost"}


def _client(user: User) -> Client:
    return fresh_login(Client(headers=HOST), user)


def register(client: Client, authenticator: SoftAuthenticator, *, name: str = "Laptop") -> Passkey:
    page = client.get(reverse("auth:mfa_passkey_add")).content.decode()
    answer = authenticator.create(webauthn_options(page))
    response = client.post(reverse("auth:mfa_passkey_add"), {"name": name, "credential": answer})
    assert response.status_code in (200, 302), response.content
    return Passkey.objects.get(credential_id=passkeys.websafe_encode(authenticator.credential_id))


def test_register_a_passkey(alice: User) -> None:
    client = _client(alice)
    page = client.get(reverse("auth:mfa_passkey_add"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="/static/js/passkeys.js"' in html
    assert "<noscript>" in html  # the page explains what to do without JavaScript
    options = webauthn_options(html)
    assert options["rp"]["id"] == "localhost"

    authenticator = SoftAuthenticator()
    response = client.post(
        reverse("auth:mfa_passkey_add"), {"name": "Laptop", "credential": authenticator.create(options)}
    )
    assert response.status_code == 200  # first factor: the recovery codes are shown
    assert len(re.findall(r"<li><code>", response.content.decode())) == 10
    passkey = Passkey.objects.get(user=alice)
    assert passkey.name == "Laptop"
    assert passkey.sign_count == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM accounts_passkey WHERE id = %s", [passkey.pk])
        assert "Laptop" not in cursor.fetchone()[0]  # the name is encrypted at rest
    assert user_has_mfa(user=alice)
    assert RecoveryCode.objects.filter(user=alice).count() == 10
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CHANGE, object_type="accounts.passkey", detail__change="added"
    ).exists()

    overview = client.get(reverse("auth:mfa_index")).content.decode()
    assert "Laptop" in overview

    # A second passkey: no new recovery codes; the first one is excluded from re-registration.
    options = webauthn_options(client.get(reverse("auth:mfa_passkey_add")).content.decode())
    assert [item["id"] for item in options["excludeCredentials"]] == [passkey.credential_id]
    second = SoftAuthenticator()
    response = client.post(reverse("auth:mfa_passkey_add"), {"name": "Key", "credential": second.create(options)})
    assert response.status_code == 302
    assert Passkey.objects.filter(user=alice).count() == 2


def test_the_challenge_is_single_use(alice: User) -> None:
    client = _client(alice)
    options = webauthn_options(client.get(reverse("auth:mfa_passkey_add")).content.decode())
    answer = SoftAuthenticator().create(options)
    assert client.post(reverse("auth:mfa_passkey_add"), {"name": "A", "credential": answer}).status_code == 200
    Passkey.objects.all().delete()
    response = client.post(reverse("auth:mfa_passkey_add"), {"name": "A", "credential": answer})
    assert response.status_code == 200
    assert "could not be added" in response.content.decode() or "konnte nicht" in response.content.decode()
    assert not Passkey.objects.exists()


@pytest.mark.parametrize("origin", ["http://evil.localhost", "https://localhost.evil.example", "http://localhost:8000"])
def test_a_foreign_origin_is_refused(alice: User, origin: str) -> None:
    client = _client(alice)
    options = webauthn_options(client.get(reverse("auth:mfa_passkey_add")).content.decode())
    answer = SoftAuthenticator().create(options, origin=origin)
    response = client.post(reverse("auth:mfa_passkey_add"), {"name": "A", "credential": answer})
    assert response.status_code == 200
    assert not Passkey.objects.exists()


def test_a_wrong_relying_party_is_refused(alice: User) -> None:
    client = _client(alice)
    options = webauthn_options(client.get(reverse("auth:mfa_passkey_add")).content.decode())
    authenticator = SoftAuthenticator()
    authenticator.rp_id = "evil.example"
    options["rp"]["id"] = "evil.example"
    response = client.post(reverse("auth:mfa_passkey_add"), {"name": "A", "credential": authenticator.create(options)})
    assert response.status_code == 200
    assert not Passkey.objects.exists()


@override_settings(GUICHET_WEBAUTHN_RP_ID="guichet.example")
def test_relying_party_id_comes_from_settings(alice: User) -> None:
    client = fresh_login(Client(headers={"host": "portal.guichet.example"}), alice)
    with override_settings(ALLOWED_HOSTS=["portal.guichet.example"], SECURE_SSL_REDIRECT=False):
        page = client.get(reverse("auth:mfa_passkey_add"), secure=True).content.decode()
        options = webauthn_options(page)
        assert options["rp"]["id"] == "guichet.example"
        authenticator = SoftAuthenticator(rp_id="guichet.example", origin="https://portal.guichet.example")
        response = client.post(
            reverse("auth:mfa_passkey_add"), {"name": "A", "credential": authenticator.create(options)}, secure=True
        )
    assert response.status_code == 200
    assert Passkey.objects.filter(user=alice).exists()


def test_garbage_and_missing_answers_are_refused(alice: User) -> None:
    client = _client(alice)
    client.get(reverse("auth:mfa_passkey_add"))
    for credential in ["", "not json", '{"response": 1}', '{"id": "x", "rawId": "y", "response": {}}']:
        response = client.post(reverse("auth:mfa_passkey_add"), {"name": "A", "credential": credential})
        assert response.status_code == 200
        assert "error-summary" in response.content.decode()
    assert not Passkey.objects.exists()


def test_passkey_authentication_is_verified(alice: User) -> None:
    authenticator = SoftAuthenticator()
    passkey = register(_client(alice), authenticator)
    client = start_pending(Client(headers=HOST), alice)
    page = client.get(reverse("auth:login_mfa")).content.decode()
    answer = authenticator.get(webauthn_options(page))
    response = client.post(reverse("auth:login_mfa"), {"method": "passkey", "passkey-credential": answer})
    assert response.status_code == 302
    assert response["Location"] == reverse("account:dashboard")
    assert client.session["_auth_user_id"] == str(alice.pk)
    passkey.refresh_from_db()
    assert passkey.sign_count == authenticator.counter
    assert passkey.last_used_at is not None


def test_a_bad_signature_or_old_counter_is_refused(alice: User) -> None:
    authenticator = SoftAuthenticator()
    register(_client(alice), authenticator)

    client = start_pending(Client(headers=HOST), alice)
    options = webauthn_options(client.get(reverse("auth:login_mfa")).content.decode())
    impostor = SoftAuthenticator()
    impostor.credential_id = authenticator.credential_id  # same id, different key
    response = client.post(
        reverse("auth:login_mfa"), {"method": "passkey", "passkey-credential": impostor.get(options)}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session

    options = webauthn_options(response.content.decode())
    cloned = authenticator.get(options, counter=1)  # counter not above the stored one: a clone
    response = client.post(reverse("auth:login_mfa"), {"method": "passkey", "passkey-credential": cloned})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_assertion_cannot_be_replayed(alice: User) -> None:
    authenticator = SoftAuthenticator()
    register(_client(alice), authenticator)
    client = start_pending(Client(headers=HOST), alice)
    options = webauthn_options(client.get(reverse("auth:login_mfa")).content.decode())
    answer = authenticator.get(options)
    first = client.post(reverse("auth:login_mfa"), {"method": "passkey", "passkey-credential": answer})
    assert first.status_code == 302

    other = start_pending(Client(headers=HOST), alice)
    other.get(reverse("auth:login_mfa"))
    response = other.post(reverse("auth:login_mfa"), {"method": "passkey", "passkey-credential": answer})
    assert response.status_code == 200
    assert "_auth_user_id" not in other.session


def test_remove_a_passkey(alice: User, bob: User) -> None:
    authenticator = SoftAuthenticator()
    client = _client(alice)
    passkey = register(client, authenticator)
    url = reverse("auth:mfa_passkey_delete", args=[passkey.pk])

    # Bob cannot see or remove Alice's passkey: not found, not forbidden.
    assert _client(bob).get(url).status_code == 404
    assert _client(bob).post(url).status_code == 404
    # Removing needs a recent re-authentication.
    response = stale_login(Client(headers=HOST), alice).post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("auth:reauthenticate"))
    assert Passkey.objects.filter(pk=passkey.pk).exists()

    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    assert not Passkey.objects.filter(pk=passkey.pk).exists()
    assert not user_has_mfa(user=alice)
    assert not RecoveryCode.objects.filter(user=alice).exists()
    assert AuditEvent.objects.filter(detail__factor="passkey", detail__change="removed").exists()


def test_adding_needs_reauthentication(alice: User) -> None:
    response = stale_login(Client(headers=HOST), alice).get(reverse("auth:mfa_passkey_add"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("auth:reauthenticate"))


def test_duplicate_credential_is_refused(alice: User, bob: User) -> None:
    authenticator = SoftAuthenticator()
    register(_client(alice), authenticator)
    client = _client(bob)
    options = webauthn_options(client.get(reverse("auth:mfa_passkey_add")).content.decode())
    response = client.post(reverse("auth:mfa_passkey_add"), {"name": "B", "credential": authenticator.create(options)})
    assert response.status_code == 200
    assert not Passkey.objects.filter(user=bob).exists()
    assert mfa_services.THROTTLE_SCOPE == "mfa"
