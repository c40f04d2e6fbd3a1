"""The dashboard under /account/."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guichet.accounts.models import Profile, User
from guichet.core import crypto
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def en(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def text(response: object) -> str:
    return re.sub(r"\s+", " ", response.content.decode())  # type: ignore[attr-defined]


def test_guest_is_sent_to_login_and_back(client: Client) -> None:
    response = client.get(reverse("account:dashboard"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('auth:login')}?next=/account/"


def test_dashboard_greets_by_the_active_profile(en: Client, alice: User) -> None:
    login(en, alice)
    page = text(en.get(reverse("account:dashboard")))
    assert "<h1>Hello, Alice Amrein</h1>" in page
    assert "Your account has 2 profiles." in page
    business = Profile.objects.get(owner=alice, kind=Profile.Kind.BUSINESS)
    en.post(reverse("account:profile_activate", args=[business.pk]))
    page = text(en.get(reverse("account:dashboard")))
    assert "<h1>Hello, Amrein Bäckerei GmbH</h1>" in page
    assert "You are acting as: Business." in page


def test_dashboard_sections_start_empty(en: Client, alice: User) -> None:
    response = login(en, alice).get(reverse("account:dashboard"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = text(response)
    for heading, empty in [
        ("My cases", "You have no cases yet."),
        ("Drafts", "You have no saved drafts."),
        ("Documents", "No documents have been delivered to you yet."),
        ("Appointments", "You have no upcoming appointments."),
        ("Messages", "You have no messages."),
    ]:
        assert re.search(rf"<h2 id=\"dashboard-\w+-title\">{heading}</h2>", page), heading
        assert empty in page


def test_dashboard_links_to_profiles_security_and_privacy(en: Client, alice: User) -> None:
    page = login(en, alice).get(reverse("account:dashboard")).content.decode()
    assert f'href="{reverse("account:profiles")}"' in page
    assert 'href="/accounts/mfa/"' in page
    assert 'href="/privacy/"' in page


def test_an_account_without_profile_still_has_a_dashboard(en: Client, olga: User) -> None:
    response = login(en, olga).get(reverse("account:dashboard"))
    assert response.status_code == 200
    assert "<h1>My account</h1>" in text(response)


def _dashboard_queries(client: Client) -> int:
    crypto.data_key_cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("account:dashboard")).status_code == 200
    return len(queries)


def test_dashboard_queries_do_not_grow_with_profiles(client: Client, alice: User) -> None:
    login(client, alice)
    client.get(reverse("account:dashboard"))  # warm the session
    with_two = _dashboard_queries(client)
    for n in range(18):
        Profile.objects.create(
            owner=alice, kind=Profile.Kind.ORGANISATION, data_key=alice.data_key, organisation_name=f"Verein {n}"
        )
    assert Profile.objects.filter(owner=alice).count() == 20
    assert _dashboard_queries(client) == with_two
