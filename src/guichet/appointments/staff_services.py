"""Writes of an authority's calendar set-up by its staff: locations, counters, appointment types,
weekly opening hours and closures.

Every function is keyword-only, checks that the actor is staff of the location's authority
(``PermissionDenied`` otherwise: views only pass objects read through ``staff_selectors``, so
this is a second line), validates what the database cannot say nicely, and records an audit
event. Errors are ``ValidationError`` dicts keyed by the model's field names (``title`` and
``name`` for the per-language texts), each with a code, so a form or the API can show them next
to the right field."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.appointments import services
from guichet.appointments.models import AppointmentType, Booking, Closure, Counter, Location, OpeningHours
from guichet.catalogue.models import Service
from guichet.core.actor import Actor
from guichet.core.audit import audit_record
from guichet.core.models import AuditEvent

LANGUAGES = ("de", "fr", "it", "en")
MAX_CAPACITY = 50
MIN_DURATION, MAX_DURATION = 5, 480
MAX_BUFFER = 240
MAX_PER_PERSON = 50
MAX_NOTICE_MINUTES = 60 * 24 * 30  # 30 days
MIN_HORIZON_DAYS, MAX_HORIZON_DAYS = 1, 730
MAX_REMINDER_HOURS = 168  # a week; 0 sends no reminder
MAX_TEXT = 200
MAX_NAME = 100
MAX_SLUG = 100
#: Closures lie within ten years of today (a typo like year 0001 must not reach the database).
CLOSURE_RANGE = datetime.timedelta(days=3660)
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: Slugs the booking URLs use for themselves (``/appointments/manage/<token>/``,
#: ``/backoffice/appointments/locations/new/``).
RESERVED_LOCATION_SLUGS = frozenset({"manage", "mine", "new"})


class _Errors:
    """Collects field errors, then raises them together."""

    def __init__(self) -> None:
        self.errors: dict[str, list[ValidationError]] = defaultdict(list)

    def add(self, field: str, message: str, code: str) -> None:
        self.errors[field].append(ValidationError(message, code=code))

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationError(dict(self.errors))


def _check_staff(actor: Actor, authority_id: int) -> None:
    if not actor.is_staff or actor.authority is None or actor.authority.pk != authority_id:
        raise PermissionDenied


def _texts(values: Mapping[str, str], *, field: str, errors: _Errors, max_length: int = MAX_NAME) -> dict[str, str]:
    """Per-language texts, trimmed, empty ones left out; at least one is needed."""
    texts = {code: str(values.get(code) or "").strip() for code in LANGUAGES}
    texts = {code: text for code, text in texts.items() if text}
    if not texts:
        errors.add(field, _("Give it a name in at least one language."), "required")
    if any(len(text) > max_length for text in texts.values()):
        errors.add(field, _("A name may have at most %(limit)s characters.") % {"limit": max_length}, "too_long")
    return texts


def _range(errors: _Errors, field: str, value: int | None, low: int, high: int) -> None:
    if value is None or not low <= value <= high:
        errors.add(
            field, _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}, "out_of_range"
        )


def _slug(errors: _Errors, slug: str) -> str:
    slug = slug.strip()
    if not SLUG.fullmatch(slug) or len(slug) > MAX_SLUG:
        errors.add(
            "slug",
            _("Use up to %(limit)s small letters, digits and dashes, for example “pass-office”.") % {"limit": MAX_SLUG},
            "invalid",
        )
    return slug


def _audit(actor: Actor, action: AuditEvent.Action, obj: Any, **detail: Any) -> None:
    audit_record(actor=actor, action=action, obj=obj, detail=detail)


# --- Locations -----------------------------------------------------------------------------------


def _location_rules(
    errors: _Errors, *, address: str, min_notice_minutes: int, horizon_days: int, reminder_hours: int
) -> str:
    address = address.strip()
    if len(address) > MAX_TEXT:
        errors.add("address", _("The address may have at most %(limit)s characters.") % {"limit": MAX_TEXT}, "too_long")
    _range(errors, "min_notice_minutes", min_notice_minutes, 0, MAX_NOTICE_MINUTES)
    _range(errors, "horizon_days", horizon_days, MIN_HORIZON_DAYS, MAX_HORIZON_DAYS)
    _range(errors, "reminder_hours", reminder_hours, 0, MAX_REMINDER_HOURS)
    return address


@transaction.atomic
def location_create(
    *,
    actor: Actor,
    slug: str,
    name: Mapping[str, str],
    address: str = "",
    min_notice_minutes: int = 120,
    horizon_days: int = 60,
    reminder_hours: int = 24,
    is_active: bool = True,
) -> Location:
    """A new location of the actor's authority. Its slug is part of the public booking links."""
    if not actor.is_staff or actor.authority is None:
        raise PermissionDenied
    errors = _Errors()
    slug = _slug(errors, slug)
    if slug in RESERVED_LOCATION_SLUGS or (slug and Location.objects.filter(slug=slug).exists()):
        errors.add("slug", _("This short name is already taken. Choose another one."), "taken")
    texts = _texts(name, field="name", errors=errors)
    address = _location_rules(
        errors,
        address=address,
        min_notice_minutes=min_notice_minutes,
        horizon_days=horizon_days,
        reminder_hours=reminder_hours,
    )
    errors.raise_any()
    try:
        with transaction.atomic():
            location = Location.objects.create(
                authority=actor.authority,
                slug=slug,
                name=texts,
                address=address,
                min_notice_minutes=min_notice_minutes,
                horizon_days=horizon_days,
                reminder_hours=reminder_hours,
                is_active=is_active,
            )
    except IntegrityError as exc:  # the same slug, a moment ago
        raise ValidationError(
            {"slug": ValidationError(_("This short name is already taken. Choose another one."), code="taken")}
        ) from exc
    _audit(actor, AuditEvent.Action.CREATE, location)
    return location


