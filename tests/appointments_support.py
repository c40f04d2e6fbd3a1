"""The calendar of appointment tests (fixtures imported by the appointment and backoffice tests):
one location of ``authority`` open Monday to Friday 08-12 and 13-17, two counters of one seat, and
a 10-minute appointment type on both."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from guichet.appointments.availability import local_zone
from guichet.appointments.demo import WORKING_HOURS, opening_hours_set
from guichet.appointments.models import AppointmentType, Counter, Location
from guichet.core.models import Authority


def next_weekday(weekday: int = 0, *, weeks: int = 1) -> datetime.date:
    """A date ``weeks`` weeks ahead that falls on ``weekday`` (0 = Monday)."""
    today = timezone.localdate()
    return today + datetime.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=local_zone())


@pytest.fixture
def location(authority: Authority) -> Location:
    location = Location.objects.create(authority=authority, slug="einwohneramt", name={"de": "Einwohneramt"})
    opening_hours_set(location, intervals=WORKING_HOURS)
    return location


@pytest.fixture
def counters(location: Location) -> list[Counter]:
    return [Counter.objects.create(location=location, name=f"Schalter {n}") for n in (1, 2)]


@pytest.fixture
def kind(location: Location, counters: list[Counter]) -> AppointmentType:
    appointment_type = AppointmentType.objects.create(
        location=location, slug="beratung", title={"de": "Beratung", "fr": "Conseil"}, duration_minutes=10
    )
    appointment_type.counters.set(counters)
    return appointment_type
