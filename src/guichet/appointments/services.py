"""Every write of appointments: book, reschedule, cancel, correct one's data, mark attendance,
block time.

Booking never gives a seat twice: the database refuses overlapping active bookings of a seat
(exclusion constraint on PostgreSQL, trigger on SQLite). The service tries the free seats of the
slot one after the other (on PostgreSQL ``INSERT … ON CONFLICT DO NOTHING``, on SQLite each
insert in its own savepoint); when all are gone it raises
``SlotTaken`` with the next free times at once, so a loser of a race gets an answer, not a retry
loop. Emails go out after the commit."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.appointments import notifications
from guichet.appointments.availability import (
    Calendar,
    Slot,
    day_slots,
    earliest_start,
    free_seats,
    free_slots,
    last_day,
    load_calendar,
    local_zone,
    slot_at,
)
from guichet.appointments.models import AppointmentType, Booking, Closure, Counter, Location
from guichet.core.actor import Actor
from guichet.core.audit import audit_record
from guichet.core.inserts import insert_row
from guichet.core.keys import blind_index, data_key_create, data_key_destroy
from guichet.core.models import AuditEvent

ALTERNATIVES = 5
#: PostgreSQL's SQLSTATE for "deadlock detected"
DEADLOCK_DETECTED = "40P01"


class SlotTaken(ValidationError):
    """The time is no longer free (taken a moment ago, or never was); ``alternatives``: the next
    free slots of the same type."""

    def __init__(self, message: str, *, alternatives: list[Slot]) -> None:
        super().__init__(message, code="slot_taken")
        self.alternatives = alternatives


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(24)
    return token, token_hash(token)


def email_index(email: str) -> str:
    return blind_index(email.strip().lower(), purpose="appointments.email")


def next_free(appointment_type: AppointmentType, after: datetime.datetime, *, limit: int = ALTERNATIVES) -> list[Slot]:
    """The next free slots from ``after`` on (at most two weeks ahead). The next three days are
    read first: a loser of a race usually finds alternatives there, without a fortnight's query."""
    day = timezone.localtime(after, local_zone()).date()
    slots: list[Slot] = []
    for first, last in ((0, 2), (3, 14)):  # day 0 is ``after``'s day: its later times count
        days = free_slots(
            appointment_type=appointment_type,
            day_from=day + datetime.timedelta(days=first),
            day_to=day + datetime.timedelta(days=last),
        )
        for free in days.values():
            slots.extend(slot for slot in free if slot.starts_at > after)
        if len(slots) >= limit:
            break
    return slots[:limit]


