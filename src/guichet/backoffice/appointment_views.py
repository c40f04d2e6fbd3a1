"""Staff pages of appointments: the day list per location and counter (attendance, cancelling,
blocking time, a print view) and the calendar set-up (locations, counters, appointment types,
weekly opening hours, closures and public holidays).

Thin: every object is read through ``appointments.staff_selectors`` (another authority's
location, booking, counter or closure is a 404), every change goes through
``appointments.services`` or ``appointments.staff_services``. Opening the day list shows
people's names and phone numbers, so every rendering of it is recorded in the audit trail
(without personal data in the record)."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from guichet.appointments import staff_selectors as selectors
from guichet.appointments import staff_services
from guichet.appointments.availability import local_zone
from guichet.appointments.models import AppointmentType, Booking, Closure, Counter, Location, OpeningHours
from guichet.appointments.services import booking_cancel, booking_mark
from guichet.backoffice.appointment_forms import (
    LANGUAGE_LABELS,
    MARKS,
    WEEKDAYS,
    AppointmentTypeForm,
    BlockForm,
    CancelForm,
    ClosureForm,
    CounterForm,
    DayChoiceForm,
    LocationForm,
    MarkForm,
    OpeningHoursForm,
    attach_errors,
    hours_initial,
    hours_rows,
)
from guichet.backoffice.policy import staff_actor_required, staff_request_actor
from guichet.catalogue.models import pick
from guichet.core.actor import Actor
from guichet.core.audit import audit_record
from guichet.core.models import AuditEvent

#: How far from today the day list goes (a typo in a link must not reach year 9999).
MAX_DAYS_AWAY = 3660

DASH = "\N{EN DASH}"
_TEXT_FIELDS = {"name": "name_de", "title": "title_de"}


# --- Small helpers -------------------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.localtime(timezone.now(), local_zone()).date()


def _local_day(value: datetime.datetime) -> datetime.date:
    return timezone.localtime(value, local_zone()).date()


def _local_time(value: datetime.datetime) -> str:
    return formats.time_format(timezone.localtime(value, local_zone()), "H:i")


def _parse_day(value: object) -> datetime.date | None:
    try:
        day = datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    return day if abs((day - _today()).days) <= MAX_DAYS_AWAY else None


def _parse_int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _pick_counter(value: object, counters: Iterable[Counter]) -> Counter | None:
    """The counter a query names, if it is one of ``counters``; else none (all counters)."""
    pk = _parse_int(value)
    return next((counter for counter in counters if counter.pk == pk), None) if pk is not None else None


def _counter_choices(counters: Iterable[Counter]) -> list[tuple[int, str]]:
    return [(counter.pk, counter.name) for counter in counters]


def day_url(
    location: Location, day: datetime.date, counter: Counter | int | None = None, *, printing: bool = False
) -> str:
    """The day list of ``location`` on ``day`` (optionally of one counter, or for printing)."""
    query = {"location": location.slug, "day": day.isoformat()}
    counter_id = counter.pk if isinstance(counter, Counter) else counter
    if counter_id:
        query["counter"] = str(counter_id)
    if printing:
        query["print"] = "1"
    return f"{reverse('backoffice:appointment_day')}?{urlencode(query)}"


def _texts(form: forms.Form, prefix: str) -> dict[str, str]:
    return {code: form.cleaned_data.get(f"{prefix}_{code}") or "" for code, _label in LANGUAGE_LABELS}


def _texts_initial(prefix: str, texts: object) -> dict[str, str]:
    texts = texts if isinstance(texts, dict) else {}
    return {f"{prefix}_{code}": str(texts.get(code) or "") for code, _label in LANGUAGE_LABELS}


def _interval_text(starts_at: datetime.datetime, ends_at: datetime.datetime) -> str:
    """“08:00-12:00” (with an en dash) within a day, else with the dates."""
    start, end = timezone.localtime(starts_at, local_zone()), timezone.localtime(ends_at, local_zone())
    if start.date() == end.date():
        return f"{formats.date_format(start, 'SHORT_DATE_FORMAT')} {_local_time(start)}{DASH}{_local_time(end)}"
    return (
        f"{formats.date_format(start, 'SHORT_DATE_FORMAT')} {_local_time(start)} {DASH} "
        f"{formats.date_format(end, 'SHORT_DATE_FORMAT')} {_local_time(end)}"
    )


# --- The day list --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayRow:
    booking: Booking
    time: str
    ends: str
    type_title: str
    name: str
    phone: str
    status: str
    is_cancelled: bool
    is_erased: bool
    can_cancel: bool
    marks: list[tuple[str, str]]  # (status, button label) offered


@dataclass(frozen=True)
class CounterDay:
    counter: Counter
    rows: list[DayRow]

    @property
    def active_count(self) -> int:
        return sum(1 for row in self.rows if not row.is_cancelled)


@dataclass(frozen=True)
class ClosureRow:
    closure: Closure
    when: str
    kind: str
    where: str


def _marks_for(booking: Booking) -> list[tuple[str, str]]:
    labels = {str(status): str(label) for status, label in MARKS}
    if booking.status == Booking.Status.CONFIRMED:
        return [
            (Booking.Status.ATTENDED, labels[Booking.Status.ATTENDED]),
            (Booking.Status.NO_SHOW, labels[Booking.Status.NO_SHOW]),
        ]
    if booking.status in (Booking.Status.ATTENDED, Booking.Status.NO_SHOW):
        return [(Booking.Status.CONFIRMED, labels[Booking.Status.CONFIRMED])]
    return []


def _day_rows(bookings: Sequence[Booking], *, now: datetime.datetime) -> dict[int, list[DayRow]]:
    rows: dict[int, list[DayRow]] = defaultdict(list)
    for booking in bookings:
        cancelled = booking.status == Booking.Status.CANCELLED
        rows[booking.counter_id].append(
            DayRow(
                booking=booking,
                time=_local_time(booking.starts_at),
                ends=_local_time(booking.ends_at),
                type_title=pick(booking.appointment_type.title) or booking.appointment_type.slug,
                name=booking.name or "",
                phone=booking.phone or "",
                status=str(booking.get_status_display()),
                is_cancelled=cancelled,
                is_erased=booking.is_erased,
                can_cancel=booking.status == Booking.Status.CONFIRMED
                and booking.starts_at > now
                and not booking.is_erased,
                marks=[] if booking.is_erased else _marks_for(booking),
            )
        )
    return rows


def _closure_rows(closures: Iterable[Closure], counters: dict[int, Counter]) -> list[ClosureRow]:
    rows = []
    for closure in closures:
        counter = counters.get(closure.counter_id) if closure.counter_id else None
        rows.append(
            ClosureRow(
                closure=closure,
                when=_interval_text(closure.starts_at, closure.ends_at),
                kind=str(closure.get_kind_display()),
                where=counter.name if counter is not None else _("Whole location"),
            )
        )
    return rows


def _render_day(
    request: HttpRequest,
    *,
    actor: Actor,
    location: Location,
    counters: list[Counter],
    day: datetime.date,
    counter: Counter | None,
    error_form: forms.Form | None = None,
    block_form: BlockForm | None = None,
    printing: bool = False,
    status: int = 200,
) -> HttpResponse:
    """The day list (or its print view); after refused input, with that form's errors. Records the
    look at the people's data in the audit trail."""
    bookings = selectors.staff_day_bookings(actor=actor, location=location, day=day, counter=counter)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.VIEW,
        object_type="appointments.day",
        detail={
            "location": location.slug,
            "day": day.isoformat(),
            "counter": counter.pk if counter is not None else None,
            "bookings": len(bookings),
            "print": printing,
        },
    )
    # Account holders see in their privacy centre that staff looked at their booking (P11).
    for subject in sorted({str(ref) for ref in (getattr(b, "subject_ref", None) for b in bookings) if ref}):
        audit_record(
            actor=actor,
            action=AuditEvent.Action.VIEW,
            object_type="appointments.booking",
            subject_ref=subject,
            detail={"location": location.slug, "day": day.isoformat()},
        )
    now = timezone.now()
    rows = _day_rows(bookings, now=now)
    shown = [counter] if counter is not None else counters
    if printing:
        sections = [CounterDay(c, [row for row in rows.get(c.pk, []) if not row.is_cancelled]) for c in shown]
    else:
        sections = [CounterDay(c, rows.get(c.pk, [])) for c in shown]
    by_pk = {c.pk: c for c in counters}
    start, end = selectors.day_bounds(day)
    closures = selectors.staff_closures_between(actor=actor, location=location, starts_at=start, ends_at=end)
    if counter is not None:
        closures = [c for c in closures if c.counter_id in (None, counter.pk)]
    choices = _counter_choices(counters)
    context: dict[str, Any] = {
        "authority": actor.authority,
        "location": location,
        "location_name": pick(location.name) or location.slug,
        "day": day,
        "is_today": day == _today(),
        "counter": counter,
        "sections": sections,
        "booking_count": sum(section.active_count for section in sections),
        "closures": _closure_rows(closures, by_pk),
        "error_form": error_form,
        "previous_url": day_url(location, day - datetime.timedelta(days=1), counter),
        "next_url": day_url(location, day + datetime.timedelta(days=1), counter),
        "today_url": day_url(location, _today(), counter),
        "print_url": day_url(location, day, counter, printing=True),
        "screen_url": day_url(location, day, counter),
    }
    if printing:
        return render(request, "backoffice/appointments/day_print.html", context, status=status)
    locations = list(selectors.staff_locations(actor=actor))
    context.update(
        {
            "choose_form": DayChoiceForm(
                locations=[(loc.slug, pick(loc.name) or loc.slug) for loc in locations],
                counters=choices,
                initial={"location": location.slug, "day": day, "counter": str(counter.pk) if counter else ""},
            ),
            "block_form": block_form
            or BlockForm(counters=choices, initial={"day": day, "counter": counter.pk if counter else None}),
        }
    )
    return render(request, "backoffice/appointments/day.html", context, status=status)


