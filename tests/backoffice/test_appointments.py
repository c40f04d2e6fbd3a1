"""The staff side of appointments: the day list (attendance, cancelling, blocking time, printing)
and the calendar set-up (locations, counters, appointment types, opening hours, closures).

Clara is staff of the authority that runs the location; Dario works for another authority and
must see nothing of it; Alice is a citizen and has no business in the backoffice."""

from __future__ import annotations

import datetime
import json
import re
import uuid
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guichet.accounts.models import User
from guichet.appointments import staff_services
from guichet.appointments.availability import free_slots
from guichet.appointments.models import AppointmentType, Booking, Closure, Counter, Location, OpeningHours
from guichet.appointments.services import booking_create
from guichet.catalogue.models import Service
from guichet.core import crypto
from guichet.core.actor import GUEST, Actor, citizen_actor, staff_actor
from guichet.core.models import AuditEvent, Authority, StaffMembership
from tests.appointments_support import at, counters, kind, location, next_weekday
from tests.conftest import login

__all__ = ["counters", "kind", "location"]  # fixtures

pytestmark = pytest.mark.django_db

DAY = "/backoffice/appointments/"
LOCMEM_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


@pytest.fixture
def en(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def clara_client(en: Client, clara: User) -> Client:
    return login(en, clara)


@pytest.fixture
def dario_client(dario: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    return login(client, dario)


@pytest.fixture
def day() -> datetime.date:
    return next_weekday(1)  # a Tuesday ahead: open 08-12 and 13-17


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def staff_of(user: User) -> Actor:
    return staff_actor(user=user, membership=StaffMembership.objects.select_related("authority").get(user=user))


def book(kind: AppointmentType, start: datetime.datetime, *, name: str, email: str, phone: str = "") -> Booking:
    booking, _token = booking_create(
        actor=GUEST, appointment_type=kind, starts_at=start, name=name, email=email, phone=phone, language="en"
    )
    return booking


def day_url(location: Location, day: datetime.date, **extra: Any) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"location": location.slug, "day": day, **extra}.items())
    return f"{DAY}?{query}"


def slot_starts(kind: AppointmentType, day: datetime.date) -> dict[datetime.datetime, int]:
    return {slot.starts_at: slot.free for slot in free_slots(appointment_type=kind, day_from=day, day_to=day)[day]}


# --- URLs ----------------------------------------------------------------------------------------


def test_urls_are_stable(location: Location) -> None:
    some = uuid.uuid4()
    base = f"{DAY}locations/"
    assert reverse("backoffice:appointment_day") == DAY
    assert reverse("backoffice:appointment_mark", args=[some]) == f"{DAY}bookings/{some}/mark/"
    assert reverse("backoffice:appointment_cancel", args=[some]) == f"{DAY}bookings/{some}/cancel/"
    assert reverse("backoffice:appointment_locations") == base
    assert reverse("backoffice:appointment_location_create") == f"{base}new/"
    slug = location.slug
    assert reverse("backoffice:appointment_location", args=[slug]) == f"{base}{slug}/"
    assert reverse("backoffice:appointment_location_edit", args=[slug]) == f"{base}{slug}/edit/"
    assert reverse("backoffice:appointment_block", args=[slug]) == f"{base}{slug}/block/"
    assert reverse("backoffice:appointment_counter_create", args=[slug]) == f"{base}{slug}/counters/new/"
    assert reverse("backoffice:appointment_counter_edit", args=[slug, 3]) == f"{base}{slug}/counters/3/"
    assert reverse("backoffice:appointment_type_create", args=[slug]) == f"{base}{slug}/types/new/"
    assert reverse("backoffice:appointment_type_edit", args=[slug, 4]) == f"{base}{slug}/types/4/"
    assert reverse("backoffice:appointment_hours", args=[slug]) == f"{base}{slug}/hours/"
    assert reverse("backoffice:appointment_closures", args=[slug]) == f"{base}{slug}/closures/"
    assert reverse("backoffice:appointment_closure_delete", args=[slug, 5]) == f"{base}{slug}/closures/5/delete/"


def test_the_backoffice_home_links_to_the_appointments(clara_client: Client) -> None:
    assert f'href="{DAY}"' in clara_client.get("/backoffice/").content.decode()


