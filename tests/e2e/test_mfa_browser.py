"""passkeys.js in a real browser: Debian's Chromium with a virtual WebAuthn authenticator (CDP).

Registers a passkey on the settings page, then logs in with password + passkey. Skipped when
Chromium is not installed; nothing is downloaded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from guichet.accounts.models import Passkey, User
from tests.conftest import PASSWORD, make_citizen

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page with a virtual WebAuthn authenticator, from the suite's one shared browser."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield page
    context.close()


def _login_with_password(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_register_and_log_in_with_a_passkey(live_server: Any, page: Page, transactional_db: None) -> None:
    user: User = make_citizen(email="paula@example.ch", first_name="Paula", last_name="Passkey")
    base = live_server.url.replace("127.0.0.1", "localhost")  # the relying party id is "localhost"
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    _login_with_password(page, base, "paula@example.ch")
    page.goto(f"{base}/accounts/mfa/passkeys/add/")
    page.fill("input[name=name]", "Virtual key")
    page.get_by_role("button", name="Create the passkey").click()
    page.wait_for_url(f"{base}/accounts/mfa/passkeys/add/")
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    assert page.locator("ol.recovery-codes li").count() == 10
    passkey = Passkey.objects.get(user=user)
    assert passkey.name == "Virtual key"

    page.locator("header form button[type=submit]", has_text="Log out").click()
    page.wait_for_load_state()
    _login_with_password(page, base, "paula@example.ch")
    assert page.url == f"{base}/accounts/login/mfa/"
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(f"{base}/account/")
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    assert not [text for text in console if "Content Security Policy" in text], console


@pytest.mark.parametrize("width", [320, 1280])
def test_mfa_pages_are_accessible(live_server: Any, page: Page, transactional_db: None, width: int) -> None:
    from axe_playwright_python.sync_playwright import Axe

    from guichet.accounts.mfa import services as mfa_services
    from guichet.core.actor import citizen_actor
    from tests.accounts.mfa_support import active_totp, current_code

    user: User = make_citizen(email="ada@example.ch", first_name="Ada", last_name="Access")
    base = live_server.url.replace("127.0.0.1", "localhost")
    page.set_viewport_size({"width": width, "height": 900})
    axe = Axe()
    problems: list[str] = []

    def check(label: str) -> None:
        violations = axe.run(page).response["violations"]
        problems.extend(f"{label}: {v['id']} {v['help']} {[n['html'][:120] for n in v['nodes']]}" for v in violations)
        if page.evaluate("document.documentElement.scrollWidth") > width:
            problems.append(f"{label}: scrolls sideways at {width}px")

    _login_with_password(page, base, "ada@example.ch")
    for path in ("/accounts/mfa/", "/accounts/mfa/totp/", "/accounts/mfa/passkeys/add/"):
        page.goto(base + path)
        check(path)
    page.goto(base + "/accounts/mfa/totp/")
    page.fill("input[name=totp-code]", "000000" if current_code(user.totp) != "000000" else "111111")
    page.get_by_role("button", name="Confirm and turn on").click()
    page.wait_for_load_state()
    check("totp setup with error")
    page.fill("input[name=totp-code]", current_code(user.totp))
    page.get_by_role("button", name="Confirm and turn on").click()
    page.wait_for_load_state()
    check("recovery codes")
    page.goto(base + "/accounts/mfa/totp/remove/")
    check("remove app")

    page.locator("header form button[type=submit]", has_text="Log out").click()
    page.wait_for_load_state()
    user.totp.delete()
    device = active_totp(user)
    mfa_services.recovery_codes_regenerate(actor=citizen_actor(user=user, profile=None))
    _login_with_password(page, base, "ada@example.ch")
    assert page.url == f"{base}/accounts/login/mfa/"
    check("login second step")
    page.fill("input[name=totp-code]", "000000" if current_code(device) != "000000" else "111111")
    page.get_by_role("button", name="Log in", exact=True).last.click()
    page.wait_for_load_state()
    check("login second step with error")
    assert not problems, "\n".join(problems)
