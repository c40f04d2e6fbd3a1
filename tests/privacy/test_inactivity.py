"""The inactivity lifecycle (P31): after more than a year without login an email asks the holder
to log in within four weeks; otherwise the account is erased. A login in between resets it.

Time is passed in as ``now=``: the run sees the world as it will be on that day."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from guichet.accounts.models import Profile, User
from guichet.core.models import AuditEvent, DataKey, DeletionLogEntry, ProofRun
from guichet.privacy.inactivity import inactivity_run, last_inactivity_run
from guichet.privacy.models import InactivityNotice
from guichet.privacy.tasks import inactivity_lifecycle_task
from tests.conftest import PASSWORD, make_citizen

pytestmark = pytest.mark.django_db

YEAR = datetime.timedelta(days=365)
GRACE = datetime.timedelta(days=28)
DAY = datetime.timedelta(days=1)
EN = {"accept-language": "en"}


@pytest.fixture(autouse=True)
def _english_emails(settings: Any) -> None:
    """Accounts store no language, so emails use the portal's default: English here, so that the
    assertions read the source texts."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def now() -> datetime.datetime:
    return timezone.now()


def last_seen(user: User, when: datetime.datetime | None, *, joined: datetime.datetime | None = None) -> None:
    """Pretend ``user`` last logged in at ``when`` (``None``: never) and registered at ``joined``."""
    joined = joined or (when if when is not None else timezone.now()) - DAY
    User.objects.filter(pk=user.pk).update(last_login=when, date_joined=joined)


def bodies(message: Any) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return f"{message['Subject']}\n{text}\n{html}"


def notified(
    user: User, now: datetime.datetime, capture: Any, *, batch_size: int | None = None
) -> InactivityNotice | None:
    with capture(execute=True):
        inactivity_run(now=now, batch_size=batch_size)
    return InactivityNotice.objects.filter(user=user).first()


def log_in(client: Client, email: str) -> Any:
    return client.post(reverse("auth:login"), {"email": email, "password": PASSWORD}, headers=EN)


# --- The notice -------------------------------------------------------------------------------


@pytest.mark.promise("P31")
@pytest.mark.parametrize(
    ("since_login", "expect_notice"),
    [
        (YEAR - DAY, False),  # the day before: not a year yet
        (YEAR, False),  # the day of: exactly a year is not "more than" a year
        (YEAR + datetime.timedelta(seconds=1), True),  # a moment later: more than a year
        (YEAR + DAY, True),  # the day after
    ],
    ids=["day-before", "day-of", "a-second-after", "day-after"],
)
def test_the_notice_goes_out_after_more_than_a_year_without_login(
    alice: User,
    now: datetime.datetime,
    since_login: datetime.timedelta,
    expect_notice: bool,
    django_capture_on_commit_callbacks: Any,
) -> None:
    last_seen(alice, now - since_login)
    notice = notified(alice, now, django_capture_on_commit_callbacks)
    assert (notice is not None) is expect_notice
    if notice is not None:
        assert notice.sent_at == now
        assert notice.erase_after == now + GRACE