def test_guests_log_in_and_citizens_find_nothing(client: Client, alice: User, location: Location) -> None:
    response = client.get(DAY)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("auth:login"))
    login(client, alice)
    assert client.get(DAY).status_code == 404
    assert client.get(reverse("backoffice:appointment_location", args=[location.slug])).status_code == 404


# --- The day list --------------------------------------------------------------------------------


def test_clara_sees_the_day_per_counter_in_time_order(
    clara_client: Client, kind: AppointmentType, counters: list[Counter], day: datetime.date
) -> None:
    book(kind, at(day, 9), name="Berta Beispiel", email="berta@example.ch", phone="079 111 22 33")
    book(kind, at(day, 8, 10), name="Anna Muster", email="anna@example.ch")
    book(kind, at(day, 9), name="Carla Chiesa", email="carla@example.ch")  # the second counter
    other_day = book(kind, at(day + datetime.timedelta(days=1), 9), name="Dora Morgen", email="dora@example.ch")
    response = clara_client.get(day_url(kind.location, day))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store" or "no-store" in response["Cache-Control"]
    page = text(response)
    assert "3 appointments booked" in page
    first, second = (page.index(f'id="counter-{counter.pk}-title"') for counter in counters)
    assert first < page.index("Anna Muster") < page.index("Berta Beispiel") < second < page.index("Carla Chiesa")
    assert "079 111 22 33" in page
    assert "Beratung" in page
    assert "08:10" in page
    assert other_day.name not in page
    assert "dora@example.ch" not in page
    assert "berta@example.ch" not in page
    # Previous and next day, print view, one counter only.
    assert day_url(kind.location, day - datetime.timedelta(days=1)).replace("&", "&amp;") in response.content.decode()
    only_second = text(clara_client.get(day_url(kind.location, day, counter=counters[1].pk)))
    assert "Carla Chiesa" in only_second
    assert "Anna Muster" not in only_second


def test_the_day_list_defaults_to_the_first_location_and_today(clara_client: Client, location: Location) -> None:
    response = clara_client.get(DAY)
    assert response.status_code == 200
    assert "Einwohneramt" in text(response)
    assert "today" in text(response)
    # A garbled day or counter shows today's list of all counters rather than an error.
    assert clara_client.get(f"{DAY}?location={location.slug}&day=2026-13-45&counter=abc").status_code == 200


def test_opening_the_day_list_is_audited_without_personal_data(
    clara_client: Client, clara: User, kind: AppointmentType, day: datetime.date
) -> None:
    book(kind, at(day, 9), name="Berta Beispiel", email="berta@example.ch", phone="079 111 22 33")
    before = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).count()
    clara_client.get(day_url(kind.location, day))
    events = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, object_type="appointments.day")
    assert events.count() == 1 == AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).count() - before
    event = events.get()
    assert event.actor_ref == str(clara.pk)
    assert event.authority_id == kind.location.authority_id
    assert event.detail["location"] == kind.location.slug
    assert event.detail["day"] == day.isoformat()
    assert event.detail["bookings"] == 1
    stored = json.dumps(event.detail)
    for personal in ("Berta", "berta@example.ch", "079"):
        assert personal not in stored