@staff_actor_required
@require_http_methods(["GET", "HEAD"])
def appointment_day(request: HttpRequest) -> HttpResponse:
    """The bookings of one day at one location, per counter, in time order (``?print=1``: for paper)."""
    actor = staff_request_actor(request)
    slug = request.GET.get("location")
    location = (
        selectors.staff_location_get(actor=actor, slug=slug) if slug else selectors.staff_locations(actor=actor).first()
    )
    if location is None:
        return render(request, "backoffice/appointments/day_empty.html", {"authority": actor.authority})
    counters = selectors.staff_counters(actor=actor, location=location)
    return _render_day(
        request,
        actor=actor,
        location=location,
        counters=counters,
        day=_parse_day(request.GET.get("day")) or _today(),
        counter=_pick_counter(request.GET.get("counter"), counters),
        printing=request.GET.get("print") == "1",
    )


@staff_actor_required
@require_POST
def appointment_mark(request: HttpRequest, booking_id: uuid.UUID) -> HttpResponse:
    """Record whether the person came (or undo it)."""
    actor = staff_request_actor(request)
    booking = selectors.staff_booking_get(actor=actor, booking_id=booking_id)
    location = booking.location
    counters = selectors.staff_counters(actor=actor, location=location)
    counter = _pick_counter(request.POST.get("view_counter"), counters)
    day = _local_day(booking.starts_at)
    form = MarkForm(request.POST)
    if form.is_valid():
        try:
            booking = booking_mark(actor=actor, booking=booking, status=form.cleaned_data["status"])
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                _("The appointment at %(time)s is now “%(status)s”.")
                % {"time": _local_time(booking.starts_at), "status": booking.get_status_display()},
            )
            return redirect(day_url(location, day, counter))
    return _render_day(
        request,
        actor=actor,
        location=location,
        counters=counters,
        day=day,
        counter=counter,
        error_form=form,
        status=400,
    )


