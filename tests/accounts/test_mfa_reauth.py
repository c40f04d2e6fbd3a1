"""Re-authentication is as strong as the login: an account with a second factor proves both
again before a sensitive action (ASVS 6/7: step-up), and the session key changes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from guichet.accounts.login_flow import MFA_PENDING_SESSION_KEY, REAUTH_SESSION_KEY
from guichet.accounts.models import User
from tests.accounts.mfa_support import active_totp, current_code, stale_login, start_pending
from tests.conftest import PASSWORD

SENSITIVE = "/accounts/email/change/"


def _reauth_with_password(client: Client) -> str:
    response = client.post(reverse("auth:reauthenticate"), {"password": PASSWORD, "next": SENSITIVE})
    assert response.status_code == 302
    return str(response["Location"])


def test_password_alone_is_not_enough_for_an_account_with_a_second_factor(client: Client, alice: User) -> None:
    device = active_totp(alice)
    stale_login(client, alice)
    assert _reauth_with_password(client) == reverse("auth:login_mfa")
    # Half-way, the sensitive page still asks to re-authenticate.
    assert client.get(SENSITIVE)["Location"].startswith(reverse("auth:reauthenticate"))

    key_before = client.session.session_key
    response = client.post(reverse("auth:login_mfa"), {"method": "totp", "totp-code": current_code(device)})
    assert response.status_code == 302
    assert response["Location"] == SENSITIVE
    assert client.session.session_key != key_before
    assert MFA_PENDING_SESSION_KEY not in client.session
    assert REAUTH_SESSION_KEY in client.session
    assert client.get(SENSITIVE).status_code == 200
    assert client.session["_auth_user_id"] == str(alice.pk)  # still the same login, not a new one


def test_without_a_second_factor_the_password_suffices(client: Client, bob: User) -> None:
    stale_login(client, bob)
    assert _reauth_with_password(client) == SENSITIVE


@pytest.mark.django_db
def test_a_step_up_cannot_be_completed_for_another_account(client: Client, alice: User, bob: User) -> None:
    device = active_totp(alice)
    stale_login(client, bob)
    start_pending(client, alice, next_url=SENSITIVE)
    session = client.session
    session[MFA_PENDING_SESSION_KEY]["purpose"] = "reauth"
    session.save()
    response = client.post(reverse("auth:login_mfa"), {"method": "totp", "totp-code": current_code(device)})
    assert response["Location"] == reverse("auth:login")
    assert client.session["_auth_user_id"] == str(bob.pk)
    assert client.get(SENSITIVE)["Location"].startswith(reverse("auth:reauthenticate"))
