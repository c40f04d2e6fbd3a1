"""Emails about bookings: confirmation, change, cancellation and reminder, each with the
appointment's time and place and, except for the reminder, an ``.ics`` for the calendar.

The request only enqueues (after the commit) a task with the booking's id and the template; the
worker reads the booking, renders the email and its calendar file and sends it. So booking stays
fast under load, and nothing personal waits in the queue: the manage link, which carries the
booking's secret token, travels sealed like every email payload. The token exists only in the
first email (only its hash is stored); later emails link to the booking page."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation

from guichet.appointments.availability import local_zone
from guichet.appointments.ics import booking_ics
from guichet.appointments.models import Booking
from guichet.catalogue.models import pick
from guichet.core.email import Attachment, open_payload, seal_payload, send_templated_email

BOOKED = "appointments/booked"
RESCHEDULED = "appointments/rescheduled"
CANCELLED = "appointments/cancelled"
REMINDER = "appointments/reminder"
_WITH_ICS = {BOOKED: "REQUEST", RESCHEDULED: "REQUEST", CANCELLED: "CANCEL"}


def manage_url(token: str) -> str:
    return settings.SITE_URL + reverse("appointments:manage", args=[token])


def _when(value: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(value, local_zone()), "DATETIME_FORMAT")


def _enqueue(booking: Booking, template: str, **extra: str) -> None:
    from guichet.appointments.tasks import booking_email_task

    payload = seal_payload({"booking": str(booking.pk), "template": template, **extra})
    transaction.on_commit(lambda: booking_email_task.enqueue(payload=payload))


def booking_email_send(*, payload: str) -> bool:
    """The worker's half: render and send one booking email. ``False`` when there is nobody to
    write to any more (the booking's personal data was erased meanwhile)."""
    data: dict[str, Any] = open_payload(payload)
    booking = Booking.objects.select_related("location", "appointment_type").filter(pk=data.pop("booking")).first()
    if booking is None or booking.is_erased or not booking.email:
        return False
    template = data.pop("template")
    link = data.pop("link", "") or settings.SITE_URL + reverse("appointments:index")
    language = booking.language
    with translation.override(language):
        title = pick(booking.appointment_type.title, language)
        place = ", ".join(part for part in (pick(booking.location.name, language), booking.location.address) if part)
        context = {"title": title, "place": place, "when": _when(booking.starts_at), "link": link, **data}
    attachments = []
    method = _WITH_ICS.get(template)
    if method is not None:
        content = booking_ics(booking, manage_url=link, title=title, location=place, cancelled=method == "CANCEL")
        attachments.append(Attachment("appointment.ics", content, f"text/calendar; method={method}"))
    send_templated_email(
        to=booking.email, template=template, context=context, language=language, attachments=attachments
    )
    return True


def notify_booked(booking: Booking, *, token: str) -> None:
    _enqueue(booking, BOOKED, link=manage_url(token))


def notify_rescheduled(booking: Booking, *, previous: datetime.datetime) -> None:
    with translation.override(booking.language):
        _enqueue(booking, RESCHEDULED, previous=_when(previous))


def notify_cancelled(booking: Booking, *, by_staff: bool, reason: str) -> None:
    _enqueue(booking, CANCELLED, by_staff="1" if by_staff else "", reason=reason)


def notify_reminder(booking: Booking) -> None:
    _enqueue(booking, REMINDER)