@staff_actor_required
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_cancel(request: HttpRequest, booking_id: uuid.UUID) -> HttpResponse:
    """Cancel an appointment after a confirmation page; the person is told by email, with the reason."""
    actor = staff_request_actor(request)
    booking = selectors.staff_booking_get(actor=actor, booking_id=booking_id)
    location = booking.location
    day = _local_day(booking.starts_at)
    view_counter = _parse_int(
        request.POST.get("view_counter") if request.method == "POST" else request.GET.get("counter")
    )
    status = 200
    if request.method == "POST":
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                booking_cancel(actor=actor, booking=booking, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The appointment at %(time)s is cancelled. The person is told by email.")
                    % {"time": _local_time(booking.starts_at)},
                )
                return redirect(day_url(location, day, view_counter))
        status = 400
    else:
        form = CancelForm()
    subject = getattr(booking, "subject_ref", None)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.VIEW,
        obj=booking,
        subject_ref=str(subject) if subject else "",
        detail={"what": "cancel"},
    )
    context = {
        "booking": booking,
        "location_name": pick(location.name) or location.slug,
        "type_title": pick(booking.appointment_type.title) or booking.appointment_type.slug,
        "when": _interval_text(booking.starts_at, booking.ends_at),
        "can_cancel": booking.status == Booking.Status.CONFIRMED
        and booking.starts_at > timezone.now()
        and not booking.is_erased,
        "form": form,
        "view_counter": view_counter or "",
        "back_url": day_url(location, day, view_counter),
    }
    return render(request, "backoffice/appointments/cancel.html", context, status=status)


