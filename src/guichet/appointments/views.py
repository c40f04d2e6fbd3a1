"""Booking pages for guests and account holders: choose a type, a time, give contact details,
confirm; then see, correct, move or cancel the booking through its manage link (P18).

Thin: parse input, call a selector or a service, render. Every page works without JavaScript.
Confirmation banners come from query flags (``?booked=1``), not from the messages framework, so
a guest gets no server-side session for a flash message (P22). A time that was taken a moment
ago is a 409 with the next free times, never a server error."""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from guichet.accounts import throttle
from guichet.accounts.policy import citizen_required
from guichet.appointments import selectors, services
from guichet.appointments.availability import Slot, free_slots, last_day, local_zone
from guichet.appointments.forms import ContactForm, SlotForm, slot_start
from guichet.appointments.models import AppointmentType, Booking
from guichet.appointments.privacy import AFTER_APPOINTMENT
from guichet.core.language import active_language
from guichet.core.middleware import request_actor
from guichet.core.views import page_not_found

GET_POST = require_http_methods(["GET", "HEAD", "POST"])
GET_ONLY = require_http_methods(["GET", "HEAD"])

#: Query flags of the manage page after a change (a banner each; no session needed).
NOTICES = ("booked", "changed", "moved", "cancelled")
#: Pages of one booking send no path in any Referer: only the origin, so the manage token never
#: leaves the address bar. ("no-referrer" would be stricter still, but then browsers send
#: ``Origin: null`` with the page's forms, which the CSRF check rightly refuses.)
REFERRER_POLICY = "strict-origin"
#: How far the book page looks for other times when the chosen one is gone.
ALTERNATIVES_DAYS = 14

View = Callable[..., HttpResponseBase]


def _see_other(url: str) -> HttpResponse:
    """303: after a POST, the browser fetches the next page with GET."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _retention_days() -> int:
    return AFTER_APPOINTMENT.days


def _wait_message(retry_after: int) -> str:
    minutes = max(1, math.ceil(retry_after / 60))
    return ngettext(
        "Too many appointment emails were asked for with this address or from your network. "
        "Please wait %(minutes)d minute before trying again.",
        "Too many appointment emails were asked for with this address or from your network. "
        "Please wait %(minutes)d minutes before trying again.",
        minutes,
    ) % {"minutes": minutes}


def _private(view: View) -> View:
    """The pages of one booking: the manage token may be in the URL, so no path leaves the page as
    a referrer and nothing is stored in any cache, not even for "not found"."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response: HttpResponseBase
        try:
            response = view(request, *args, **kwargs)
        except Http404 as exc:
            response = page_not_found(request, exc)
        response["Referrer-Policy"] = REFERRER_POLICY
        response["Cache-Control"] = "no-store"
        return response

    return wrapper


# --- Weeks of free times ------------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    monday: datetime.date
    first: datetime.date  # first day shown (today in the current week)
    last: datetime.date  # last day shown (the horizon in the last week)
    previous: datetime.date | None
    next: datetime.date | None
    today: datetime.date


def _parse_date(value: str | None) -> datetime.date | None:
    if not value or len(value) != len("2026-11-30") or not value.isascii():
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _week(appointment_type: AppointmentType, requested: str | None, now: datetime.datetime) -> Week:
    """The week asked for (``?week=YYYY-MM-DD``, any day of it), kept between this week and the
    week of the booking horizon."""
    today = timezone.localtime(now, local_zone()).date()
    horizon = max(last_day(appointment_type, now), today)
    this_monday = today - datetime.timedelta(days=today.weekday())
    last_monday = horizon - datetime.timedelta(days=horizon.weekday())
    monday = this_monday
    day = _parse_date(requested)
    if day is not None:
        monday = min(max(day - datetime.timedelta(days=day.weekday()), this_monday), last_monday)
    week = datetime.timedelta(days=7)
    return Week(
        monday=monday,
        first=max(monday, today),
        last=min(monday + datetime.timedelta(days=6), horizon),
        previous=monday - week if monday > this_monday else None,
        next=monday + week if monday < last_monday else None,
        today=today,
    )


def _days(
    appointment_type: AppointmentType, week: Week, now: datetime.datetime, url: Callable[[Slot], str] | None = None
) -> list[dict[str, Any]]:
    """The days of ``week`` with their free times (one ``free_slots`` call)."""
    free = free_slots(appointment_type=appointment_type, day_from=week.first, day_to=week.last, now=now)
    days = []
    day = week.first
    while day <= week.last:
        slots = [{"slot": slot, "key": slot.key, "url": url(slot) if url else ""} for slot in free.get(day, [])]
        days.append({"date": day, "slots": slots, "is_today": day == week.today})
        day += datetime.timedelta(days=1)
    return days


def _book_url(appointment_type: AppointmentType, slot: Slot) -> str:
    return reverse("appointments:book", args=[appointment_type.location.slug, appointment_type.slug, slot.key])


def _times_url(appointment_type: AppointmentType, day: datetime.date | None = None) -> str:
    url = reverse("appointments:times", args=[appointment_type.location.slug, appointment_type.slug])
    return f"{url}?week={day.isoformat()}" if day else url


