"""Booking rules: the grid, notice, horizon, closures, limits, and never a seat twice."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from guichet.appointments.availability import free_slots
from guichet.appointments.models import AppointmentType, Booking, Closure, Counter, Location
from guichet.appointments.services import SlotTaken, booking_cancel, booking_create, booking_reschedule
from guichet.core.actor import GUEST
from tests.appointments_support import at, next_weekday

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The messages matched below are the English source texts."""
    with translation.override("en"):
        yield


def book(kind: AppointmentType, start: datetime.datetime, email: str = "gast@example.ch") -> Booking:
    booking, _token = booking_create(actor=GUEST, appointment_type=kind, starts_at=start, name="Gast", email=email)
    return booking


def test_a_working_day_offers_48_ten_minute_slots_on_two_counters(kind: AppointmentType) -> None:
    monday = next_weekday(0)
    slots = free_slots(appointment_type=kind, day_from=monday, day_to=monday)[monday]
    assert len(slots) == 48
    assert slots[0].starts_at == at(monday, 8)
    assert slots[-1].starts_at == at(monday, 16, 50)
    assert {slot.free for slot in slots} == {2}
    saturday = monday + datetime.timedelta(days=5)
    assert free_slots(appointment_type=kind, day_from=saturday, day_to=saturday)[saturday] == []


def test_buffers_space_the_grid_and_the_lunch_break_is_respected(kind: AppointmentType) -> None:
    kind.duration_minutes, kind.buffer_minutes = 20, 10
    kind.save()
    monday = next_weekday(0)
    starts = [slot.starts_at for slot in free_slots(appointment_type=kind, day_from=monday, day_to=monday)[monday]]
    assert starts[:3] == [at(monday, 8), at(monday, 8, 30), at(monday, 9)]
    assert at(monday, 11, 30) in starts
    assert at(monday, 12) not in starts
    assert at(monday, 13) in starts


def test_two_bookings_fill_a_slot_and_the_third_gets_alternatives(kind: AppointmentType) -> None:
    start = at(next_weekday(1), 9)
    first, second = book(kind, start, "a@example.ch"), book(kind, start, "b@example.ch")
    assert {first.counter_id, second.counter_id} == {c.pk for c in kind.counters.all()}
    with pytest.raises(SlotTaken) as taken:
        book(kind, start, "c@example.ch")
    assert taken.value.alternatives
    assert taken.value.alternatives[0].starts_at == start + datetime.timedelta(minutes=10)
    day = start.date()
    assert start not in [s.starts_at for s in free_slots(appointment_type=kind, day_from=day, day_to=day)[day]]


def test_the_database_refuses_an_overlapping_booking_of_a_seat(kind: AppointmentType) -> None:
    booking = book(kind, at(next_weekday(1), 10))
    clash = Booking(
        appointment_type=kind,
        location=kind.location,
        counter=booking.counter,
        seat=booking.seat,
        starts_at=booking.starts_at + datetime.timedelta(minutes=5),
        ends_at=booking.ends_at + datetime.timedelta(minutes=5),
        blocks_until=booking.blocks_until + datetime.timedelta(minutes=5),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clash.save()
    booking.status = Booking.Status.CANCELLED
    booking.save()
    clash.save()  # a cancelled booking frees the seat


def test_notice_horizon_off_grid_closures_and_holidays(kind: AppointmentType, counters: list[Counter]) -> None:
    now = timezone.now()
    with pytest.raises(Exception, match="too soon"):
        book(kind, now + datetime.timedelta(minutes=30))
    far = at(next_weekday(0, weeks=12), 9)
    with pytest.raises(Exception, match="too far ahead"):
        book(kind, far)
    with pytest.raises(Exception, match="does not offer this time"):
        book(kind, at(next_weekday(1), 9, 5))
    day = next_weekday(2)
    Closure.objects.create(location=kind.location, starts_at=at(day, 0), ends_at=at(day, 23, 59), kind="holiday")
    assert free_slots(appointment_type=kind, day_from=day, day_to=day)[day] == []
    with pytest.raises(SlotTaken):
        book(kind, at(day, 9))
    # a block on one counter leaves the other
    other = next_weekday(3)
    Closure.objects.create(location=kind.location, counter=counters[0], starts_at=at(other, 8), ends_at=at(other, 12))
    slot = free_slots(appointment_type=kind, day_from=other, day_to=other)[other][0]
    assert slot.free == 1
    assert book(kind, at(other, 8)).counter == counters[1]


def test_limits_per_person_and_per_day(kind: AppointmentType) -> None:
    day = next_weekday(1)
    book(kind, at(day, 8), "anna@example.ch")
    book(kind, at(day, 8, 10), "ANNA@example.ch ")
    with pytest.raises(Exception, match="already have 2 open bookings"):
        book(kind, at(day, 8, 20), "anna@example.ch")
    kind.max_per_day = 3
    kind.save()
    book(kind, at(day, 9), "ben@example.ch")
    assert free_slots(appointment_type=kind, day_from=day, day_to=day)[day] == []
    with pytest.raises(SlotTaken, match="fully booked"):
        book(kind, at(day, 10), "clara@example.ch")


def test_a_booking_moves_within_a_full_day_but_not_into_another_full_day(kind: AppointmentType) -> None:
    """The daily limit counts the booking being moved only on the day it leaves."""
    kind.max_per_day = 2
    kind.save()
    monday, tuesday = next_weekday(0), next_weekday(0) + datetime.timedelta(days=1)
    moving = book(kind, at(monday, 8), "anna@example.ch")
    book(kind, at(monday, 9), "ben@example.ch")
    book(kind, at(tuesday, 8), "clara@example.ch")
    book(kind, at(tuesday, 9), "dora@example.ch")

    booking_reschedule(actor=GUEST, booking=moving, starts_at=at(monday, 14))
    moving.refresh_from_db()
    assert moving.starts_at == at(monday, 14)
    with pytest.raises(SlotTaken, match="fully booked"):
        booking_reschedule(actor=GUEST, booking=moving, starts_at=at(tuesday, 14))
    moving.refresh_from_db()
    assert moving.starts_at == at(monday, 14)


def test_reschedule_and_cancel_free_the_old_time(kind: AppointmentType) -> None:
    day = next_weekday(1)
    booking = book(kind, at(day, 8))
    booking_reschedule(actor=GUEST, booking=booking, starts_at=at(day, 14))
    booking.refresh_from_db()
    assert booking.starts_at == at(day, 14)
    assert next(s for s in free_slots(appointment_type=kind, day_from=day, day_to=day)[day]).free == 2
    booking_cancel(actor=GUEST, booking=booking)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    with pytest.raises(Exception, match="can no longer be changed"):
        booking_reschedule(actor=GUEST, booking=booking, starts_at=at(day, 15))


def test_personal_data_is_encrypted_and_the_location_is_set(kind: AppointmentType, location: Location) -> None:
    booking = book(kind, at(next_weekday(1), 8), "geheim@example.ch")
    with connection.cursor() as cursor:
        cursor.execute("SELECT email, name FROM appointments_booking WHERE id = %s", [booking.pk.hex])
        raw = cursor.fetchone()
    assert raw is not None
    assert "geheim" not in raw[0]
    assert "Gast" not in raw[1]
    assert booking.location == location