@staff_actor_required
@require_POST
def appointment_block(request: HttpRequest, slug: str) -> HttpResponse:
    """Block a time of one day (one counter or the whole location): nobody can book it then."""
    actor = staff_request_actor(request)
    location = selectors.staff_location_get(actor=actor, slug=slug)
    counters = selectors.staff_counters(actor=actor, location=location)
    view_counter = _pick_counter(request.POST.get("view_counter"), counters)
    form = BlockForm(request.POST, counters=_counter_choices(counters))
    if form.is_valid():
        starts_at, ends_at = form.interval()
        counter = _pick_counter(form.cleaned_data["counter"], counters)
        try:
            staff_services.closure_add(
                actor=actor,
                location=location,
                starts_at=starts_at,
                ends_at=ends_at,
                counter=counter,
                kind=Closure.Kind.BLOCK,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            attach_errors(form, error, fields={"starts_at": "starts", "ends_at": "ends"})
        else:
            messages.success(request, _("%(time)s is blocked.") % {"time": _interval_text(starts_at, ends_at)})
            remaining = selectors.staff_bookings_overlapping(
                actor=actor, location=location, starts_at=starts_at, ends_at=ends_at, counter=counter
            )
            if remaining:
                messages.warning(
                    request,
                    _(
                        "%(count)s booked appointments lie in this time and stay booked. "
                        "Cancel them below if the people cannot come."
                    )
                    % {"count": remaining},
                )
            return redirect(day_url(location, form.cleaned_data["day"], view_counter))
    day = _parse_day(request.POST.get("day")) or _today()
    return _render_day(
        request,
        actor=actor,
        location=location,
        counters=counters,
        day=day,
        counter=view_counter,
        error_form=form,
        block_form=form,
        status=400,
    )


@staff_actor_required
@require_POST
def appointment_closure_delete(request: HttpRequest, slug: str, closure_id: int) -> HttpResponse:
    """Remove a blocked time, closure or holiday: its times can be booked again."""
    actor = staff_request_actor(request)
    location = selectors.staff_location_get(actor=actor, slug=slug)
    closure = selectors.staff_closure_get(actor=actor, location=location, closure_id=closure_id)
    closure_day = _local_day(closure.starts_at)
    when = _interval_text(closure.starts_at, closure.ends_at)
    staff_services.closure_delete(actor=actor, closure=closure)
    messages.success(request, _("Removed: %(kind)s, %(time)s.") % {"kind": closure.get_kind_display(), "time": when})
    if request.POST.get("next") == "day":
        day = _parse_day(request.POST.get("day")) or closure_day
        return redirect(day_url(location, day, _parse_int(request.POST.get("view_counter"))))
    return redirect("backoffice:appointment_closures", slug=location.slug)


# --- Set-up: locations ---------------------------------------------------------------------------


def _form_page(
    request: HttpRequest,
    *,
    form: forms.Form,
    title: str,
    submit: str,
    back_url: str,
    back_label: str,
    location: Location | None = None,
    intro: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "title": title,
        "submit": submit,
        "back_url": back_url,
        "back_label": back_label,
        "location": location,
        "location_name": (pick(location.name) or location.slug) if location is not None else "",
        "intro": intro,
    }
    return render(request, "backoffice/appointments/form.html", context, status=status)


@staff_actor_required
@require_http_methods(["GET", "HEAD"])
def appointment_locations(request: HttpRequest) -> HttpResponse:
    actor = staff_request_actor(request)
    locations = [
        {"location": location, "name": pick(location.name) or location.slug}
        for location in selectors.staff_locations_overview(actor=actor)
    ]
    return render(
        request, "backoffice/appointments/locations.html", {"authority": actor.authority, "locations": locations}
    )


def _location_values(form: LocationForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "name": _texts(form, "name"),
        "address": data["address"],
        "min_notice_minutes": data["min_notice_minutes"],
        "horizon_days": data["horizon_days"],
        "reminder_hours": data["reminder_hours"],
        "is_active": data["is_active"],
    }


@staff_actor_required
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_location_create(request: HttpRequest) -> HttpResponse:
    actor = staff_request_actor(request)
    if request.method == "POST":
        form = LocationForm(request.POST, creating=True)
        if form.is_valid():
            try:
                location = staff_services.location_create(
                    actor=actor, slug=form.cleaned_data["slug"], **_location_values(form)
                )
            except ValidationError as error:
                attach_errors(form, error, fields=_TEXT_FIELDS)
            else:
                messages.success(request, _("The location was created. Now add its counters and opening hours."))
                return redirect("backoffice:appointment_location", slug=location.slug)
    else:
        form = LocationForm(
            creating=True,
            initial={"min_notice_minutes": 120, "horizon_days": 60, "reminder_hours": 24, "is_active": True},
        )
    return _form_page(
        request,
        form=form,
        title=_("New location"),
        submit=_("Create the location"),
        back_url=reverse("backoffice:appointment_locations"),
        back_label=_("Back to the locations"),
        status=400 if form.is_bound else 200,
    )


@staff_actor_required
@require_http_methods(["GET", "HEAD"])
def appointment_location(request: HttpRequest, slug: str) -> HttpResponse:
    """A location's set-up at a glance: settings, counters, appointment types, opening hours."""
    actor = staff_request_actor(request)
    location = selectors.staff_location_get(actor=actor, slug=slug)
    counters = selectors.staff_counters(actor=actor, location=location)
    types = selectors.staff_appointment_types(actor=actor, location=location)
    hours: dict[int, list[str]] = defaultdict(list)
    for row in selectors.staff_opening_hours(actor=actor, location=location):
        hours[row.weekday].append(f"{row.opens:%H:%M}{DASH}{row.closes:%H:%M}")
    start, _end = selectors.day_bounds(_today())
    context = {
        "location": location,
        "location_name": pick(location.name) or location.slug,
        "languages": [(label, location.name.get(code, "")) for code, label in LANGUAGE_LABELS],
        "counters": counters,
        "types": [
            {
                "type": kind,
                "title": pick(kind.title) or kind.slug,
                "counters": ", ".join(c.name for c in kind.counters.all()),
                "service": (pick(kind.service.title) or kind.service.slug) if kind.service else "",
            }
            for kind in types
        ],
        "hours": [(str(WEEKDAYS[weekday]), hours.get(weekday, [])) for weekday in range(7)],
        "closure_count": len(selectors.staff_closures_between(actor=actor, location=location, starts_at=start)),
        "day_url": day_url(location, _today()),
    }
    return render(request, "backoffice/appointments/location.html", context)


@staff_actor_required
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_location_edit(request: HttpRequest, slug: str) -> HttpResponse:
    actor = staff_request_actor(request)
    location = selectors.staff_location_get(actor=actor, slug=slug)
    if request.method == "POST":
        form = LocationForm(request.POST)
        if form.is_valid():
            try:
                staff_services.location_update(actor=actor, location=location, **_location_values(form))
            except ValidationError as error:
                attach_errors(form, error, fields=_TEXT_FIELDS)
            else:
                messages.success(request, _("The settings of the location were saved."))
                return redirect("backoffice:appointment_location", slug=location.slug)
    else:
        form = LocationForm(
            initial={
                **_texts_initial("name", location.name),
                "address": location.address,
                "min_notice_minutes": location.min_notice_minutes,
                "horizon_days": location.horizon_days,
                "reminder_hours": location.reminder_hours,
                "is_active": location.is_active,
            }
        )
    return _form_page(
        request,
        form=form,
        title=_("Settings of the location"),
        submit=_("Save the settings"),
        back_url=reverse("backoffice:appointment_location", args=[location.slug]),
        back_label=_("Back to the location"),
        location=location,
        status=400 if form.is_bound else 200,
    )


# --- Set-up: counters ----------------------------------------------------------------------------


def _counter_page(request: HttpRequest, *, actor: Actor, location: Location, counter: Counter | None) -> HttpResponse:
    if request.method == "POST":
        form = CounterForm(request.POST)
        if form.is_valid():
            values = {
                "name": form.cleaned_data["name"],
                "capacity": form.cleaned_data["capacity"],
                "is_active": form.cleaned_data["is_active"],
            }
            try:
                if counter is None:
                    staff_services.counter_create(actor=actor, location=location, **values)
                else:
                    staff_services.counter_update(actor=actor, counter=counter, **values)
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, _("The counter was saved."))
                return redirect("backoffice:appointment_location", slug=location.slug)
    elif counter is None:
        form = CounterForm(initial={"capacity": 1, "is_active": True})
    else:
        form = CounterForm(initial={"name": counter.name, "capacity": counter.capacity, "is_active": counter.is_active})
    return _form_page(
        request,
        form=form,
        title=_("New counter") if counter is None else _("Counter “%(name)s”") % {"name": counter.name},
        submit=_("Save the counter"),
        back_url=reverse("backoffice:appointment_location", args=[location.slug]),
        back_label=_("Back to the location"),
        location=location,
        status=400 if form.is_bound else 200,
    )


