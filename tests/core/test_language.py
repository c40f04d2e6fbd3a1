"""Language switching: plain links, German by default, and no session for guests (P22)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client


@pytest.mark.django_db
def test_german_is_the_default_language(client: Client) -> None:
    response = client.get("/")
    assert '<html lang="de">' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.promise("P22")
def test_a_guest_reading_pages_gets_no_cookie_and_no_session(client: Client) -> None:
    from django.contrib.sessions.models import Session

    for path in ("/", "/privacy/", "/privacy/cookies/"):
        response = client.get(path)
        assert response.status_code == 200
        assert not response.cookies, f"{path} set {list(response.cookies)}"
    assert Session.objects.count() == 0


@pytest.mark.django_db
def test_switching_language_sets_only_the_language_cookie_for_the_browser_session(client: Client) -> None:
    response = client.get("/language/fr/?next=/privacy/")
    assert response.status_code == 302
    assert response["Location"] == "/privacy/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "fr"
    assert not cookie["expires"]
    assert not cookie["max-age"]
    assert '<html lang="fr">' in client.get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_language_switch_never_redirects_off_site(client: Client, target: str) -> None:
    response = client.get("/language/it/", {"next": target})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_unknown_language_is_not_found(client: Client) -> None:
    assert client.get("/language/xx/").status_code == 404
