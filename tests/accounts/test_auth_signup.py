"""Signup, email confirmation, resend: what a visitor sees and receives."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from guichet.accounts.models import EmailToken, Profile, User
from tests.accounts.auth_support import english_client, iter_forms, link_in, log_in, mails_to

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a lantern by the river"  # test value
SIGNUP = {
    "first_name": "Nina",
    "last_name": "Neu",
    "email": "nina@example.ch",
    "password1": NEW_PASSWORD,
    "password2": NEW_PASSWORD,
}


def _signup(client: Any, capture: Any, **changes: str) -> Any:
    with capture(execute=True):
        return client.post("/accounts/signup/", {**SIGNUP, **changes})


@pytest.mark.promise("P29")
def test_signup_asks_only_name_email_and_password() -> None:
    response = english_client().get("/accounts/signup/")
    page = response.content.decode()
    assert set(response.context["form"].fields) == {"first_name", "last_name", "email", "password1", "password2"}
    (form,) = [f for f in iter_forms(page) if 'name="password1"' in f]
    inputs = set(re.findall(r'name="([^"]+)"', form)) - {"csrfmiddlewaretoken"}
    assert inputs == {"first_name", "last_name", "email", "password1", "password2"}
    for autocomplete in ("given-name", "family-name", "email", "new-password"):
        assert f'autocomplete="{autocomplete}"' in page


def test_full_journey_signup_confirm_login(django_capture_on_commit_callbacks: Any) -> None:
    client = english_client()
    response = _signup(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert "Check your inbox" in client.get(response["Location"]).content.decode()

    user = User.objects.find_by_email("nina@example.ch")
    assert user is not None
    assert user.email_verified_at is None
    profile = user.private_profile
    assert profile is not None
    assert profile.first_name == "Nina"
    assert profile.last_name == "Neu"
    assert user.active_profile_id == profile.pk
    assert profile.data_key_id == user.data_key_id

    # Not confirmed yet: the right password is not enough, and the page offers a new link.
    page = log_in(client, "nina@example.ch", NEW_PASSWORD)
    assert page.status_code == 200
    assert "not confirmed your email address" in page.content.decode()
    assert "_auth_user_id" not in client.session

    (message,) = mails_to("nina@example.ch")
    assert "Nina" not in message.body
    assert "Neu" not in message.body
    assert message.alternatives
    assert "<a href=" in str(message.alternatives[0][0])
    path = link_in(message, "confirm/")

    # Opening the link (as a mail scanner would) changes nothing; the button confirms.
    assert "Confirm my email address" in client.get(path).content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is None
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    user.refresh_from_db()
    assert user.email_verified_at is not None

    response = log_in(client, "NINA@example.ch ", NEW_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_confirmation_link_works_once(django_capture_on_commit_callbacks: Any) -> None:
    client = english_client()
    _signup(client, django_capture_on_commit_callbacks)
    path = link_in(mail.outbox[0], "confirm/")
    assert client.post(path).status_code == 302
    again = client.post(path)
    assert again.status_code == 400
    assert "This link cannot be used" in again.content.decode()
    assert client.get(path).status_code == 400


def test_confirmation_link_expires(django_capture_on_commit_callbacks: Any, settings: Any) -> None:
    client = english_client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _signup(client, django_capture_on_commit_callbacks)
        path = link_in(mail.outbox[0], "confirm/")
        traveller.shift(datetime.timedelta(seconds=settings.GUICHET_EMAIL_CONFIRM_MAX_AGE + 1))
        assert client.post(path).status_code == 400
    user = User.objects.find_by_email("nina@example.ch")
    assert user is not None
    assert user.email_verified_at is None


def test_only_the_token_hash_is_stored(django_capture_on_commit_callbacks: Any) -> None:
    _signup(english_client(), django_capture_on_commit_callbacks)
    token = link_in(mail.outbox[0], "confirm/").rstrip("/").rsplit("/", 1)[-1]
    row = EmailToken.objects.get()
    assert row.purpose == EmailToken.Purpose.CONFIRM
    assert token not in row.token_hash
    assert len(row.token_hash) == 64


def test_a_wrong_token_is_refused() -> None:
    client = english_client()
    assert client.get("/accounts/confirm/not-a-token/").status_code == 400
    assert client.post("/accounts/confirm/not-a-token/").status_code == 400


@pytest.mark.promise("P25")
def test_signup_stores_name_and_email_encrypted(django_capture_on_commit_callbacks: Any) -> None:
    _signup(english_client(), django_capture_on_commit_callbacks)
    with connection.cursor() as cursor:
        cursor.execute("SELECT email, email_index FROM accounts_user")
        rows = cursor.fetchall()
        cursor.execute("SELECT first_name, last_name FROM accounts_profile")
        names = cursor.fetchall()
    assert all("nina" not in str(value).lower() for row in rows for value in row)
    assert all("Nina" not in str(value) and "Neu" not in str(value) for row in names for value in row)


def test_known_and_unknown_address_get_the_same_answer(bob: User, django_capture_on_commit_callbacks: Any) -> None:
    client = english_client()
    fresh = _signup(client, django_capture_on_commit_callbacks)
    taken = _signup(client, django_capture_on_commit_callbacks, email="bob@example.ch")
    assert (fresh.status_code, fresh["Location"]) == (taken.status_code, taken["Location"])
    assert User.objects.filter(email_index=User.objects.find_by_email("bob@example.ch").email_index).count() == 1  # type: ignore[union-attr]
    assert Profile.objects.filter(owner=bob).count() == 1

    # Bob, the owner of the address, is told that someone tried; no account and no link for the other.
    (notice,) = mails_to("bob@example.ch")
    assert "already have an account" in notice.body
    assert "/accounts/login/" in notice.body
    assert "/accounts/password/reset/" in notice.body
    assert "/accounts/confirm/" not in notice.body


def test_registering_again_while_unconfirmed_sends_a_new_link(django_capture_on_commit_callbacks: Any) -> None:
    client = english_client()
    _signup(client, django_capture_on_commit_callbacks)
    _signup(client, django_capture_on_commit_callbacks, first_name="Other")
    first, second = mails_to("nina@example.ch")
    assert link_in(first, "confirm/") != link_in(second, "confirm/")
    assert User.objects.count() == 1
    profile = User.objects.get().private_profile
    assert profile is not None
    assert profile.first_name == "Nina"


def test_bad_input_gets_field_errors_and_keeps_what_was_typed() -> None:
    response = english_client().post(
        "/accounts/signup/",
        {"first_name": "Nina", "last_name": "", "email": "not-an-address", "password1": "short", "password2": "x"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Enter your last name." in page
    assert "Enter an email address in the correct format" in page
    assert "This password is too short" in page
    assert 'value="Nina"' in page
    assert 'value="not-an-address"' in page
    assert 'value="short"' not in page  # passwords are never sent back
    assert 'aria-describedby="id_email_error"' in page
    assert 'aria-describedby="id_password1_helptext id_password1_error"' in page


def test_passwords_must_match() -> None:
    page = english_client().post("/accounts/signup/", {**SIGNUP, "password2": NEW_PASSWORD + "!"}).content.decode()
    assert "The two passwords do not match." in page
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Ab3$efg", False),  # 7 characters
        ("lantern!", True),  # exactly 8
        ("w" * 30 + " " + "q" * 40, True),  # 71 characters: long passphrases are welcome
        ("password1", False),  # a common password
        ("nina@example.ch", False),  # too close to the address
    ],
)
def test_password_rules(password: str, ok: bool, django_capture_on_commit_callbacks: Any) -> None:
    response = _signup(english_client(), django_capture_on_commit_callbacks, password1=password, password2=password)
    assert (response.status_code == 302) is ok
    assert User.objects.exists() is ok


def test_resend_confirmation(django_capture_on_commit_callbacks: Any, bob: User) -> None:
    client = english_client()
    _signup(client, django_capture_on_commit_callbacks)
    answers = []
    for address in ("nina@example.ch", "bob@example.ch", "nobody@example.ch"):
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(client.post("/accounts/confirm/resend/", {"email": address})["Location"])
    assert len(set(answers)) == 1  # the same answer for unconfirmed, confirmed and unknown addresses
    assert len(mails_to("nina@example.ch")) == 2
    assert mails_to("bob@example.ch") == []
    assert mails_to("nobody@example.ch") == []


def test_resend_from_the_login_page(django_capture_on_commit_callbacks: Any) -> None:
    client = english_client()
    _signup(client, django_capture_on_commit_callbacks)
    page = log_in(client, "nina@example.ch", NEW_PASSWORD).content.decode()
    assert 'action="/accounts/confirm/resend/"' in page
    assert 'value="nina@example.ch"' in page


def test_signup_emails_are_rate_limited(django_capture_on_commit_callbacks: Any, settings: Any) -> None:
    client = english_client()
    for _ in range(settings.GUICHET_ACCOUNT_EMAILS_MAX_PER_HOUR):
        assert _signup(client, django_capture_on_commit_callbacks).status_code == 302
    refused = _signup(client, django_capture_on_commit_callbacks)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "too many emails" in refused.content.decode()
    assert len(mails_to("nina@example.ch")) == settings.GUICHET_ACCOUNT_EMAILS_MAX_PER_HOUR
