"""ASVS 16: logs record logins, failures and refusals, in UTC, and never a password, a one-time
token, an email address or a name. Walks the whole account journey with every logger at DEBUG."""

from __future__ import annotations

import logging

import pytest
from django.core import mail

from guichet.core.logging import UTCFormatter
from guichet.core.models import AuditEvent
from tests.accounts.auth_support import english_client, link_in

EMAIL = "Zoe.Zahnd@example.ch"
PASSWORD = "zebra-quartz-lantern-91"
NEW_PASSWORD = "yellow-harbour-copper-27"


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(UTCFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.mark.django_db(transaction=True)
def test_the_account_journey_logs_no_secret_and_no_personal_data() -> None:
    collect = Collect()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(collect)
    root.setLevel(logging.DEBUG)
    try:
        client = english_client()
        client.post(
            "/accounts/signup/",
            {"first_name": "Zoe", "last_name": "Zahnd", "email": EMAIL, "password1": PASSWORD, "password2": PASSWORD},
        )
        confirm = link_in(mail.outbox[-1], "confirm/")
        client.post(confirm)
        client.post("/accounts/login/", {"email": EMAIL, "password": "wrong-" + PASSWORD})
        client.post("/accounts/login/", {"email": EMAIL, "password": PASSWORD})
        client.post("/accounts/logout/")
        client.post("/accounts/password/reset/", {"email": EMAIL})
        reset = link_in(mail.outbox[-1], "password/reset/")
        client.get(reset)
        client.post(reset, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    finally:
        root.removeHandler(collect)
        root.setLevel(old_level)

    text = "\n".join(collect.lines)
    assert "login ok" in text, "the journey did not complete: the test would prove nothing"
    assert "login failed" in text
    tokens = [confirm.rstrip("/").rsplit("/", 1)[-1], reset.rstrip("/").rsplit("/", 1)[-1]]
    for secret in [PASSWORD, NEW_PASSWORD, EMAIL, EMAIL.lower(), "Zahnd", *tokens]:
        assert secret not in text, f"{secret!r} appears in the logs"
    assert all(line[:24].endswith("Z") for line in collect.lines if line[:4].isdigit()), "log times are not UTC"
    details = " ".join(str(event.detail) for event in AuditEvent.objects.all())
    for secret in [PASSWORD, EMAIL.lower(), "Zahnd"]:
        assert secret not in details
