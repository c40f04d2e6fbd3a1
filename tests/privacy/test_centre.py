"""The privacy centre: the account holder sees which kinds of data are processed and which
authority looked at their data (P11), never their own actions and never someone else's log."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from guichet.accounts.models import User
from guichet.core.models import Authority
from tests.cases_support import submitted_case
from tests.conftest import login

pytestmark = pytest.mark.django_db

URL = "/account/privacy/"


def test_the_url_is_stable() -> None:
    assert reverse("privacy_centre:index") == URL


@pytest.mark.promise("P11")
def test_a_clerk_opening_a_case_shows_up_with_the_authority(
    client: Client, alice: User, bob: User, clara: User, authority: Authority
) -> None:
    case = submitted_case(alice, authority)
    login(client, clara)
    assert client.get(reverse("backoffice:case_detail", args=[case.pk])).status_code == 200
    client.logout()

    login(client, alice)
    page = client.get(URL, headers={"accept-language": "en"}).content.decode()
    assert "Who accessed your data" in page
    assert "Looked at: one of your cases and its application" in page
    assert authority.name in page
    assert "Clara" not in page  # the authority, not the clerk's name
    assert "Created" not in page  # Alice's own submission is not an access by others

    client.logout()
    login(client, bob)
    page = client.get(URL, headers={"accept-language": "en"}).content.decode()
    assert "Nobody from an authority has accessed your data so far." in page


@pytest.mark.promise("P11")
def test_it_confirms_which_kinds_of_data_are_processed_and_why(client: Client, alice: User) -> None:
    login(client, alice)
    page = client.get(URL, headers={"accept-language": "en"}).content.decode()
    assert "What we process about you, and why" in page
    for expected in ("Legal basis:", "Kept:", "Submissions", "Bookings"):
        assert expected in page


def test_guests_log_in_first(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("auth:login"))


@pytest.mark.promise("P11")
def test_the_operator_opening_a_request_shows_up_as_the_operator(
    client: Client, alice: User, olga: User, mailoutbox: list
) -> None:
    from guichet.core.actor import citizen_actor
    from guichet.privacy.models import PrivacyRequest
    from guichet.privacy.requests import privacy_request_create

    request = privacy_request_create(
        actor=citizen_actor(user=alice, profile=alice.active_profile),
        kind=PrivacyRequest.Kind.OTHER,
        body="Please tell me which authorities received my address.",
    )
    login(client, olga)
    detail = reverse("backoffice:privacy_request_detail", args=[request.pk])
    assert client.get(detail).status_code == 200
    client.logout()

    login(client, alice)
    page = client.get(URL, headers={"accept-language": "en"}).content.decode()
    assert "the operator of the portal" in page
    assert "Looked at: one of your privacy requests" in page
    assert "olga" not in page.lower()
