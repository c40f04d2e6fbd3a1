"""A browser crawl of every page, as a guest and as a logged-in citizen, proves that

* no page makes a request to any host but the portal itself (P08, P33: nothing is passed on);
* the browser ends up holding only cookies from the inventory (P06, P17), each of them a
  session cookie that dies with the browser (P22), none holding personal data (P17).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import BrowserContext, Request
from playwright.sync_api import Page as BrowserPage

from tests.e2e.conftest import login, switch_language
from tests.e2e.pages import PAGES

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAX_PAGES = 80  # crawl bound: the listed pages plus the links found on them
LOCAL_SCHEMES = {"data", "blob", "about"}
SKIP_PREFIXES = ("/static/", "/admin/", "/accounts/logout/")


def inventory() -> set[str]:
    """Cookie names from the inventory the cookie page renders (the settings, if it is missing)."""
    try:
        from guichet.privacy.cookies import cookie_names
    except ImportError:
        names = {settings.SESSION_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME, settings.GUICHET_UI_COOKIE_NAME}
        if not settings.CSRF_USE_SESSIONS:
            names.add(settings.CSRF_COOKIE_NAME)
        return names
    return set(cookie_names())


def crawl(page: BrowserPage, origin: str) -> tuple[list[str], list[str]]:
    """Visit every listed page and the same-origin links on them; return (visited, server errors)."""
    queue = [p.path for p in PAGES]
    seen: set[str] = set()
    errors: list[str] = []
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(path)
        if response is not None and response.status >= 500:
            errors.append(f"{path}: HTTP {response.status}")
        hrefs: list[str] = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        for href in hrefs:
            url = urlsplit(urljoin(page.url, href))
            if f"{url.scheme}://{url.netloc}" != origin or url.path.startswith(SKIP_PREFIXES):
                continue
            link = url.path + (f"?{url.query}" if url.query else "")
            if link not in seen:
                queue.append(link)
    return sorted(seen), errors


def check_browser(context: BrowserContext, requests: list[str], origin: str, secrets: list[str]) -> list[str]:
    problems: list[str] = []
    host = urlsplit(origin).netloc
    for url in requests:
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            continue
        if parts.netloc != host:
            problems.append(f"request to another host (P08): {url}")
    allowed = inventory()
    for cookie in context.cookies():
        name = cookie["name"]
        if name not in allowed:
            problems.append(f"cookie not in the inventory (P17): {name}={cookie['value']!r}")
        if cookie["expires"] != -1:
            problems.append(f"cookie {name} outlives the browser (P22): expires={cookie['expires']}")
        value = unquote(cookie["value"]).lower()
        problems.extend(
            f"cookie {name} holds personal data (P17): {secret!r}" for secret in secrets if secret.lower() in value
        )
        if name == settings.GUICHET_UI_COOKIE_NAME:
            from guichet.privacy.cookies import UI_FLAGS, UI_SEPARATOR

            unknown = [flag for flag in cookie["value"].split(UI_SEPARATOR) if flag and flag not in UI_FLAGS]
            if unknown:
                problems.append(f"UI cookie holds more than display flags (P22): {unknown}")
    if settings.SESSION_COOKIE_NAME in {c["name"] for c in context.cookies()}:
        session = next(c for c in context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
        if not session["httpOnly"]:
            problems.append("the session cookie is readable by scripts (not HttpOnly)")
    return problems


@pytest.mark.promise("P06", "P08", "P17", "P22", "P33")
@pytest.mark.parametrize("who", ["guest", "citizen"])
def test_crawl_makes_no_third_party_request_and_sets_only_inventory_cookies(
    new_context: Callable[..., BrowserContext], live_server: Any, persona: Any, who: str
) -> None:
    context = new_context()
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request_url(request)))
    page = context.new_page()
    origin = live_server.url
    secrets: list[str] = []
    user = persona(who)
    if user is not None:
        login(page, user.email)
        secrets = [user.email, *(s for p in user.profiles.all() for s in (p.first_name, p.last_name) if s)]
    # Switching the language sets the language cookie; switch back so the crawl runs in German.
    page.goto("/")
    switch_language(page, "fr")
    switch_language(page, "de")

    visited, errors = crawl(page, origin)

    assert len(visited) >= len(PAGES)
    assert any(u.startswith(origin) for u in requests), "the request recorder saw nothing"
    problems = errors + check_browser(context, requests, origin, secrets)
    assert not problems, f"after crawling {len(visited)} pages as {who}:\n" + "\n".join(problems)


def request_url(request: Request) -> str:
    return request.url
