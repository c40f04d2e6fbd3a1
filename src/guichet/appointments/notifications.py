"""Emails about bookings: confirmation, change, cancellation and reminder, each with the
appointment's time and place and, except for the reminder, an ``.ics`` for the calendar.

The manage link carries the booking's secret token; it exists only in the first email (only its
hash is stored), so later emails link to the manage page without it and the person uses the link
they already have."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from guichet.appointments.availability import local_zone
from guichet.appointments.ics import booking_ics
from guichet.appointments.models import Booking
from guichet.catalogue.models import pick
from guichet.core.email import Attachment, send_templated_email

BOOKED = "appointments/booked"
RESCHEDULED = "appointments/rescheduled"
CANCELLED = "appointments/cancelled"
REMINDER = "appointments/reminder"


def manage_url(token: str) -> str:
    return settings.SITE_URL + reverse("appointments:manage", args=[token])


def _when(value: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(value, local_zone()), "DATETIME_FORMAT")


def _send(booking: Booking, template: str, *, link: str, ics: bool, cancelled: bool = False, **extra: str) -> None:
    if not booking.email:
        return
    language = booking.language
    with translation.override(language):
        title = pick(booking.appointment_type.title, language)
        place = ", ".join(part for part in (pick(booking.location.name, language), booking.location.address) if part)
        context = {"title": title, "place": place, "when": _when(booking.starts_at), "link": link, **extra}
    attachments = []
    if ics:
        content = booking_ics(booking, manage_url=link, title=title, location=place, cancelled=cancelled)
        attachments.append(
            Attachment("appointment.ics", content, "text/calendar; method=" + ("CANCEL" if cancelled else "REQUEST"))
        )
    # Rendered now, sent by the worker after the commit.
    send_templated_email(
        to=booking.email, template=template, context=context, language=language, attachments=attachments
    )


def notify_booked(booking: Booking, *, token: str) -> None:
    _send(booking, BOOKED, link=manage_url(token), ics=True)


def notify_rescheduled(booking: Booking, *, previous: datetime.datetime) -> None:
    _send(
        booking, RESCHEDULED, link=settings.SITE_URL + reverse("appointments:index"), ics=True, previous=_when(previous)
    )


def notify_cancelled(booking: Booking, *, by_staff: bool, reason: str) -> None:
    _send(
        booking,
        CANCELLED,
        link=settings.SITE_URL + reverse("appointments:index"),
        ics=True,
        cancelled=True,
        by_staff="1" if by_staff else "",
        reason=reason,
    )


def notify_reminder(booking: Booking) -> None:
    _send(booking, REMINDER, link=settings.SITE_URL + reverse("appointments:index"), ics=False)
