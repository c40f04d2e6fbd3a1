"""Emails about cases (P26, P27) and the account's choice of channel, with a real SMTP server."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from guichet.accounts.models import User
from guichet.cases import services
from guichet.cases.models import Case
from guichet.core.actor import staff_actor
from guichet.core.models import AuditEvent, Authority
from tests.cases_support import submitted_case
from tests.conftest import login

pytestmark = pytest.mark.django_db

#: Values of the submitted form (tests/cases_support.py) that must never travel by email.
FORM_CONTENT = (
    "Marktgasse",
    "Amrein",
    "Alice",
    "01.04.1990",
    "1990-04-01",
    "3000 Bern",
    "employer",
    "Arbeitgeber",
    "A-Post",
)


def bodies(message: Any) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def set_channel(user: User, channel: str) -> None:
    user.notification_channel = channel
    user.save(update_fields=["notification_channel"])


def clerk(clara: User) -> Any:
    return staff_actor(user=clara, membership=clara.memberships.get())


# --- P26 / P27 over real SMTP --------------------------------------------------------------------


@pytest.mark.promise("P26")
def test_confirmation_email_names_the_reference_and_carries_no_form_content(
    alice: User, authority: Authority, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = submitted_case(alice, authority)
    (message,) = smtp_server.messages
    assert message["To"] == "alice@example.ch"
    assert case.reference in message["Subject"]
    link = settings.SITE_URL + reverse("cases:detail", args=[case.pk])
    text, html = bodies(message)
    for body in (text, html):
        assert case.reference in body
        assert link in body
    everything = f"{message['Subject']}\n{text}\n{html}"
    for value in FORM_CONTENT:
        assert value not in everything, value
    assert "Wohnsitz" not in everything  # not even which service it was


@pytest.mark.promise("P27")
def test_status_email_is_short_and_general(
    alice: User, clara: User, authority: Authority, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = submitted_case(alice, authority)
    note = "Ihr Gesuch wird wegen offener Steuerschulden zurückgestellt."
    with django_capture_on_commit_callbacks(execute=True):
        services.case_set_status(actor=clerk(clara), case=case, status="in_progress", note=note)
    (message,) = smtp_server.messages
    text, html = bodies(message)
    everything = f"{message['Subject']}\n{text}\n{html}"
    assert case.reference in message["Subject"]
    assert case.reference in text
    assert case.reference in html
    assert settings.SITE_URL + reverse("cases:detail", args=[case.pk]) in text
    assert "Steuerschulden" not in everything
    assert "In Bearbeitung" not in everything
    assert "In progress" not in everything
    for value in FORM_CONTENT:
        assert value not in everything, value


@pytest.mark.promise("P27")
def test_a_request_for_information_sends_one_general_email(
    alice: User, clara: User, authority: Authority, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = submitted_case(alice, authority)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_request_information(actor=clerk(clara), case=case, message="Bitte senden Sie den Mietvertrag.")
    (message,) = smtp_server.messages
    text, html = bodies(message)
    assert case.reference in text
    assert "Mietvertrag" not in f"{message['Subject']}\n{text}\n{html}"


def test_internal_changes_send_nothing(
    alice: User, clara: User, authority: Authority, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = submitted_case(alice, authority)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_add_note(actor=clerk(clara), case=case, text="intern")
        services.case_assign(actor=clerk(clara), case=case, assignee=clara)
    assert smtp_server.messages == []


def test_account_only_means_no_email(
    alice: User, clara: User, authority: Authority, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    set_channel(alice, User.NotificationChannel.ACCOUNT)
    with django_capture_on_commit_callbacks(execute=True):
        case = submitted_case(alice, authority)
        services.case_set_status(actor=clerk(clara), case=case, status="in_progress", note="Neu")
        services.case_request_information(actor=clerk(clara), case=case, message="Bitte")
    assert smtp_server.messages == []
    assert case.events.count() == 3  # the news is in the account all the same


def test_choice_made_on_the_page_stops_the_emails(
    client: Client,
    alice: User,
    clara: User,
    authority: Authority,
    smtp_server: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = submitted_case(alice, authority)
    login(client, alice).post(reverse("account:notifications"), {"channel": "account"})
    with django_capture_on_commit_callbacks(execute=True):
        services.case_set_status(actor=clerk(clara), case=case, status="in_progress")
    assert smtp_server.messages == []


# --- The settings page ---------------------------------------------------------------------------


@pytest.fixture
def en(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def page_text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_guest_goes_to_login(client: Client) -> None:
    response = client.get(reverse("account:notifications"))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('auth:login')}?next=")


def test_page_shows_the_choice_and_what_emails_contain(en: Client, alice: User) -> None:
    response = login(en, alice).get(reverse("account:notifications"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = page_text(response)
    assert "<legend>How do you want to hear about news on your cases?</legend>" in page
    assert "By email and in my account" in page
    assert "Only in my account" in page
    assert re.search(r'<input type="radio" name="channel" value="email"[^>]* checked', page)
    assert "never contain the content of your application or case" in page
    assert "reference number" in page


def test_choosing_account_only_is_saved_and_audited(en: Client, alice: User) -> None:
    login(en, alice)
    response = en.post(reverse("account:notifications"), {"channel": "account"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account:notifications")
    alice.refresh_from_db()
    assert alice.notification_channel == User.NotificationChannel.ACCOUNT
    page = page_text(en.get(response["Location"]))
    assert "Your choice was saved." in page
    assert re.search(r'<input type="radio" name="channel" value="account"[^>]* checked', page)
    event = AuditEvent.objects.get(object_ref=str(alice.pk), action=AuditEvent.Action.CHANGE)
    assert event.detail == {"notification_channel": "account"}
    # choosing the same again changes nothing and records nothing
    en.post(reverse("account:notifications"), {"channel": "account"})
    assert AuditEvent.objects.filter(object_ref=str(alice.pk)).count() == 1


def test_an_invalid_choice_is_an_error(en: Client, alice: User) -> None:
    response = login(en, alice).post(reverse("account:notifications"), {"channel": "sms"})
    assert response.status_code == 400
    page = page_text(response)
    assert "There is a problem" in page
    assert "Select a valid choice." in page
    alice.refresh_from_db()
    assert alice.notification_channel == User.NotificationChannel.EMAIL


def test_the_choice_belongs_to_the_account_only(client: Client, alice: User, bob: User) -> None:
    login(client, bob).post(reverse("account:notifications"), {"channel": "account"})
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert bob.notification_channel == User.NotificationChannel.ACCOUNT
    assert alice.notification_channel == User.NotificationChannel.EMAIL


def test_an_account_without_profile_can_choose_too(client: Client, olga: User) -> None:
    response = login(client, olga).post(reverse("account:notifications"), {"channel": "account"})
    assert response.status_code == 302
    olga.refresh_from_db()
    assert olga.notification_channel == User.NotificationChannel.ACCOUNT


def test_case_pages_link_to_the_choice(client: Client, alice: User, authority: Authority) -> None:
    submitted_case(alice, authority)
    page = login(client, alice).get(reverse("cases:list")).content.decode()
    assert f'href="{reverse("account:notifications")}"' in page
    assert Case.objects.count() == 1
