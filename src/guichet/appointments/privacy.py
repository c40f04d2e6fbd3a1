"""Appointments' entries in the privacy registry (P01, P14)."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from guichet.appointments.models import Booking
from guichet.appointments.services import bookings_erase_personal_data
from guichet.core.registry import Category, DataKind, Erasure, NotPersonal, RetentionRule, registry

#: P14: the booking's personal data is deleted 30 days after the appointment.
AFTER_APPOINTMENT = datetime.timedelta(days=30)


def _past_bookings(now: datetime.datetime) -> QuerySet[Booking]:
    return Booking.objects.filter(blocks_until__lt=now - AFTER_APPOINTMENT, personal_data_erased_at__isnull=True)


registry.register(
    DataKind(
        model="appointments.Booking",
        category=Category.CONTACT,
        purpose=_("Book, remind you of and manage your appointment at the counter"),
        legal_basis=_("Necessary to provide the appointment you booked"),
        fields=("name", "email", "phone", "email_index", "manage_token_hash", "language"),
        person_links=("profile",),
        retention=RetentionRule(
            name="appointment_personal_data",
            start_event=_("the appointment"),
            period=AFTER_APPOINTMENT,
            due=_past_bookings,
            purge=bookings_erase_personal_data,
        ),
        erasure=Erasure.KEEP_ANONYMOUS,
    ),
)

_SET_UP = "An authority's calendar set-up: offices, counters and what can be booked, no person"

registry.exempt(
    NotPersonal(model="appointments.Location", fields=("name", "address"), reason=_SET_UP),
    NotPersonal(model="appointments.Counter", fields=("name",), reason=_SET_UP),
    NotPersonal(model="appointments.AppointmentType", fields=("title",), reason=_SET_UP),
    NotPersonal(model="appointments.OpeningHours", fields=(), reason=_SET_UP),
    NotPersonal(model="appointments.Closure", fields=("reason",), reason=_SET_UP),
)
