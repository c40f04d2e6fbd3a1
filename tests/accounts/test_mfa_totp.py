"""Authenticator apps (TOTP, RFC 6238): the algorithm, the time window, replay, setup, removal."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from guichet.accounts.mfa import services as mfa_services
from guichet.accounts.mfa import totp, user_has_mfa
from guichet.accounts.models import RecoveryCode, TotpDevice, User
from guichet.core.actor import citizen_actor
from guichet.core.models import AuditEvent
from tests.accounts.mfa_support import active_totp, fresh_login, stale_login

# RFC 6238 appendix B: the seeds are ASCII "1234567890" repeated to the hash's block size.
SEED_SHA1 = b"12345678901234567890"
SEED_SHA256 = b"12345678901234567890123456789012"
SEED_SHA512 = b"1234567890123456789012345678901234567890123456789012345678901234"
RFC6238_VECTORS = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize(("at", "sha1", "sha256", "sha512"), RFC6238_VECTORS)
def test_rfc6238_test_vectors(at: int, sha1: str, sha256: str, sha512: str) -> None:
    assert totp.totp(SEED_SHA1, at=at, digits=8, digest="sha1") == sha1
    assert totp.totp(SEED_SHA256, at=at, digits=8, digest="sha256") == sha256
    assert totp.totp(SEED_SHA512, at=at, digits=8, digest="sha512") == sha512


def test_rfc4226_hotp_vectors() -> None:
    expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
    assert [totp.hotp(SEED_SHA1, counter) for counter in range(10)] == expected


def test_secret_round_trips_through_base32() -> None:
    secret = totp.secret_generate()
    assert len(totp.secret_bytes(secret)) == totp.SECRET_BYTES
    assert totp.secret_bytes(totp.secret_grouped(secret)) == totp.secret_bytes(secret)


@pytest.mark.parametrize(("offset", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)])
def test_window_is_one_step_either_side(offset: int, accepted: bool) -> None:
    now = 1_700_000_000.0
    code = totp.totp(SEED_SHA1, at=now + offset * totp.STEP_SECONDS)
    step = totp.totp_match(SEED_SHA1, code, at=now)
    assert (step is not None) is accepted
    if accepted:
        assert step == totp.time_step(now) + offset


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦"])
def test_malformed_codes_never_match(code: str) -> None:
    assert totp.totp_match(SEED_SHA1, code, at=1_700_000_000.0) is None


def test_spaces_in_a_code_are_ignored() -> None:
    now = 1_700_000_000.0
    code = totp.totp(SEED_SHA1, at=now)
    assert totp.totp_match(SEED_SHA1, f"{code[:3]} {code[3:]}", at=now) is not None


def test_otpauth_uri_carries_the_secret_and_issuer() -> None:
    uri = totp.otpauth_uri("JBSWY3DPEHPK3PXP", account_name="alice@example.ch", issuer="Guichet")
    assert uri.startswith("otpauth://totp/Guichet:alice@example.ch?")
    assert "secret=JBSWY3DPEHPK3PXP" in uri
    assert "issuer=Guichet" in uri
    assert "period=30" in uri
    assert "digits=6" in uri


def test_login_code_is_accepted_once(alice: User) -> None:
    device = active_totp(alice)
    now = time.time()
    code = totp.totp(totp.secret_bytes(device.secret), at=now)
    assert mfa_services.totp_verify(user=alice, code=code, at=now)
    assert not mfa_services.totp_verify(user=alice, code=code, at=now), "a replayed code must be refused"
    # An older (still in-window) code is refused too once a newer step was used.
    older = totp.totp(totp.secret_bytes(device.secret), at=now - totp.STEP_SECONDS)
    assert not mfa_services.totp_verify(user=alice, code=older, at=now)
    newer = totp.totp(totp.secret_bytes(device.secret), at=now + totp.STEP_SECONDS)
    assert mfa_services.totp_verify(user=alice, code=newer, at=now)


def test_service_refuses_codes_two_steps_away(alice: User) -> None:
    device = active_totp(alice)
    key = totp.secret_bytes(device.secret)
    now = time.time()
    assert not mfa_services.totp_verify(user=alice, code=totp.totp(key, at=now + 2 * totp.STEP_SECONDS), at=now)
    assert not mfa_services.totp_verify(user=alice, code=totp.totp(key, at=now - 2 * totp.STEP_SECONDS), at=now)
    assert mfa_services.totp_verify(user=alice, code=totp.totp(key, at=now - totp.STEP_SECONDS), at=now)


def test_unconfirmed_device_is_not_a_factor(alice: User) -> None:
    device = mfa_services.totp_setup_start(actor=citizen_actor(user=alice, profile=None))
    assert not user_has_mfa(user=alice)
    code = totp.totp(totp.secret_bytes(device.secret), at=time.time())
    assert not mfa_services.totp_verify(user=alice, code=code)


def test_setup_page_shows_qr_code_and_key_then_confirms(alice: User) -> None:
    client = fresh_login(Client(), alice)
    response = client.get(reverse("auth:mfa_totp_setup"))
    assert response.status_code == 200
    device = TotpDevice.objects.get(user=alice)
    html = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    assert totp.secret_grouped(device.secret) in html
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html
    assert "<script" not in html  # nothing inline; the page works without JavaScript
    assert device.confirmed_at is None
    assert not user_has_mfa(user=alice)

    # A reload keeps the same secret (the user may already have scanned it).
    client.get(reverse("auth:mfa_totp_setup"))
    assert TotpDevice.objects.get(user=alice).secret == device.secret

    code = totp.totp(totp.secret_bytes(device.secret), at=time.time())
    response = client.post(reverse("auth:mfa_totp_setup"), {"totp-code": code})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.content.decode())
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert user_has_mfa(user=alice)
    assert RecoveryCode.objects.filter(user=alice, used_at__isnull=True).count() == 10
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CHANGE, object_type="accounts.totpdevice", subject_ref=str(alice.pk)
    ).exists()
    # The confirming code cannot be replayed at login.
    assert not mfa_services.totp_verify(user=alice, code=code)
    # Once active, the setup page sends the user back to the overview.
    assert client.get(reverse("auth:mfa_totp_setup")).status_code == 302


def test_setup_with_a_wrong_code_shows_a_translated_error(alice: User) -> None:
    client = fresh_login(Client(), alice)
    client.get(reverse("auth:mfa_totp_setup"))
    device = TotpDevice.objects.get(user=alice)
    wrong = _code_outside_window(device.secret)
    response = client.post(reverse("auth:mfa_totp_setup"), {"totp-code": wrong}, headers={"accept-language": "en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "error-summary" in html
    assert "That code is not right" in html
    assert 'href="#id_totp-code"' in html
    assert not user_has_mfa(user=alice)
    response = client.post(reverse("auth:mfa_totp_setup"), {"totp-code": "12ab"}, headers={"accept-language": "en"})
    assert "Enter the 6 digits" in response.content.decode()


def test_removing_the_app_requires_recent_reauthentication(alice: User) -> None:
    active_totp(alice)
    client = stale_login(Client(), alice)
    response = client.post(reverse("auth:mfa_totp_disable"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("auth:reauthenticate"))
    assert user_has_mfa(user=alice)

    client = fresh_login(Client(), alice)
    assert client.get(reverse("auth:mfa_totp_disable")).status_code == 200
    response = client.post(reverse("auth:mfa_totp_disable"))
    assert response.status_code == 302
    assert response["Location"] == reverse("auth:mfa_index")
    assert not user_has_mfa(user=alice)
    assert not RecoveryCode.objects.filter(user=alice).exists(), "codes without any factor are dropped"
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CHANGE, detail__factor="totp", detail__change="removed", subject_ref=str(alice.pk)
    ).exists()


def test_setup_requires_recent_reauthentication(alice: User) -> None:
    client = stale_login(Client(), alice)
    response = client.get(reverse("auth:mfa_totp_setup"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("auth:reauthenticate"))
    assert not TotpDevice.objects.filter(user=alice).exists()


def test_guest_is_sent_to_login(db: None) -> None:
    for name in ("auth:mfa_index", "auth:mfa_totp_setup", "auth:mfa_totp_disable", "auth:mfa_recovery_codes"):
        response = Client().get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("auth:login"))


def test_removal_is_csrf_protected(alice: User) -> None:
    active_totp(alice)
    client = fresh_login(Client(enforce_csrf_checks=True), alice)
    assert client.post(reverse("auth:mfa_totp_disable")).status_code == 403
    assert user_has_mfa(user=alice)


def _code_outside_window(secret: str) -> str:
    key = totp.secret_bytes(secret)
    now = time.time()
    valid = {totp.totp(key, at=now + offset * totp.STEP_SECONDS) for offset in (-2, -1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c not in valid)