def test_the_day_list_takes_the_same_queries_for_3_or_20_bookings(
    clara_client: Client, kind: AppointmentType, day: datetime.date, django_assert_max_num_queries: Any
) -> None:
    def count_queries(target: int) -> int:
        existing = Booking.objects.filter(location=kind.location).count()
        for number in range(existing, target):
            start = at(day, 8) + datetime.timedelta(minutes=10 * (number // 2))
            book(kind, start, name=f"Person {number}", email=f"p{number}@example.ch", phone=f"079 000 00 {number:02}")
        clara_client.get(DAY)  # the session's own first-request writes are not the list's
        crypto.data_key_cache.clear()  # as in a fresh worker: every person's key must be unwrapped
        with CaptureQueriesContext(connection) as queries:
            response = clara_client.get(day_url(kind.location, day))
        assert response.status_code == 200
        assert f"Person {target - 1}" in text(response)
        return len(queries)

    few = count_queries(3)
    many = count_queries(20)
    assert few == many
    crypto.data_key_cache.clear()
    with django_assert_max_num_queries(few):
        clara_client.get(day_url(kind.location, day))


def test_the_print_view_is_a_plain_table_without_forms(
    clara_client: Client, kind: AppointmentType, day: datetime.date
) -> None:
    kept = book(kind, at(day, 9), name="Berta Beispiel", email="berta@example.ch", phone="079 111 22 33")
    gone = book(kind, at(day, 10), name="Gustav Gone", email="gustav@example.ch")
    Booking.objects.filter(pk=gone.pk).update(status=Booking.Status.CANCELLED)
    response = clara_client.get(day_url(kind.location, day, print=1))
    assert response.status_code == 200
    page = text(response)
    assert "<table" in page
    assert kept.name in page
    assert "079 111 22 33" in page
    assert "Gustav Gone" not in page  # cancelled appointments are left off the paper
    assert '<form method="post"' not in page.split('<main id="main"')[1]
    assert "shred it after the day" in page
    event = AuditEvent.objects.filter(object_type="appointments.day").latest("id")
    assert event.detail["print"] is True


def test_clara_marks_attended_no_show_and_back(clara_client: Client, kind: AppointmentType, day: datetime.date) -> None:
    booking = book(kind, at(day, 9), name="Berta Beispiel", email="berta@example.ch")
    url = reverse("backoffice:appointment_mark", args=[booking.pk])
    response = clara_client.post(url, {"status": "attended"})
    assert response.status_code == 302
    assert response["Location"] == day_url(kind.location, day)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ATTENDED
    assert "is now “Attended”" in text(clara_client.get(response["Location"]))
    clara_client.post(url, {"status": "confirmed"})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    clara_client.post(url, {"status": "no_show", "view_counter": str(booking.counter_id)})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE, object_ref=str(booking.pk)).count() == 3
    # Nonsense is refused with the day list and an error summary.
    response = clara_client.post(url, {"status": "cancelled"})
    assert response.status_code == 400
    assert "There is a problem" in text(response)
    assert "Choose how to mark the appointment." in text(response)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW


def test_a_cancelled_booking_cannot_be_marked(clara_client: Client, kind: AppointmentType, day: datetime.date) -> None:
    booking = book(kind, at(day, 9), name="Berta Beispiel", email="berta@example.ch")
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    response = clara_client.post(reverse("backoffice:appointment_mark", args=[booking.pk]), {"status": "attended"})
    assert response.status_code == 400
    assert "cannot be marked like that" in text(response)


def test_staff_cancel_after_confirmation_and_the_person_is_told(
    clara_client: Client,
    kind: AppointmentType,
    day: datetime.date,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MAILERS = LOCMEM_MAILERS
    booking = book(kind, at(day, 9), name="Berta Beispiel", email="berta@example.ch")
    mail.outbox.clear()
    url = reverse("backoffice:appointment_cancel", args=[booking.pk])
    page = text(clara_client.get(url))
    assert "Berta Beispiel" in page
    assert "Cancel the appointment" in page
    assert 'name="reason"' in page
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, object_ref=str(booking.pk)).exists()
    reason = "Der Schalter bleibt wegen Krankheit geschlossen."
    with django_capture_on_commit_callbacks(execute=True):
        response = clara_client.post(url, {"reason": reason})
    assert response.status_code == 302
    assert response["Location"] == day_url(kind.location, day)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancelled_by == Booking.CancelledBy.STAFF
    (message,) = mail.outbox
    assert message.to == ["berta@example.ch"]
    body = message.body + "".join(str(content) for content, _type in getattr(message, "alternatives", []))
    assert reason in body
    (ics,) = [item for item in message.attachments if item[0].endswith(".ics")]
    content = ics[1].decode() if isinstance(ics[1], bytes) else ics[1]
    assert "METHOD:CANCEL" in content
    assert "STATUS:CANCELLED" in content
    # The seat is free again at once, and a second cancel is refused with the reason kept.
    assert slot_starts(kind, day)[at(day, 9)] == 2
    again = clara_client.post(url, {"reason": "Nochmals"})
    assert again.status_code == 400
    assert "This booking can no longer be changed." in text(again)
    assert len(mail.outbox) == 1


def test_a_too_long_reason_is_refused_and_kept(clara_client: Client, kind: AppointmentType, day: datetime.date) -> None:
    booking = book(kind, at(day, 9), name="Berta Beispiel", email="berta@example.ch")
    reason = "x" * 501
    response = clara_client.post(reverse("backoffice:appointment_cancel", args=[booking.pk]), {"reason": reason})
    assert response.status_code == 400
    assert "at most 500 characters" in text(response)
    assert reason in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


# --- Blocking time -------------------------------------------------------------------------------


def test_blocking_a_counter_and_the_location_removes_the_slots(
    clara_client: Client, kind: AppointmentType, counters: list[Counter], day: datetime.date
) -> None:
    url = reverse("backoffice:appointment_block", args=[kind.location.slug])
    assert slot_starts(kind, day)[at(day, 9)] == 2
    response = clara_client.post(
        url, {"day": day.isoformat(), "counter": counters[0].pk, "starts": "09:00", "ends": "10:00", "reason": "Team"}
    )
    assert response.status_code == 302
    assert response["Location"] == day_url(kind.location, day)
    assert slot_starts(kind, day)[at(day, 9)] == 1
    closure = Closure.objects.get(location=kind.location)
    assert (closure.kind, closure.counter, closure.starts_at, closure.ends_at) == (
        Closure.Kind.BLOCK,
        counters[0],
        at(day, 9),
        at(day, 10),
    )
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_ref=str(closure.pk)).exists()
    clara_client.post(url, {"day": day.isoformat(), "counter": "", "starts": "09:00", "ends": "10:00"})
    starts = slot_starts(kind, day)
    assert at(day, 9) not in starts
    assert at(day, 9, 50) not in starts
    assert starts[at(day, 10)] == 2
    page = text(clara_client.get(response["Location"]))
    assert "Blocked by staff" in page
    assert "Whole location" in page
    assert "Team" in page


