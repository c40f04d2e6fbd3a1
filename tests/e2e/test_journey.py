"""The whole "Behördengang" in a real browser, in German and in French.

register → confirm the email → log in → search → apply → leave mid-form → resume the draft →
check the answers → submit → staff set "in progress" then "decided" → the citizen gets both
emails on a real SMTP server on loopback (reference and link only, P26/P27) and sees the
timeline. axe-core runs on every page of the way and must find nothing."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page

from tests.conftest import PASSWORD
from tests.e2e.conftest import SCREENSHOTS, goto, login
from tests.e2e.test_accessibility import describe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Axe()
LOCALES = {"de": "de-CH", "fr": "fr-CH"}
#: What the citizen reads on the timeline for the two statuses the clerk sets.
STATUS_TEXT = {"de": ("In Bearbeitung", "Entschieden"), "fr": ("En traitement", "Décidée")}
#: Answers that must never travel by email (P26).
SECRETS_IN_ANSWERS = ("1990", "Journey")
#: Search words in the citizen's language.
SEARCH = {"de": "Wohnsitz", "fr": "domicile"}


class Journey:
    """Runs axe on each page it is asked to, and remembers which pages were checked."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.checked: list[str] = []

    def check(self, page: Page, name: str) -> None:
        assert page.locator("html").get_attribute("lang") == self.language, f"{name}: wrong language"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"journey-{self.language}-{name}.png"), full_page=True)
        violations = AXE.run(page).response["violations"]
        assert not violations, f"{name} ({page.url}):\n{describe_violations(violations)}"
        self.checked.append(name)


def _wait_for_mail(inbox: Any, count: int, *, to: str, timeout: float = 10.0) -> list[Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mails = [message for message in inbox.messages if to in str(message["To"])]
        if len(mails) >= count:
            return mails
        time.sleep(0.05)
    raise AssertionError(f"expected {count} emails to {to}, got {len(mails)}")


def _body(message: Any) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _submit(page: Page, selector: str = "main form button[type=submit]") -> None:
    with page.expect_navigation():
        page.locator(selector).first.click()


@pytest.mark.parametrize("language", ["de", "fr"])
def test_the_whole_journey(
    new_context: Callable[..., BrowserContext], smtp_server: Any, clara: Any, language: str
) -> None:
    from guichet.catalogue.models import Service
    from guichet.core.models import StaffMembership

    journey = Journey(language)
    service = Service.objects.get(slug="wohnsitzbestaetigung")
    StaffMembership.objects.create(user=clara, authority=service.authority, role=StaffMembership.Role.CLERK)
    clara.memberships.exclude(authority=service.authority).delete()
    email = f"journey-{language}@example.ch"

    citizen = new_context(locale=LOCALES[language]).new_page()

    # Register and confirm the address through the link in the email.
    goto(citizen, "/accounts/signup/")
    journey.check(citizen, "signup")
    citizen.fill("input[name=first_name]", "Jana")
    citizen.fill("input[name=last_name]", "Journey")
    citizen.fill("input[name=email]", email)
    citizen.fill("input[name=password1]", PASSWORD)
    citizen.fill("input[name=password2]", PASSWORD)
    _submit(citizen)
    journey.check(citizen, "signup-done")
    (confirmation,) = _wait_for_mail(smtp_server, 1, to=email)
    link = re.search(r"https?://\S+/accounts/confirm/\S+", _body(confirmation))
    assert link is not None
    goto(citizen, urlsplit(link.group(0)).path)  # the live server, whatever SITE_URL says
    journey.check(citizen, "confirm")
    _submit(citizen)
    login(citizen, email)

    # Search the catalogue and open the service.
    goto(citizen, "/")
    citizen.fill("main input[name=q]", SEARCH[language])
    with citizen.expect_navigation():
        citizen.locator("main input[name=q]").press("Enter")
    journey.check(citizen, "search")
    with citizen.expect_navigation():
        citizen.locator("main a[href='/services/wohnsitzbestaetigung/']").first.click()
    journey.check(citizen, "service")
    with citizen.expect_navigation():
        citizen.locator("main a[href='/services/wohnsitzbestaetigung/apply/']").first.click()

    # Step 1: the name comes from the profile; step 2: leave mid-form.
    assert citizen.locator("input[name=first_name]").input_value() == "Jana"
    journey.check(citizen, "step-1")
    citizen.fill("input[name=date_of_birth]", "1990-04-01")
    _submit(citizen, "button[name=action][value=continue]")
    journey.check(citizen, "step-2")
    citizen.select_option("select[name=purpose]", "employer")
    citizen.check("input[name=delivery][value=pdf]")
    _submit(citizen, "button[name=action][value=later]")
    assert citizen.url.endswith("/account/drafts/")
    journey.check(citizen, "drafts")

    # Come back later: resume the draft where it was left.
    goto(citizen, "/")
    goto(citizen, "/account/drafts/")
    with citizen.expect_navigation():
        citizen.locator("main a[href*='/step/']").first.click()
    assert citizen.url.endswith("/step/3/"), "resumes at the first step not yet done"
    journey.check(citizen, "step-3")
    citizen.check("input[name=truthful]")
    _submit(citizen, "button[name=action][value=continue]")

    # Check the answers, confirm, send.
    assert "/review/" in citizen.url
    journey.check(citizen, "review")
    assert citizen.locator("main").get_by_text("1990", exact=False).count() >= 1
    citizen.check("input[name=confirm]")
    _submit(citizen)
    journey.check(citizen, "confirmation")
    reference = citizen.locator(".reference").inner_text().strip()
    assert re.fullmatch(r"\d{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", reference), reference
    case_url = citizen.locator(
        "main a[href^='/account/cases/'][href$='/']:not([href*='confirmation'])"
    ).first.get_attribute("href")

    # The clerk of the authority processes the case in the backoffice.
    staff = new_context(locale=LOCALES[language]).new_page()
    login(staff, clara.email)
    goto(staff, "/backoffice/cases/")
    journey.check(staff, "queue")
    with staff.expect_navigation():
        staff.locator("main a", has_text=reference).first.click()
    journey.check(staff, "case-staff")
    for status in ("in_progress", "decided"):
        staff.select_option("form[action$='/status/'] select[name=status]", status)
        _submit(staff, "form[action$='/status/'] button[type=submit]")
        journey.check(staff, f"case-staff-{status}")

    # Three emails to the citizen since the sign-up: received, and one per visible status change.
    mails = _wait_for_mail(smtp_server, 4, to=email)[1:]
    assert len(mails) == 3
    for mail in mails:
        text = _body(mail) + str(mail["Subject"])
        assert reference in text
        assert case_url in text
        for secret in SECRETS_IN_ANSWERS:
            assert secret not in text, f"an answer travelled by email: {secret}"

    # The citizen sees the timeline.
    goto(citizen, case_url)
    journey.check(citizen, "case")
    timeline = citizen.locator("main").inner_text()
    for label in STATUS_TEXT[language]:
        assert label in timeline
    assert len(journey.checked) >= 15
