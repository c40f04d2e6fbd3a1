"""Reminders before the appointment, the calendar file, and P14: the person's data is gone 30
days after the appointment while the statistics stay."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from icalendar import Calendar

from guichet.appointments.ics import booking_ics
from guichet.appointments.models import AppointmentType, Booking
from guichet.appointments.services import booking_create, reminders_send
from guichet.core.actor import GUEST
from guichet.core.models import DataKey, DeletionLogEntry
from guichet.privacy.retention import retention_sweep
from tests.appointments_support import at, next_weekday

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _outbox(settings: object) -> None:
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}  # type: ignore[attr-defined]


def _book(kind: AppointmentType, start: datetime.datetime) -> Booking:
    booking, _token = booking_create(
        actor=GUEST, appointment_type=kind, starts_at=start, name="Gina Gast", email="gina@example.ch", phone="079"
    )
    return booking


def test_the_confirmation_carries_a_calendar_file_with_the_time_in_utc(
    kind: AppointmentType, django_capture_on_commit_callbacks: object
) -> None:
    start = at(next_weekday(1), 9, 10)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        booking = _book(kind, start)
    (message,) = mail.outbox
    (attachment,) = message.attachments
    calendar = Calendar.from_ical(attachment.content)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == start.astimezone(datetime.UTC)
    assert event.decoded("dtend") == (start + datetime.timedelta(minutes=10)).astimezone(datetime.UTC)
    assert str(event["uid"]).startswith(str(booking.pk))
    assert "/appointments/manage/" in message.body
    cancelled = Calendar.from_ical(booking_ics(booking, manage_url="x", title="t", location="l", cancelled=True))
    assert str(cancelled["method"]) == "CANCEL"


def test_one_reminder_a_day_before_and_none_for_a_booking_made_inside_the_window(
    kind: AppointmentType, django_capture_on_commit_callbacks: object
) -> None:
    start = at(next_weekday(2), 10)
    _book(kind, start)
    late_start = at(next_weekday(2), 11)
    with time_machine.travel(late_start - datetime.timedelta(hours=5)):
        _book(kind, late_start)  # booked 5 hours before: its confirmation is the reminder
    mail.outbox.clear()
    with time_machine.travel(start - datetime.timedelta(hours=25)):
        assert reminders_send() == 0
    with time_machine.travel(start - datetime.timedelta(hours=23)), django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert reminders_send() == 1
        assert reminders_send() == 0  # once only
    assert len(mail.outbox) == 1
    assert "Reminder" in mail.outbox[0].subject or "Erinnerung" in mail.outbox[0].subject


@pytest.mark.promise("P14")
def test_personal_data_is_erased_30_days_after_the_appointment_and_statistics_stay(kind: AppointmentType) -> None:
    start = at(next_weekday(1), 9)
    booking = _book(kind, start)
    key_id = booking.data_key_id
    day_before = booking.blocks_until + datetime.timedelta(days=30) - datetime.timedelta(minutes=1)
    retention_sweep(now=day_before, only=["appointments.Booking"])
    booking.refresh_from_db()
    assert booking.name == "Gina Gast"

    retention_sweep(now=booking.blocks_until + datetime.timedelta(days=30, minutes=1), only=["appointments.Booking"])
    booking.refresh_from_db()
    assert booking.is_erased
    assert (booking.name, booking.email, booking.phone, booking.email_index) == ("", "", "", "")
    assert booking.manage_token_hash is None
    assert DataKey.objects.get(pk=key_id).wrapped is None  # crypto-shredded: backups cannot read it either
    # statistics: the booking still counts, by type, counter, time and status
    assert Booking.objects.filter(appointment_type=kind, starts_at=start, status="confirmed").count() == 1
    entry = DeletionLogEntry.objects.filter(rule="appointment_personal_data", dry_run=False).latest("at")
    assert entry.count == 1
    # a second sweep finds nothing more to do
    results = retention_sweep(now=booking.blocks_until + datetime.timedelta(days=31), only=["appointments.Booking"])
    assert results[0].count == 0