def test_blocking_over_a_booking_keeps_it_and_says_so(
    clara_client: Client, kind: AppointmentType, day: datetime.date
) -> None:
    booking = book(kind, at(day, 9), name="Berta Beispiel", email="berta@example.ch")
    response = clara_client.post(
        reverse("backoffice:appointment_block", args=[kind.location.slug]),
        {"day": day.isoformat(), "starts": "08:30", "ends": "12:00"},
        follow=True,
    )
    assert "1 booked appointments lie in this time" in text(response)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_a_block_ending_before_it_starts_is_refused_with_the_times_kept(
    clara_client: Client, kind: AppointmentType, day: datetime.date
) -> None:
    response = clara_client.post(
        reverse("backoffice:appointment_block", args=[kind.location.slug]),
        {"day": day.isoformat(), "starts": "11:00", "ends": "10:15", "reason": "Sitzung"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "The end must be after the start." in page
    assert 'value="11:00"' in page
    assert 'value="10:15"' in page
    assert 'value="Sitzung"' in page
    assert not Closure.objects.exists()


def test_removing_a_block_opens_the_time_again(
    clara_client: Client, clara: User, kind: AppointmentType, day: datetime.date
) -> None:
    closure = staff_services.closure_add(
        actor=staff_of(clara), location=kind.location, starts_at=at(day, 8), ends_at=at(day, 12)
    )
    assert at(day, 9) not in slot_starts(kind, day)
    url = reverse("backoffice:appointment_closure_delete", args=[kind.location.slug, closure.pk])
    response = clara_client.post(url, {"next": "day", "day": day.isoformat()})
    assert response.status_code == 302
    assert response["Location"] == day_url(kind.location, day)
    assert not Closure.objects.exists()
    assert slot_starts(kind, day)[at(day, 9)] == 2
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DELETE, object_ref=str(closure.pk)).exists()


# --- Another authority ---------------------------------------------------------------------------


def test_dario_finds_nothing_of_claras_location(
    dario_client: Client, clara: User, kind: AppointmentType, counters: list[Counter], day: datetime.date
) -> None:
    booking = book(kind, at(day, 9), name="Berta Beispiel", email="berta@example.ch")
    closure = staff_services.closure_add(
        actor=staff_of(clara), location=kind.location, starts_at=at(day, 14), ends_at=at(day, 15)
    )
    slug = kind.location.slug
    gets = [
        day_url(kind.location, day),
        reverse("backoffice:appointment_cancel", args=[booking.pk]),
        reverse("backoffice:appointment_location", args=[slug]),
        reverse("backoffice:appointment_location_edit", args=[slug]),
        reverse("backoffice:appointment_counter_create", args=[slug]),
        reverse("backoffice:appointment_counter_edit", args=[slug, counters[0].pk]),
        reverse("backoffice:appointment_type_create", args=[slug]),
        reverse("backoffice:appointment_type_edit", args=[slug, kind.pk]),
        reverse("backoffice:appointment_hours", args=[slug]),
        reverse("backoffice:appointment_closures", args=[slug]),
    ]
    for url in gets:
        assert dario_client.get(url).status_code == 404, url
    posts = [
        (reverse("backoffice:appointment_mark", args=[booking.pk]), {"status": "no_show"}),
        (reverse("backoffice:appointment_cancel", args=[booking.pk]), {"reason": "weg"}),
        (
            reverse("backoffice:appointment_block", args=[slug]),
            {"day": day.isoformat(), "starts": "08:00", "ends": "12:00"},
        ),
        (reverse("backoffice:appointment_closure_delete", args=[slug, closure.pk]), {}),
        (reverse("backoffice:appointment_counter_edit", args=[slug, counters[0].pk]), {"name": "X", "capacity": 5}),
        (reverse("backoffice:appointment_hours", args=[slug]), {}),
    ]
    for url, data in posts:
        assert dario_client.post(url, data).status_code == 404, url
    booking.refresh_from_db()
    counters[0].refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert Closure.objects.filter(pk=closure.pk).exists()
    assert Closure.objects.count() == 1
    assert counters[0].capacity == 1
    assert OpeningHours.objects.filter(location=kind.location).count() == 10
    # His own pages show nothing of it.
    for url in (DAY, reverse("backoffice:appointment_locations")):
        page = text(dario_client.get(url))
        assert "Einwohneramt" not in page
        assert "Berta" not in page
        assert slug not in page


def test_the_services_refuse_staff_of_another_authority(
    dario: User, kind: AppointmentType, counters: list[Counter]
) -> None:
    actor = staff_of(dario)
    with pytest.raises(PermissionDenied):
        staff_services.counter_update(actor=actor, counter=counters[0], name="X", capacity=2, is_active=True)
    with pytest.raises(PermissionDenied):
        staff_services.opening_hours_replace(actor=actor, location=kind.location, intervals=[])
    with pytest.raises(PermissionDenied):
        staff_services.closure_add(
            actor=actor, location=kind.location, starts_at=at(next_weekday(1), 8), ends_at=at(next_weekday(1), 9)
        )


# --- Set-up --------------------------------------------------------------------------------------


def test_clara_creates_and_edits_a_location(clara_client: Client, authority: Authority) -> None:
    response = clara_client.get(reverse("backoffice:appointment_location_create"))
    assert response.status_code == 200
    data = {
        "slug": "passbuero",
        "name_de": "Passbüro",
        "name_fr": "Bureau des passeports",
        "address": "Marktgasse 1, 3000 Demo",
        "min_notice_minutes": "60",
        "horizon_days": "30",
        "reminder_hours": "24",
        "is_active": "on",
    }
    response = clara_client.post(reverse("backoffice:appointment_location_create"), data)
    assert response.status_code == 302
    location = Location.objects.get(slug="passbuero")
    assert response["Location"] == reverse("backoffice:appointment_location", args=["passbuero"])
    assert location.authority == authority
    assert location.name == {"de": "Passbüro", "fr": "Bureau des passeports"}
    assert (location.min_notice_minutes, location.horizon_days, location.is_active) == (60, 30, True)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_type="appointments.location").exists()
    # The same short name again is refused, with what was typed kept.
    again = clara_client.post(reverse("backoffice:appointment_location_create"), {**data, "name_de": "Zweites"})
    assert again.status_code == 400
    assert "already taken" in text(again)
    assert 'value="Zweites"' in again.content.decode()
    # Editing; the short name stays.
    edit = reverse("backoffice:appointment_location_edit", args=["passbuero"])
    assert 'value="Passbüro"' in clara_client.get(edit).content.decode()
    response = clara_client.post(edit, {**data, "slug": "anders", "horizon_days": "90", "is_active": ""})
    assert response.status_code == 302
    location.refresh_from_db()
    assert (location.slug, location.horizon_days, location.is_active) == ("passbuero", 90, False)
    overview = text(clara_client.get(reverse("backoffice:appointment_location", args=["passbuero"])))
    assert "Passbüro" in overview
    assert "90 days" in overview


