"""Every read of the booking pages.

Calendars (locations and appointment types) are public. A booking is reached in one of two ways:
with its manage token (the link in the confirmation email: whoever holds it may see and change
the booking, P18), or by the account holder whose active profile made it. Not found, erased and
not allowed look the same: a 404."""

from __future__ import annotations

import datetime
import uuid

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from guichet.appointments.models import AppointmentType, Booking, Location
from guichet.appointments.services import token_hash
from guichet.core.access import scoped_get
from guichet.core.actor import Actor

#: A manage token is 32 characters (``secrets.token_urlsafe(24)``); anything much longer is not one.
MAX_TOKEN_LENGTH = 100


def _bookable_types() -> QuerySet[AppointmentType]:
    return AppointmentType.objects.filter(is_active=True).order_by("slug")


def location_list() -> list[Location]:
    """Active locations that offer at least one active appointment type, each with its types in
    ``bookable_types`` (two queries, however many locations)."""
    return list(
        Location.objects.filter(is_active=True, appointment_types__is_active=True)
        .distinct()
        .select_related("authority")
        .prefetch_related(Prefetch("appointment_types", queryset=_bookable_types(), to_attr="bookable_types"))
        .order_by("slug")
    )


def appointment_type_get(*, location: str, kind: str) -> AppointmentType:
    """The active appointment type ``kind`` of the active location ``location``, or a 404."""
    appointment_type = (
        AppointmentType.objects.filter(location__slug=location, slug=kind, is_active=True, location__is_active=True)
        .select_related("location", "location__authority")
        .first()
    )
    if appointment_type is None:
        raise Http404
    return appointment_type


def bookable_types_for_service(*, service_id: int) -> list[AppointmentType]:
    """The active appointment types of a catalogue service at active locations."""
    return list(
        AppointmentType.objects.filter(service_id=service_id, is_active=True, location__is_active=True)
        .select_related("location")
        .order_by("location__slug", "slug")
    )


def _with_calendar(queryset: QuerySet[Booking]) -> QuerySet[Booking]:
    return queryset.select_related("appointment_type", "location", "location__authority")


def booking_by_token(*, token: str) -> Booking:
    """The booking whose manage token is ``token``; erased bookings have no token any more. The
    answer never tells whether a token existed: unknown, erased and malformed are the same 404."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise Http404
    booking = (
        _with_calendar(
            Booking.objects.filter(manage_token_hash=token_hash(token), personal_data_erased_at__isnull=True)
        )
        .order_by()
        .first()
    )
    if booking is None:
        raise Http404
    return booking


def booking_list(*, actor: Actor) -> QuerySet[Booking]:
    """Every booking made as the actor's active profile (none for guests), not yet erased."""
    if not actor.is_citizen or actor.profile is None:
        return Booking.objects.none()
    return _with_calendar(Booking.objects.filter(profile=actor.profile, personal_data_erased_at__isnull=True))


def booking_get(*, actor: Actor, booking_id: uuid.UUID | str) -> Booking:
    """One of the actor's bookings (someone else's, or a missing one, is a 404)."""
    return scoped_get(booking_list(actor=actor), actor=actor, pk=booking_id)


def upcoming_bookings(*, actor: Actor, now: datetime.datetime | None = None) -> QuerySet[Booking]:
    """The actor's confirmed appointments that are not over yet, soonest first, with their type
    and location (one query)."""
    now = now or timezone.now()
    return (
        booking_list(actor=actor).filter(status=Booking.Status.CONFIRMED, ends_at__gt=now).order_by("starts_at", "pk")
    )


def contact_prefill(*, actor: Actor) -> dict[str, str]:
    """Suggested contact details from the active profile: its display name, the account's
    confirmed email address (else the profile's contact email) and the profile's phone."""
    profile = actor.profile
    if not actor.is_citizen or actor.user is None:
        return {}
    values: dict[str, str] = {}
    if profile is not None:
        has_name = profile.first_name or profile.last_name or profile.organisation_name
        values["name"] = profile.display_name if has_name else ""
        values["phone"] = profile.phone or ""
    user = actor.user
    if user.email_verified_at is not None and user.email:
        values["email"] = user.email
    elif profile is not None and profile.email:
        values["email"] = profile.email
    return {key: value for key, value in values.items() if value}
