"""The booking pages: free times by week, booking as a guest or account holder, the confirmation
email with its calendar file, and the manage link (see, correct, move, cancel; P18).

Pages are asked for in English so the assertions do not depend on the translations."""

from __future__ import annotations

import datetime
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from icalendar import Calendar

from guichet.accounts.models import User
from guichet.appointments import selectors
from guichet.appointments.models import AppointmentType, Booking
from guichet.appointments.services import booking_create, bookings_erase_personal_data
from guichet.core.actor import GUEST, citizen_actor
from tests.appointments_support import at, next_weekday
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def times_url(kind: AppointmentType) -> str:
    return reverse("appointments:times", args=[kind.location.slug, kind.slug])


def book_url(kind: AppointmentType, start: datetime.datetime) -> str:
    return reverse("appointments:book", args=[kind.location.slug, kind.slug, start.strftime("%Y-%m-%dT%H:%M")])


def book(kind: AppointmentType, start: datetime.datetime, email: str = "gast@example.ch") -> tuple[Booking, str]:
    return booking_create(
        actor=GUEST, appointment_type=kind, starts_at=start, name="Gina Gast", email=email, language="en"
    )


def manage(token: str, suffix: str = "") -> str:
    return reverse(f"appointments:manage{suffix}", args=[token])


def ics_event(message: Any) -> Any:
    (part,) = [part for part in message.iter_attachments() if part.get_filename() == "appointment.ics"]
    assert part.get_content_type() == "text/calendar"
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    (event,) = calendar.walk("VEVENT")
    return event


