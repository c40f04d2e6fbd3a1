"""The login second step: password → second factor → logged in with a new session key;
expiry of the pending login, wrong codes, and the per-account throttle."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from guichet.accounts.login_flow import MFA_PENDING_SESSION_KEY
from guichet.accounts.mfa import services as mfa_services
from guichet.accounts.models import ThrottleEvent, TotpDevice, User
from guichet.core.actor import citizen_actor
from guichet.core.keys import blind_index
from guichet.core.models import AuditEvent
from tests.accounts.mfa_support import (
    SoftAuthenticator,
    active_totp,
    current_code,
    fresh_login,
    start_pending,
    webauthn_options,
    wrong_code,
)
from tests.conftest import PASSWORD

EN = {"accept-language": "en"}
LOGIN_MFA = "auth:login_mfa"


def _password_step(client: Client, email: str, *, next_url: str = "") -> None:
    url = reverse("auth:login") + (f"?next={next_url}" if next_url else "")
    response = client.post(url, {"email": email, "password": PASSWORD, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == reverse(LOGIN_MFA)
    assert "_auth_user_id" not in client.session, "the password alone must not log in"


def test_password_then_totp_logs_in_with_a_new_session_key(alice: User) -> None:
    device = active_totp(alice)
    client = Client()
    _password_step(client, "alice@example.ch", next_url=reverse("account:profiles"))
    pending_key = client.session.session_key
    page = client.get(reverse(LOGIN_MFA), headers=EN)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html
    assert "Recovery code" in html

    response = client.post(reverse(LOGIN_MFA), {"method": "totp", "totp-code": current_code(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("account:profiles")
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert client.session.session_key != pending_key, "MFA step-up must rotate the session key"
    assert MFA_PENDING_SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, subject_ref=str(alice.pk)).exists()
    assert client.get(reverse("account:dashboard")).status_code == 200


def test_password_then_recovery_code(alice: User) -> None:
    active_totp(alice)
    codes = mfa_services.recovery_codes_regenerate(actor=citizen_actor(user=alice, profile=None))
    client = Client()
    _password_step(client, "alice@example.ch")
    response = client.post(reverse(LOGIN_MFA), {"method": "recovery", "recovery-code": codes[0]})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)

    again = Client()
    _password_step(again, "alice@example.ch")
    response = again.post(reverse(LOGIN_MFA), {"method": "recovery", "recovery-code": codes[0]}, headers=EN)
    assert response.status_code == 200
    assert "already used" in response.content.decode()
    assert "_auth_user_id" not in again.session


def test_password_then_passkey(alice: User) -> None:
    authenticator = SoftAuthenticator()
    setup = fresh_login(Client(headers={"host": "localhost"}), alice)
    options = webauthn_options(setup.get(reverse("auth:mfa_passkey_add")).content.decode())
    setup.post(reverse("auth:mfa_passkey_add"), {"name": "Phone", "credential": authenticator.create(options)})

    client = Client(headers={"host": "localhost"})
    _password_step(client, "alice@example.ch")
    page = client.get(reverse(LOGIN_MFA), headers=EN).content.decode()
    assert "<noscript>" in page
    assert "Recovery code" in page
    assert "Authenticator app" not in page  # alice has no app
    answer = authenticator.get(webauthn_options(page))
    response = client.post(reverse(LOGIN_MFA), {"method": "passkey", "passkey-credential": answer})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_the_same_code_cannot_be_used_for_two_logins(alice: User) -> None:
    device = active_totp(alice)
    code = current_code(device)
    first = start_pending(Client(), alice)
    assert first.post(reverse(LOGIN_MFA), {"method": "totp", "totp-code": code}).status_code == 302
    second = start_pending(Client(), alice)
    response = second.post(reverse(LOGIN_MFA), {"method": "totp", "totp-code": code}, headers=EN)
    assert response.status_code == 200
    assert "already used" in response.content.decode()
    assert "_auth_user_id" not in second.session


def test_wrong_code_shows_an_error_and_keeps_the_page_usable(alice: User) -> None:
    device = active_totp(alice)
    client = start_pending(Client(), alice)
    response = client.post(reverse(LOGIN_MFA), {"method": "totp", "totp-code": wrong_code(device)}, headers=EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "error-summary" in html
    assert "That code is not right" in html
    assert 'name="totp-code"' in html
    # Malformed input is explained, and does not count as a guess.
    response = client.post(reverse(LOGIN_MFA), {"method": "totp", "totp-code": "12"}, headers=EN)
    assert "Enter the 6 digits" in response.content.decode()
    assert ThrottleEvent.objects.filter(scope="mfa").count() == 1
    assert client.post(reverse(LOGIN_MFA), {"method": "totp", "totp-code": current_code(device)}).status_code == 302


def test_pending_login_expires_after_five_minutes(alice: User) -> None:
    device = active_totp(alice)
    client = start_pending(Client(), alice, at=int(time.time()) - 5 * 60 - 1)
    response = client.post(reverse(LOGIN_MFA), {"method": "totp", "totp-code": current_code(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("auth:login")
    assert "_auth_user_id" not in client.session
    assert MFA_PENDING_SESSION_KEY not in client.session

    client = start_pending(Client(), alice, at=int(time.time()) - 5 * 60 + 5)
    assert client.get(reverse(LOGIN_MFA)).status_code == 200


def test_without_a_pending_login_the_step_sends_to_login(alice: User) -> None:
    active_totp(alice)
    response = Client().get(reverse(LOGIN_MFA))
    assert response.status_code == 302
    assert response["Location"] == reverse("auth:login")


def test_an_account_without_second_factor_cannot_be_pending(bob: User) -> None:
    response = start_pending(Client(), bob).get(reverse(LOGIN_MFA))
    assert response.status_code == 302
    assert response["Location"] == reverse("auth:login")


def test_unsafe_next_is_ignored(alice: User) -> None:
    device = active_totp(alice)
    client = start_pending(Client(), alice, next_url="https://evil.example/")
    response = client.post(reverse(LOGIN_MFA), {"method": "totp", "totp-code": current_code(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)


def test_throttle_after_five_wrong_codes_with_retry_after(alice: User) -> None:
    device = active_totp(alice)
    limit = settings.GUICHET_LOGIN_MAX_FAILURES
    assert limit == 5
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client = start_pending(Client(), alice)
        for _ in range(limit):
            response = client.post(reverse(LOGIN_MFA), {"method": "totp", "totp-code": wrong_code(device)}, headers=EN)
            assert response.status_code == 200
        # The sixth attempt is refused even with the right code, and says when to come back.
        response = client.post(reverse(LOGIN_MFA), {"method": "totp", "totp-code": current_code(device)}, headers=EN)
        assert response.status_code == 429
        assert response["Retry-After"] == str(30 * 60)
        assert "Too many wrong attempts" in response.content.decode()
        assert "wait 30 minutes" in response.content.decode()
        assert "_auth_user_id" not in client.session
        # Per account: a fresh session (or another device) is throttled as well, recovery codes too.
        other = start_pending(Client(), alice)
        response = other.post(reverse(LOGIN_MFA), {"method": "recovery", "recovery-code": "abcde-fghjk"})
        assert response.status_code == 429
        # The bucket is the keyed hash of the account id, never the id itself.
        buckets = set(ThrottleEvent.objects.filter(scope="mfa").values_list("bucket", flat=True))
        assert buckets == {blind_index(str(alice.pk), purpose="mfa")}

        traveller.shift(dt.timedelta(minutes=29, seconds=59))
        client = start_pending(Client(), alice)
        response = client.post(reverse(LOGIN_MFA), {"method": "totp", "totp-code": current_code(device)})
        assert response.status_code == 429
        assert response["Retry-After"] == "1"

        traveller.shift(dt.timedelta(seconds=1))
        client = start_pending(Client(), alice)
        response = client.post(reverse(LOGIN_MFA), {"method": "totp", "totp-code": current_code(device)})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(alice.pk)
        assert not ThrottleEvent.objects.filter(scope="mfa").exists(), "success clears the count"


def test_four_wrong_codes_still_allow_the_right_one(alice: User) -> None:
    device = active_totp(alice)
    client = start_pending(Client(), alice)
    for _ in range(settings.GUICHET_LOGIN_MAX_FAILURES - 1):
        client.post(reverse(LOGIN_MFA), {"method": "totp", "totp-code": wrong_code(device)})
    response = client.post(reverse(LOGIN_MFA), {"method": "totp", "totp-code": current_code(device)})
    assert response.status_code == 302


def test_other_accounts_are_not_throttled(alice: User, bob: User) -> None:
    alice_device = active_totp(alice)
    bob_device = active_totp(bob)
    client = start_pending(Client(), alice)
    for _ in range(settings.GUICHET_LOGIN_MAX_FAILURES):
        client.post(reverse(LOGIN_MFA), {"method": "totp", "totp-code": wrong_code(alice_device)})
    response = start_pending(Client(), bob).post(
        reverse(LOGIN_MFA), {"method": "totp", "totp-code": current_code(bob_device)}
    )
    assert response.status_code == 302


def test_failures_are_audited_without_the_code(alice: User) -> None:
    device = active_totp(alice)
    code = wrong_code(device)
    start_pending(Client(), alice).post(reverse(LOGIN_MFA), {"method": "totp", "totp-code": code})
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED, subject_ref=str(alice.pk))
    assert event.detail == {"step": "mfa", "method": "totp"}
    assert code not in repr(event.__dict__)


@pytest.mark.parametrize("method", ["totp", "recovery", "passkey"])
def test_second_step_is_csrf_protected(alice: User, method: str) -> None:
    active_totp(alice)
    client = start_pending(Client(enforce_csrf_checks=True), alice)
    response = client.post(reverse(LOGIN_MFA), {"method": method})
    assert response.status_code == 403


def test_unconfirmed_app_does_not_trigger_the_second_step(bob: User) -> None:
    TotpDevice.objects.create(user=bob, data_key_id=bob.data_key_id, secret="JBSWY3DPEHPK3PXP")
    client = Client()
    response = client.post(reverse("auth:login"), {"email": "bob@example.ch", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] != reverse(LOGIN_MFA)
    assert client.session["_auth_user_id"] == str(bob.pk)