@transaction.atomic
def location_update(
    *,
    actor: Actor,
    location: Location,
    name: Mapping[str, str],
    address: str,
    min_notice_minutes: int,
    horizon_days: int,
    reminder_hours: int,
    is_active: bool,
) -> Location:
    _check_staff(actor, location.authority_id)
    errors = _Errors()
    texts = _texts(name, field="name", errors=errors)
    address = _location_rules(
        errors,
        address=address,
        min_notice_minutes=min_notice_minutes,
        horizon_days=horizon_days,
        reminder_hours=reminder_hours,
    )
    errors.raise_any()
    location.name, location.address, location.is_active = texts, address, is_active
    location.min_notice_minutes, location.horizon_days = min_notice_minutes, horizon_days
    location.reminder_hours = reminder_hours
    location.save()
    _audit(actor, AuditEvent.Action.CHANGE, location)
    return location


# --- Counters ------------------------------------------------------------------------------------


def _counter_rules(
    errors: _Errors, *, location: Location, name: str, capacity: int, counter: Counter | None = None
) -> str:
    name = name.strip()
    if not name:
        errors.add("name", _("Give the counter a name."), "required")
    elif len(name) > MAX_NAME:
        errors.add("name", _("A name may have at most %(limit)s characters.") % {"limit": MAX_NAME}, "too_long")
    else:
        same_name = Counter.objects.filter(location=location, name__iexact=name)
        if counter is not None:
            same_name = same_name.exclude(pk=counter.pk)
        if same_name.exists():
            errors.add("name", _("This location already has a counter with this name."), "taken")
    _range(errors, "capacity", capacity, 1, MAX_CAPACITY)
    if counter is not None and capacity is not None and 1 <= capacity < counter.capacity:
        in_use = Booking.objects.filter(
            counter=counter, seat__gte=capacity, status=Booking.Status.CONFIRMED, blocks_until__gt=timezone.now()
        ).count()
        if in_use:
            errors.add(
                "capacity",
                _(
                    "%(count)s coming appointments use the places you want to remove. "
                    "Cancel them first, or keep the capacity."
                )
                % {"count": in_use},
                "seats_in_use",
            )
    return name


@transaction.atomic
def counter_create(
    *, actor: Actor, location: Location, name: str, capacity: int = 1, is_active: bool = True
) -> Counter:
    _check_staff(actor, location.authority_id)
    errors = _Errors()
    name = _counter_rules(errors, location=location, name=name, capacity=capacity)
    errors.raise_any()
    counter = Counter.objects.create(location=location, name=name, capacity=capacity, is_active=is_active)
    _audit(actor, AuditEvent.Action.CREATE, counter, location=location.slug)
    return counter


