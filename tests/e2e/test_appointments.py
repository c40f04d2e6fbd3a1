"""Booking an appointment in a real browser, as a guest, in German and in French.

index → times → book (first with a mistake, then a time taken by someone else a moment before,
then for real) → the confirmation email on a real SMTP server on loopback, with a calendar file
whose start is the booked time → the manage link from the email → move the appointment → cancel
it. axe-core runs on every page of the way and must find nothing."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from icalendar import Calendar
from playwright.sync_api import BrowserContext, Page

from tests.e2e.conftest import SCREENSHOTS, goto
from tests.e2e.test_accessibility import describe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Axe()
LOCALES = {"de": "de-CH", "fr": "fr-CH"}
KIND = "beratung"  # the demo's 10-minute "advice at the counter"


class Flow:
    """Runs axe on each page it is asked to, and remembers which pages were checked."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.checked: list[str] = []

    def check(self, page: Page, name: str) -> None:
        assert page.locator("html").get_attribute("lang") == self.language, f"{name}: wrong language"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"appointments-{self.language}-{name}.png"), full_page=True)
        violations = AXE.run(page).response["violations"]
        assert not violations, f"{name} ({page.url}):\n{describe_violations(violations)}"
        self.checked.append(name)


def _wait_for_mail(inbox: Any, count: int, *, to: str, timeout: float = 10.0) -> list[Any]:
    deadline = time.monotonic() + timeout
    mails: list[Any] = []
    while time.monotonic() < deadline:
        mails = [message for message in inbox.messages if to in str(message["To"])]
        if len(mails) >= count:
            return mails
        time.sleep(0.05)
    raise AssertionError(f"expected {count} emails to {to}, got {len(mails)}")


def _event(message: Any) -> Any:
    (part,) = [part for part in message.iter_attachments() if part.get_filename() == "appointment.ics"]
    (event,) = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    return event


def _click(page: Page, selector: str, *, index: int = 0) -> int:
    """Follow a link or press a button; return the status of the page it leads to."""
    with page.expect_navigation() as navigation:
        page.locator(selector).nth(index).click()
    response = navigation.value
    assert response is not None
    return response.status


def _fill(page: Page, *, name: str, email: str) -> None:
    page.fill("main input[name=name]", name)
    page.fill("main input[name=email]", email)


@pytest.mark.parametrize("language", ["de", "fr"])
def test_a_guest_books_moves_and_cancels_an_appointment(
    new_context: Callable[..., BrowserContext], smtp_server: Any, language: str
) -> None:
    from guichet.appointments.demo import load_appointments_demo
    from guichet.appointments.models import AppointmentType, Booking
    from guichet.appointments.services import booking_create, email_index
    from guichet.core.actor import GUEST
    from guichet.core.models import Authority

    location = load_appointments_demo(city=Authority.objects.get(slug="e2e-stadt"))
    kind = AppointmentType.objects.get(location=location, slug=KIND)
    times_path = f"/appointments/{location.slug}/{KIND}/"
    email = f"gast-{language}@example.ch"
    flow = Flow(language)
    page = new_context(locale=LOCALES[language]).new_page()

    # The catalogue's service page offers the appointment types linked to the service.
    goto(page, "/services/adressaenderung/")
    flow.check(page, "service")
    assert page.locator(f"main a[href='/appointments/{location.slug}/anmeldung-zuzug/']").count() == 1

    # Choose the type, then a time in the next week (this week may have no time left).
    goto(page, "/appointments/")
    flow.check(page, "index")
    assert _click(page, f"main a[href='{times_path}']") == 200
    flow.check(page, "times")
    assert _click(page, "main nav.week-nav a[rel=next]") == 200
    flow.check(page, "times-next-week")
    slots = page.locator("main ul.slot-list a")
    assert slots.count() >= 10
    assert _click(page, "main ul.slot-list a", index=2) == 200
    flow.check(page, "book")
    book_path = urlsplit(page.url).path

    # A mistake: the error summary, what was typed is kept.
    _fill(page, name="Gina Gast", email="kein-email")
    assert _click(page, "main form button[type=submit]") == 400
    flow.check(page, "book-error")
    assert page.locator("main .error-summary").count() == 1
    assert page.locator("main input[name=name]").input_value() == "Gina Gast"

    # Someone else books the last seats of this time while the form is open: 409, next times offered.
    key = book_path.rstrip("/").rsplit("/", 1)[1]
    from guichet.appointments.availability import parse_slot_key

    starts_at = parse_slot_key(key)
    assert starts_at is not None
    for other in ("a", "b"):
        booking_create(
            actor=GUEST, appointment_type=kind, starts_at=starts_at, name="X", email=f"{other}-{language}@example.ch"
        )
    _fill(page, name="Gina Gast", email=email)
    assert _click(page, "main form button[type=submit]") == 409
    flow.check(page, "book-taken")
    assert page.locator("main input[name=email]").input_value() == email

    # Book one of the next times offered, with the details kept.
    assert _click(page, "main fieldset.alternatives button[type=submit]") == 200
    assert "/appointments/manage/" in page.url
    assert page.url.endswith("?booked=1")
    flow.check(page, "booked")
    booking = Booking.objects.get(email_index=email_index(email))
    assert booking.name == "Gina Gast"
    assert booking.language == language
    # Opening the taken time again (an old tab) says so as well, with the next free times.
    goto(page, book_path, status=409)
    flow.check(page, "unavailable")

    # The confirmation: a calendar file with the booked time (UTC), and the manage link.
    (confirmation,) = _wait_for_mail(smtp_server, 1, to=email)
    event = _event(confirmation)
    assert event.decoded("dtstart") == booking.starts_at
    assert event["dtstart"].to_ical().endswith(b"Z")
    text = confirmation.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/appointments/manage/[\w-]+/", text)
    assert link is not None
    manage_path = urlsplit(link.group(0)).path  # the live server, whatever SITE_URL says
    goto(page, manage_path)
    flow.check(page, "manage")

    # Correct the phone number.
    page.fill("main input[name=phone]", "032 627 00 00")
    assert _click(page, f"main form[action='{manage_path}'] button[type=submit]") == 200
    assert page.url.endswith("?changed=1")
    booking.refresh_from_db()
    assert booking.phone == "032 627 00 00"

    # Move it: the free times of the week, each a button.
    assert _click(page, "main a[href$='/reschedule/']") == 200
    flow.check(page, "reschedule")
    assert _click(page, "main nav.week-nav a[rel=next]") == 200  # this week may be over
    assert _click(page, "main button[name=slot]", index=5) == 200
    assert page.url.endswith("?moved=1")
    flow.check(page, "moved")
    previous = booking.starts_at
    booking.refresh_from_db()
    assert booking.starts_at != previous
    moved = _wait_for_mail(smtp_server, 2, to=email)[1]
    assert _event(moved).decoded("dtstart") == booking.starts_at

    # Cancel it.
    assert _click(page, "main a[href$='/cancel/']") == 200
    flow.check(page, "cancel")
    assert _click(page, "main form button.button-danger") == 200
    assert page.url.endswith("?cancelled=1")
    flow.check(page, "cancelled")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    cancelled = _wait_for_mail(smtp_server, 3, to=email)[2]
    assert str(_event(cancelled)["status"]) == "CANCELLED"
    assert page.locator("main input[name=email]").count() == 0  # read-only now
    assert len(flow.checked) == 14
