from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guichet.accounts.models import EmailToken, ThrottleEvent, User
from guichet.core.models import AuditEvent, DeletionLogEntry, ProofRun
from guichet.privacy.retention import retention_sweep
from guichet.privacy.tasks import retention_sweep_task, session_cleanup_task

pytestmark = [pytest.mark.django_db, pytest.mark.promise("P09")]

T0 = datetime.datetime(2025, 6, 1, 12, 0, tzinfo=datetime.UTC)


def _events(count: int, *, at: datetime.datetime = T0) -> None:
    ThrottleEvent.objects.bulk_create(ThrottleEvent(scope="login", bucket=f"b{i:062d}", at=at) for i in range(count))


def _by_rule(results: list[Any]) -> dict[str, int]:
    return {result.rule: result.count for result in results}


def test_throttle_events_live_one_day() -> None:
    _events(1)
    assert _by_rule(retention_sweep(now=T0 + datetime.timedelta(days=1, minutes=-1)))["throttle_events"] == 0
    assert ThrottleEvent.objects.count() == 1
    assert _by_rule(retention_sweep(now=T0 + datetime.timedelta(days=1, minutes=1)))["throttle_events"] == 1
    assert not ThrottleEvent.objects.exists()


def test_email_tokens_are_kept_a_week_after_expiry_and_used_ones_go_at_once(alice: User) -> None:
    EmailToken.objects.create(user=alice, purpose="confirm", token_hash="a" * 64, expires_at=T0)
    used = EmailToken.objects.create(
        user=alice, purpose="reset", token_hash="b" * 64, expires_at=T0 + datetime.timedelta(days=30), used_at=T0
    )
    with time_machine.travel(T0 + datetime.timedelta(days=6, hours=23), tick=False):
        assert _by_rule(retention_sweep())["email_tokens"] == 1
    assert list(EmailToken.objects.values_list("token_hash", flat=True)) == ["a" * 64]
    assert not EmailToken.objects.filter(pk=used.pk).exists()
    with time_machine.travel(T0 + datetime.timedelta(days=7, hours=1), tick=False):
        assert _by_rule(retention_sweep())["email_tokens"] == 1
    assert not EmailToken.objects.exists()


@pytest.mark.promise("P22")
def test_expired_sessions_are_purged_and_live_ones_kept() -> None:
    Session.objects.create(session_key="expired", session_data="x", expire_date=T0 - datetime.timedelta(seconds=1))
    Session.objects.create(session_key="live", session_data="x", expire_date=T0 + datetime.timedelta(hours=1))
    with time_machine.travel(T0, tick=False):
        assert session_cleanup_task.call() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
    (entry,) = DeletionLogEntry.objects.filter(rule="expired_sessions")
    assert (entry.count, entry.trigger) == (1, "session_cleanup")
    assert not ProofRun.objects.exists()  # a partial run is not the nightly proof


def test_large_backlog_is_deleted_in_batches_each_its_own_transaction() -> None:
    _events(5, at=T0 - datetime.timedelta(days=3))
    with CaptureQueriesContext(connection) as queries:
        results = retention_sweep(now=T0, batch_size=2, only=["accounts.ThrottleEvent"])
    assert _by_rule(results) == {"throttle_events": 5}
    assert not ThrottleEvent.objects.exists()
    deletes = [q["sql"] for q in queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 3  # 2 + 2 + 1
    (entry,) = DeletionLogEntry.objects.all()
    assert (entry.data_kind, entry.rule, entry.count, entry.dry_run) == (
        "accounts.ThrottleEvent",
        "throttle_events",
        5,
        False,
    )


def test_dry_run_counts_and_deletes_nothing() -> None:
    _events(3, at=T0 - datetime.timedelta(days=3))
    results = retention_sweep(now=T0, dry_run=True)
    assert _by_rule(results)["throttle_events"] == 3
    assert ThrottleEvent.objects.count() == 3
    assert DeletionLogEntry.objects.get(rule="throttle_events").dry_run is True
    assert not ProofRun.objects.exists()


def test_deletion_log_and_proof_hold_no_personal_data(alice: User) -> None:
    token = EmailToken.objects.create(user=alice, purpose="reset", token_hash="c" * 64, expires_at=T0, used_at=T0)
    with time_machine.travel(T0 + datetime.timedelta(hours=1), tick=False):
        retention_sweep()
    stored = repr(list(DeletionLogEntry.objects.values())) + repr(list(ProofRun.objects.values()))
    for personal in ("alice", "Amrein", str(alice.pk), alice.pk.hex, token.token_hash):
        assert personal not in stored
    # The log's shape itself leaves no room for who or what: kind, rule, count, flags.
    assert {f.name for f in DeletionLogEntry._meta.get_fields()} == {
        "id",
        "at",
        "data_kind",
        "rule",
        "count",
        "dry_run",
        "trigger",
    }
    proof = ProofRun.objects.get(name="retention_sweep")
    assert proof.ok
    assert proof.summary["email_tokens"] == 1
    assert proof.last_run_at == T0 + datetime.timedelta(hours=1)


def test_old_audit_events_go_after_two_years_fresh_ones_stay() -> None:
    with time_machine.travel(timezone.now() - datetime.timedelta(days=731), tick=False):
        old = AuditEvent.objects.create(actor_kind="staff", action="view", object_type="accounts.profile")
    fresh = AuditEvent.objects.create(actor_kind="staff", action="view", object_type="accounts.profile")
    assert _by_rule(retention_sweep(only=["core.AuditEvent"])) == {"audit_events_2y": 1}
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert old.pk != fresh.pk


def test_the_nightly_task_runs_every_rule() -> None:
    _events(2, at=T0)
    with time_machine.travel(T0 + datetime.timedelta(days=2), tick=False):
        summary = retention_sweep_task.call()
    assert summary["throttle_events"] == 2
    assert {"expired_sessions", "email_tokens", "throttle_events", "audit_events_2y"} <= set(summary)


def test_command_prints_a_table_and_dry_run_keeps_rows() -> None:
    _events(4, at=timezone.now() - datetime.timedelta(days=2))
    out = StringIO()
    call_command("retention_sweep", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "data kind" in text
    assert "rule" in text
    line = next(line for line in text.splitlines() if "throttle_events" in line)
    assert line.split()[-1] == "4"
    assert "(dry run)" in text
    assert ThrottleEvent.objects.count() == 4

    out = StringIO()
    call_command("retention_sweep", stdout=out)
    assert "4 rows deleted" in out.getvalue()
    assert not ThrottleEvent.objects.exists()
