from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from guichet.core.models import ProofRun
from guichet.core.registry import Category, registry
from guichet.privacy.cookies import UI_FLAGS, cookie_inventory
from guichet.privacy.retention import retention_sweep

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    return response.content.decode()


@pytest.mark.promise("P13")
@pytest.mark.promise("P23")
@pytest.mark.promise("P07")
def test_statement_names_operator_contact_authority_and_location(client: Client, settings: Any) -> None:
    settings.GUICHET_OPERATOR_NAME = "Kanton Beispiel, Amt für Informatik"
    settings.GUICHET_PRIVACY_CONTACT = "dsb@beispiel.example"
    settings.GUICHET_SUPERVISORY_AUTHORITY = "Datenschutzbeauftragte Beispiel"
    settings.GUICHET_DATA_LOCATION = "CH"
    with_lang = client.get("/privacy/", headers={"accept-language": "en"})
    assert with_lang.status_code == 200
    page = _text(with_lang)
    assert "Kanton Beispiel, Amt für Informatik" in page
    assert 'href="mailto:dsb@beispiel.example"' in page
    assert "Datenschutzbeauftragte Beispiel" in page
    assert "Switzerland" in page


@pytest.mark.promise("P02")
@pytest.mark.promise("P09")
def test_statement_lists_every_category_and_kind_with_purpose_basis_and_retention(client: Client) -> None:
    page = _text(client.get("/privacy/", headers={"accept-language": "en"}))
    for category in Category:
        assert f">{category.label}</h3>" in page
    for kind in registry:
        assert escape(str(kind.verbose_name)[:1].upper() + str(kind.verbose_name)[1:]) in page
        assert escape(str(kind.purpose)) in page
        assert escape(str(kind.legal_basis)) in page
    assert "deleted automatically 1 day after the failed attempt" in page
    assert "deleted automatically 2 years after the access" in page
    assert "while the account exists" in page
    assert 'href="/privacy/cookies/"' in page


@pytest.mark.promise("P09")
def test_statement_shows_when_the_last_sweep_ran(client: Client) -> None:
    assert "has not run yet" in _text(client.get("/privacy/", headers={"accept-language": "en"}))
    retention_sweep()
    proof = ProofRun.objects.get(name="retention_sweep")
    assert proof.last_run_at > timezone.now() - datetime.timedelta(minutes=1)
    page = _text(client.get("/privacy/", headers={"accept-language": "en"}))
    assert "Last automatic deletion run:" in page
    assert str(timezone.localtime(proof.last_run_at).year) in page


@pytest.mark.promise("P17")
@pytest.mark.promise("P22")
def test_cookie_page_lists_the_inventory_and_says_there_is_no_csrf_cookie(client: Client) -> None:
    page = _text(client.get("/privacy/cookies/", headers={"accept-language": "en"}))
    names = {cookie.name for cookie in cookie_inventory()}
    assert names == {
        django_settings.SESSION_COOKIE_NAME,
        django_settings.LANGUAGE_COOKIE_NAME,
        django_settings.GUICHET_UI_COOKIE_NAME,
    }
    for cookie in cookie_inventory():
        assert f"<code>{cookie.name}</code>" in page
        assert str(cookie.purpose) in page
    assert page.count("until the browser closes") == len(names)
    assert "There is no separate cookie for the protection against forged forms" in page
    assert "csrftoken" not in page


@pytest.mark.promise("P22")
def test_ui_cookie_stores_a_whitelisted_flag_for_the_session_only(client: Client) -> None:
    response = client.post("/privacy/ui/", {"flag": "notice_dismissed", "next": "/privacy/"})
    assert response.status_code == 302
    assert response["Location"] == "/privacy/"
    cookie = response.cookies[django_settings.GUICHET_UI_COOKIE_NAME]
    assert cookie.value == "notice_dismissed"
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""
    assert cookie["httponly"]

    response = client.post("/privacy/ui/", {"flag": "help_open"})
    assert response.cookies[django_settings.GUICHET_UI_COOKIE_NAME].value == "help_open.notice_dismissed"
    assert response["Location"] == "/privacy/cookies/"


@pytest.mark.promise("P22")
@pytest.mark.parametrize("flag", ["user_id", "alice@example.ch", "notice_dismissed.user_id", ""])
def test_ui_cookie_refuses_anything_but_display_flags(client: Client, flag: str) -> None:
    response = client.post("/privacy/ui/", {"flag": flag})
    assert response.status_code == 400
    assert django_settings.GUICHET_UI_COOKIE_NAME not in response.cookies


@pytest.mark.promise("P22")
def test_ui_cookie_ignores_smuggled_values_and_can_be_cleared(client: Client) -> None:
    client.cookies[django_settings.GUICHET_UI_COOKIE_NAME] = "notice_dismissed.alice@example.ch"
    page = _text(client.get("/privacy/cookies/", headers={"accept-language": "en"}))
    assert "set in your browser" in page
    assert "alice@example.ch" not in page
    response = client.post("/privacy/ui/", {"flag": "notice_dismissed", "value": "off"})
    cookie = response.cookies[django_settings.GUICHET_UI_COOKIE_NAME]
    assert cookie.value == ""  # deleted
    assert set(UI_FLAGS) == {"notice_dismissed", "help_open"}


def test_ui_cookie_never_redirects_off_site(client: Client) -> None:
    response = client.post("/privacy/ui/", {"flag": "help_open", "next": "https://evil.example/"})
    assert response["Location"] == "/privacy/cookies/"


def test_ui_cookie_needs_a_csrf_token() -> None:
    response = Client(enforce_csrf_checks=True).post("/privacy/ui/", {"flag": "help_open"})
    assert response.status_code == 403
    assert django_settings.GUICHET_UI_COOKIE_NAME not in response.cookies


@pytest.mark.promise("P06")
def test_pages_work_without_any_cookie(client: Client) -> None:
    for url in ("/privacy/", "/privacy/cookies/"):
        response = Client().get(url)
        assert response.status_code == 200