def _serialise_person(key: str) -> None:
    """On PostgreSQL, make concurrent bookings of one person (or one type and day) wait for each
    other, so limits cannot be overrun by racing requests. SQLite runs one writer at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _serialise_day(appointment_type: AppointmentType, starts_at: datetime.datetime) -> None:
    """With a daily limit, bookings and moves into one day of the type wait for each other."""
    if appointment_type.max_per_day:
        _serialise_person(f"appointments:{appointment_type.pk}:{timezone.localtime(starts_at, local_zone()).date()}")


def _check_rules(
    appointment_type: AppointmentType,
    starts_at: datetime.datetime,
    *,
    now: datetime.datetime,
    calendar: Calendar,
) -> tuple[datetime.datetime, datetime.datetime]:
    """(end, blocked until) for a bookable start, else a ``ValidationError`` saying why."""
    if not appointment_type.is_active or not appointment_type.location.is_active:
        raise ValidationError(_("This appointment cannot be booked online."), code="inactive")
    if starts_at < earliest_start(appointment_type, now):
        raise ValidationError(
            _("This time is too soon to be booked online. Please choose a later time."), code="notice"
        )
    if timezone.localtime(starts_at, local_zone()).date() > last_day(appointment_type, now):
        raise ValidationError(_("This time is too far ahead to be booked yet."), code="horizon")
    grid = slot_at(calendar, starts_at)
    if grid is None:
        raise ValidationError(
            _("The counter does not offer this time. Please choose one of the times shown."), code="not_a_slot"
        )
    return grid


def _place(
    booking: Booking,
    appointment_type: AppointmentType,
    starts_at: datetime.datetime,
    *,
    now: datetime.datetime,
    person_index: str | None = None,
) -> None:
    """Give ``booking`` a free seat at ``starts_at`` (insert or update), or raise ``SlotTaken``.
    The day's calendar is read once and serves the rules, the per-person limit (with
    ``person_index``: a new booking) and the choice of seat."""
    day = timezone.localtime(starts_at, local_zone()).date()
    calendar = load_calendar(
        appointment_type, day, day, exclude=booking if booking.pk else None, person_index=person_index, now=now
    )
    end, blocks_until = _check_rules(appointment_type, starts_at, now=now, calendar=calendar)
    if person_index is not None:
        _check_person_limit(appointment_type, open_bookings=calendar.person_open)
    if day in calendar.full_days:
        raise SlotTaken(
            _("This day is fully booked."),
            alternatives=next_free(appointment_type, datetime.datetime.combine(day, datetime.time.max, local_zone())),
        )
    seats = free_seats(calendar, starts_at, end, blocks_until)
    if seats and booking.data_key_id is None:
        booking.data_key = data_key_create()  # only once a seat is in sight: a refusal writes nothing
    for counter, seat in seats:
        booking.counter, booking.seat = counter, seat
        booking.starts_at, booking.ends_at, booking.blocks_until = starts_at, end, blocks_until
        if booking._state.adding and connection.vendor == "postgresql":
            if _insert_unless_taken(booking):
                return
            continue
        try:
            with transaction.atomic():
                booking.save()
            return
        except IntegrityError:  # taken by a concurrent request a moment ago: try the next seat
            continue
        except OperationalError as exc:
            # Two requests inserting the same seat at the same instant wait for each other on the
            # exclusion constraint; PostgreSQL breaks the tie by aborting one ("deadlock detected",
            # 40P01). The other one wins: for this request the seat is taken, as above.
            if getattr(exc.__cause__, "sqlstate", None) != DEADLOCK_DETECTED:
                raise
            continue
    raise SlotTaken(
        _("This time was just taken. Please choose another one."),
        alternatives=_alternatives(calendar, appointment_type, starts_at, now=now),
    )


def _insert_unless_taken(booking: Booking) -> bool:
    """PostgreSQL: insert a new booking unless the exclusion constraint finds its seat taken.

    ``INSERT … ON CONFLICT DO NOTHING`` checks the constraint by speculative insertion: a taken
    seat answers "nothing inserted" without aborting the transaction, so no savepoint is needed
    (two round trips fewer per booking), and two requests racing for one seat cannot deadlock."""
    return insert_row(booking, skip_conflicts=True)


def _alternatives(
    calendar: Calendar, appointment_type: AppointmentType, after: datetime.datetime, *, now: datetime.datetime
) -> list[Slot]:
    """The next free times for a loser of a race: first from the day already read (no query),
    then from the following days."""
    day = timezone.localtime(after, local_zone()).date()
    slots = [slot for slot in day_slots(calendar, day, now=now) if slot.starts_at > after][:ALTERNATIVES]
    if len(slots) < ALTERNATIVES:
        end_of_day = datetime.datetime.combine(day, datetime.time.max, local_zone())
        slots += next_free(appointment_type, end_of_day, limit=ALTERNATIVES - len(slots))
    return slots


def _check_person_limit(appointment_type: AppointmentType, *, open_bookings: int) -> None:
    if open_bookings >= appointment_type.max_per_person:
        raise ValidationError(
            _("You already have %(count)s open bookings for this appointment. Cancel one to book another."),
            code="person_limit",
            params={"count": open_bookings},
        )


@transaction.atomic
def booking_create(
    *,
    actor: Actor,
    appointment_type: AppointmentType,
    starts_at: datetime.datetime,
    name: str,
    email: str,
    phone: str = "",
    language: str = "de",
) -> tuple[Booking, str]:
    """Book a time. Returns the booking and its manage token (only its hash is stored)."""
    now = timezone.now()
    name, email, phone = name.strip(), email.strip(), phone.strip()
    index = email_index(email)
    # The limits are counted after these locks, by the calendar read in ``_place``.
    _serialise_person(f"appointments:{appointment_type.pk}:{index}")
    _serialise_day(appointment_type, starts_at)
    token, hashed = _new_token()
    booking = Booking(
        appointment_type=appointment_type,
        location=appointment_type.location,
        name=name,
        email=email,
        phone=phone,
        email_index=index,
        profile=actor.profile if actor.is_citizen else None,
        manage_token_hash=hashed,
        language=language,
    )
    _place(booking, appointment_type, starts_at, now=now, person_index=index)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=booking, subject_ref=_subject(booking))
    notifications.notify_booked(booking, token=token)
    return booking, token


def _subject(booking: Booking) -> str:
    return str(booking.profile.owner_id) if booking.profile_id and booking.profile else ""


def _check_changeable(booking: Booking, *, now: datetime.datetime) -> None:
    if booking.status != Booking.Status.CONFIRMED or booking.is_erased:
        raise ValidationError(_("This booking can no longer be changed."), code="not_changeable")
    if booking.starts_at <= now:
        raise ValidationError(_("This appointment has already begun or is over."), code="past")


@transaction.atomic
def booking_reschedule(*, actor: Actor, booking: Booking, starts_at: datetime.datetime) -> Booking:
    """Move the booking to another free time of the same type (its seat is kept if still free)."""
    now = timezone.now()
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    _check_changeable(booking, now=now)
    if starts_at == booking.starts_at:
        return booking
    old_start = booking.starts_at
    _serialise_day(booking.appointment_type, starts_at)
    _place(booking, booking.appointment_type, starts_at, now=now)
    booking.reminder_sent_at = None
    booking.save(update_fields=["reminder_sent_at"])
    audit_record(actor=actor, action=AuditEvent.Action.CHANGE, obj=booking, subject_ref=_subject(booking))
    notifications.notify_rescheduled(booking, previous=old_start)
    return booking


@transaction.atomic
def booking_cancel(*, actor: Actor, booking: Booking, reason: str = "") -> Booking:
    """Cancel: the seat is free again at once. Staff cancelling tells the person."""
    now = timezone.now()
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if actor.is_staff:
        _check_staff(actor, booking)
    _check_changeable(booking, now=now)
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_by = Booking.CancelledBy.STAFF if actor.is_staff else Booking.CancelledBy.PERSON
    booking.save(update_fields=["status", "cancelled_by", "changed_at"])
    audit_record(actor=actor, action=AuditEvent.Action.CHANGE, obj=booking, subject_ref=_subject(booking))
    notifications.notify_cancelled(booking, by_staff=actor.is_staff, reason=reason.strip()[:500])
    return booking


@transaction.atomic
def booking_update_contact(*, actor: Actor, booking: Booking, name: str, email: str, phone: str) -> Booking:
    """The person corrects their data (P18)."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    _check_changeable(booking, now=timezone.now())
    booking.name, booking.email, booking.phone = name.strip(), email.strip(), phone.strip()
    booking.email_index = email_index(booking.email)
    booking.save(update_fields=["name", "email", "phone", "email_index", "changed_at"])
    audit_record(actor=actor, action=AuditEvent.Action.CHANGE, obj=booking, subject_ref=_subject(booking))
    return booking


