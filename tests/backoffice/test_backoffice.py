"""The staff UI under /backoffice/: staff only, one authority at a time."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guichet.accounts.models import User
from guichet.backoffice.policy import staff_actor_required, staff_request_actor
from guichet.core import crypto
from guichet.core.models import Authority, StaffMembership
from tests.conftest import login, make_citizen

pytestmark = pytest.mark.django_db

INDEX = "/backoffice/"


@pytest.fixture
def en(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def text(response: object) -> str:
    return re.sub(r"\s+", " ", response.content.decode())  # type: ignore[attr-defined]


def test_url_is_stable() -> None:
    assert reverse("backoffice:index") == INDEX


def test_guest_is_sent_to_login(client: Client) -> None:
    response = client.get(INDEX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("auth:login"))


@pytest.mark.parametrize("persona", ["alice", "bob", "olga"])
def test_accounts_without_membership_get_not_found(
    client: Client, persona: str, request: pytest.FixtureRequest
) -> None:
    login(client, request.getfixturevalue(persona))
    assert client.get(INDEX).status_code == 404
    assert client.post(reverse("backoffice:choose_authority"), {"authority": "1"}).status_code == 404


@pytest.mark.promise("P32")
def test_staff_see_their_authority_role_and_colleagues(
    en: Client, clara: User, dario: User, authority: Authority
) -> None:
    supervisor = make_citizen(email="sven@stadt-demo.ch", first_name="Sven", last_name="Supervisor")
    StaffMembership.objects.create(user=supervisor, authority=authority, role=StaffMembership.Role.SUPERVISOR)
    response = login(en, clara).get(INDEX)
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Backoffice: Stadt Demo</h1>" in page
    assert re.search(r"<dt>Your role</dt><dd>Clerk</dd>", page)
    assert "Clara Clerk" in page
    assert re.search(r"Sven Supervisor</td><td>Supervisor</td>", page)
    # Staff see only their own authority.
    assert "Dario" not in page
    assert "Anderes Amt" not in page
    # Colleagues are named, never shown with their email (P32).
    assert "@stadt-demo.ch" not in page


def test_staff_of_another_authority_see_only_theirs(en: Client, clara: User, dario: User) -> None:
    page = text(login(en, dario).get(INDEX))
    assert "<h1>Backoffice: Anderes Amt</h1>" in page
    assert "Dario Dienst" in page
    assert "Clara" not in page


def test_member_of_several_authorities_chooses_one(
    en: Client, clara: User, dario: User, authority: Authority, other_authority: Authority
) -> None:
    StaffMembership.objects.create(user=clara, authority=other_authority, role=StaffMembership.Role.ADMIN)
    login(en, clara)
    page = text(en.get(INDEX))
    # Alphabetical default: "Anderes Amt" before "Stadt Demo"; the choice is offered.
    assert "<h1>Backoffice: Anderes Amt</h1>" in page
    assert '<label for="authority-select">Authority</label>' in page
    assert "Authority administrator" in page

    response = en.post(reverse("backoffice:choose_authority"), {"authority": str(authority.pk)})
    assert response.status_code == 302
    assert response["Location"] == INDEX
    page = text(en.get(INDEX))
    assert "<h1>Backoffice: Stadt Demo</h1>" in page
    assert re.search(r"<dt>Your role</dt><dd>Clerk</dd>", page)
    assert "Dario" not in page


def test_an_authority_without_membership_cannot_be_chosen(
    client: Client, clara: User, dario: User, authority: Authority
) -> None:
    login(client, dario)
    assert client.post(reverse("backoffice:choose_authority"), {"authority": str(authority.pk)}).status_code == 404
    assert client.post(reverse("backoffice:choose_authority"), {"authority": "x"}).status_code == 404
    assert "Anderes Amt" in client.get(INDEX).content.decode()


def test_choosing_needs_post_and_a_csrf_token(clara: User, authority: Authority) -> None:
    client = login(Client(enforce_csrf_checks=True), clara)
    url = reverse("backoffice:choose_authority")
    assert client.get(url).status_code == 405
    assert client.post(url, {"authority": str(authority.pk)}).status_code == 403


def test_staff_actor_required_can_be_reused(clara: User, bob: User, authority: Authority) -> None:
    seen = []

    @staff_actor_required
    def view(request: HttpRequest) -> HttpResponse:
        seen.append(staff_request_actor(request))
        return HttpResponse("ok")

    request = RequestFactory().get("/elsewhere/")
    request.user = clara
    request.session = SessionStore()
    assert view(request).status_code == 200
    assert seen[0].is_staff
    assert seen[0].authority == authority
    assert seen[0].membership.role == StaffMembership.Role.CLERK

    from django.http import Http404

    request.user = bob
    with pytest.raises(Http404):
        view(request)


def test_staff_list_queries_do_not_grow_with_staff(client: Client, clara: User, authority: Authority) -> None:
    colleague = make_citizen(email="colleague@stadt-demo.ch", first_name="Cora", last_name="Colleague")
    StaffMembership.objects.create(user=colleague, authority=authority)
    login(client, clara)
    client.get(INDEX)

    def count() -> int:
        crypto.data_key_cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(INDEX).status_code == 200
        return len(queries)

    few = count()
    for n in range(10):
        user = make_citizen(email=f"staff{n}@stadt-demo.ch", first_name=f"Staff{n}", last_name="Member")
        StaffMembership.objects.create(user=user, authority=authority)
    assert count() == few
