"""The audit trail is append-only in the database itself, not only through the ORM."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from guichet.core.models import AuditEvent
from guichet.core.privacy import AUDIT_RETENTION

pytestmark = pytest.mark.django_db


def _event() -> AuditEvent:
    return AuditEvent.objects.create(actor_kind="staff", actor_ref="m-1", action="view", object_type="accounts.profile")


def _raw(sql: str, params: list[object]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:  # savepoint: PostgreSQL aborts the transaction otherwise
        cursor.execute(sql, params)


def test_raw_update_is_refused() -> None:
    event = _event()
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE core_auditevent SET action = %s WHERE id = %s", ["delete", event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "view"


def test_queryset_update_is_refused_too() -> None:
    event = _event()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor_ref="someone-else")


def test_raw_delete_of_a_fresh_event_is_refused() -> None:
    event = _event()
    with pytest.raises(DatabaseError, match="retention"):
        _raw("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_delete_of_an_event_one_day_short_of_the_retention_is_refused() -> None:
    with time_machine.travel(timezone.now() - AUDIT_RETENTION + datetime.timedelta(days=2), tick=False):
        event = _event()
    with pytest.raises(DatabaseError):
        _raw("DELETE FROM core_auditevent WHERE id = %s", [event.pk])


def test_event_past_its_retention_can_be_deleted() -> None:
    with time_machine.travel(timezone.now() - AUDIT_RETENTION - datetime.timedelta(days=1), tick=False):
        event = _event()
    _raw("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert not AuditEvent.objects.filter(pk=event.pk).exists()


def test_orm_refuses_changes_before_the_database_sees_them() -> None:
    event = _event()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_can_still_be_flushed_with_fresh_events() -> None:
    """Browser tests use transactional databases; their teardown flush must not trip the trigger."""
    _event()
    assert AuditEvent.objects.count() == 1
