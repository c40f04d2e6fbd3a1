"""Reads of the staff side of appointments, always scoped to the staff actor's authority.

Another authority's location, counter, type, closure or booking is "not found" (404), exactly
like one that does not exist. The day list loads the people's data keys at once
(``data_keys_preload``), so it takes the same number of queries for 3 bookings or 300, and it
never loads the email address (the list does not show it)."""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Sequence

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from guichet.appointments.availability import local_zone
from guichet.appointments.models import AppointmentType, Booking, Closure, Counter, Location, OpeningHours
from guichet.catalogue.models import Service, pick
from guichet.core.access import scoped_get
from guichet.core.actor import Actor
from guichet.core.keys import data_keys_preload

access_logger = logging.getLogger("guichet.access")


def _is_staff(actor: Actor) -> bool:
    return actor.is_staff and actor.authority is not None


def _check_location(actor: Actor, location: Location) -> None:
    if not _is_staff(actor) or actor.authority is None or location.authority_id != actor.authority.pk:
        raise Http404


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Local midnight of ``day`` and of the next day."""
    zone = local_zone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    return start, datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)


# --- Locations and their set-up ------------------------------------------------------------------


def staff_locations(*, actor: Actor) -> QuerySet[Location]:
    """The authority's locations, by slug."""
    if not _is_staff(actor):
        return Location.objects.none()
    return Location.objects.filter(authority=actor.authority).order_by("slug")


def staff_locations_overview(*, actor: Actor) -> QuerySet[Location]:
    """The authority's locations with how many counters and appointment types each has."""
    return staff_locations(actor=actor).annotate(
        counter_count=Count("counters", distinct=True), type_count=Count("appointment_types", distinct=True)
    )


def staff_location_get(*, actor: Actor, slug: str) -> Location:
    """A location of the authority by its slug; any other slug is "not found" (and logged)."""
    location = staff_locations(actor=actor).filter(slug=str(slug)).first()
    if location is None:
        access_logger.warning(
            "access denied or not found: actor=%s:%s object=%s:%s",
            actor.kind,
            actor.ref or "-",
            Location._meta.label_lower,
            str(slug)[:64],
        )
        raise Http404
    return location


def staff_counters(*, actor: Actor, location: Location) -> list[Counter]:
    _check_location(actor, location)
    return list(Counter.objects.filter(location=location).order_by("name", "pk"))


def staff_counter_get(*, actor: Actor, location: Location, counter_id: int | str) -> Counter:
    _check_location(actor, location)
    return scoped_get(Counter.objects.filter(location=location), actor=actor, pk=counter_id)


def staff_appointment_types(*, actor: Actor, location: Location) -> list[AppointmentType]:
    _check_location(actor, location)
    return list(
        AppointmentType.objects.filter(location=location)
        .select_related("service")
        .prefetch_related("counters")
        .order_by("slug")
    )


def staff_appointment_type_get(*, actor: Actor, location: Location, type_id: int | str) -> AppointmentType:
    _check_location(actor, location)
    return scoped_get(
        AppointmentType.objects.filter(location=location).prefetch_related("counters"), actor=actor, pk=type_id
    )


def staff_opening_hours(*, actor: Actor, location: Location) -> list[OpeningHours]:
    _check_location(actor, location)
    return list(OpeningHours.objects.filter(location=location).order_by("weekday", "opens"))


def staff_service_choices(*, actor: Actor) -> list[tuple[int, str]]:
    """The authority's catalogue services an appointment type may be linked to (catalogue data)."""
    if not _is_staff(actor):
        return []
    services = Service.objects.filter(authority=actor.authority).only("id", "title", "slug")
    return sorted(((s.pk, pick(s.title) or s.slug) for s in services), key=lambda item: item[1].casefold())


def staff_service_get(*, actor: Actor, service_id: int | str) -> Service:
    if not _is_staff(actor):
        raise Http404
    return scoped_get(Service.objects.filter(authority=actor.authority), actor=actor, pk=service_id)


# --- Closures ------------------------------------------------------------------------------------


def staff_closures_between(
    *, actor: Actor, location: Location, starts_at: datetime.datetime, ends_at: datetime.datetime | None = None
) -> list[Closure]:
    """The closures of the location that overlap ``starts_at .. ends_at`` (open end: all later ones)."""
    _check_location(actor, location)
    closures = Closure.objects.filter(location=location, ends_at__gt=starts_at)
    if ends_at is not None:
        closures = closures.filter(starts_at__lt=ends_at)
    return list(closures.order_by("starts_at", "pk"))


def staff_closure_get(*, actor: Actor, location: Location, closure_id: int | str) -> Closure:
    _check_location(actor, location)
    return scoped_get(Closure.objects.filter(location=location), actor=actor, pk=closure_id)


# --- Bookings ------------------------------------------------------------------------------------

#: What the day list needs of a booking: never the email address, its index or the manage token.
_DAY_FIELDS: Sequence[str] = (
    "id",
    "appointment_type",
    "location",
    "counter",
    "seat",
    "starts_at",
    "ends_at",
    "blocks_until",
    "status",
    "cancelled_by",
    "data_key",
    "name",
    "phone",
    "profile",
    "personal_data_erased_at",
)


def staff_day_bookings(
    *, actor: Actor, location: Location, day: datetime.date, counter: Counter | None = None
) -> list[Booking]:
    """The bookings of one day at a location (or one of its counters), in time order, cancelled
    ones included. A fixed number of queries: the data keys of all the people are unwrapped at once
    before their names and phone numbers are decrypted."""
    _check_location(actor, location)
    start, end = day_bounds(day)
    bookings = Booking.objects.filter(location=location, starts_at__gte=start, starts_at__lt=end)
    if counter is not None:
        if counter.location_id != location.pk:
            raise Http404
        bookings = bookings.filter(counter=counter)
    data_keys_preload(key_ids=[key for key in bookings.values_list("data_key_id", flat=True) if key is not None])
    return list(
        bookings.select_related("appointment_type")
        .only(*_DAY_FIELDS, "appointment_type__title", "appointment_type__slug")
        .annotate(subject_ref=F("profile__owner_id"))  # whose access log shows this look (P11)
        .order_by("starts_at", "counter_id", "seat")
    )


def staff_booking_get(*, actor: Actor, booking_id: uuid.UUID | str) -> Booking:
    """One booking of the authority, with its location, type and counter (not its email address)."""
    if not _is_staff(actor):
        raise Http404
    bookings = (
        Booking.objects.filter(location__authority=actor.authority)
        .select_related("location", "appointment_type", "counter")
        .annotate(subject_ref=F("profile__owner_id"))
        .defer("email", "email_index", "manage_token_hash")
    )
    return scoped_get(bookings, actor=actor, pk=booking_id)


def staff_bookings_overlapping(
    *,
    actor: Actor,
    location: Location,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    counter: Counter | None,
) -> int:
    """How many active bookings lie (partly) in ``starts_at .. ends_at``: they stay when staff block
    that time, so the page says how many are left to cancel."""
    _check_location(actor, location)
    bookings = Booking.objects.filter(
        Q(location=location, starts_at__lt=ends_at, ends_at__gt=starts_at) & ~Q(status=Booking.Status.CANCELLED)
    )
    if counter is not None:
        bookings = bookings.filter(counter=counter)
    return bookings.count()
