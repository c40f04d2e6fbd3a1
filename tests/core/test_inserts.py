"""``insert_row`` writes what ``Model.save()`` writes for a new object, in one statement."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.appointments.models import AppointmentType, Booking, Counter
from guichet.core.inserts import insert_row
from guichet.core.keys import data_key_create
from guichet.core.models import AuditEvent, DataKey
from tests.appointments_support import at, counters, kind, location, next_weekday

__all__ = ["counters", "kind", "location"]

pytestmark = pytest.mark.django_db


def test_an_auto_key_comes_back_and_defaults_and_auto_now_are_written() -> None:
    event = AuditEvent(actor_kind="guest", action="create", object_type="x.y", detail={"n": [1, "ü"]})

    with CaptureQueriesContext(connection) as queries:
        assert insert_row(event) is True

    assert len(queries.captured_queries) == 1
    assert event.pk is not None
    assert not event._state.adding
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.detail == {"n": [1, "ü"]}
    assert stored.at is not None
    assert stored.at == event.at
    assert (stored.actor_ref, stored.subject_ref, stored.authority_id) == ("", "", None)


def test_a_row_reads_back_as_the_same_row_written_by_save(kind: AppointmentType, counters: list[Counter]) -> None:
    """Encrypted fields are sealed by their ``pre_save`` as with ``save()``; the stored bytes
    never hold the plain value."""
    day = next_weekday(0)

    def booking(seat: int) -> Booking:
        return Booking(
            appointment_type=kind,
            location=kind.location,
            counter=counters[0],
            seat=seat,
            starts_at=at(day, 8),
            ends_at=at(day, 8, 10),
            blocks_until=at(day, 8, 10),
            data_key=data_key_create(),
            name="Zoë Canary",
            email="zoe@example.ch",
            phone="+41 61 000 00 00",
            email_index="i",
            manage_token_hash=uuid.uuid4().hex,
        )

    fast, slow = booking(0), booking(1)
    assert insert_row(fast) is True
    slow.save()

    for pk in (fast.pk, slow.pk):
        row = Booking.objects.get(pk=pk)
        assert (row.name, row.email, row.phone) == ("Zoë Canary", "zoe@example.ch", "+41 61 000 00 00")
        assert row.created_at is not None
        assert row.changed_at is not None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name FROM {Booking._meta.db_table} WHERE id = %s", [fast.pk.hex])  # noqa: S608
        fetched = cursor.fetchone()
    assert fetched is not None
    assert "Canary" not in str(fetched[0])


def test_a_conflict_is_skipped_and_the_transaction_goes_on() -> None:
    key = data_key_create()
    again = DataKey(id=key.pk, master_kid="demo", wrapped=b"other")

    assert insert_row(again, skip_conflicts=True) is False

    assert DataKey.objects.get(pk=key.pk).wrapped == key.wrapped  # untouched, and the connection still works
    assert insert_row(DataKey(id=uuid.uuid4(), master_kid="demo", wrapped=b"x"), skip_conflicts=True) is True
