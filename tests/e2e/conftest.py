"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live server.

Nothing is downloaded: Chromium is the system package (``apt-get install chromium``). Personas
are created through the ORM; logging in always goes through the real login form.

Set ``GUICHET_E2E_ALLOW_MISSING=1`` to skip (instead of fail) listed pages that still answer 404
while they are being built.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls of the tests are still
# synchronous, so tell Django not to refuse them.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING_CHROMIUM = (
    f"BROWSER TESTS SKIPPED: {CHROMIUM} not found. Install Debian's Chromium with "
    "`apt-get install chromium` (nothing is downloaded by Playwright)."
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
ALLOW_MISSING = os.environ.get("GUICHET_E2E_ALLOW_MISSING", "") == "1"

if not CHROMIUM.exists():
    pytest.skip(MISSING_CHROMIUM, allow_module_level=True)

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright  # noqa: E402

from tests.conftest import PASSWORD  # noqa: E402
from tests.e2e.pages import PERSONA_FIXTURE, Who  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser: Browser, live_server: Any) -> Iterator[Callable[..., BrowserContext]]:
    """Factory for browser contexts bound to the live server; all are closed after the test.

    German is the default language: the browser asks for Swiss German unless told otherwise."""
    contexts: list[BrowserContext] = []

    def make(**kwargs: Any) -> BrowserContext:
        kwargs.setdefault("base_url", live_server.url)
        kwargs.setdefault("locale", "de-CH")
        kwargs.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**kwargs)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture(autouse=True)
def _demo_catalogue(request: pytest.FixtureRequest) -> None:
    """The demo catalogue (categories, services of two authorities) for every test with a database,
    so /services/ and the service pages listed in pages.py have content."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from guichet.catalogue.demo import load_catalogue_demo
    from guichet.core.models import Authority

    canton = Authority.objects.create(slug="e2e-kanton", name="Kanton Demo", kind=Authority.Kind.CANTON)
    city = Authority.objects.create(
        slug="e2e-stadt", name="Stadt Demo", kind=Authority.Kind.MUNICIPALITY, email="info@stadt-demo.example"
    )
    load_catalogue_demo(canton=canton, city=city)


@pytest.fixture
def persona(request: pytest.FixtureRequest) -> Callable[[Who], Any]:
    """``persona("citizen")`` creates (once per test) and returns the account for a ``who``."""

    def get(who: Who) -> Any:
        if who == "guest":
            return None
        return request.getfixturevalue(PERSONA_FIXTURE[who])

    return get


def goto(page: Page, path: str, *, status: int = 200) -> None:
    """Open ``path`` and check its status; a listed page that is still missing is skipped only
    while ``GUICHET_E2E_ALLOW_MISSING=1`` (pages being built by others)."""
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    if response.status == 404 and status != 404 and ALLOW_MISSING:
        pytest.skip(f"{path} answers 404 (not built yet)")
    assert response.status == status, f"{path}: expected HTTP {status}, got {response.status} ({page.url})"


LOGIN_FIELDS = ("email", "login", "username")


def login_field(page: Page) -> Any:
    for name in LOGIN_FIELDS:
        locator = page.locator(f"main input[name='{name}']")
        if locator.count():
            return locator.first
    raise AssertionError(f"no login field ({', '.join(LOGIN_FIELDS)}) on {page.url}")


def login(page: Page, email: str, *, password: str = PASSWORD) -> None:
    """Log in through the real form and wait until the portal leaves the login page."""
    goto(page, "/accounts/login/")
    login_field(page).fill(email)
    page.locator("main input[name='password']").fill(password)
    with page.expect_navigation():
        page.locator("main input[name='password']").press("Enter")
    assert "/accounts/login" not in page.url, f"login as {email} failed: still on {page.url}"


def switch_language(page: Page, code: str) -> None:
    """Use the language links in the header (plain links: work with and without JavaScript)."""
    with page.expect_navigation():
        page.locator(f"header nav.language-nav a[hreflang='{code}']").click()
    assert page.locator("html").get_attribute("lang") == code, f"language switch to {code} failed on {page.url}"