def test_a_location_needs_a_name_and_numbers_in_range(clara_client: Client) -> None:
    response = clara_client.post(
        reverse("backoffice:appointment_location_create"),
        {"slug": "Bad Slug!", "address": "Hauptstrasse 5", "min_notice_minutes": "-5", "horizon_days": "9999"},
    )
    assert response.status_code == 400
    page = text(response)
    assert "Give it a name in at least one language." in page
    assert "Enter a whole number from 0 to 43200." in page
    assert "Enter a whole number from 1 to 730." in page
    assert 'value="Hauptstrasse 5"' in page
    assert not Location.objects.exists()
    manage = clara_client.post(
        reverse("backoffice:appointment_location_create"),
        {"slug": "manage", "name_de": "X", "min_notice_minutes": "0", "horizon_days": "1", "reminder_hours": "0"},
    )
    assert manage.status_code == 400
    assert "already taken" in text(manage)


def test_counters_are_created_edited_and_validated(
    clara_client: Client, location: Location, counters: list[Counter]
) -> None:
    create = reverse("backoffice:appointment_counter_create", args=[location.slug])
    response = clara_client.post(create, {"name": "Gruppenraum", "capacity": "6", "is_active": "on"})
    assert response.status_code == 302
    room = Counter.objects.get(name="Gruppenraum")
    assert (room.location, room.capacity, room.is_active) == (location, 6, True)
    for capacity in ("0", "51", "zwei"):
        response = clara_client.post(create, {"name": "Zu gross", "capacity": capacity})
        assert response.status_code == 400
        page = text(response)
        assert "There is a problem" in page
        assert "Enter a whole number from 1 to 50." in page
        assert f'value="{capacity}"' in page
        assert 'value="Zu gross"' in page
    duplicate = clara_client.post(create, {"name": "schalter 1", "capacity": "1"})
    assert duplicate.status_code == 400
    assert "already has a counter with this name" in text(duplicate)
    edit = reverse("backoffice:appointment_counter_edit", args=[location.slug, room.pk])
    response = clara_client.post(edit, {"name": "Gruppenraum", "capacity": "8"})
    assert response.status_code == 302
    room.refresh_from_db()
    assert (room.capacity, room.is_active) == (8, False)


