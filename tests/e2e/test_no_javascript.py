"""Every journey works without JavaScript: a citizen logs in and switches the active profile."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext

from tests.e2e.conftest import goto, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BUSINESS = "Amrein Bäckerei GmbH"


def test_citizen_logs_in_and_switches_profile_without_javascript(
    new_context: Callable[..., BrowserContext], alice: Any
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    login(page, alice.email)
    assert page.url.endswith("/account/"), f"login without JavaScript ended on {page.url}"
    assert page.evaluate("1 + 1") == 2  # Playwright itself still works; the page's scripts do not

    goto(page, "/account/profiles/")
    header_profile = page.locator("header .active-profile")
    assert BUSINESS not in header_profile.inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(re.escape(BUSINESS))).click()

    assert page.url.endswith("/account/profiles/"), page.url
    assert BUSINESS in page.locator("header .active-profile").inner_text(), "the header does not show the new profile"
    business = page.locator("main section", has=page.get_by_role("heading", name=re.compile(re.escape(BUSINESS))))
    assert business.locator(".tag").count() == 1, "the business profile is not marked active"
    alice.refresh_from_db()
    assert alice.active_profile.kind == "business"