@pytest.mark.promise("P31")
def test_an_account_that_never_logged_in_counts_from_its_registration(
    bob: User, now: datetime.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    last_seen(bob, None, joined=now - YEAR)
    assert notified(bob, now, django_capture_on_commit_callbacks) is None
    last_seen(bob, None, joined=now - YEAR - DAY)
    assert notified(bob, now, django_capture_on_commit_callbacks) is not None


@pytest.mark.promise("P31")
@pytest.mark.promise("P13")
def test_the_notice_email_names_the_deadline_and_the_privacy_contact_and_nothing_of_the_person(
    alice: User, now: datetime.datetime, smtp_server: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    last_seen(alice, now - YEAR - DAY)
    with django_capture_on_commit_callbacks(execute=True):
        result = inactivity_run(now=now)
    assert result.notified == 1
    (message,) = smtp_server.messages
    assert message["To"] == "alice@example.ch"
    everything = bodies(message)
    assert "Log in to keep your account" in message["Subject"]
    with translation.override("en"):
        deadline = formats.date_format(timezone.localtime(now + GRACE), "DATE_FORMAT")
    assert f"log in before {deadline}" in everything
    assert "your account and all its data will be deleted" in everything
    assert "more than 1 year" in everything
    assert settings.SITE_URL + reverse("auth:login") in everything
    assert settings.GUICHET_PRIVACY_CONTACT in everything
    for personal in ("Alice", "Amrein", "Bäckerei", "alice@", "CHE-123"):
        assert personal not in everything, personal

    # The next night's run does not write again.
    with django_capture_on_commit_callbacks(execute=True):
        again = inactivity_run(now=now + DAY)
    assert again.notified == 0
    assert len(smtp_server.messages) == 1


# --- The erasure ------------------------------------------------------------------------------


@pytest.mark.promise("P31")
@pytest.mark.parametrize(
    ("after_notice", "expect_erased"),
    [(GRACE - DAY, False), (GRACE, True), (GRACE + DAY, True)],
    ids=["day-before", "day-of", "day-after"],
)
def test_without_a_login_the_account_is_erased_when_the_grace_period_ends(
    alice: User,
    bob: User,
    now: datetime.datetime,
    after_notice: datetime.timedelta,
    expect_erased: bool,
    smtp_server: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    last_seen(alice, now - YEAR - DAY)
    alice_id, key_id = alice.pk, alice.data_key_id
    assert notified(alice, now, django_capture_on_commit_callbacks) is not None

    with django_capture_on_commit_callbacks(execute=True):
        result = inactivity_run(now=now + after_notice)

    if not expect_erased:
        assert result.erased == 0
        assert User.objects.filter(pk=alice_id).exists()
        assert InactivityNotice.objects.filter(user_id=alice_id).exists()
        return
    assert result.erased == 1
    assert not User.objects.filter(pk=alice_id).exists()
    assert not Profile.objects.filter(owner_id=alice_id).exists()
    assert not InactivityNotice.objects.filter(user_id=alice_id).exists()
    assert DataKey.objects.get(pk=key_id).wrapped is None  # crypto-shredded
    assert User.objects.filter(pk=bob.pk).exists()  # Bob logged in recently (fixture)

    # The deletion log says why, with counts only; the audit trail records the system did it.
    log = {entry.data_kind: entry.count for entry in DeletionLogEntry.objects.filter(trigger="inactivity")}
    assert log["accounts.User"] == 1
    assert log["accounts.Profile"] == 2
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE, object_type="accounts.user")
    assert event.actor_kind == "system"
    assert event.detail["trigger"] == "inactivity"

    # The notice, then a receipt that says why: to the address only, nothing of the account.
    _notice, receipt = smtp_server.messages
    assert receipt["To"] == "alice@example.ch"
    everything = bodies(receipt)
    assert "Your unused account was deleted" in receipt["Subject"]
    for personal in ("Alice", "Amrein", "Bäckerei", "alice@"):
        assert personal not in everything, personal

    # Logging in is no longer possible.
    refused = log_in(Client(), "alice@example.ch")
    assert "The email address or the password is not correct." in refused.content.decode()


@pytest.mark.promise("P31")
def test_a_login_in_between_keeps_the_account(
    alice: User, now: datetime.datetime, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    last_seen(alice, now - YEAR - DAY)
    assert notified(alice, now, django_capture_on_commit_callbacks) is not None

    client = Client()
    response = log_in(client, "alice@example.ch")
    assert response.status_code == 302  # logged in, through the real login page
    assert not InactivityNotice.objects.filter(user=alice).exists()

    with django_capture_on_commit_callbacks(execute=True):
        result = inactivity_run(now=now + GRACE + DAY)
    assert result.erased == 0
    assert result.notified == 0
    assert User.objects.filter(pk=alice.pk).exists()
    assert client.get(reverse("account:dashboard")).status_code == 200
    assert len(smtp_server.messages) == 1  # the notice only


@pytest.mark.promise("P31")
def test_a_notice_left_behind_by_a_login_is_dropped_not_acted_upon(
    alice: User, now: datetime.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    """Defence in depth: a login that did not pass the login signal still keeps the account."""
    last_seen(alice, now - YEAR - DAY)
    assert notified(alice, now, django_capture_on_commit_callbacks) is not None
    User.objects.filter(pk=alice.pk).update(last_login=now + DAY)
    with django_capture_on_commit_callbacks(execute=True):
        result = inactivity_run(now=now + GRACE)
    assert result.erased == 0
    assert result.reset == 1
    assert User.objects.filter(pk=alice.pk).exists()
    assert not InactivityNotice.objects.filter(user=alice).exists()


# --- Who is never erased automatically ---------------------------------------------------------


@pytest.mark.promise("P31")
def test_operators_and_staff_are_kept_and_reported(
    clara: User, olga: User, now: datetime.datetime, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    for user in (clara, olga):
        last_seen(user, now - 3 * YEAR)
    # A notice from before Clara became staff does not erase her either.
    InactivityNotice.objects.create(user=clara, sent_at=now - 2 * GRACE, erase_after=now - GRACE)
    with django_capture_on_commit_callbacks(execute=True):
        result = inactivity_run(now=now)
    assert result.kept_staff == 2
    assert result.notified == 0
    assert result.erased == 0
    assert User.objects.filter(pk__in=[clara.pk, olga.pk]).count() == 2
    assert not InactivityNotice.objects.exists()
    assert smtp_server.messages == []


@pytest.mark.promise("P31")
def test_restricted_and_deactivated_accounts_are_kept_and_reported(
    alice: User, bob: User, now: datetime.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    last_seen(alice, now - 2 * YEAR)
    last_seen(bob, now - 2 * YEAR)
    Profile.objects.filter(owner=alice, kind=Profile.Kind.BUSINESS).update(restricted_at=now - YEAR)
    User.objects.filter(pk=bob.pk).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        result = inactivity_run(now=now)
    assert (result.kept_restricted, result.kept_deactivated, result.notified) == (1, 1, 0)
    assert not InactivityNotice.objects.exists()


@pytest.mark.promise("P31")
def test_an_account_never_confirmed_is_erased_without_an_email(
    now: datetime.datetime, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    unconfirmed = User.objects.create_user("nobody@example.ch", PASSWORD)
    last_seen(unconfirmed, None, joined=now - YEAR - DAY)
    with django_capture_on_commit_callbacks(execute=True):
        result = inactivity_run(now=now)
    assert result.erased_unconfirmed == 1
    assert not User.objects.filter(pk=unconfirmed.pk).exists()
    assert smtp_server.messages == []  # the address was never confirmed to be theirs
    assert DeletionLogEntry.objects.filter(trigger="inactivity", data_kind="accounts.User").exists()


# --- Dry run, batches, proof ---------------------------------------------------------------------


@pytest.mark.promise("P31")
def test_a_dry_run_counts_and_changes_nothing(
    alice: User, bob: User, now: datetime.datetime, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    last_seen(alice, now - YEAR - DAY)
    last_seen(bob, now - 2 * YEAR)
    InactivityNotice.objects.create(user=bob, sent_at=now - GRACE, erase_after=now)
    with django_capture_on_commit_callbacks(execute=True):
        result = inactivity_run(now=now, dry_run=True)
    assert (result.notified, result.erased, result.dry_run) == (1, 1, True)
    assert User.objects.filter(pk__in=[alice.pk, bob.pk]).count() == 2
    assert list(InactivityNotice.objects.values_list("user_id", flat=True)) == [bob.pk]
    assert smtp_server.messages == []
    assert not DeletionLogEntry.objects.exists()
    assert last_inactivity_run() is None


@pytest.mark.promise("P31")
def test_batches_reach_every_account(
    now: datetime.datetime, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    users = [
        make_citizen(email=f"person{number}@example.ch", first_name="Person", last_name=f"Nr{number}")
        for number in range(7)
    ]
    for user in users:
        last_seen(user, now - YEAR - DAY)
    with django_capture_on_commit_callbacks(execute=True):
        first = inactivity_run(now=now, batch_size=3)
    assert first.notified == 7
    assert InactivityNotice.objects.count() == 7
    assert sorted(message["To"] for message in smtp_server.messages) == sorted(
        f"person{number}@example.ch" for number in range(7)
    )
    with django_capture_on_commit_callbacks(execute=True):
        second = inactivity_run(now=now + GRACE, batch_size=2)
    assert second.erased == 7
    assert not User.objects.filter(pk__in=[user.pk for user in users]).exists()


@pytest.mark.promise("P31")
def test_the_run_is_stamped_and_the_statement_shows_it(
    client: Client, alice: User, now: datetime.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    page = client.get(reverse("privacy:statement"), headers=EN).content.decode()
    assert "The check for unused accounts has not run yet." in page
    assert "If nobody logs in to an account for more than 1 year" in page
    assert "within 28 days" in page

    with django_capture_on_commit_callbacks(execute=True):
        inactivity_lifecycle_task.enqueue()  # what the schedule does every night
    run = last_inactivity_run()
    assert isinstance(run, ProofRun)
    assert run.ok
    assert run.summary["notified"] == 0
    page = client.get(reverse("privacy:statement"), headers=EN).content.decode()
    assert "Last check for unused accounts:" in page


def test_the_command_prints_the_counts(alice: User, now: datetime.datetime, capsys: Any) -> None:
    last_seen(alice, now - YEAR - DAY)
    call_command("inactivity_run", "--dry-run", "--batch-size", "5")
    out = capsys.readouterr().out
    assert "accounts notified (asked to log in)" in out
    assert "Dry run: nothing was changed." in out
    assert not InactivityNotice.objects.exists()