def test_fewer_places_are_refused_while_coming_bookings_use_them(
    clara_client: Client, kind: AppointmentType, counters: list[Counter], day: datetime.date
) -> None:
    Counter.objects.filter(pk=counters[0].pk).update(capacity=2)
    kind.counters.set([counters[0]])
    book(kind, at(day, 9), name="A", email="a@example.ch")
    book(kind, at(day, 9), name="B", email="b@example.ch")  # the second place
    edit = reverse("backoffice:appointment_counter_edit", args=[kind.location.slug, counters[0].pk])
    response = clara_client.post(edit, {"name": "Schalter 1", "capacity": "1", "is_active": "on"})
    assert response.status_code == 400
    assert "1 coming appointments use the places you want to remove" in text(response)


def test_appointment_types_are_created_edited_and_validated(
    clara_client: Client, location: Location, counters: list[Counter], authority: Authority, other_authority: Authority
) -> None:
    own = Service.objects.create(slug="pass", authority=authority, title={"de": "Pass", "en": "Passport"})
    foreign = Service.objects.create(slug="fremd", authority=other_authority, title={"de": "Fremd"})
    create = reverse("backoffice:appointment_type_create", args=[location.slug])
    page = clara_client.get(create).content.decode()
    assert "Passport" in page
    assert "Fremd" not in page
    data = {
        "slug": "pass-beantragen",
        "title_de": "Pass beantragen",
        "title_en": "Apply for a passport",
        "duration_minutes": "20",
        "buffer_minutes": "5",
        "counters": [str(counters[1].pk)],
        "max_per_day": "",
        "max_per_person": "1",
        "service": str(own.pk),
        "is_active": "on",
    }
    response = clara_client.post(create, data)
    assert response.status_code == 302
    kind = AppointmentType.objects.get(location=location, slug="pass-beantragen")
    assert kind.title == {"de": "Pass beantragen", "en": "Apply for a passport"}
    assert (kind.duration_minutes, kind.buffer_minutes, kind.max_per_day, kind.max_per_person) == (20, 5, None, 1)
    assert list(kind.counters.all()) == [counters[1]]
    assert kind.service == own
    # Out of range, a foreign service, no counter: refused with what was typed kept.
    bad = {**data, "slug": "zweiter", "duration_minutes": "3", "service": str(foreign.pk), "counters": []}
    response = clara_client.post(create, bad)
    assert response.status_code == 400
    page = text(response)
    assert "Enter a whole number from 5 to 480." in page
    assert "Choose a service of your authority." in page
    assert "Choose at least one counter." in page
    assert 'value="Pass beantragen"' in page
    assert 'value="zweiter"' in page
    duplicate = clara_client.post(create, data)
    assert duplicate.status_code == 400
    assert "already has an appointment with this short name" in text(duplicate)
    edit = reverse("backoffice:appointment_type_edit", args=[location.slug, kind.pk])
    assert 'value="Apply for a passport"' in clara_client.get(edit).content.decode()
    response = clara_client.post(
        edit, {**data, "duration_minutes": "30", "counters": [str(c.pk) for c in counters], "max_per_day": "12"}
    )
    assert response.status_code == 302
    kind.refresh_from_db()
    assert (kind.slug, kind.duration_minutes, kind.max_per_day) == ("pass-beantragen", 30, 12)
    assert set(kind.counters.all()) == set(counters)


