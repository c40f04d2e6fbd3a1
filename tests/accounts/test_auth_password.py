"""Password reset (same answer, rate limits, single-use links) and password change."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from guichet.accounts.models import EmailToken, User
from tests.accounts.auth_support import english_client, link_in, log_in, mails_to
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "seven swans swimming"  # test value


def _ask(client: Any, capture: Any, email: str) -> Any:
    with capture(execute=True):
        return client.post("/accounts/password/reset/", {"email": email})


def _set(client: Any, path: str, password: str = NEW, again: str | None = None) -> Any:
    return client.post(path, {"password1": password, "password2": password if again is None else again})


def test_known_and_unknown_address_get_the_same_answer(alice: User, django_capture_on_commit_callbacks: Any) -> None:
    client = english_client()
    known = _ask(client, django_capture_on_commit_callbacks, "alice@example.ch")
    unknown = _ask(client, django_capture_on_commit_callbacks, "nobody@example.ch")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/done/"
    assert "If an account uses this address" in client.get(known["Location"]).content.decode()
    assert len(mails_to("alice@example.ch")) == 1
    assert mails_to("nobody@example.ch") == []


def test_reset_journey_ends_every_other_session(alice: User, django_capture_on_commit_callbacks: Any) -> None:
    elsewhere = english_client()
    assert log_in(elsewhere, "alice@example.ch").status_code == 302
    assert elsewhere.get("/accounts/password/change/").status_code == 200

    client = english_client()
    _ask(client, django_capture_on_commit_callbacks, "alice@example.ch")
    (message,) = mail.outbox
    assert "Alice" not in message.body
    path = link_in(message, "password/reset/")
    page = client.get(path)
    assert page.status_code == 200
    assert 'autocomplete="new-password"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _set(client, path)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"

    # The other device is logged out on its next request; the old password no longer works.
    assert elsewhere.get("/accounts/password/change/").status_code == 302
    assert log_in(english_client(), "alice@example.ch").status_code == 200
    assert log_in(english_client(), "alice@example.ch", NEW).status_code == 302
    # The account owner is told about the change.
    assert any("password of your account was just changed" in m.body for m in mails_to("alice@example.ch"))


def test_reset_link_works_once_and_older_links_die(alice: User, django_capture_on_commit_callbacks: Any) -> None:
    client = english_client()
    _ask(client, django_capture_on_commit_callbacks, "alice@example.ch")
    _ask(client, django_capture_on_commit_callbacks, "alice@example.ch")
    first, second = (link_in(m, "password/reset/") for m in mail.outbox)
    assert _set(client, second).status_code == 302
    assert _set(client, second, "another fine password").status_code == 400
    assert client.get(first).status_code == 400  # the other link was invalidated too
    assert "This link cannot be used" in client.get(first).content.decode()
    assert not EmailToken.objects.filter(purpose=EmailToken.Purpose.RESET, used_at__isnull=True).exists()


def test_reset_link_expires_after_an_hour(alice: User, django_capture_on_commit_callbacks: Any) -> None:
    client = english_client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _ask(client, django_capture_on_commit_callbacks, "alice@example.ch")
        path = link_in(mail.outbox[0], "password/reset/")
        traveller.shift(datetime.timedelta(minutes=59))
        assert client.get(path).status_code == 200
        traveller.shift(datetime.timedelta(minutes=2))
        assert client.get(path).status_code == 400
        assert _set(client, path).status_code == 400
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_new_password_follows_the_rules(alice: User, django_capture_on_commit_callbacks: Any) -> None:
    client = english_client()
    _ask(client, django_capture_on_commit_callbacks, "alice@example.ch")
    path = link_in(mail.outbox[0], "password/reset/")
    for bad, message in (("short", "too short"), ("password123", "too common")):
        page = _set(client, path, bad)
        assert page.status_code == 200
        assert message in page.content.decode()
    assert "do not match" in _set(client, path, NEW, NEW + "x").content.decode()
    assert _set(client, path, "x" * 64 + " y" * 20).status_code == 302  # long passphrases are fine


def test_reset_is_limited_to_two_an_hour_and_five_a_day(
    alice: User, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    assert (settings.GUICHET_PASSWORD_RESET_MAX_PER_HOUR, settings.GUICHET_PASSWORD_RESET_MAX_PER_DAY) == (2, 5)
    client = english_client()
    hour = datetime.timedelta(hours=1, minutes=1)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert _ask(client, django_capture_on_commit_callbacks, "alice@example.ch").status_code == 302
        assert _ask(client, django_capture_on_commit_callbacks, "alice@example.ch").status_code == 302
        refused = _ask(client, django_capture_on_commit_callbacks, "Alice@Example.ch")
        assert refused.status_code == 429
        assert 0 < int(refused["Retry-After"]) <= 3600
        assert "too many emails" in refused.content.decode()
        assert 'value="Alice@Example.ch"' in refused.content.decode()

        traveller.shift(hour)
        assert _ask(client, django_capture_on_commit_callbacks, "alice@example.ch").status_code == 302
        assert _ask(client, django_capture_on_commit_callbacks, "alice@example.ch").status_code == 302
        traveller.shift(hour)
        assert _ask(client, django_capture_on_commit_callbacks, "alice@example.ch").status_code == 302  # the 5th
        refused = _ask(client, django_capture_on_commit_callbacks, "alice@example.ch")
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 3600  # the day limit: wait for the first request to age out
        assert len(mails_to("alice@example.ch")) == 5

        traveller.shift(datetime.timedelta(hours=22))
        assert _ask(client, django_capture_on_commit_callbacks, "alice@example.ch").status_code == 302


def test_the_limit_holds_for_unknown_addresses_too(django_capture_on_commit_callbacks: Any) -> None:
    client = english_client()
    for _ in range(2):
        _ask(client, django_capture_on_commit_callbacks, "nobody@example.ch")
    assert _ask(client, django_capture_on_commit_callbacks, "nobody@example.ch").status_code == 429


def test_reset_is_limited_per_network_address(django_capture_on_commit_callbacks: Any, settings: Any) -> None:
    settings.GUICHET_EMAIL_REQUESTS_MAX_PER_HOUR_PER_IP = 3
    client = english_client()
    for index in range(3):
        assert _ask(client, django_capture_on_commit_callbacks, f"p{index}@example.ch").status_code == 302
    assert _ask(client, django_capture_on_commit_callbacks, "p9@example.ch").status_code == 429
    other = english_client(REMOTE_ADDR="198.51.100.4")
    assert _ask(other, django_capture_on_commit_callbacks, "p9@example.ch").status_code == 302


def test_password_change_needs_the_current_password(alice: User, django_capture_on_commit_callbacks: Any) -> None:
    client = english_client()
    assert log_in(client, "alice@example.ch").status_code == 302
    elsewhere = english_client()
    log_in(elsewhere, "alice@example.ch")

    page = client.post(
        "/accounts/password/change/", {"current_password": "wrong one", "password1": NEW, "password2": NEW}
    )
    assert page.status_code == 200
    assert "Your current password is not correct." in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/password/change/", {"current_password": PASSWORD, "password1": NEW, "password2": NEW}
        )
    assert response.status_code == 302
    # This session stays; the other one ends.
    assert client.get("/accounts/password/change/").status_code == 200
    assert elsewhere.get("/accounts/password/change/").status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW)
    assert len(mails_to("alice@example.ch")) == 1


def test_wrong_current_passwords_are_throttled(alice: User, settings: Any) -> None:
    client = english_client()
    client.force_login(alice)
    data = {"current_password": "wrong one", "password1": NEW, "password2": NEW}
    for _ in range(settings.GUICHET_LOGIN_MAX_FAILURES):
        assert client.post("/accounts/password/change/", data).status_code == 200
    refused = client.post("/accounts/password/change/", {**data, "current_password": PASSWORD})
    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert "current password is not correct" not in refused.content.decode()  # no answer past the limit
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_password_change_needs_a_login() -> None:
    response = english_client().get("/accounts/password/change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_production_hashes_passwords_with_argon2() -> None:
    from guichet import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
