"""The pages every browser test visits, as data.

``who`` names the persona that must be logged in to see the page:

* ``guest``: nobody logged in;
* ``citizen``: Alice (private and business profile);
* ``staff``: Clara, clerk of the authority "Stadt Demo";
* ``operator``: Olga, superuser.

Add a page here and it is checked by axe-core in German and French, screenshotted at 320 px and
1280 px, crawled for third-party requests and cookies (P08, P17, P22).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Who = Literal["guest", "citizen", "staff", "operator"]


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    who: Who = "guest"
    status: int = 200

    def __str__(self) -> str:
        return self.name


PAGES: tuple[Page, ...] = (
    Page("home", "/"),
    Page("login", "/accounts/login/"),
    Page("signup", "/accounts/signup/"),
    Page("password-reset", "/accounts/password/reset/"),
    Page("services", "/services/"),
    Page("services-search", "/services/?q=hund"),
    Page("services-category", "/services/?category=moving"),
    Page("service", "/services/hundeanmeldung/"),
    Page("service-building", "/services/baugesuch/"),
    Page("privacy", "/privacy/"),
    Page("cookies", "/privacy/cookies/"),
    Page("not-found", "/this-page-does-not-exist/", status=404),
    Page("home-citizen", "/", who="citizen"),
    Page("dashboard", "/account/", who="citizen"),
    Page("profiles", "/account/profiles/", who="citizen"),
    Page("drafts", "/account/drafts/", who="citizen"),
    # starts Alice's draft and lands on its first step (/account/drafts/<id>/step/1/)
    Page("draft-step", "/services/hundeanmeldung/apply/", who="citizen"),
    Page("mfa", "/accounts/mfa/", who="citizen"),
    Page("cases", "/account/cases/", who="citizen"),
    Page("notifications", "/account/notifications/", who="citizen"),
    Page("privacy-centre", "/account/privacy/", who="citizen"),
    Page("backoffice", "/backoffice/", who="staff"),
    Page("privacy-record", "/privacy/record/", who="staff"),
    Page("backoffice-queue", "/backoffice/cases/", who="staff"),
    Page("backoffice-appointments", "/backoffice/appointments/", who="staff"),
    Page("backoffice-appointment-locations", "/backoffice/appointments/locations/", who="staff"),
    Page("appointments", "/appointments/"),
    Page("privacy-request-new", "/account/privacy/requests/new/", who="citizen"),
    Page("backoffice-statistics", "/backoffice/statistics/", who="staff"),
    Page("backoffice-privacy-requests", "/backoffice/privacy-requests/", who="staff"),
    Page("operator", "/backoffice/operator/", who="operator"),
    Page("disclosures", "/backoffice/disclosures/", who="operator"),
    Page("disclosure-new", "/backoffice/disclosures/new/", who="operator"),
)

# Persona fixtures from tests/conftest.py.
PERSONA_FIXTURE: dict[str, str] = {"citizen": "alice", "staff": "clara", "operator": "olga"}

LANGUAGES: tuple[str, ...] = ("de", "fr")

# Widths of the screenshots and axe runs.
WIDTHS: tuple[int, ...] = (320, 640, 1280)
#: Widths where the page must reflow without sideways scrolling (WCAG 1.4.10 and 1.4.4):
#: 320 px, and 640 px, which is what a 1280 px window shows at 200 % zoom.
REFLOW_WIDTHS: tuple[int, ...] = (320, 640)