def test_opening_hours_are_set_per_weekday_with_breaks(clara_client: Client, location: Location) -> None:
    url = reverse("backoffice:appointment_hours", args=[location.slug])
    page = clara_client.get(url).content.decode()
    assert 'name="d0-0-opens"' in page
    assert 'value="08:00"' in page
    assert 'value="13:00"' in page
    data = {
        "d0-0-opens": "08:00",
        "d0-0-closes": "12:00",
        "d0-1-opens": "13:30",
        "d0-1-closes": "18:00",
        "d3-0-opens": "07:30",
        "d3-0-closes": "11:30",
        "d5-4-opens": "09:00",  # a row the page offered after a save with more rows
        "d5-4-closes": "12:00",
    }
    response = clara_client.post(url, data)
    assert response.status_code == 302
    rows = [
        (row.weekday, f"{row.opens:%H:%M}", f"{row.closes:%H:%M}")
        for row in OpeningHours.objects.filter(location=location).order_by("weekday", "opens")
    ]
    assert rows == [(0, "08:00", "12:00"), (0, "13:30", "18:00"), (3, "07:30", "11:30"), (5, "09:00", "12:00")]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE, object_type="appointments.location").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"d1-0-opens": "12:00", "d1-0-closes": "08:00"}, "The closing time must be after the opening time."),
        ({"d1-0-opens": "09:00", "d1-0-closes": "09:00"}, "The closing time must be after the opening time."),
        (
            {"d1-0-opens": "08:00", "d1-0-closes": "12:00", "d1-1-opens": "11:30", "d1-1-closes": "14:00"},
            "This time overlaps another opening time of the same day.",
        ),
        ({"d1-0-opens": "08:00"}, "Enter the closing time too."),
        ({"d1-0-opens": "8 Uhr", "d1-0-closes": "12:00"}, "Enter a time like 08:00."),
    ],
)
def test_wrong_opening_hours_are_refused_with_what_was_typed(
    clara_client: Client, location: Location, data: dict[str, str], message: str
) -> None:
    before = list(OpeningHours.objects.filter(location=location).values_list("weekday", "opens", "closes"))
    response = clara_client.post(reverse("backoffice:appointment_hours", args=[location.slug]), data)
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    assert message in page
    assert "Tuesday, opening time" in page  # the summary names the row
    for value in data.values():
        assert f'value="{value}"' in page
    assert list(OpeningHours.objects.filter(location=location).values_list("weekday", "opens", "closes")) == before


def test_the_service_checks_opening_hours_too() -> None:
    nine, noon, one = datetime.time(9), datetime.time(12), datetime.time(13)
    assert staff_services.opening_hours_check([(2, one, datetime.time(17)), (2, nine, noon)])[0] == (2, nine, noon)
    with pytest.raises(ValidationError) as error:
        staff_services.opening_hours_check([(0, nine, datetime.time(17)), (0, noon, one), (0, datetime.time(14), one)])
    assert {item.code for item in error.value.error_list} == {"overlap", "interval"}