# --- Choosing and booking -----------------------------------------------------------------------


@GET_ONLY
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "appointments/index.html", {"locations": selectors.location_list()})


@GET_ONLY
def times(request: HttpRequest, location: str, kind: str) -> HttpResponse:
    appointment_type = selectors.appointment_type_get(location=location, kind=kind)
    now = timezone.now()
    week = _week(appointment_type, request.GET.get("week"), now)
    days = _days(appointment_type, week, now, url=lambda slot: _book_url(appointment_type, slot))
    return render(
        request,
        "appointments/times.html",
        {
            "kind": appointment_type,
            "week": week,
            "days": days,
            "any_free": any(day["slots"] for day in days),
            "times_url": _times_url(appointment_type),
        },
    )


def _page_errors(form: ContactForm, error: ValidationError) -> None:
    for message in error.messages:
        form.add_page_error(message)


@GET_POST
def book(request: HttpRequest, location: str, kind: str, slot: str) -> HttpResponse:
    appointment_type = selectors.appointment_type_get(location=location, kind=kind)
    starts_at = slot_start(slot)
    now = timezone.now()
    today = timezone.localtime(now, local_zone()).date()
    if starts_at is None or not today <= starts_at.date() <= last_day(appointment_type, now):
        raise Http404
    day = starts_at.date()
    context: dict[str, Any] = {
        "kind": appointment_type,
        "starts_at": starts_at,
        "ends_at": starts_at + datetime.timedelta(minutes=appointment_type.duration_minutes),
        "times_url": _times_url(appointment_type, day),
        "retention_days": _retention_days(),
    }
    actor = request_actor(request)

    if request.method != "POST":
        free = free_slots(
            appointment_type=appointment_type,
            day_from=day,
            day_to=day + datetime.timedelta(days=ALTERNATIVES_DAYS),
            now=now,
        )
        if not any(item.starts_at == starts_at for item in free.get(day, [])):
            later = [item for items in free.values() for item in items if item.starts_at > starts_at]
            context["alternatives"] = _alternatives(appointment_type, later[: services.ALTERNATIVES])
            return render(request, "appointments/unavailable.html", context, status=409)
        prefill = selectors.contact_prefill(actor=actor)
        context.update(form=ContactForm(initial=prefill), prefilled=bool(prefill))
        return render(request, "appointments/book.html", context)

    form = ContactForm(request.POST)
    context["form"] = form
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        ticket = throttle.throttle_attempt(checks=throttle.mail_checks(email=data["email"], request=request))
        if not ticket.allowed:
            form.add_page_error(_wait_message(ticket.retry_after))
            response = render(request, "appointments/book.html", context, status=429)
            response["Retry-After"] = str(ticket.retry_after)
            return response
        try:
            _booking, token = services.booking_create(
                actor=actor,
                appointment_type=appointment_type,
                starts_at=starts_at,
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                language=active_language(),
            )
        except services.SlotTaken as taken:
            throttle.throttle_release(ticket=ticket)
            context["taken"] = " ".join(taken.messages)
            context["alternatives"] = _alternatives(appointment_type, taken.alternatives)
            status = 409
        except ValidationError as error:
            throttle.throttle_release(ticket=ticket)
            _page_errors(form, error)
        else:
            return _see_other(reverse("appointments:manage", args=[token]) + "?booked=1")
    return render(request, "appointments/book.html", context, status=status)


def _alternatives(appointment_type: AppointmentType, slots: list[Slot]) -> list[dict[str, Any]]:
    return [{"slot": slot, "key": slot.key, "url": _book_url(appointment_type, slot)} for slot in slots]


# --- One booking: see, correct, move, cancel ----------------------------------------------------


@dataclass(frozen=True)
class Links:
    """Where the pages of one booking live: under its token, or under the account."""

    manage: str
    reschedule: str
    cancel: str


def _token_links(token: str) -> Links:
    return Links(
        manage=reverse("appointments:manage", args=[token]),
        reschedule=reverse("appointments:manage_reschedule", args=[token]),
        cancel=reverse("appointments:manage_cancel", args=[token]),
    )


def _own_links(booking: Booking) -> Links:
    return Links(
        manage=reverse("appointments:mine", args=[booking.pk]),
        reschedule=reverse("appointments:mine_reschedule", args=[booking.pk]),
        cancel=reverse("appointments:mine_cancel", args=[booking.pk]),
    )


def _changeable(booking: Booking, now: datetime.datetime) -> bool:
    return booking.status == Booking.Status.CONFIRMED and not booking.is_erased and booking.starts_at > now


def _bookable(appointment_type: AppointmentType) -> bool:
    return appointment_type.is_active and appointment_type.location.is_active


def _booking_context(booking: Booking, links: Links, now: datetime.datetime) -> dict[str, Any]:
    kind = booking.appointment_type
    return {
        "booking": booking,
        "kind": kind,
        "links": links,
        "changeable": _changeable(booking, now),
        "is_past": booking.starts_at <= now,
        "book_again_url": _times_url(kind) if _bookable(kind) else reverse("appointments:index"),
        "retention_days": _retention_days(),
    }


