"""Login: throttling, same answers, session key rotation, safe redirects, MFA hand-over, logs."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from guichet.accounts import login_flow
from guichet.accounts.models import ThrottleEvent, User
from guichet.core.models import AuditEvent
from tests.accounts.auth_support import english_client, log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "not-the-password"  # test value


def test_login_with_email_and_password(alice: User) -> None:
    client = english_client()
    response = log_in(client, "alice@example.ch")
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert client.session["_auth_user_id"] == str(alice.pk)
    alice.refresh_from_db()
    assert alice.last_login is not None


def test_login_page_is_accessible_form() -> None:
    page = english_client().get("/accounts/login/").content.decode()
    assert 'autocomplete="email"' in page
    assert 'autocomplete="current-password"' in page
    assert '<label for="id_email">' in page
    assert '<label for="id_password">' in page
    assert "/accounts/password/reset/" in page
    assert "/accounts/signup/" in page


def test_wrong_password_and_unknown_account_look_the_same(alice: User) -> None:
    client = english_client()
    wrong = log_in(client, "alice@example.ch", WRONG)
    unknown = log_in(client, "nobody@example.ch", WRONG)
    assert wrong.status_code == unknown.status_code == 200
    message = "The email address or the password is not correct."
    assert message in wrong.content.decode()
    assert message in unknown.content.decode()
    assert 'value="alice@example.ch"' in wrong.content.decode()  # the address is kept
    assert WRONG not in wrong.content.decode()


def test_session_key_changes_at_login(alice: User) -> None:
    client = english_client()
    client.get("/accounts/login/")  # the CSRF secret lives in the session: there is one already
    before = client.session.session_key
    assert before
    log_in(client, "alice@example.ch")
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_login_is_audited_and_logged_without_personal_data(alice: User, caplog: Any) -> None:
    with caplog.at_level(logging.INFO, logger="guichet.auth"):
        log_in(english_client(), "alice@example.ch", WRONG)
        log_in(english_client(), "alice@example.ch")
    actions = list(AuditEvent.objects.filter(subject_ref=str(alice.pk)).values_list("action", flat=True))
    assert AuditEvent.Action.LOGIN in actions
    assert AuditEvent.Action.LOGIN_FAILED in actions
    text = caplog.text
    assert "login ok" in text
    assert "login failed" in text
    assert "alice@example.ch" not in text
    assert PASSWORD not in text
    assert WRONG not in text


def test_throttle_at_the_exact_boundary_and_cool_off(alice: User, settings: Any) -> None:
    max_failures = settings.GUICHET_LOGIN_MAX_FAILURES
    assert max_failures == 5
    client = english_client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(max_failures):  # the 5th failure is still answered normally
            assert log_in(client, "alice@example.ch", WRONG).status_code == 200
        refused = log_in(client, "alice@example.ch")  # the 6th attempt: even the right password
        assert refused.status_code == 429
        assert "_auth_user_id" not in client.session
        assert "Too many failed attempts" in refused.content.decode()
        assert 0 < int(refused["Retry-After"]) <= settings.GUICHET_LOGIN_FAILURE_WINDOW
        # Unknown accounts get exactly the same treatment.
        for _ in range(max_failures):
            log_in(client, "ghost@example.ch", WRONG)
        assert log_in(client, "ghost@example.ch", WRONG).status_code == 429

        # Refused attempts do not prolong the cool-off; no permanent lockout.
        traveller.shift(datetime.timedelta(seconds=settings.GUICHET_LOGIN_FAILURE_WINDOW - 60))
        assert log_in(client, "alice@example.ch").status_code == 429
        traveller.shift(datetime.timedelta(seconds=61))
        allowed = log_in(client, "alice@example.ch")
        assert allowed.status_code == 302
        assert client.session["_auth_user_id"] == str(alice.pk)


def test_retry_after_counts_down_to_the_oldest_failure(alice: User, settings: Any) -> None:
    client = english_client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(settings.GUICHET_LOGIN_MAX_FAILURES):
            log_in(client, "alice@example.ch", WRONG)
            traveller.shift(datetime.timedelta(minutes=1))
        refused = log_in(client, "alice@example.ch")
    # The first failure was 5 minutes ago: it leaves the 30-minute window in 25 minutes.
    assert int(refused["Retry-After"]) == settings.GUICHET_LOGIN_FAILURE_WINDOW - 5 * 60


def test_success_resets_the_failure_count(alice: User, settings: Any) -> None:
    client = english_client()
    for _ in range(settings.GUICHET_LOGIN_MAX_FAILURES - 1):
        log_in(client, "alice@example.ch", WRONG)
    assert log_in(client, "alice@example.ch").status_code == 302
    other = english_client()
    for _ in range(settings.GUICHET_LOGIN_MAX_FAILURES):
        assert log_in(other, "alice@example.ch", WRONG).status_code == 200


def test_throttle_buckets_are_keyed_hashes(alice: User) -> None:
    log_in(english_client(), "alice@example.ch", WRONG)
    buckets = list(ThrottleEvent.objects.values_list("bucket", flat=True))
    assert buckets
    assert all(len(b) == 64 and "alice" not in b and "127.0.0.1" not in b for b in buckets)


def test_per_address_limit(alice: User, bob: User, settings: Any) -> None:
    settings.GUICHET_LOGIN_MAX_FAILURES_PER_IP = 3
    client = english_client()
    for index in range(3):
        assert log_in(client, f"someone{index}@example.ch", WRONG).status_code == 200
    refused = log_in(client, "bob@example.ch")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    # Another network address is not affected.
    assert log_in(english_client(REMOTE_ADDR="192.0.2.7"), "bob@example.ch").status_code == 302


def test_ipv6_addresses_are_grouped_by_prefix(alice: User, settings: Any) -> None:
    settings.GUICHET_LOGIN_MAX_FAILURES_PER_IP = 2
    log_in(english_client(REMOTE_ADDR="2001:db8::1"), "a@example.ch", WRONG)
    log_in(english_client(REMOTE_ADDR="2001:db8::2"), "b@example.ch", WRONG)
    assert log_in(english_client(REMOTE_ADDR="2001:db8::3"), "alice@example.ch").status_code == 429


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/account/profiles/", "/account/profiles/"),
        ("https://evil.example/steal", "/account/"),
        ("//evil.example/steal", "/account/"),
        ("/\\evil.example", "/account/"),
        ("javascript:alert(1)", "/account/"),
        ("http://testserver/account/profiles/", "http://testserver/account/profiles/"),
    ],
)
def test_next_is_followed_only_within_the_site(alice: User, next_url: str, expected: str) -> None:
    response = log_in(english_client(), "alice@example.ch", next=next_url)
    assert response.status_code == 302
    assert response["Location"] == expected


def test_next_from_the_query_string_survives_the_form(alice: User) -> None:
    client = english_client()
    page = client.get("/accounts/login/?next=/account/profiles/").content.decode()
    assert 'name="next" value="/account/profiles/"' in page
    evil = client.get("/accounts/login/?next=https://evil.example/").content.decode()
    assert 'name="next" value="https://evil.example/"' not in evil
    assert 'name="next"' not in evil  # an unsafe next is dropped, not carried in the form


def test_an_account_with_mfa_goes_to_the_second_step(alice: User, monkeypatch: Any) -> None:
    monkeypatch.setattr(login_flow, "user_has_mfa", lambda *, user: user.pk == alice.pk)
    client = english_client()
    response = log_in(client, "alice@example.ch", next="/account/profiles/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/mfa/"
    assert "_auth_user_id" not in client.session  # not logged in yet
    pending = client.session[login_flow.MFA_PENDING_SESSION_KEY]
    assert pending["user_id"] == str(alice.pk)
    assert pending["next"] == "/account/profiles/"
    assert isinstance(pending["at"], int)


def test_a_logged_in_user_visiting_login_is_sent_on(alice: User) -> None:
    client = english_client()
    client.force_login(alice)
    assert client.get("/accounts/login/")["Location"] == "/account/"


def test_an_inactive_account_cannot_log_in(alice: User) -> None:
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    response = log_in(english_client(), "alice@example.ch")
    assert response.status_code == 200
    assert "The email address or the password is not correct." in response.content.decode()


def test_logout_needs_a_post(alice: User) -> None:
    client = english_client()
    client.force_login(alice)
    page = client.get("/accounts/logout/")
    assert page.status_code == 200
    assert "Do you want to log out?" in page.content.decode()
    assert client.session["_auth_user_id"] == str(alice.pk)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert "You are logged out." in client.get("/").content.decode()
