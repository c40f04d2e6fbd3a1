"""Shared fixtures and personas.

Alice owns things (private and business profile), Bob is another citizen who must see nothing
of Alice's, Clara is staff of the authority Alice deals with, Dario is staff of another
authority, Olga is an operator.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guichet.accounts.models import Profile, User
from guichet.core import crypto
from guichet.core.models import Authority, StaffMembership

PASSWORD = "correct-horse-battery-staple"  # test value


def make_citizen(*, email: str, first_name: str, last_name: str) -> User:
    from django.utils import timezone

    user = User.objects.create_user(email, PASSWORD, email_verified_at=timezone.now())
    profile = Profile.objects.create(
        owner=user, kind=Profile.Kind.PRIVATE, data_key=user.data_key, first_name=first_name, last_name=last_name
    )
    user.active_profile = profile
    user.save(update_fields=["active_profile"])
    return user


@pytest.fixture(autouse=True)
def _fresh_key_cache() -> None:
    crypto.data_key_cache.clear()


@pytest.fixture(autouse=True)
def _cheap_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["tests.hashers.CheapArgon2PasswordHasher", *settings.PASSWORD_HASHERS]


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Any) -> None:
    """Stored (encrypted) files of each test go to its own temporary folder, never to var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }


@pytest.fixture
def authority(db: None) -> Authority:
    return Authority.objects.create(slug="demo-stadt", name="Stadt Demo", kind=Authority.Kind.MUNICIPALITY)


@pytest.fixture
def other_authority(db: None) -> Authority:
    return Authority.objects.create(slug="anderes-amt", name="Anderes Amt", kind=Authority.Kind.OFFICE)


@pytest.fixture
def alice(db: None) -> User:
    user = make_citizen(email="alice@example.ch", first_name="Alice", last_name="Amrein")
    Profile.objects.create(
        owner=user,
        kind=Profile.Kind.BUSINESS,
        data_key=user.data_key,
        organisation_name="Amrein Bäckerei GmbH",
        uid="CHE-123.456.788",
    )
    return user


@pytest.fixture
def bob(db: None) -> User:
    return make_citizen(email="bob@example.ch", first_name="Bob", last_name="Brunner")


@pytest.fixture
def clara(authority: Authority) -> User:
    user = make_citizen(email="clara@stadt-demo.ch", first_name="Clara", last_name="Clerk")
    StaffMembership.objects.create(user=user, authority=authority, role=StaffMembership.Role.CLERK)
    return user


@pytest.fixture
def dario(other_authority: Authority) -> User:
    user = make_citizen(email="dario@anderes-amt.ch", first_name="Dario", last_name="Dienst")
    StaffMembership.objects.create(user=user, authority=other_authority, role=StaffMembership.Role.CLERK)
    return user


@pytest.fixture
def olga(db: None) -> User:
    return User.objects.create_superuser("olga@guichet.example", PASSWORD)


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


# --- Real SMTP on loopback (privacy core / email) --------------------------------------------


def free_port() -> int:
    """A loopback port nobody listens on (closed again at once)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpInbox:
    """Messages received by the loopback SMTP server, parsed."""

    def __init__(self) -> None:
        self.messages: list[object] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        from email import message_from_bytes, policy

        content = envelope.original_content or envelope.content  # type: ignore[attr-defined]
        self.messages.append(message_from_bytes(content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server(settings: object) -> object:
    """An aiosmtpd server on 127.0.0.1 and MAILERS pointing at it (plain SMTP is fine on loopback)."""
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {  # type: ignore[attr-defined]
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 5},
        }
    }
    inbox.port = port  # type: ignore[attr-defined]
    yield inbox
    controller.stop()


# --- Audit triggers vs. flush on SQLite ----------------------------------------------------------


@pytest.fixture(autouse=True, scope="session")
def _flush_past_audit_triggers() -> object:
    """TransactionTestCase teardown empties tables with ``flush``. On SQLite that is a plain DELETE,
    which the append-only audit trigger refuses for fresh rows (PostgreSQL uses TRUNCATE, which row
    triggers do not see). Lift the delete trigger for the flush only; tests never bypass it otherwise."""
    from importlib import import_module

    from django.core.management.commands import flush
    from django.db import connections

    migration = import_module("guichet.core.migrations.0002_auditevent_append_only")
    original = flush.Command.handle

    def handle(self: object, **options: object) -> None:
        connection = connections[str(options.get("database") or "default")]
        if connection.vendor != "sqlite":
            return original(self, **options)  # type: ignore[arg-type]
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_early_delete")
        try:
            return original(self, **options)  # type: ignore[arg-type]
        finally:
            with connection.cursor() as cursor:
                cursor.execute(migration.SQLITE_CREATE[1])

    flush.Command.handle = handle  # type: ignore[method-assign]
    yield
    flush.Command.handle = original  # type: ignore[method-assign]


# --- Promise report: which promise is proven by how many passing tests ---------------------------

_promise_results: dict[str, dict[str, int]] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("promise"):
        for promise_id in mark.args:
            item.user_properties.append(("promise", str(promise_id)))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    promises = {value for name, value in report.user_properties if name == "promise"}
    if not promises:
        return
    outcome = None
    if report.when == "call":
        outcome = report.outcome
    elif report.outcome != "passed":  # setup/teardown errors and skips count too
        outcome = "skipped" if report.skipped else "failed"
    if outcome is None:
        return
    for promise_id in promises:
        counts = _promise_results.setdefault(promise_id, {"passed": 0, "failed": 0, "skipped": 0})
        counts[outcome] = counts.get(outcome, 0) + 1


def _is_whole_suite(config: pytest.Config) -> bool:
    """Only a run of the whole suite can tell that a promise has no passing test."""
    selected = config.args in ([], list(config.getini("testpaths"))) or [
        str(arg).rstrip("/") for arg in config.args
    ] == ["tests"]
    return selected and not config.option.keyword and not config.option.markexpr and not config.option.lf


def _kept_without_passing_test() -> list[str]:
    """Kept promises none of whose tests passed. Tests skipped for want of a tool on this machine
    (e.g. Chromium) are reported, not failed: ``make test`` must pass on a fresh machine."""
    from guichet.privacy.promises import kept

    missing = []
    for promise in kept():
        counts = _promise_results.get(promise.id, {})
        if not counts.get("passed") and not counts.get("skipped"):
            missing.append(promise.id)
    return missing


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if exitstatus == 0 and _is_whole_suite(session.config) and _kept_without_passing_test():
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: object, exitstatus: int, config: pytest.Config) -> None:
    if not _promise_results:
        return
    from guichet.privacy.promises import PROMISES, State

    write = terminalreporter.write_line  # type: ignore[attr-defined]
    terminalreporter.section("promise report")  # type: ignore[attr-defined]
    for promise in PROMISES:
        counts = _promise_results.get(promise.id)
        if promise.state == State.WAITING:
            write(f"{promise.id}: waiting for {promise.waiting_for}")
        elif counts:
            extra = "".join(f", {counts[kind]} {kind}" for kind in ("failed", "skipped") if counts.get(kind))
            write(f"{promise.id}: kept, {counts['passed']} passed{extra}")
    if _is_whole_suite(config) and (missing := _kept_without_passing_test()):
        write(f"FAILED: kept promises without a passing test: {', '.join(missing)}", red=True)