@staff_actor_required
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_counter_create(request: HttpRequest, slug: str) -> HttpResponse:
    actor = staff_request_actor(request)
    location = selectors.staff_location_get(actor=actor, slug=slug)
    return _counter_page(request, actor=actor, location=location, counter=None)


@staff_actor_required
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_counter_edit(request: HttpRequest, slug: str, counter_id: int) -> HttpResponse:
    actor = staff_request_actor(request)
    location = selectors.staff_location_get(actor=actor, slug=slug)
    counter = selectors.staff_counter_get(actor=actor, location=location, counter_id=counter_id)
    return _counter_page(request, actor=actor, location=location, counter=counter)


# --- Set-up: appointment types -------------------------------------------------------------------


def _type_page(
    request: HttpRequest, *, actor: Actor, location: Location, appointment_type: AppointmentType | None
) -> HttpResponse:
    counters = selectors.staff_counters(actor=actor, location=location)
    options: dict[str, Any] = {
        "counters": _counter_choices(counters),
        "services": selectors.staff_service_choices(actor=actor),
        "creating": appointment_type is None,
    }
    if request.method == "POST":
        form = AppointmentTypeForm(request.POST, **options)
        if form.is_valid():
            data = form.cleaned_data
            chosen = set(data["counters"])
            service = (
                selectors.staff_service_get(actor=actor, service_id=data["service"])
                if data["service"] is not None
                else None
            )
            values = {
                "title": _texts(form, "title"),
                "duration_minutes": data["duration_minutes"],
                "buffer_minutes": data["buffer_minutes"],
                "counters": [counter for counter in counters if counter.pk in chosen],
                "max_per_day": data["max_per_day"],
                "max_per_person": data["max_per_person"],
                "service": service,
                "is_active": data["is_active"],
            }
            try:
                if appointment_type is None:
                    staff_services.appointment_type_create(actor=actor, location=location, slug=data["slug"], **values)
                else:
                    staff_services.appointment_type_update(actor=actor, appointment_type=appointment_type, **values)
            except ValidationError as error:
                attach_errors(form, error, fields=_TEXT_FIELDS)
            else:
                messages.success(request, _("The appointment type was saved."))
                return redirect("backoffice:appointment_location", slug=location.slug)
    elif appointment_type is None:
        form = AppointmentTypeForm(
            initial={
                "duration_minutes": 15,
                "buffer_minutes": 0,
                "max_per_person": 2,
                "is_active": True,
                "counters": [str(c.pk) for c in counters if c.is_active],
            },
            **options,
        )
    else:
        form = AppointmentTypeForm(
            initial={
                **_texts_initial("title", appointment_type.title),
                "duration_minutes": appointment_type.duration_minutes,
                "buffer_minutes": appointment_type.buffer_minutes,
                "counters": [str(c.pk) for c in appointment_type.counters.all()],
                "max_per_day": appointment_type.max_per_day,
                "max_per_person": appointment_type.max_per_person,
                "service": str(appointment_type.service_id) if appointment_type.service_id else "",
                "is_active": appointment_type.is_active,
            },
            **options,
        )
    if appointment_type is None:
        title = _("New appointment type")
    else:
        title = _("Appointment type “%(title)s”") % {"title": pick(appointment_type.title) or appointment_type.slug}
    return _form_page(
        request,
        form=form,
        title=title,
        submit=_("Save the appointment type"),
        back_url=reverse("backoffice:appointment_location", args=[location.slug]),
        back_label=_("Back to the location"),
        location=location,
        intro="" if counters else _("This location has no counters yet. Add a counter first."),
        status=400 if form.is_bound else 200,
    )