def test_closures_and_holidays_are_listed_added_and_removed(
    clara_client: Client, kind: AppointmentType, counters: list[Counter]
) -> None:
    url = reverse("backoffice:appointment_closures", args=[kind.location.slug])
    holiday = next_weekday(3)
    data = {
        "kind": "holiday",
        "counter": "",
        "starts_at": f"{holiday}T00:00",
        "ends_at": f"{holiday + datetime.timedelta(days=1)}T00:00",
        "reason": "Auffahrt",
    }
    response = clara_client.post(url, data)
    assert response.status_code == 302
    closure = Closure.objects.get()
    assert (closure.kind, closure.counter, closure.starts_at, closure.reason) == (
        "holiday",
        None,
        at(holiday, 0),
        "Auffahrt",
    )
    assert slot_starts(kind, holiday) == {}
    page = text(clara_client.get(url))
    assert "Auffahrt" in page
    assert "Public holiday" in page
    wrong = clara_client.post(url, {**data, "ends_at": f"{holiday}T00:00", "reason": "Falsch"})
    assert wrong.status_code == 400
    assert "The end must be after the start." in text(wrong)
    assert 'value="Falsch"' in wrong.content.decode()
    response = clara_client.post(
        reverse("backoffice:appointment_closure_delete", args=[kind.location.slug, closure.pk])
    )
    assert response.status_code == 302
    assert response["Location"] == url
    assert not Closure.objects.exists()


def test_pages_without_data_render(clara_client: Client, location: Location, clara: User) -> None:
    for name in ("appointment_location", "appointment_hours", "appointment_closures", "appointment_type_create"):
        assert clara_client.get(reverse(f"backoffice:{name}", args=[location.slug])).status_code == 200, name
    assert "has no counters yet" in text(clara_client.get(DAY))
    assert clara_client.get(reverse("backoffice:appointment_locations")).status_code == 200
    Location.objects.all().delete()
    assert "no location for appointments yet" in text(clara_client.get(DAY))


def test_post_only_urls_refuse_get(clara_client: Client, kind: AppointmentType, day: datetime.date) -> None:
    booking = book(kind, at(day, 9), name="A", email="a@example.ch")
    assert clara_client.get(reverse("backoffice:appointment_mark", args=[booking.pk])).status_code == 405
    assert clara_client.get(reverse("backoffice:appointment_block", args=[kind.location.slug])).status_code == 405
    assert clara_client.post(DAY).status_code == 405


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59", "\x00", "a" * 5000, "2026-03-29T02:30"])
def test_odd_input_gets_an_answer_not_a_server_error(
    clara_client: Client, kind: AppointmentType, counters: list[Counter], day: datetime.date, value: str
) -> None:
    slug = kind.location.slug
    posts = [
        (
            reverse("backoffice:appointment_closures", args=[slug]),
            {"kind": "closed", "starts_at": value, "ends_at": value},
        ),
        (
            reverse("backoffice:appointment_closures", args=[slug]),
            {"kind": value, "counter": value, "starts_at": "2030-01-01T00:00", "ends_at": value, "reason": value},
        ),
        (reverse("backoffice:appointment_block", args=[slug]), {"day": value, "starts": value, "ends": "10:00"}),
        (
            reverse("backoffice:appointment_block", args=[slug]),
            {"day": "0001-01-01", "starts": "08:00", "ends": "10:00"},
        ),
        (reverse("backoffice:appointment_hours", args=[slug]), {"d0-0-opens": value, "d0-0-closes": value}),
        (reverse("backoffice:appointment_counter_create", args=[slug]), {"name": value, "capacity": value}),
        (
            reverse("backoffice:appointment_type_create", args=[slug]),
            {"slug": value, "title_de": value, "duration_minutes": value, "counters": [value], "service": value},
        ),
        (
            reverse("backoffice:appointment_location_create"),
            {"slug": value, "name_de": value, "address": value, "min_notice_minutes": value},
        ),
    ]
    for url, data in posts:
        assert clara_client.post(url, data).status_code == 400, (url, data)
    assert not Closure.objects.exists()
    for query in (f"day={value}", f"counter={value}", f"location={value}"):
        assert clara_client.get(f"{DAY}?{query}").status_code in (200, 404)


def test_an_account_holder_sees_that_staff_opened_the_day_with_their_booking(
    clara_client: Client, alice: User, kind: AppointmentType, day: datetime.date
) -> None:
    booking_create(
        actor=citizen_actor(user=alice, profile=alice.active_profile),
        appointment_type=kind,
        starts_at=at(day, 9),
        name="Alice Amrein",
        email="alice@example.ch",
    )
    book(kind, at(day, 10), name="Gast", email="gast@example.ch")  # a guest: no account to tell
    clara_client.get(day_url(kind.location, day))
    views = AuditEvent.objects.filter(object_type="appointments.booking", action=AuditEvent.Action.VIEW)
    assert list(views.values_list("subject_ref", flat=True)) == [str(alice.pk)]