def _manage(request: HttpRequest, booking: Booking, links: Links) -> HttpResponse:
    now = timezone.now()
    context = _booking_context(booking, links, now)
    status = 200
    if request.method == "POST":
        if not context["changeable"]:
            return _see_other(links.manage)
        form = ContactForm(request.POST, managing=True)
        status = 400
        if form.is_valid():
            try:
                services.booking_update_contact(actor=request_actor(request), booking=booking, **form.cleaned_data)
            except ValidationError as error:
                _page_errors(form, error)
            else:
                return _see_other(links.manage + "?changed=1")
    else:
        form = ContactForm(
            initial={"name": booking.name, "email": booking.email, "phone": booking.phone}, managing=True
        )
    context["form"] = form
    notice = next((flag for flag in NOTICES if request.GET.get(flag) == "1"), "")
    # A banner only while it is still true (an old bookmark of "?booked=1" of a cancelled booking).
    if (notice == "cancelled") != (booking.status == Booking.Status.CANCELLED):
        notice = ""
    context["notice"] = notice
    return render(request, "appointments/manage.html", context, status=status)


def _reschedule(request: HttpRequest, booking: Booking, links: Links) -> HttpResponse:
    now = timezone.now()
    if not _changeable(booking, now):
        return _see_other(links.manage)
    kind = booking.appointment_type
    context = _booking_context(booking, links, now)
    status = 200
    if request.method == "POST":
        form = SlotForm(request.POST)
        if not form.is_valid():
            context["error"] = " ".join(str(message) for message in form.errors.get("slot", ()))
            status = 400
        else:
            ticket = throttle.throttle_attempt(checks=throttle.mail_checks(email=booking.email, request=request))
            if not ticket.allowed:
                context["error"] = _wait_message(ticket.retry_after)
                response = _reschedule_page(request, context, kind, now, status=429)
                response["Retry-After"] = str(ticket.retry_after)
                return response
            try:
                services.booking_reschedule(
                    actor=request_actor(request), booking=booking, starts_at=form.cleaned_data["slot"]
                )
            except services.SlotTaken as taken:
                throttle.throttle_release(ticket=ticket)
                context["error"] = " ".join(taken.messages)
                context["alternatives"] = [{"slot": slot, "key": slot.key} for slot in taken.alternatives]
                status = 409
            except ValidationError as error:
                throttle.throttle_release(ticket=ticket)
                context["error"] = " ".join(error.messages)
                status = 400
            else:
                return _see_other(links.manage + "?moved=1")
    return _reschedule_page(request, context, kind, now, status=status)


def _reschedule_page(
    request: HttpRequest, context: dict[str, Any], kind: AppointmentType, now: datetime.datetime, *, status: int
) -> HttpResponse:
    week = _week(kind, request.GET.get("week"), now)
    days = _days(kind, week, now) if _bookable(kind) else []
    context.update(week=week, days=days, any_free=any(day["slots"] for day in days), movable=_bookable(kind))
    return render(request, "appointments/reschedule.html", context, status=status)


def _cancel(request: HttpRequest, booking: Booking, links: Links) -> HttpResponse:
    now = timezone.now()
    if not _changeable(booking, now):
        return _see_other(links.manage)
    if request.method == "POST":
        try:
            services.booking_cancel(actor=request_actor(request), booking=booking)
        except ValidationError:  # changed in the meantime: the manage page says what it is now
            return _see_other(links.manage)
        return _see_other(links.manage + "?cancelled=1")
    return render(request, "appointments/cancel.html", _booking_context(booking, links, now))


# With the manage token (the link in the confirmation email; guests and account holders alike).


@_private
@GET_POST
def manage(request: HttpRequest, token: str) -> HttpResponse:
    return _manage(request, selectors.booking_by_token(token=token), _token_links(token))


@_private
@GET_POST
def manage_reschedule(request: HttpRequest, token: str) -> HttpResponse:
    return _reschedule(request, selectors.booking_by_token(token=token), _token_links(token))


@_private
@GET_POST
def manage_cancel(request: HttpRequest, token: str) -> HttpResponse:
    return _cancel(request, selectors.booking_by_token(token=token), _token_links(token))


# From the account: the bookings made as the active profile (linked from the dashboard).


def _own(request: HttpRequest, booking_id: Any) -> Booking:
    return selectors.booking_get(actor=request_actor(request), booking_id=booking_id)


@_private
@citizen_required
@GET_POST
def mine(request: HttpRequest, booking_id: Any) -> HttpResponse:
    booking = _own(request, booking_id)
    return _manage(request, booking, _own_links(booking))


@_private
@citizen_required
@GET_POST
def mine_reschedule(request: HttpRequest, booking_id: Any) -> HttpResponse:
    booking = _own(request, booking_id)
    return _reschedule(request, booking, _own_links(booking))


@_private
@citizen_required
@GET_POST
def mine_cancel(request: HttpRequest, booking_id: Any) -> HttpResponse:
    booking = _own(request, booking_id)
    return _cancel(request, booking, _own_links(booking))
