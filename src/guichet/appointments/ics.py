"""Calendar invitations (RFC 5545) for bookings, with ``icalendar``.

The event carries what a calendar needs and nothing more: the appointment type, the location and
its address, the time, and the manage link in the description. The UID is stable per booking, so
a rescheduled or cancelled appointment updates the entry the person already has (SEQUENCE grows
with each change; a cancellation is METHOD:CANCEL / STATUS:CANCELLED)."""

from __future__ import annotations

import datetime
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from guichet.appointments.models import Booking


def booking_ics(booking: Booking, *, manage_url: str, title: str, location: str, cancelled: bool = False) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Guichet//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"{booking.pk}@{urlsplit(settings.SITE_URL).hostname or 'guichet'}")
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    event.add("dtstart", booking.starts_at.astimezone(datetime.UTC))
    event.add("dtend", booking.ends_at.astimezone(datetime.UTC))
    event.add("sequence", int((booking.changed_at or timezone.now()).timestamp()) // 60 % 2_000_000_000)
    event.add("summary", title)
    event.add("location", vText(location))
    event.add("description", manage_url)
    event.add("url", manage_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["cn"] = vText(settings.GUICHET_PORTAL_NAME)
    event.add("organizer", organizer)
    calendar.add_component(event)
    return calendar.to_ical()