@staff_actor_required
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_type_create(request: HttpRequest, slug: str) -> HttpResponse:
    actor = staff_request_actor(request)
    location = selectors.staff_location_get(actor=actor, slug=slug)
    return _type_page(request, actor=actor, location=location, appointment_type=None)


@staff_actor_required
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_type_edit(request: HttpRequest, slug: str, type_id: int) -> HttpResponse:
    actor = staff_request_actor(request)
    location = selectors.staff_location_get(actor=actor, slug=slug)
    appointment_type = selectors.staff_appointment_type_get(actor=actor, location=location, type_id=type_id)
    return _type_page(request, actor=actor, location=location, appointment_type=appointment_type)


# --- Set-up: opening hours -----------------------------------------------------------------------


def _existing_counts(rows: Iterable[OpeningHours]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for row in rows:
        counts[row.weekday] += 1
    return counts


@staff_actor_required
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_hours(request: HttpRequest, slug: str) -> HttpResponse:
    """The weekly opening hours of a location on one page."""
    actor = staff_request_actor(request)
    location = selectors.staff_location_get(actor=actor, slug=slug)
    existing = selectors.staff_opening_hours(actor=actor, location=location)
    counts = _existing_counts(existing)
    status = 200
    if request.method == "POST":
        form = OpeningHoursForm(request.POST, rows=hours_rows(counts, request.POST))
        if form.is_valid():
            try:
                staff_services.opening_hours_replace(
                    actor=actor, location=location, intervals=form.cleaned_data["intervals"]
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, _("The opening hours were saved."))
                return redirect("backoffice:appointment_location", slug=location.slug)
        status = 400
    else:
        form = OpeningHoursForm(
            rows=hours_rows(counts),
            initial=hours_initial([(row.weekday, row.opens, row.closes) for row in existing]),
        )
    context = {
        "location": location,
        "location_name": pick(location.name) or location.slug,
        "form": form,
        "days": form.days(),
    }
    return render(request, "backoffice/appointments/hours.html", context, status=status)


# --- Set-up: closures and public holidays --------------------------------------------------------


@staff_actor_required
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_closures(request: HttpRequest, slug: str) -> HttpResponse:
    """Coming closures, public holidays and blocked times of a location; add one."""
    actor = staff_request_actor(request)
    location = selectors.staff_location_get(actor=actor, slug=slug)
    counters = selectors.staff_counters(actor=actor, location=location)
    status = 200
    if request.method == "POST":
        form = ClosureForm(request.POST, counters=_counter_choices(counters))
        if form.is_valid():
            data = form.cleaned_data
            try:
                closure = staff_services.closure_add(
                    actor=actor,
                    location=location,
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    counter=_pick_counter(data["counter"], counters),
                    kind=data["kind"],
                    reason=data["reason"],
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Added: %(kind)s, %(time)s.")
                    % {"kind": closure.get_kind_display(), "time": _interval_text(closure.starts_at, closure.ends_at)},
                )
                return redirect("backoffice:appointment_closures", slug=location.slug)
        status = 400
    else:
        form = ClosureForm(counters=_counter_choices(counters))
    start, _end = selectors.day_bounds(_today())
    closures = selectors.staff_closures_between(actor=actor, location=location, starts_at=start)
    context = {
        "location": location,
        "location_name": pick(location.name) or location.slug,
        "closures": _closure_rows(closures, {c.pk: c for c in counters}),
        "form": form,
    }
    return render(request, "backoffice/appointments/closures.html", context, status=status)
