"""Consents in the privacy centre (P11): what rests on the account holder's own choice is listed
with when it was given, and withdrawing it takes effect at once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from guichet.accounts.models import User
from guichet.cases import services
from guichet.core.actor import citizen_actor, staff_actor
from guichet.core.models import Authority
from guichet.privacy import consents
from tests.cases_support import submitted_case
from tests.conftest import login

pytestmark = [pytest.mark.django_db, pytest.mark.promise("P11")]

CENTRE = "/account/privacy/"
WITHDRAW_EMAILS = "/account/privacy/consents/case-emails/withdraw/"


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def en(client: Client, user: User) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return login(client, user)


def consents_part(page: str) -> str:
    match = re.search(r'<section aria-labelledby="consents-title">.*?</section>', page)
    assert match is not None, "the centre has no consents part"
    return match.group(0)


def test_urls_are_stable() -> None:
    assert reverse("privacy_centre:consent_withdraw", args=[consents.CASE_EMAILS]) == WITHDRAW_EMAILS


def test_the_centre_lists_what_rests_on_consent_with_the_date_it_was_given(client: Client, alice: User) -> None:
    part = consents_part(text(en(client, alice).get(CENTRE)))
    assert "Emails about news on your cases" in part
    assert "when you registered: the default setting" in part
    assert f'action="{WITHDRAW_EMAILS}"' in part
    # The registration is withdrawn by deleting the account, which has its own confirmation page.
    assert "Your registration for the online counter" in part
    assert f'href="{reverse("privacy_centre:delete")}"' in part
    # Honest about the rest: applications are not processed on consent.
    assert "legal mandate" in part


@pytest.mark.promise("P27")
def test_withdrawing_status_emails_takes_effect_at_once(
    client: Client,
    alice: User,
    clara: User,
    authority: Authority,
    smtp_server: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = submitted_case(alice, authority)
    citizen = en(client, alice)
    response = citizen.post(WITHDRAW_EMAILS)
    assert response.status_code == 302
    assert response["Location"] == CENTRE + "#consents-title"
    alice.refresh_from_db()
    assert alice.notification_channel == User.NotificationChannel.ACCOUNT

    # The authority changes the status: the news is in the account, no email goes out.
    clerk = staff_actor(user=clara, membership=clara.memberships.get())
    with django_capture_on_commit_callbacks(execute=True):
        services.case_set_status(actor=clerk, case=case, status="in_progress")
    assert smtp_server.messages == []
    assert "In progress" in text(citizen.get(reverse("cases:detail", args=[case.pk])))

    # The account shows the choice, and the centre shows the consent as withdrawn, with the date.
    page = text(citizen.get(reverse("account:notifications")))
    assert re.search(r'<input[^>]*value="account"[^>]*checked', page)
    part = consents_part(text(citizen.get(CENTRE)))
    assert "Withdrawn" in part
    assert f'action="{WITHDRAW_EMAILS}"' not in part
    assert f'href="{reverse("account:notifications")}"' in part  # given again where it is set

    # Withdrawing again changes nothing and says nothing wrong.
    assert citizen.post(WITHDRAW_EMAILS).status_code == 302
    alice.refresh_from_db()
    assert alice.notification_channel == User.NotificationChannel.ACCOUNT


def test_the_message_confirms_the_withdrawal(client: Client, alice: User) -> None:
    citizen = en(client, alice)
    page = text(citizen.post(WITHDRAW_EMAILS, follow=True))
    assert "You have withdrawn: Emails about news on your cases. This takes effect now." in page


def test_given_again_the_date_is_the_day_of_the_choice(client: Client, alice: User) -> None:
    actor = citizen_actor(user=alice, profile=alice.active_profile)
    consents.consent_withdraw(actor=actor, key=consents.CASE_EMAILS)
    en(client, alice).post(reverse("account:notifications"), {"channel": "email"})
    alice.refresh_from_db()
    (line, _registration) = consents.consent_lines(actor=citizen_actor(user=alice, profile=alice.active_profile))
    assert line.active
    assert not line.by_default
    assert line.given_at is not None
    assert line.given_at > alice.date_joined


def test_what_cannot_be_withdrawn_here_is_not_found(client: Client, alice: User) -> None:
    citizen = en(client, alice)
    assert citizen.post("/account/privacy/consents/registration/withdraw/").status_code == 404
    assert citizen.post("/account/privacy/consents/no-such-thing/withdraw/").status_code == 404
    assert citizen.get(WITHDRAW_EMAILS).status_code == 405
    alice.refresh_from_db()
    assert alice.is_active
    assert alice.notification_channel == User.NotificationChannel.EMAIL


def test_only_the_account_holder_withdraws(alice: User, clara: User) -> None:
    staff = staff_actor(user=clara, membership=clara.memberships.get())
    with pytest.raises(PermissionDenied):
        consents.consent_withdraw(actor=staff, key=consents.CASE_EMAILS)
    alice.refresh_from_db()
    assert alice.notification_channel == User.NotificationChannel.EMAIL
