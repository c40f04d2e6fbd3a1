"""On PostgreSQL the calendar is read in one statement (the booking path is bound by round
trips); it must read exactly what the ORM queries read, on every engine's data."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guichet.appointments import availability
from guichet.appointments.models import AppointmentType, Booking, Closure, Counter
from guichet.appointments.services import booking_create, email_index
from guichet.core.actor import GUEST
from guichet.core.models import DataKey
from tests.appointments_support import at, next_weekday

pytestmark = pytest.mark.django_db


def _busy_week(kind: AppointmentType, counters: list[Counter]) -> tuple[datetime.date, Booking]:
    monday = next_weekday(0)
    tuesday = monday + datetime.timedelta(days=1)
    other = Counter.objects.create(location=kind.location, name="Schalter 3", capacity=2, is_active=False)
    kind.counters.add(other)
    Closure.objects.create(location=kind.location, starts_at=at(tuesday, 8), ends_at=at(tuesday, 9), kind="closure")
    Closure.objects.create(
        location=kind.location, counter=counters[1], starts_at=at(monday, 13), ends_at=at(monday, 14)
    )
    first, _token = booking_create(
        actor=GUEST, appointment_type=kind, starts_at=at(monday, 8), name="Ada", email="ada@example.ch"
    )
    booking_create(actor=GUEST, appointment_type=kind, starts_at=at(monday, 8), name="Ben", email="ben@example.ch")
    cancelled, _token = booking_create(
        actor=GUEST, appointment_type=kind, starts_at=at(tuesday, 10), name="Cleo", email="cleo@example.ch"
    )
    cancelled.status = Booking.Status.CANCELLED
    cancelled.save(update_fields=["status"])
    return monday, first


def _comparable(read: availability._Read) -> tuple[object, ...]:
    return (
        [(counter.pk, counter.name, counter.capacity) for counter in read.counters],
        read.hours,
        sorted(read.closures, key=lambda row: (row[1], row[0] or 0)),
        sorted(read.intervals, key=lambda row: (row[2], row[0], row[1])),
        read.day_counts,
        read.person_open,
    )


@pytest.mark.parametrize("excluding", [False, True])
@pytest.mark.parametrize("with_limits", [False, True])
def test_one_statement_reads_what_the_orm_queries_read(
    kind: AppointmentType, counters: list[Counter], excluding: bool, with_limits: bool
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement read is PostgreSQL's")
    monday, first = _busy_week(kind, counters)
    if with_limits:  # a daily limit: per-day counts are read too
        AppointmentType.objects.filter(pk=kind.pk).update(max_per_day=5)
    kind = AppointmentType.objects.select_related("location").get(pk=kind.pk)
    start, end = availability._bounds(monday, monday + datetime.timedelta(days=4))
    query = availability._Query(
        start=start,
        end=end,
        exclude_pk=str(first.pk) if excluding else None,
        person_index=email_index("ADA@example.ch ") if with_limits else None,
        now=timezone.now(),
    )

    with CaptureQueriesContext(connection) as one:
        fast = availability._read_in_one_statement(kind, query)
    orm = availability._read(kind, query)

    assert len(one.captured_queries) == 1
    assert _comparable(fast) == _comparable(orm)
    assert len(orm.intervals) == (1 if excluding else 2)  # two seats taken at 08:00, the cancelled one not
    assert len(orm.closures) == 2  # the location's closure and counter 2's
    assert [counter.pk for counter in orm.counters] == [counter.pk for counter in counters]  # not the inactive one
    # Monday's two bookings (one when Ada's is being moved); Tuesday's is cancelled. Ada has one open booking.
    assert orm.day_counts == ({monday: 1 if excluding else 2} if with_limits else {})
    assert orm.person_open == (1 if with_limits else 0)


def test_a_person_at_the_limit_is_refused_by_the_same_read(kind: AppointmentType, counters: list[Counter]) -> None:
    """The per-person limit comes from the calendar read that runs after the person's lock, on
    every engine, and a refused request leaves no data key behind."""
    AppointmentType.objects.filter(pk=kind.pk).update(max_per_person=1)
    kind = AppointmentType.objects.select_related("location").get(pk=kind.pk)
    monday = next_weekday(0)
    booking_create(actor=GUEST, appointment_type=kind, starts_at=at(monday, 8), name="Ada", email="ada@example.ch")
    keys = DataKey.objects.count()

    with pytest.raises(ValidationError) as refused:
        booking_create(actor=GUEST, appointment_type=kind, starts_at=at(monday, 9), name="Ada", email=" Ada@Example.ch")

    assert refused.value.code == "person_limit"
    assert DataKey.objects.count() == keys
    assert Booking.objects.filter(appointment_type=kind).count() == 1


def test_the_calendar_of_a_busy_week_is_the_same_on_every_engine(
    kind: AppointmentType, counters: list[Counter]
) -> None:
    """What the slots say, through whichever read the engine uses."""
    monday, _first = _busy_week(kind, counters)
    kind = AppointmentType.objects.select_related("location").get(pk=kind.pk)
    days = availability.free_slots(appointment_type=kind, day_from=monday, day_to=monday + datetime.timedelta(days=1))
    monday_starts = {slot.starts_at: slot.free for slot in days[monday]}
    assert at(monday, 8) not in monday_starts  # both counters booked
    assert monday_starts[at(monday, 13)] == 1  # counter 2 closed
    assert monday_starts[at(monday, 8, 10)] == 2
    tuesday = monday + datetime.timedelta(days=1)
    tuesday_starts = {slot.starts_at: slot.free for slot in days[tuesday]}
    assert at(tuesday, 8, 50) not in tuesday_starts  # the whole location closed 08-09
    assert tuesday_starts[at(tuesday, 9)] == 2
    assert tuesday_starts[at(tuesday, 10)] == 2  # the cancelled booking frees its seat
