"""Free times: opening hours on a grid, minus closures, minus what is booked.

Everything a month needs comes in a few queries (the type's counters, opening hours, closures,
bookings of the range; on PostgreSQL all in one statement); the rest is arithmetic on sorted
lists in memory, so a month of 10-minute slots takes a few milliseconds (``bench/appointments.py``).

Slots start at the opening time and follow each other every ``duration + buffer`` minutes; an
appointment must end by closing time (its buffer may run past it). A slot is free when at least
one seat of one of the type's counters has no booking overlapping ``start .. start + duration +
buffer`` and no closure covers ``start .. start + duration``."""

from __future__ import annotations

import bisect
import datetime
import functools
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from guichet.appointments.models import AppointmentType, Booking, Closure, Counter, OpeningHours


@dataclass(frozen=True, order=True)
class Slot:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    free: int  # seats still free at this time

    @property
    def key(self) -> str:
        """The slot in URLs and forms: local time to the minute, e.g. ``2026-11-24T08:10``."""
        return timezone.localtime(self.starts_at, local_zone()).strftime("%Y-%m-%dT%H:%M")


def local_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def parse_slot_key(key: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.strptime(key, "%Y-%m-%dT%H:%M").replace(tzinfo=local_zone())
    except (TypeError, ValueError):
        return None


class _Seats:
    """The busy intervals of each seat, sorted, for overlap checks by bisection."""

    def __init__(self, intervals: Iterable[tuple[int, int, datetime.datetime, datetime.datetime]]) -> None:
        starts: dict[tuple[int, int], list[datetime.datetime]] = defaultdict(list)
        ends: dict[tuple[int, int], list[datetime.datetime]] = defaultdict(list)
        for counter_id, seat, start, end in sorted(intervals, key=lambda item: item[2]):
            starts[(counter_id, seat)].append(start.astimezone(datetime.UTC))
            ends[(counter_id, seat)].append(end.astimezone(datetime.UTC))
        self.starts = starts
        self.ends = ends

    def is_free(self, counter_id: int, seat: int, start: datetime.datetime, end: datetime.datetime) -> bool:
        starts = self.starts.get((counter_id, seat))
        if not starts:
            return True
        # The last interval starting before ``end`` is the only candidate that can overlap, since
        # the intervals of one seat never overlap each other (the database guarantees it).
        index = bisect.bisect_left(starts, end) - 1
        return index < 0 or self.ends[(counter_id, seat)][index] <= start


@dataclass(frozen=True)
class Calendar:
    """What is needed to compute the slots of one appointment type over a range."""

    appointment_type: AppointmentType
    counters: tuple[Counter, ...]
    hours: dict[int, list[tuple[datetime.time, datetime.time]]]  # weekday -> intervals
    closures: tuple[tuple[int | None, datetime.datetime, datetime.datetime], ...]
    seats: _Seats
    full_days: frozenset[datetime.date]  # days where the type's daily limit is reached
    person_open: int = 0  # the person's open bookings of this type, when asked (``person_index``)


def _bounds(day_from: datetime.date, day_to: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    zone = local_zone()
    start = datetime.datetime.combine(day_from, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(day_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return start, end


def load_calendar(
    appointment_type: AppointmentType,
    day_from: datetime.date,
    day_to: datetime.date,
    *,
    exclude: object = None,
    person_index: str | None = None,
    now: datetime.datetime | None = None,
) -> Calendar:
    """Read what the range needs. ``exclude``: a booking to ignore (the one being moved);
    ``person_index``: also count that person's bookings of the type still ahead of ``now``
    (the booking path checks the per-person limit with the same read)."""
    start, end = _bounds(day_from, day_to)
    query = _Query(
        start=start,
        end=end,
        exclude_pk=str(getattr(exclude, "pk", exclude)) if exclude is not None else None,
        person_index=person_index,
        now=now or timezone.now(),
    )
    read = _read_in_one_statement if connection.vendor == "postgresql" else _read
    rows = read(appointment_type, query)
    limit = appointment_type.max_per_day
    full_days = frozenset(day for day, count in rows.day_counts.items() if limit and count >= limit)
    return Calendar(
        appointment_type,
        rows.counters,
        rows.hours,
        rows.closures,
        _Seats(rows.intervals),
        full_days,
        rows.person_open,
    )


@dataclass(frozen=True)
class _Query:
    start: datetime.datetime
    end: datetime.datetime
    exclude_pk: str | None
    person_index: str | None
    now: datetime.datetime


class _Read(NamedTuple):
    counters: tuple[Counter, ...]
    hours: dict[int, list[tuple[datetime.time, datetime.time]]]
    closures: tuple[tuple[int | None, datetime.datetime, datetime.datetime], ...]
    intervals: list[tuple[int, int, datetime.datetime, datetime.datetime]]
    day_counts: dict[datetime.date, int]  # active bookings of the type per day (only with a daily limit)
    person_open: int


def _read(appointment_type: AppointmentType, query: _Query) -> _Read:
    """The type's active counters, the location's opening hours, the closures and the bookings
    that touch the range: four queries; a fifth for a daily limit, a sixth for a person."""
    start, end = query.start, query.end
    location = appointment_type.location
    counters = tuple(appointment_type.counters.filter(is_active=True).order_by("pk"))
    counter_ids = [counter.pk for counter in counters]
    hours: dict[int, list[tuple[datetime.time, datetime.time]]] = defaultdict(list)
    for row in OpeningHours.objects.filter(location=location).order_by("weekday", "opens"):
        hours[row.weekday].append((row.opens, row.closes))
    closures = tuple(
        (counter_id, closure_start.astimezone(datetime.UTC), closure_end.astimezone(datetime.UTC))
        for counter_id, closure_start, closure_end in Closure.objects.filter(
            location=location, starts_at__lt=end, ends_at__gt=start
        )
        .filter(Q(counter__isnull=True) | Q(counter_id__in=counter_ids))
        .values_list("counter_id", "starts_at", "ends_at")
    )
    bookings = Booking.objects.filter(counter_id__in=counter_ids, starts_at__lt=end, blocks_until__gt=start).exclude(
        status=Booking.Status.CANCELLED
    )
    if query.exclude_pk is not None:
        bookings = bookings.exclude(pk=query.exclude_pk)
    intervals = list(bookings.values_list("counter_id", "seat", "starts_at", "blocks_until"))
    day_counts: dict[datetime.date, int] = {}
    if appointment_type.max_per_day:
        day_bookings = Booking.objects.filter(
            appointment_type=appointment_type, starts_at__gte=start, starts_at__lt=end
        ).exclude(status=Booking.Status.CANCELLED)
        if query.exclude_pk is not None:  # a booking being moved counts only on the day it leaves
            day_bookings = day_bookings.exclude(pk=query.exclude_pk)
        per_day = (
            day_bookings.annotate(day=TruncDate("starts_at", tzinfo=local_zone()))
            .values("day")
            .annotate(count=Count("pk"))
        )
        day_counts = {row["day"]: row["count"] for row in per_day}
    person_open = 0
    if query.person_index is not None:
        person_open = Booking.objects.filter(
            appointment_type=appointment_type,
            email_index=query.person_index,
            status=Booking.Status.CONFIRMED,
            starts_at__gt=query.now,
        ).count()
    return _Read(counters, dict(hours), closures, intervals, day_counts, person_open)


@functools.cache
def _one_statement_sql() -> str:
    """The same reads as ``_read`` as one PostgreSQL statement (one round trip instead of up to
    six on the booking path, which is bound by round trips): each part is aggregated to JSON, a
    part not asked for is cut off by a constant condition. Only table names from the models'
    metadata are put into the text; values are parameters."""
    counter, hours, closure, booking = (model._meta.db_table for model in (Counter, OpeningHours, Closure, Booking))
    through = AppointmentType.counters.through._meta.db_table
    counters = (
        f'SELECT c.id FROM "{counter}" c JOIN "{through}" t ON t.counter_id = c.id '  # noqa: S608
        "WHERE t.appointmenttype_id = %(type)s AND c.is_active"
    )
    return (
        "SELECT "  # noqa: S608
        f"(SELECT coalesce(json_agg(json_build_array(c.id, c.name, c.capacity) ORDER BY c.id), '[]') "
        f' FROM "{counter}" c WHERE c.id IN ({counters})), '
        "(SELECT coalesce(json_agg(json_build_array(h.weekday, h.opens, h.closes) ORDER BY h.weekday, h.opens), '[]')"
        f' FROM "{hours}" h WHERE h.location_id = %(location)s), '
        "(SELECT coalesce(json_agg(json_build_array(x.counter_id, x.starts_at, x.ends_at)), '[]')"
        f' FROM "{closure}" x WHERE x.location_id = %(location)s AND x.starts_at < %(end)s AND x.ends_at > %(start)s'
        f" AND (x.counter_id IS NULL OR x.counter_id IN ({counters}))), "
        "(SELECT coalesce(json_agg(json_build_array(b.counter_id, b.seat, b.starts_at, b.blocks_until)), '[]')"
        f' FROM "{booking}" b WHERE b.counter_id IN ({counters}) AND b.starts_at < %(end)s'
        f" AND b.blocks_until > %(start)s AND b.status <> %(cancelled)s"
        " AND (%(exclude)s::uuid IS NULL OR b.id <> %(exclude)s::uuid)), "
        "(SELECT coalesce(json_agg(json_build_array(d.day, d.count)), '[]') FROM"
        " (SELECT (b.starts_at AT TIME ZONE %(zone)s)::date AS day, count(*) AS count"
        f' FROM "{booking}" b WHERE %(per_day)s AND b.appointment_type_id = %(type)s'
        " AND b.starts_at >= %(start)s AND b.starts_at < %(end)s AND b.status <> %(cancelled)s"
        " AND (%(exclude)s::uuid IS NULL OR b.id <> %(exclude)s::uuid) GROUP BY 1) d), "
        f'(SELECT count(*) FROM "{booking}" b WHERE %(index)s::text IS NOT NULL'
        " AND b.appointment_type_id = %(type)s AND b.email_index = %(index)s"
        " AND b.status = %(confirmed)s AND b.starts_at > %(now)s)"
    )


def _read_in_one_statement(appointment_type: AppointmentType, query: _Query) -> _Read:
    params: dict[str, bool | int | str | datetime.datetime | None] = {
        "type": appointment_type.pk,
        "location": appointment_type.location_id,
        "start": query.start,
        "end": query.end,
        "cancelled": Booking.Status.CANCELLED.value,
        "confirmed": Booking.Status.CONFIRMED.value,
        "exclude": query.exclude_pk,
        "zone": settings.TIME_ZONE,
        "per_day": bool(appointment_type.max_per_day),
        "index": query.person_index,
        "now": query.now,
    }
    with connection.cursor() as cursor:
        cursor.execute(_one_statement_sql(), params)
        counter_rows, hour_rows, closure_rows, booking_rows, day_rows, person_open = cursor.fetchone()
    location_id = appointment_type.location_id
    counters = tuple(
        Counter(pk=pk, location_id=location_id, name=name, capacity=capacity, is_active=True)
        for pk, name, capacity in counter_rows
    )
    hours: dict[int, list[tuple[datetime.time, datetime.time]]] = defaultdict(list)
    for weekday, opens, closes in hour_rows:
        hours[weekday].append((datetime.time.fromisoformat(opens), datetime.time.fromisoformat(closes)))
    moment = _utc_moment
    closures = tuple((counter_id, moment(began), moment(ended)) for counter_id, began, ended in closure_rows)
    intervals = [(counter_id, seat, moment(began), moment(until)) for counter_id, seat, began, until in booking_rows]
    day_counts = {datetime.date.fromisoformat(day): count for day, count in day_rows}
    return _Read(counters, dict(hours), closures, intervals, day_counts, person_open)


def _utc_moment(text: str) -> datetime.datetime:
    """A ``timestamptz`` as JSON renders it (ISO 8601 with offset), in UTC."""
    return datetime.datetime.fromisoformat(text).astimezone(datetime.UTC)


def _grid(
    calendar: Calendar, day: datetime.date
) -> Iterator[tuple[datetime.datetime, datetime.datetime, datetime.datetime]]:
    """(start, end, blocked until) of every slot of ``day`` by opening hours alone."""
    kind = calendar.appointment_type
    duration = datetime.timedelta(minutes=kind.duration_minutes)
    step = datetime.timedelta(minutes=kind.duration_minutes + kind.buffer_minutes)
    buffer = datetime.timedelta(minutes=kind.buffer_minutes)
    zone = local_zone()
    for opens, closes in calendar.hours.get(day.weekday(), ()):
        start = datetime.datetime.combine(day, opens, tzinfo=zone)
        closing = datetime.datetime.combine(day, closes, tzinfo=zone)
        while start + duration <= closing:
            yield start, start + duration, start + duration + buffer
            start += step


def _closed(calendar: Calendar, counter_id: int, start: datetime.datetime, end: datetime.datetime) -> bool:
    return any(
        (closure_counter is None or closure_counter == counter_id) and closure_start < end and start < closure_end
        for closure_counter, closure_start, closure_end in calendar.closures
    )


def free_seats(
    calendar: Calendar, start: datetime.datetime, end: datetime.datetime, blocks_until: datetime.datetime
) -> list[tuple[Counter, int]]:
    """The (counter, seat) pairs free for this slot, in a stable order (first counter first)."""
    # Bookings come from the database in UTC; comparing datetimes of one zone skips a utcoffset()
    # call per comparison (a third of a busy month's time).
    start, end, blocks_until = (value.astimezone(datetime.UTC) for value in (start, end, blocks_until))
    free = []
    for counter in calendar.counters:
        if _closed(calendar, counter.pk, start, end):
            continue
        for seat in range(counter.capacity):
            if calendar.seats.is_free(counter.pk, seat, start, blocks_until):
                free.append((counter, seat))
    return free


def earliest_start(appointment_type: AppointmentType, now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(minutes=appointment_type.location.min_notice_minutes)


def last_day(appointment_type: AppointmentType, now: datetime.datetime) -> datetime.date:
    return timezone.localtime(now, local_zone()).date() + datetime.timedelta(
        days=appointment_type.location.horizon_days
    )


def day_slots(calendar: Calendar, day: datetime.date, *, now: datetime.datetime) -> list[Slot]:
    """The free slots of one day (none on a day whose limit is reached)."""
    if day in calendar.full_days or day > last_day(calendar.appointment_type, now):
        return []
    earliest = earliest_start(calendar.appointment_type, now)
    slots = []
    for start, end, blocks_until in _grid(calendar, day):
        if start < earliest:
            continue
        free = len(free_seats(calendar, start, end, blocks_until))
        if free:
            slots.append(Slot(start, end, free))
    return slots


def free_slots(
    *,
    appointment_type: AppointmentType,
    day_from: datetime.date,
    day_to: datetime.date,
    now: datetime.datetime | None = None,
) -> dict[datetime.date, list[Slot]]:
    """Free slots per day from ``day_from`` to ``day_to`` (inclusive), within notice and horizon."""
    now = now or timezone.now()
    day_to = min(day_to, last_day(appointment_type, now))
    if day_to < day_from:
        return {}
    calendar = load_calendar(appointment_type, day_from, day_to)
    result = {}
    day = day_from
    while day <= day_to:
        result[day] = day_slots(calendar, day, now=now)
        day += datetime.timedelta(days=1)
    return result


def slot_at(calendar: Calendar, starts_at: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime] | None:
    """(end, blocked until) when ``starts_at`` is a slot of the grid, else ``None``."""
    day = timezone.localtime(starts_at, local_zone()).date()
    for start, end, blocks_until in _grid(calendar, day):
        if start == starts_at:
            return end, blocks_until
    return None
