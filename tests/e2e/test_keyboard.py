"""Keyboard only (WCAG 2.1.1, 2.4.1, 2.4.7): the skip link is the first Tab stop and moves focus
to the main content; a citizen logs in with Tab, typing and Enter alone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page as BrowserPage

from tests.conftest import PASSWORD
from tests.e2e.conftest import LOGIN_FIELDS, goto

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAX_TABS = 40

ACTIVE = """() => {
  const e = document.activeElement;
  return e ? {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name') || '',
              cls: e.className || '', href: e.getAttribute('href') || ''} : null;
}"""


def tab_until(page: BrowserPage, names: tuple[str, ...]) -> dict[str, str]:
    """Press Tab until a form field with one of ``names`` has the focus."""
    trail = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        trail.append(f"{active['tag']}#{active['id']}[name={active['name']}]")
        if active["name"] in names:
            return active
    raise AssertionError(f"no field named {names} reached in {MAX_TABS} Tab presses: {' > '.join(trail)}")


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page: BrowserPage) -> None:
    goto(page, "/accounts/login/")
    autofocus = page.locator("[autofocus]")
    assert autofocus.count() == 0, (
        "autofocus moves the focus past the skip link and the page heading (screen readers start mid-form): "
        + autofocus.first.evaluate("e => e.outerHTML")
    )
    page.keyboard.press("Tab")
    active = page.evaluate(ACTIVE)
    assert "skip-link" in active["cls"], f"first Tab stop is {active}, not the skip link"
    assert active["href"] == "#main"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None
    assert box["x"] >= 0, "the focused skip link is off screen (it must become visible on focus)"
    page.keyboard.press("Enter")
    assert page.evaluate(ACTIVE)["id"] == "main", "the skip link does not move the focus to <main>"


def test_citizen_logs_in_with_the_keyboard_only(page: BrowserPage, alice: Any) -> None:
    goto(page, "/accounts/login/")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Enter")  # focus moves to <main>
    tab_until(page, LOGIN_FIELDS)
    page.keyboard.type(alice.email)
    tab_until(page, ("password",))
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.removeprefix(page.url.split("/account")[0]).startswith("/account/"), page.url
    assert page.url.endswith("/account/"), f"login by keyboard ended on {page.url}, not the dashboard"