@transaction.atomic
def counter_update(*, actor: Actor, counter: Counter, name: str, capacity: int, is_active: bool) -> Counter:
    """Change a counter. Fewer places are refused while coming appointments use the removed ones;
    taking a counter out of service keeps its bookings (staff cancel them if needed)."""
    location = counter.location
    _check_staff(actor, location.authority_id)
    counter = Counter.objects.select_for_update().get(pk=counter.pk)
    errors = _Errors()
    name = _counter_rules(errors, location=location, name=name, capacity=capacity, counter=counter)
    errors.raise_any()
    counter.name, counter.capacity, counter.is_active = name, capacity, is_active
    counter.save()
    _audit(actor, AuditEvent.Action.CHANGE, counter, location=location.slug)
    return counter


# --- Appointment types ---------------------------------------------------------------------------


def _type_rules(
    errors: _Errors,
    *,
    location: Location,
    duration_minutes: int,
    buffer_minutes: int,
    counters: Sequence[Counter],
    max_per_day: int | None,
    max_per_person: int,
    service: Service | None,
) -> None:
    _range(errors, "duration_minutes", duration_minutes, MIN_DURATION, MAX_DURATION)
    _range(errors, "buffer_minutes", buffer_minutes, 0, MAX_BUFFER)
    if not counters:
        errors.add("counters", _("Choose at least one counter."), "required")
    elif any(counter.location_id != location.pk for counter in counters):
        errors.add("counters", _("Choose counters of this location."), "invalid")
    if max_per_day is not None:
        _range(errors, "max_per_day", max_per_day, 1, 10_000)
    _range(errors, "max_per_person", max_per_person, 1, MAX_PER_PERSON)
    if service is not None and service.authority_id != location.authority_id:
        errors.add("service", _("Choose a service of your authority."), "invalid")


@transaction.atomic
def appointment_type_create(
    *,
    actor: Actor,
    location: Location,
    slug: str,
    title: Mapping[str, str],
    duration_minutes: int,
    counters: Sequence[Counter],
    buffer_minutes: int = 0,
    max_per_day: int | None = None,
    max_per_person: int = 2,
    service: Service | None = None,
    is_active: bool = True,
) -> AppointmentType:
    """A new bookable appointment at some counters of the location. Its slug is part of the
    public booking links."""
    _check_staff(actor, location.authority_id)
    errors = _Errors()
    slug = _slug(errors, slug)
    if slug and AppointmentType.objects.filter(location=location, slug=slug).exists():
        errors.add("slug", _("This location already has an appointment with this short name."), "taken")
    texts = _texts(title, field="title", errors=errors)
    _type_rules(
        errors,
        location=location,
        duration_minutes=duration_minutes,
        buffer_minutes=buffer_minutes,
        counters=counters,
        max_per_day=max_per_day,
        max_per_person=max_per_person,
        service=service,
    )
    errors.raise_any()
    try:
        with transaction.atomic():
            appointment_type = AppointmentType.objects.create(
                location=location,
                slug=slug,
                title=texts,
                duration_minutes=duration_minutes,
                buffer_minutes=buffer_minutes,
                max_per_day=max_per_day,
                max_per_person=max_per_person,
                service=service,
                is_active=is_active,
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"slug": ValidationError(_("This location already has an appointment with this short name."), code="taken")}
        ) from exc
    appointment_type.counters.set(counters)
    _audit(actor, AuditEvent.Action.CREATE, appointment_type, location=location.slug)
    return appointment_type


@transaction.atomic
def appointment_type_update(
    *,
    actor: Actor,
    appointment_type: AppointmentType,
    title: Mapping[str, str],
    duration_minutes: int,
    counters: Sequence[Counter],
    buffer_minutes: int,
    max_per_day: int | None,
    max_per_person: int,
    service: Service | None,
    is_active: bool,
) -> AppointmentType:
    """Change an appointment type. Existing bookings keep their times; new ones follow the new
    duration and buffer."""
    location = appointment_type.location
    _check_staff(actor, location.authority_id)
    errors = _Errors()
    texts = _texts(title, field="title", errors=errors)
    _type_rules(
        errors,
        location=location,
        duration_minutes=duration_minutes,
        buffer_minutes=buffer_minutes,
        counters=counters,
        max_per_day=max_per_day,
        max_per_person=max_per_person,
        service=service,
    )
    errors.raise_any()
    appointment_type.title = texts
    appointment_type.duration_minutes, appointment_type.buffer_minutes = duration_minutes, buffer_minutes
    appointment_type.max_per_day, appointment_type.max_per_person = max_per_day, max_per_person
    appointment_type.service, appointment_type.is_active = service, is_active
    appointment_type.save()
    appointment_type.counters.set(counters)
    _audit(actor, AuditEvent.Action.CHANGE, appointment_type, location=location.slug)
    return appointment_type


