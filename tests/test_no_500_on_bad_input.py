"""Bad input of any shape gets an answer a person can act on, never a server error.

Hypothesis throws arbitrary text (control characters, NUL, huge strings, any script) at the
public and citizen forms; every answer must be a page (200), a redirect or a rate limit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guichet.accounts.models import Profile, User
from tests.conftest import login

ANY_TEXT = st.text(max_size=400) | st.sampled_from(["\x00", "a" * 10_000, "ä@ö.ch", "<script>", "%(x)s", " "])
OK = {200, 302, 429}
PROFILE_FIELDS = (
    *("organisation_name", "uid", "street", "postal_code", "town", "country"),
    *("email", "phone", "date_of_birth", "first_name", "last_name"),
)
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.django_db
@FAST
@given(first=ANY_TEXT, last=ANY_TEXT, email=ANY_TEXT, password=ANY_TEXT)
def test_signup_never_fails_with_a_server_error(
    client: Client, first: str, last: str, email: str, password: str
) -> None:
    response = client.post(
        "/accounts/signup/",
        {"first_name": first, "last_name": last, "email": email, "password1": password, "password2": password},
    )
    assert response.status_code in OK


@pytest.mark.django_db
@FAST
@given(email=ANY_TEXT, password=ANY_TEXT)
def test_login_and_reset_never_fail_with_a_server_error(client: Client, email: str, password: str) -> None:
    assert client.post("/accounts/login/", {"email": email, "password": password}).status_code in OK
    assert client.post("/accounts/password/reset/", {"email": email}).status_code in OK


@pytest.mark.django_db
@FAST
@given(values=st.fixed_dictionaries({}, optional=dict.fromkeys(PROFILE_FIELDS, ANY_TEXT)))
def test_profile_forms_never_fail_with_a_server_error(client: Client, alice: User, values: dict[str, str]) -> None:
    client.force_login(alice)
    business = alice.profiles.get(kind=Profile.Kind.BUSINESS)
    private = alice.profiles.get(kind=Profile.Kind.PRIVATE)
    assert client.post(f"/account/profiles/{business.pk}/edit/", values).status_code in OK
    assert client.post(f"/account/profiles/{private.pk}/edit/", values).status_code in OK
    assert client.post("/account/profiles/new/organisation/", values).status_code in OK


@pytest.mark.django_db
@FAST
@given(path_part=st.text(min_size=1, max_size=80).filter(lambda s: "/" not in s and "?" not in s and "#" not in s))
def test_object_urls_with_garbage_ids_are_not_found(client: Client, alice: User, path_part: str) -> None:
    client.force_login(alice)
    for url in (f"/account/profiles/{path_part}/edit/", f"/accounts/confirm/{path_part}/"):
        assert client.get(url).status_code in {200, 400, 404}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/services/", "/backoffice/cases/", "/backoffice/appointments/", "/appointments/", "/account/cases/"]
)
def test_a_nul_character_in_the_query_string_is_dropped(client: Client, clara: Any, path: str) -> None:
    """PostgreSQL cannot compare text with NUL: without the guard this was a 500 deep in a lookup."""
    login(client, clara)
    response = client.get(path, {"q": "a\x00b", "location": "\x00"})
    assert response.status_code in (200, 404)
    assert response.wsgi_request.GET["q"] == "ab"
