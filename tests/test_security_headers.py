"""Security headers on every response, error pages included (P04, P12, P17, P22)."""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db


def _responses() -> dict[str, Any]:
    client = Client(raise_request_exception=False)
    return {
        "200": client.get("/privacy/"),
        "404": client.get("/no-such-page/"),
        "403 csrf": Client(enforce_csrf_checks=True).post("/privacy/ui/", {"flag": "help_open"}),
        "500": client.get("/__boom__/"),
    }


@pytest.mark.urls("tests.urls_with_error")
@pytest.mark.promise("P12")
@pytest.mark.promise("P04")
def test_every_response_carries_the_security_headers() -> None:
    responses = _responses()
    assert {name: r.status_code for name, r in responses.items()} == {
        "200": 200,
        "404": 404,
        "403 csrf": 403,
        "500": 500,
    }
    for name, response in responses.items():
        csp = response.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp, name
        assert "default-src 'self'" in csp, name
        assert response.headers["X-Frame-Options"] == "DENY", name
        assert response.headers["Referrer-Policy"] == "same-origin", name
        assert "camera=()" in response.headers["Permissions-Policy"], name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name


@pytest.mark.urls("tests.urls_with_error")
@pytest.mark.promise("P17")
@pytest.mark.promise("P22")
def test_no_csrftoken_cookie_is_ever_set() -> None:
    for name, response in _responses().items():
        assert "csrftoken" not in response.cookies, name
        assert django_settings.CSRF_COOKIE_NAME not in response.cookies, name


@pytest.fixture
def production_transport(settings: Any) -> Any:
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.LANGUAGE_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    return settings


@pytest.mark.promise("P04")
def test_plain_http_is_redirected_to_https(production_transport: Any) -> None:
    response = Client().get("/privacy/?x=1")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/privacy/?x=1"


@pytest.mark.promise("P04")
def test_https_responses_carry_hsts_of_at_least_a_year(production_transport: Any) -> None:
    response = Client().get("/privacy/", secure=True)
    assert response.status_code == 200
    match = re.search(r"max-age=(\d+)", response.headers["Strict-Transport-Security"])
    assert match is not None
    assert int(match.group(1)) >= 365 * 24 * 60 * 60


@pytest.mark.promise("P22")
@pytest.mark.promise("P04")
def test_session_cookie_dies_with_the_browser_is_httponly_and_secure(production_transport: Any) -> None:
    # The login page renders a form, so the session (holding the CSRF secret) is created.
    response = Client().get("/accounts/login/", secure=True)
    assert response.status_code == 200
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""
    assert cookie["httponly"]
    assert cookie["secure"]
    assert cookie["samesite"] == "Lax"
    assert "csrftoken" not in response.cookies


@pytest.mark.promise("P22")
def test_language_cookie_is_a_session_cookie(client: Client) -> None:
    assert set(Client().get("/privacy/").cookies) == set()  # a guest reading the statement gets no cookie
    response = client.get("/language/fr/", {"next": "/privacy/"})
    cookie = response.cookies[django_settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "fr"
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""


def _check_deploy(tmp_path: Path, master_keys: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GUICHET_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env |= {
        "GUICHET_DEBUG": "0",
        "GUICHET_SECRET_KEY": secrets.token_urlsafe(50),
        "GUICHET_MASTER_KEYS": master_keys,
        "GUICHET_ALLOWED_HOSTS": "guichet.example.ch",
        "GUICHET_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "guichet.settings",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.promise("P04")
def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = _check_deploy(tmp_path, f"k2025:{base64.b64encode(secrets.token_bytes(32)).decode()}")
    output = result.stdout + result.stderr
    # HSTS preload (W021) is a one-way commitment for the whole domain: the operator opts in,
    # so it is the one warning tolerated here. Anything else fails.
    issues = set(re.findall(r"\(([\w.]+\.[EW]\d{3})\)", output)) - {"security.W021"}
    assert not issues, output
    assert "ERRORS" not in output, output


@pytest.mark.promise("P25")
def test_check_deploy_refuses_the_demo_master_key(tmp_path: Path) -> None:
    demo = "demo:ZGVtby1vbmx5LW1hc3Rlci1rZXktMzItYnl0ZXMhISE="
    result = _check_deploy(tmp_path, demo)
    assert result.returncode != 0
    assert "guichet.E001" in result.stdout + result.stderr
