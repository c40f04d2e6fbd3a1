"""Session timeouts, CSRF on every account form, re-authentication, email change."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from guichet.accounts.login_flow import REAUTH_SESSION_KEY, reauth_required
from guichet.accounts.models import EmailToken, User
from tests.accounts.auth_support import english_client, link_in, log_in, mails_to
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PROBE = "/accounts/password/change/"  # a page only a logged-in user can see


def _logged_in(client: Any) -> bool:
    return bool(client.get(PROBE).status_code == 200)


# --- Timeouts -----------------------------------------------------------------------------


def test_idle_timeout_after_30_minutes(alice: User, settings: Any) -> None:
    assert settings.GUICHET_SESSION_IDLE_TIMEOUT == 30 * 60
    client = english_client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        log_in(client, "alice@example.ch")
        traveller.shift(datetime.timedelta(minutes=29))
        assert _logged_in(client)
        traveller.shift(datetime.timedelta(minutes=29))  # active again 29 minutes later: still fine
        assert _logged_in(client)
        traveller.shift(datetime.timedelta(minutes=31))
        response = client.get(PROBE)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        page = client.get(response["Location"]).content.decode()
        assert "You were logged out" in page
        assert not _logged_in(client)


def test_absolute_timeout_after_12_hours_even_when_active(alice: User, settings: Any) -> None:
    assert settings.GUICHET_SESSION_ABSOLUTE_TIMEOUT == 12 * 60 * 60
    client = english_client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        log_in(client, "alice@example.ch")
        for _ in range(12 * 60 // 20 - 1):  # a request every 20 minutes, for 11 h 40 min
            traveller.shift(datetime.timedelta(minutes=20))
            assert _logged_in(client)
        traveller.shift(datetime.timedelta(minutes=19))  # 11 h 59 min
        assert _logged_in(client)
        traveller.shift(datetime.timedelta(minutes=2))  # 12 h 1 min
        assert not _logged_in(client)


# --- CSRF ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/logout/",
        "/accounts/password/reset/",
        "/accounts/confirm/resend/",
        "/accounts/confirm/some-token/",
        "/accounts/password/reset/some-token/",
        "/accounts/password/change/",
        "/accounts/reauthenticate/",
    ],
)
def test_posts_without_a_csrf_token_are_refused(alice: User, path: str) -> None:
    client = english_client(enforce_csrf_checks=True)
    client.force_login(alice) if path in {"/accounts/logout/", "/accounts/password/change/"} else None
    data = {"email": "alice@example.ch", "password": PASSWORD, "password1": "x", "password2": "x"}
    response = client.post(path, data)
    assert response.status_code == 403
    if path == "/accounts/logout/":
        assert client.session["_auth_user_id"] == str(alice.pk)


def test_posts_with_the_csrf_token_work(alice: User) -> None:
    client = english_client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(
        "/accounts/login/", {"email": "alice@example.ch", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


# --- Re-authentication --------------------------------------------------------------------


@reauth_required
def _sensitive(request: HttpRequest) -> HttpResponse:
    return HttpResponse("sensitive")


def test_reauth_required_for_stale_sessions(alice: User, settings: Any) -> None:
    client = english_client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        log_in(client, "alice@example.ch")
        assert client.get("/accounts/email/change/").status_code == 200  # the login itself is fresh
        traveller.shift(datetime.timedelta(seconds=settings.GUICHET_REAUTH_MAX_AGE + 1))
        response = client.get("/accounts/email/change/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/reauthenticate/?next=%2Faccounts%2Femail%2Fchange%2F"

        page = client.get(response["Location"]).content.decode()
        assert "Confirm it is you" in page
        assert 'autocomplete="current-password"' in page
        wrong = client.post("/accounts/reauthenticate/", {"password": "nope", "next": "/accounts/email/change/"})
        assert wrong.status_code == 200
        assert "The password is not correct." in wrong.content.decode()
        ok = client.post("/accounts/reauthenticate/", {"password": PASSWORD, "next": "/accounts/email/change/"})
        assert ok.status_code == 302
        assert ok["Location"] == "/accounts/email/change/"
        assert client.get("/accounts/email/change/").status_code == 200


def test_reauth_does_not_redirect_off_site(alice: User) -> None:
    client = english_client()
    client.force_login(alice)
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/account/"


def test_reauth_guesses_count_as_failed_logins(alice: User, settings: Any) -> None:
    client = english_client()
    client.force_login(alice)
    for _ in range(settings.GUICHET_LOGIN_MAX_FAILURES):
        client.post("/accounts/reauthenticate/", {"password": "nope"})
    refused = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert REAUTH_SESSION_KEY not in client.session


def test_reauth_required_decorator(alice: User) -> None:
    request = RequestFactory().get("/danger/?x=1")
    request.user = alice
    request.session = {}  # type: ignore[assignment]
    response = _sensitive(request)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/reauthenticate/?next=%2Fdanger%2F%3Fx%3D1"
    request.session = {REAUTH_SESSION_KEY: int(time.time())}  # type: ignore[assignment]
    assert _sensitive(request).content == b"sensitive"


def test_reauth_required_sends_guests_to_login() -> None:
    response = english_client().get("/accounts/email/change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


# --- Email change -------------------------------------------------------------------------


def test_email_change_journey(alice: User, django_capture_on_commit_callbacks: Any) -> None:
    client = english_client()
    log_in(client, "alice@example.ch")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/email/change/", {"email": "alice.new@example.ch"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/email/change/done/"
    alice.refresh_from_db()
    assert alice.email == "alice@example.ch"  # unchanged until the new address is confirmed

    (message,) = mails_to("alice.new@example.ch")
    path = link_in(message, "email/change/")
    assert client.get(path).status_code == 200
    alice.refresh_from_db()
    assert alice.email == "alice@example.ch"  # opening the link changes nothing
    token_row = EmailToken.objects.get(purpose=EmailToken.Purpose.EMAIL_CHANGE)
    assert token_row.new_email == "alice.new@example.ch"

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(path).status_code == 302
    alice.refresh_from_db()
    assert alice.email == "alice.new@example.ch"
    assert User.objects.find_by_email("alice.new@example.ch") == alice  # the blind index follows
    assert User.objects.find_by_email("alice@example.ch") is None
    assert any("different email address" in m.body for m in mails_to("alice@example.ch"))
    assert client.post(path).status_code == 400  # once only
    assert log_in(english_client(), "alice.new@example.ch").status_code == 302


def test_email_change_to_a_taken_address_reveals_nothing(
    alice: User, bob: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = english_client()
    log_in(client, "alice@example.ch")
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post("/accounts/email/change/", {"email": "bob@example.ch"})
        free = client.post("/accounts/email/change/", {"email": "free@example.ch"})
    assert taken.status_code == free.status_code == 302
    assert taken["Location"] == free["Location"]
    (notice,) = mails_to("bob@example.ch")
    assert "already exists" in notice.body
    assert "/accounts/email/change/" not in notice.body
    alice.refresh_from_db()
    assert alice.email == "alice@example.ch"


def test_email_change_to_the_same_address_is_explained(alice: User) -> None:
    client = english_client()
    log_in(client, "alice@example.ch")
    page = client.post("/accounts/email/change/", {"email": "ALICE@example.ch"})
    assert page.status_code == 200
    assert "already your email address" in page.content.decode()
    assert mail.outbox == []


def test_reading_pages_does_not_rewrite_the_session(alice: User) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(alice)
    client.get("/account/")  # the first request records the session timers
    with CaptureQueriesContext(connection) as queries:
        client.get("/account/")
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert writes == []