def _check_staff(actor: Actor, booking: Booking) -> None:
    if not actor.is_staff or actor.authority is None or booking.location.authority_id != actor.authority.pk:
        raise PermissionDenied


@transaction.atomic
def booking_mark(*, actor: Actor, booking: Booking, status: str) -> Booking:
    """Staff record whether the person came (or undo it: back to confirmed)."""
    _check_staff(actor, booking)
    allowed = {Booking.Status.ATTENDED, Booking.Status.NO_SHOW, Booking.Status.CONFIRMED}
    if status not in allowed or booking.status == Booking.Status.CANCELLED:
        raise ValidationError(_("This booking cannot be marked like that."), code="invalid_mark")
    booking.status = status
    booking.save(update_fields=["status", "changed_at"])
    audit_record(actor=actor, action=AuditEvent.Action.CHANGE, obj=booking, subject_ref=_subject(booking))
    return booking


@transaction.atomic
def closure_create(
    *,
    actor: Actor,
    location: Location,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    counter: Counter | None = None,
    kind: str = Closure.Kind.BLOCK,
    reason: str = "",
) -> Closure:
    """Block time (staff), or record a holiday or closure. Existing bookings stay: staff cancel
    them one by one (and the people are told)."""
    if not actor.is_staff or actor.authority is None or location.authority_id != actor.authority.pk:
        raise PermissionDenied
    if counter is not None and counter.location_id != location.pk:
        raise ValidationError(_("Choose a counter of this location."), code="counter")
    if ends_at <= starts_at:
        raise ValidationError(_("The end must be after the start."), code="interval")
    return Closure.objects.create(
        location=location, counter=counter, kind=kind, starts_at=starts_at, ends_at=ends_at, reason=reason.strip()
    )


def bookings_erase_personal_data(pks: list[Any]) -> int:
    """Retention (P14): strip the person from bookings whose appointment lies 30 days back. The
    booking's own data key is destroyed, so copies in backups become unreadable at once; the row
    stays for statistics (type, counter, time, status)."""
    count = 0
    now = timezone.now()
    for booking in Booking.objects.filter(pk__in=pks, personal_data_erased_at__isnull=True):
        key_id = booking.data_key_id
        Booking.objects.filter(pk=booking.pk).update(
            name="",
            email="",
            phone="",
            email_index="",
            manage_token_hash=None,
            profile=None,
            data_key=None,
            personal_data_erased_at=now,
        )
        if key_id is not None:
            data_key_destroy(key_id=key_id)
        count += 1
    return count


def reminders_send(*, now: datetime.datetime | None = None, batch_size: int = 200) -> int:
    """Remind people of appointments within each location's reminder time (default 24 h), once.
    Runs every 10 minutes; a booking made or moved inside the window gets no reminder (its
    confirmation is fresh)."""
    now = now or timezone.now()
    sent = 0
    due = (
        Booking.objects.filter(
            status=Booking.Status.CONFIRMED,
            reminder_sent_at__isnull=True,
            personal_data_erased_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + datetime.timedelta(hours=72),
        )
        .select_related("location", "appointment_type")
        .order_by("starts_at")
    )
    for booking in due[:batch_size]:
        window = datetime.timedelta(hours=booking.location.reminder_hours)
        if booking.starts_at - now > window:
            continue
        with transaction.atomic():
            claimed = Booking.objects.filter(pk=booking.pk, reminder_sent_at__isnull=True).update(reminder_sent_at=now)
            if not claimed:  # another worker was faster
                continue
            if booking.changed_at > booking.starts_at - window:
                continue  # booked or moved inside the window: the confirmation is recent enough
            notifications.notify_reminder(booking)
            sent += 1
    return sent