# --- Opening hours -------------------------------------------------------------------------------

Interval = tuple[int, datetime.time, datetime.time]  # weekday (0 = Monday), opens, closes


def opening_hours_check(intervals: Iterable[Interval]) -> list[Interval]:
    """The intervals sorted, or a ``ValidationError`` (codes ``weekday``, ``interval``,
    ``overlap``; ``params["weekday"]`` names the day) when one is wrong."""
    ordered = sorted(intervals)
    problems = []
    for weekday, opens, closes in ordered:
        if not 0 <= weekday <= 6:
            problems.append(ValidationError(_("A weekday is 0 (Monday) to 6 (Sunday)."), code="weekday"))
        elif opens >= closes:
            problems.append(
                ValidationError(
                    _("The closing time must be after the opening time."),
                    code="interval",
                    params={"weekday": weekday},
                )
            )
    latest: dict[int, datetime.time] = {}  # per weekday: the latest closing time so far
    for weekday, opens, closes in ordered:
        if weekday in latest and opens < latest[weekday]:
            problems.append(
                ValidationError(
                    _("Two opening times of the same day overlap."), code="overlap", params={"weekday": weekday}
                )
            )
        latest[weekday] = max(closes, latest.get(weekday, closes))
    if problems:
        raise ValidationError(problems)
    return ordered


@transaction.atomic
def opening_hours_replace(*, actor: Actor, location: Location, intervals: Iterable[Interval]) -> list[OpeningHours]:
    """Set the weekly opening hours of a location (replacing the old ones). A lunch break is two
    intervals of one day. Existing bookings stay, even outside the new hours."""
    _check_staff(actor, location.authority_id)
    ordered = opening_hours_check(intervals)
    Location.objects.select_for_update().filter(pk=location.pk).first()  # one editor at a time
    OpeningHours.objects.filter(location=location).delete()
    rows = OpeningHours.objects.bulk_create(
        OpeningHours(location=location, weekday=weekday, opens=opens, closes=closes)
        for weekday, opens, closes in ordered
    )
    _audit(actor, AuditEvent.Action.CHANGE, location, what="opening_hours", intervals=len(rows))
    return rows


# --- Closures ------------------------------------------------------------------------------------


@transaction.atomic
def closure_add(
    *,
    actor: Actor,
    location: Location,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    counter: Counter | None = None,
    kind: str = Closure.Kind.BLOCK,
    reason: str = "",
) -> Closure:
    """A public holiday, a closure or a blocked time (of the whole location or one counter),
    through ``services.closure_create``; audited. Bookings in that time stay."""
    _check_staff(actor, location.authority_id)
    errors = _Errors()
    if kind not in Closure.Kind.values:
        errors.add("kind", _("Choose one of the kinds offered."), "invalid_choice")
    if len(reason.strip()) > MAX_TEXT:
        errors.add("reason", _("The reason may have at most %(limit)s characters.") % {"limit": MAX_TEXT}, "too_long")
    now = timezone.now()
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if abs(value - now) > CLOSURE_RANGE:
            errors.add(field, _("Enter a time within ten years from today."), "out_of_range")
    errors.raise_any()
    try:
        closure = services.closure_create(
            actor=actor,
            location=location,
            starts_at=starts_at,
            ends_at=ends_at,
            counter=counter,
            kind=kind,
            reason=reason,
        )
    except ValidationError as error:
        fields = {"counter": "counter", "interval": "ends_at"}
        raise ValidationError({fields.get(item.code or "", "__all__"): [item] for item in error.error_list}) from error
    _audit(actor, AuditEvent.Action.CREATE, closure, location=location.slug, kind=kind)
    return closure


@transaction.atomic
def closure_delete(*, actor: Actor, closure: Closure) -> None:
    """Open the time again (the slots come back at once)."""
    location = closure.location
    _check_staff(actor, location.authority_id)
    _audit(actor, AuditEvent.Action.DELETE, closure, location=location.slug, kind=closure.kind)
    closure.delete()