def text_body(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


def keys_of(html: str, day: datetime.date) -> list[str]:
    return re.findall(rf"/book/({day.isoformat()}T\d\d:\d\d)/", html)


# --- Choosing a time ----------------------------------------------------------------------------


def test_the_index_lists_bookable_types_by_location(client: Client, kind: AppointmentType) -> None:
    hidden = AppointmentType.objects.create(location=kind.location, slug="geheim", title={"de": "Geheim"})
    hidden.is_active = False
    hidden.save()
    page = client.get(reverse("appointments:index")).content.decode()
    assert "Einwohneramt" in page
    assert times_url(kind) in page
    assert "Beratung" in page
    assert "geheim" not in page


def test_the_times_page_lists_48_slots_for_a_working_day_and_pages_weeks(
    client: Client, kind: AppointmentType, django_assert_max_num_queries: Any
) -> None:
    monday = next_weekday(0)
    with django_assert_max_num_queries(8):
        response = client.get(times_url(kind), {"week": monday.isoformat()})
    assert response.status_code == 200
    page = response.content.decode()
    assert len(keys_of(page, monday)) == 48
    assert f"/book/{monday.isoformat()}T08:00/" in page
    assert f"/book/{monday.isoformat()}T16:50/" in page
    saturday = monday + datetime.timedelta(days=5)
    assert keys_of(page, saturday) == []
    assert "No free times on this day." in page
    assert f'?week={(monday - datetime.timedelta(days=7)).isoformat()}"' in page
    assert f'?week={(monday + datetime.timedelta(days=7)).isoformat()}"' in page
    assert 'aria-current="true"' in page
    # The visible time has its day as hidden context: a link text that stands on its own.
    assert re.search(r'<span class="visually-hidden">Monday, [^<]+, </span><time datetime="[^"]+">08:00', page)

    # This week: nothing before today, no way back; far ahead: held at the horizon.
    first = client.get(times_url(kind)).content.decode()
    assert "Previous week" not in first
    today = timezone.localdate()
    assert all(day >= today.isoformat() for day in re.findall(r"/book/(\d{4}-\d\d-\d\d)T", first))
    far = client.get(times_url(kind), {"week": "2999-01-01"}).content.decode()
    assert "Next week" not in far
    assert "Previous week" in far


@pytest.mark.promise("P22")
def test_browsing_the_calendar_leaves_no_cookie(client: Client, kind: AppointmentType) -> None:
    for url in (reverse("appointments:index"), times_url(kind)):
        response = client.get(url)
        assert response.status_code == 200
        assert not response.cookies, f"{url} set {list(response.cookies)}"


def test_every_form_needs_its_csrf_token(kind: AppointmentType) -> None:
    _booking, token = book(kind, at(next_weekday(1), 10))
    client = Client(enforce_csrf_checks=True)
    data = {"name": "Gina", "email": "gina@example.ch", "slot": at(next_weekday(1), 11).strftime("%Y-%m-%dT%H:%M")}
    for url in (book_url(kind, at(next_weekday(1), 9)), manage(token), manage(token, "_reschedule")):
        assert client.post(url, data).status_code == 403
    assert client.post(manage(token, "_cancel")).status_code == 403
    assert Booking.objects.get().status == Booking.Status.CONFIRMED
    assert Booking.objects.count() == 1


@pytest.mark.parametrize("week", ["", "garbage", "2026-02-30", "0001-01-01", "9999-12-31", "\x00", "x" * 5000])
def test_odd_weeks_show_a_week_within_the_horizon(client: Client, kind: AppointmentType, week: str) -> None:
    assert client.get(times_url(kind), {"week": week}).status_code == 200


def test_unknown_or_inactive_calendars_are_not_found(client: Client, kind: AppointmentType) -> None:
    assert client.get(reverse("appointments:times", args=[kind.location.slug, "nope"])).status_code == 404
    assert client.get(reverse("appointments:times", args=["nope", kind.slug])).status_code == 404
    kind.location.is_active = False
    kind.location.save()
    assert client.get(times_url(kind)).status_code == 404
    assert times_url(kind) not in client.get(reverse("appointments:index")).content.decode()


@pytest.mark.parametrize(
    "key",
    ["garbage", "2026-13-45T99:99", "2026-1-5T8:00", "2026-01-05T08:00:00", "2000-01-03T09:00", "2999-01-04T09:00"],
)
def test_bad_slot_keys_are_not_found(client: Client, kind: AppointmentType, key: str) -> None:
    url = reverse("appointments:book", args=[kind.location.slug, kind.slug, key])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Gina", "email": "gina@example.ch"}).status_code == 404
    assert not Booking.objects.exists()


# --- Booking ------------------------------------------------------------------------------------


@pytest.mark.promise("P14")
def test_the_book_page_shows_the_time_a_form_and_when_the_data_is_deleted(
    client: Client, kind: AppointmentType
) -> None:
    start = at(next_weekday(1), 9, 10)
    response = client.get(book_url(kind, start))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="name"' in page
    assert 'name="email"' in page
    assert 'name="phone"' in page
    assert "Tuesday" in page
    assert "09:10" in page
    assert "They are deleted 30 days after the appointment." in page


def test_a_guest_books_and_gets_an_email_with_a_calendar_file_and_a_manage_link(
    client: Client, kind: AppointmentType, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    start = at(next_weekday(1), 9, 10)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            book_url(kind, start), {"name": " Gina   Gast ", "email": "gina@example.ch", "phone": "+41 32 627 00 00"}
        )
    assert response.status_code == 303
    location = response["Location"]
    assert re.fullmatch(r"/appointments/manage/[\w-]{32}/\?booked=1", location), location
    booking = Booking.objects.get()
    assert (booking.name, booking.email, booking.phone) == ("Gina Gast", "gina@example.ch", "+41 32 627 00 00")
    assert booking.starts_at == start
    assert booking.profile is None
    assert booking.language == "en"
    assert "_messages" not in client.session  # no flash message in a guest's session (P22)

    (message,) = smtp_server.messages
    assert message["To"] == "gina@example.ch"
    event = ics_event(message)
    assert event.decoded("dtstart") == start
    assert event["dtstart"].to_ical().endswith(b"Z")  # in UTC
    assert event.decoded("dtend") == start + datetime.timedelta(minutes=10)
    link = re.search(r"https?://\S+/appointments/manage/\S+/", text_body(message))
    assert link is not None
    assert link.group(0).startswith(settings.SITE_URL)
    path = urlsplit(link.group(0)).path
    assert location.startswith(path)

    confirmation = client.get(location)
    assert confirmation.status_code == 200
    assert confirmation["Referrer-Policy"] == "strict-origin"
    assert "no-store" in confirmation["Cache-Control"]
    page = confirmation.content.decode()
    assert "Your appointment is booked" in page
    assert "An email with a calendar file is on its way to gina@example.ch." in page
    assert client.get(path).status_code == 200


def test_a_taken_time_is_a_409_with_the_next_free_times_and_keeps_what_was_typed(
    client: Client, kind: AppointmentType
) -> None:
    start = at(next_weekday(2), 9)
    book(kind, start, "erste@example.ch")
    book(kind, start, "zweite@example.ch")
    response = client.post(
        book_url(kind, start), {"name": "Carla Dritte", "email": "carla@example.ch", "phone": "032 627 00 00"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "This time was just taken. Please choose another one." in page
    assert 'value="Carla Dritte"' in page
    assert 'value="carla@example.ch"' in page
    assert 'value="032 627 00 00"' in page
    next_time = start + datetime.timedelta(minutes=10)
    assert f'formaction="{book_url(kind, next_time)}"' in page
    assert Booking.objects.count() == 2
    # Opening the taken time again (e.g. an old tab) says so too, with links to the next times.
    again = client.get(book_url(kind, start))
    assert again.status_code == 409
    assert f'href="{book_url(kind, next_time)}"' in again.content.decode()
    # One of the offered times books at once with the kept details.
    chosen = client.post(book_url(kind, next_time), {"name": "Carla Dritte", "email": "carla@example.ch"})
    assert chosen.status_code == 303
    assert Booking.objects.get(email_index__isnull=False, starts_at=next_time).name == "Carla Dritte"


def test_invalid_details_and_refused_bookings_are_a_400_with_the_error_summary(
    client: Client, kind: AppointmentType
) -> None:
    start = at(next_weekday(3), 10)
    response = client.post(book_url(kind, start), {"name": "Gina", "email": "not-an-email", "phone": "call me"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'value="Gina"' in page
    assert 'value="call me"' in page
    assert not Booking.objects.exists()
    # A limit of the service (two open bookings per person) is shown the same way.
    book(kind, at(next_weekday(3), 8), "gina@example.ch")
    book(kind, at(next_weekday(3), 8, 10), "gina@example.ch")
    limited = client.post(book_url(kind, start), {"name": "Gina", "email": "gina@example.ch"})
    assert limited.status_code == 400
    assert "You already have 2 open bookings" in limited.content.decode()


def test_too_many_booking_emails_to_one_address_are_refused_with_retry_after(
    client: Client, kind: AppointmentType, settings: Any
) -> None:
    settings.GUICHET_ACCOUNT_EMAILS_MAX_PER_HOUR = 1
    day = next_weekday(1)
    assert client.post(book_url(kind, at(day, 8)), {"name": "A", "email": "spam@example.ch"}).status_code == 303
    refused = client.post(book_url(kind, at(day, 9)), {"name": "A", "email": "spam@example.ch"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert Booking.objects.count() == 1


ANY_TEXT = st.text(max_size=300) | st.sampled_from(["\x00", "a" * 10_000, "ä@ö.ch", "<script>", "%(x)s", " "])
FAST = hypothesis_settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def token(kind: AppointmentType) -> str:
    return book(kind, at(next_weekday(4, weeks=2), 14))[1]


@FAST
@given(name=ANY_TEXT, email=ANY_TEXT, phone=ANY_TEXT, slot=ANY_TEXT)
def test_garbage_posts_never_fail_with_a_server_error(
    client: Client, kind: AppointmentType, token: str, name: str, email: str, phone: str, slot: str
) -> None:
    start = at(next_weekday(4), 11)
    data = {"name": name, "email": email, "phone": phone, "slot": slot}
    assert client.post(book_url(kind, start), data).status_code in {303, 400, 409, 429}
    assert client.post(manage(token), data).status_code in {303, 400}
    assert client.post(manage(token, "_reschedule"), data).status_code in {303, 400, 409, 429}


# --- The manage link ----------------------------------------------------------------------------


@pytest.mark.promise("P18")
def test_the_manage_page_shows_and_corrects_the_data(client: Client, kind: AppointmentType) -> None:
    booking, token = book(kind, at(next_weekday(1), 10))
    page = client.get(manage(token)).content.decode()
    assert 'value="Gina Gast"' in page
    assert 'value="gast@example.ch"' in page
    assert "Beratung" in page
    assert "Confirmed" in page
    assert manage(token, "_reschedule") in page
    assert manage(token, "_cancel") in page

    wrong = client.post(manage(token), {"name": "", "email": "nope"})
    assert wrong.status_code == 400
    assert "There is a problem" in wrong.content.decode()

    response = client.post(
        manage(token), {"name": "Gina Korrekt", "email": "gina@example.ch", "phone": "079 000 00 00"}
    )
    assert response.status_code == 303
    assert response["Location"] == manage(token) + "?changed=1"
    booking.refresh_from_db()
    assert (booking.name, booking.email, booking.phone) == ("Gina Korrekt", "gina@example.ch", "079 000 00 00")
    assert "Your details were saved." in client.get(response["Location"]).content.decode()


@pytest.mark.promise("P18")
def test_rescheduling_moves_the_booking_and_sends_the_moved_email(
    client: Client, kind: AppointmentType, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    day = next_weekday(1)
    booking, token = book(kind, at(day, 10))
    page = client.get(manage(token, "_reschedule"), {"week": day.isoformat()})
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "strict-origin"
    html = page.content.decode()
    assert 'name="slot" value="' + at(day, 14).strftime("%Y-%m-%dT%H:%M") + '"' in html
    assert "your time" in html  # the current time is shown, not offered (the other counter is free)

    assert client.post(manage(token, "_reschedule"), {"slot": "garbage"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(manage(token, "_reschedule"), {"slot": at(day, 14).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 303
    assert response["Location"] == manage(token) + "?moved=1"
    booking.refresh_from_db()
    assert booking.starts_at == at(day, 14)
    (message,) = smtp_server.messages
    assert "moved" in message["Subject"]
    event = ics_event(message)
    assert event.decoded("dtstart") == at(day, 14)
    assert event["dtstart"].to_ical().endswith(b"Z")


def test_moving_to_a_taken_time_is_a_409_with_alternatives(client: Client, kind: AppointmentType) -> None:
    day = next_weekday(2)
    _booking, token = book(kind, at(day, 8))
    book(kind, at(day, 15), "a@example.ch")
    book(kind, at(day, 15), "b@example.ch")
    response = client.post(manage(token, "_reschedule"), {"slot": at(day, 15).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 409
    page = response.content.decode()
    assert "This time was just taken" in page
    assert 'name="slot" value="' + at(day, 15, 10).strftime("%Y-%m-%dT%H:%M") + '"' in page


@pytest.mark.promise("P18")
def test_cancelling_frees_the_time_and_leaves_a_read_only_page(
    client: Client, kind: AppointmentType, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    day = next_weekday(3)
    start = at(day, 11)
    book(kind, start, "a@example.ch")
    booking, token = book(kind, start, "b@example.ch")
    week = {"week": day.isoformat()}
    assert start.strftime("%Y-%m-%dT%H:%M") not in client.get(times_url(kind), week).content.decode()

    confirm = client.get(manage(token, "_cancel"))
    assert confirm.status_code == 200
    assert "Yes, cancel the appointment" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(manage(token, "_cancel"))
    assert response.status_code == 303
    assert response["Location"] == manage(token) + "?cancelled=1"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert start.strftime("%Y-%m-%dT%H:%M") in client.get(times_url(kind), week).content.decode()
    (message,) = smtp_server.messages
    assert ics_event(message)["status"] == "CANCELLED"

    page = client.get(response["Location"]).content.decode()
    assert "Your appointment was cancelled." in page
    assert 'name="email"' not in page
    assert "Book a new appointment" in page
    assert times_url(kind) in page
    # Nothing more to change: the other pages lead back to the booking.
    assert client.get(manage(token, "_reschedule"))["Location"] == manage(token)
    assert client.post(manage(token, "_cancel"))["Location"] == manage(token)
    assert client.post(manage(token), {"name": "X", "email": "x@example.ch"})["Location"] == manage(token)


@pytest.mark.parametrize("suffix", ["", "_reschedule", "_cancel"])
def test_unknown_and_erased_tokens_are_not_found(client: Client, kind: AppointmentType, suffix: str) -> None:
    booking, token = book(kind, at(next_weekday(1), 10))
    for unknown in ("x", "A" * 32, "ä" * 40, "%00", token[:-1], "x" * 500):
        response = client.get(reverse(f"appointments:manage{suffix}", args=[unknown]))
        assert response.status_code == 404
        assert response["Referrer-Policy"] == "strict-origin"
        assert "no-store" in response["Cache-Control"]
        assert client.post(reverse(f"appointments:manage{suffix}", args=[unknown])).status_code == 404
    assert client.get(manage(token, suffix)).status_code == 200
    bookings_erase_personal_data([booking.pk])
    assert client.get(manage(token, suffix)).status_code == 404


# --- Account holders ----------------------------------------------------------------------------


def test_a_citizen_gets_the_form_prefilled_and_sees_the_booking_in_the_account(
    client: Client, kind: AppointmentType, alice: User, bob: User, django_assert_num_queries: Any
) -> None:
    login(client, alice)
    start = at(next_weekday(1), 13)
    page = client.get(book_url(kind, start)).content.decode()
    assert 'value="Alice Amrein"' in page
    assert 'value="alice@example.ch"' in page
    assert "Filled in from your profile." in page
    response = client.post(book_url(kind, start), {"name": "Alice Amrein", "email": "alice@example.ch"})
    assert response.status_code == 303
    booking = Booking.objects.get()
    assert booking.profile == alice.active_profile

    actor = citizen_actor(user=alice, profile=alice.active_profile)
    with django_assert_num_queries(1):
        upcoming = list(selectors.upcoming_bookings(actor=actor))
        assert [(b.appointment_type.slug, b.location.slug) for b in upcoming] == [("beratung", "einwohneramt")]
    html = render_to_string("accounts/dashboard/appointments.html", {"items": upcoming})
    mine = reverse("appointments:mine", args=[booking.pk])
    assert "Beratung" in html
    assert mine in html
    assert "Einwohneramt" in html
    assert selectors.upcoming_bookings(actor=GUEST).count() == 0
    assert not selectors.upcoming_bookings(actor=citizen_actor(user=bob, profile=bob.active_profile)).exists()

    # From the account, the booking is managed without its token; nobody else gets there.
    assert client.get(mine).status_code == 200
    assert client.get(reverse("appointments:mine_reschedule", args=[booking.pk])).status_code == 200
    assert client.get(reverse("appointments:mine_cancel", args=[booking.pk])).status_code == 200
    assert login(Client(), bob).get(mine).status_code == 404
    assert Client().get(mine).status_code == 302
    cancelled = client.post(reverse("appointments:mine_cancel", args=[booking.pk]))
    assert cancelled["Location"] == mine + "?cancelled=1"
    assert not selectors.upcoming_bookings(actor=actor).exists()


def test_the_service_page_links_to_its_appointment_types(client: Client, kind: AppointmentType) -> None:
    from guichet.catalogue.services import service_upsert

    service = service_upsert(
        slug="beratung", authority=kind.location.authority, channel="appointment", title={"de": "Beratung"}
    )
    assert times_url(kind) not in client.get(reverse("catalogue:detail", args=["beratung"])).content.decode()
    kind.service = service
    kind.save()
    assert times_url(kind) in client.get(reverse("catalogue:detail", args=["beratung"])).content.decode()
