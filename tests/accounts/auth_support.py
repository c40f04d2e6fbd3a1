"""Helpers for the account-flow tests: an English-speaking browser, links from emails."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.core import mail
from django.test import Client

from tests.conftest import PASSWORD

LINK = re.compile(r"https?://[^/\s]+(/accounts/[^\s\"<]+/)")


def english_client(**kwargs: Any) -> Client:
    """A visitor whose browser asks for English (the source language of the templates)."""
    return Client(headers={"accept-language": "en"}, **kwargs)


def link_in(message: mail.EmailMessage, prefix: str) -> str:
    """The path of the first link to ``/accounts/<prefix>...`` in the plain-text body."""
    for path in LINK.findall(str(message.body)):
        if path.startswith(f"/accounts/{prefix}"):
            return str(path)
    raise AssertionError(f"no /accounts/{prefix} link in {message.body!r}")


def mails_to(address: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if address in m.to]


def log_in(client: Client, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/accounts/login/", {"email": email, "password": password, **extra})


def iter_forms(html: str) -> Iterator[str]:
    yield from re.findall(r"<form.*?</form>", html, flags=re.S)
