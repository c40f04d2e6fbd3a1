"""The authorization matrix: every URL and every persona, expected outcomes as data.

Personas (see tests/conftest.py): a guest; Alice, who owns the objects; Bob, another citizen;
Clara, staff of the authority Alice deals with; Dario, staff of another authority; Olga, an
operator. URLs that take an object id use Alice's objects. "Not found" and "not allowed" look
the same (404).

``test_every_url_is_in_the_matrix`` walks the URL configuration: a new URL under /account/ or
/backoffice/ fails the suite until its row is added here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from guichet.accounts.login_flow import REAUTH_SESSION_KEY
from guichet.accounts.models import Passkey, Profile, User
from guichet.appointments.availability import free_slots
from guichet.appointments.demo import WORKING_HOURS, opening_hours_set
from guichet.appointments.models import AppointmentType, Booking, Closure, Counter, Location
from guichet.appointments.services import booking_create
from guichet.cases.models import Case
from guichet.cases.services import case_reply, case_request_information
from guichet.catalogue.models import Service
from guichet.catalogue.services import service_upsert
from guichet.core.actor import citizen_actor, staff_actor
from guichet.core.files import blob_save
from guichet.core.models import Authority
from guichet.eforms.models import Draft, Upload
from guichet.eforms.selectors import definition_get
from guichet.eforms.services import draft_start
from tests.appointments_support import at, next_weekday
from tests.cases_support import submitted_case
from tests.conftest import login

pytestmark = pytest.mark.django_db

GUEST, ALICE, BOB, CLARA, DARIO, OLGA = "guest", "alice", "bob", "clara", "dario", "olga"
PERSONAS = (GUEST, ALICE, BOB, CLARA, DARIO, OLGA)

# Outcomes besides plain status codes.
LOGIN = "login"  # 302 to the login page, coming back afterwards
REAUTH = "reauth"  # 302 to "confirm it is you" (sensitive action, no recent re-authentication)
ADMIN_LOGIN = "admin-login"  # 302 to the admin's login page
AUTH_PAGE = (200, 302)  # login/signup when already logged in: shown again or redirected away

Expected = int | str | tuple[int, ...]

# Every URL must appear in the table, except the Django admin's own (operators only, tested
# by the admin:index row and Django itself).
UNCHECKED_PREFIXES = ("admin/",)


@dataclass(frozen=True)
class World:
    users: dict[str, User]
    authority: Authority
    other_authority: Authority
    service: Service
    draft_service: Service
    draft: Draft  # Alice's draft for ``service``, all steps filled in
    case: Case  # Alice's case at ``authority``, waiting for her answer, with a document and a form upload
    location: Location  # ``authority``'s office: one counter, a 10-minute type, a block next Tuesday
    booking: Booking  # Alice's appointment there next Tuesday at 09:00
    token: str  # its manage token (from the confirmation email)

    @property
    def alice(self) -> User:
        return self.users[ALICE]

    def alice_profile(self, kind: str) -> Profile:
        return Profile.objects.get(owner=self.alice, kind=kind)


@dataclass(frozen=True)
class Row:
    name: str
    expect: dict[str, Expected]
    args: Callable[[World], list[Any]] = field(default=lambda w: [])
    method: str = "get"
    data: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    label: str = ""
    fresh: bool = False  # logged-in personas re-authenticated a moment ago
    query: Callable[[World], str] = field(default=lambda w: "")  # e.g. "?day=...", appended to the URL

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.name}{f' [{self.label}]' if self.label else ''}"


def expect(
    *, guest: Expected, alice: Expected, bob: Expected, clara: Expected, dario: Expected, olga: Expected
) -> dict:
    return {GUEST: guest, ALICE: alice, BOB: bob, CLARA: clara, DARIO: dario, OLGA: olga}


def alice_business(w: World) -> list[Any]:
    return [w.alice_profile(Profile.Kind.BUSINESS).pk]


def alice_private(w: World) -> list[Any]:
    return [w.alice_profile(Profile.Kind.PRIVATE).pk]


def alice_passkey(w: World) -> list[Any]:
    return [Passkey.objects.get(user=w.alice).pk]


def alice_draft(w: World) -> list[Any]:
    return [w.draft.pk]


def alice_draft_step(w: World) -> list[Any]:
    return [w.draft.pk, 1]


def alice_case(w: World) -> list[Any]:
    return [w.case.pk]


def alice_case_attachment(w: World) -> list[Any]:
    return [w.case.pk, w.case.attachments.get().pk]


def alice_case_upload(w: World) -> list[Any]:
    return [w.case.pk, w.case.submission.uploads.get().pk]


def everyone(status: Expected) -> dict[str, Expected]:
    return expect(guest=status, alice=status, bob=status, clara=status, dario=status, olga=status)


def citizens(status: Expected, *, guest: Expected = LOGIN) -> dict[str, Expected]:
    """Any logged-in person gets ``status`` (their own data); guests go to the login page."""
    return expect(guest=guest, alice=status, bob=status, clara=status, dario=status, olga=status)


def owner_only(status: Expected) -> dict[str, Expected]:
    """Alice's own object: she gets ``status``, everyone else the same 404, guests the login."""
    return expect(guest=LOGIN, alice=status, bob=404, clara=404, dario=404, olga=404)


def staff_of_case(status: Expected) -> dict[str, Expected]:
    """Staff of the case's authority (Clara) get ``status``; nobody else learns that it exists."""
    return expect(guest=LOGIN, alice=404, bob=404, clara=status, dario=404, olga=404)


def staff_get_405() -> dict[str, Expected]:
    """A POST-only staff URL: staff learn the method is wrong before anything is looked up."""
    return expect(guest=LOGIN, alice=404, bob=404, clara=405, dario=405, olga=404)


def booking(w: World) -> list[Any]:
    return [w.booking.pk]


def location_kind(w: World) -> list[Any]:
    return [w.location.slug, w.location.appointment_types.get().slug]


def free_slot(w: World) -> list[Any]:
    kind = w.location.appointment_types.get()
    day = next_weekday(2)
    return [*location_kind(w), free_slots(appointment_type=kind, day_from=day, day_to=day)[day][0].key]


def manage_token(w: World) -> list[Any]:
    return [w.token]


def location_slug(w: World) -> list[Any]:
    return [w.location.slug]


def location_counter(w: World) -> list[Any]:
    return [w.location.slug, w.location.counters.get().pk]


def location_type(w: World) -> list[Any]:
    return [w.location.slug, w.location.appointment_types.get().pk]


def location_closure(w: World) -> list[Any]:
    return [w.location.slug, w.location.closures.get().pk]


LOCATION_FORM = {
    "name_de": "Passbüro",
    "address": "Marktplatz 1",
    "min_notice_minutes": "120",
    "horizon_days": "60",
    "reminder_hours": "24",
    "is_active": "on",
}


def type_form(w: World) -> dict[str, Any]:
    return {
        "title_de": "Pass",
        "duration_minutes": "15",
        "buffer_minutes": "0",
        "counters": [w.location.counters.get().pk],
        "max_per_person": "2",
        "is_active": "on",
    }


# --- privacy requests (P11) and the disclosure register (P34): Alice's objects, made on demand ---


def alice_privacy_request(w: World, *, about_case: bool = True) -> list[Any]:
    """Alice's request about her case (answered by Clara's authority), or (``about_case=False``)
    about her account in general (answered by the operator, Olga)."""
    from guichet.privacy.models import PrivacyRequest
    from guichet.privacy.requests import privacy_request_create

    case = w.case if about_case else None
    found = PrivacyRequest.objects.filter(user=w.alice, case=case).first()
    if found is None:
        found = privacy_request_create(
            actor=citizen_actor(user=w.alice, profile=w.alice.active_profile),
            kind="rectification",
            body="Mein Geburtsdatum ist falsch erfasst: richtig ist der 1. April 1990.",
            case=case,
        )
    return [found.pk]


def alice_general_request(w: World) -> list[Any]:
    return alice_privacy_request(w, about_case=False)


def alice_disclosure(w: World) -> list[Any]:
    import datetime

    from guichet.privacy.models import Disclosure

    found = Disclosure.objects.filter(user=w.alice).first() or Disclosure.objects.create(
        user=w.alice,
        recipient="Staatsanwaltschaft",
        legal_basis="Art. 265 StPO",
        court_order_reference="ST.2026.123",
        data_disclosed="E-Mail-Adresse des Kontos",
        disclosed_at=datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC),
    )
    return [found.pk]


DISCLOSURE_FORM = {
    "email": "alice@example.ch",
    "recipient": "Staatsanwaltschaft",
    "legal_basis": "Art. 265 StPO",
    "court_order_reference": "ST.2026.123",
    "data_disclosed": "E-Mail-Adresse des Kontos",
    "disclosed_on": "2026-03-02",
}


def operator_only(status: Expected) -> dict[str, Expected]:
    """Operators' pages (the disclosure register): Olga gets ``status``, staff and citizens a 404."""
    return expect(guest=LOGIN, alice=404, bob=404, clara=404, dario=404, olga=status)


def pending_statement_version(w: World) -> list[Any]:
    """Version 2 of the privacy statement, announced today: objections are still possible."""
    import datetime

    from django.utils import timezone

    from guichet.privacy.models import StatementVersion

    now = timezone.now()
    version, _created = StatementVersion.objects.get_or_create(
        version=2,
        defaults={"summary": {"de": "Neu"}, "published_at": now, "effective_at": now + datetime.timedelta(days=28)},
    )
    return [version.version]


MATRIX: list[Row] = [
    # --- public ---------------------------------------------------------------------------
    Row("home", expect(guest=200, alice=200, bob=200, clara=200, dario=200, olga=200)),
    Row("healthz", expect(guest=200, alice=200, bob=200, clara=200, dario=200, olga=200)),
    Row("readyz", expect(guest=200, alice=200, bob=200, clara=200, dario=200, olga=200)),
    Row("privacy:statement", expect(guest=200, alice=200, bob=200, clara=200, dario=200, olga=200)),
    Row("privacy:cookies", expect(guest=200, alice=200, bob=200, clara=200, dario=200, olga=200)),
    Row("privacy:record", expect(guest=LOGIN, alice=404, bob=404, clara=200, dario=200, olga=200)),
    Row(
        "auth:login",
        expect(guest=200, alice=AUTH_PAGE, bob=AUTH_PAGE, clara=AUTH_PAGE, dario=AUTH_PAGE, olga=AUTH_PAGE),
    ),
    Row(
        "auth:signup",
        expect(guest=200, alice=AUTH_PAGE, bob=AUTH_PAGE, clara=AUTH_PAGE, dario=AUTH_PAGE, olga=AUTH_PAGE),
    ),
    Row(
        "admin:index",
        expect(guest=ADMIN_LOGIN, alice=ADMIN_LOGIN, bob=ADMIN_LOGIN, clara=ADMIN_LOGIN, dario=ADMIN_LOGIN, olga=200),
    ),
    Row("theme_css", everyone(200)),
    Row("catalogue:list", everyone(200)),
    Row("catalogue:detail", everyone(200), args=lambda w: [w.service.slug], label="published service"),
    Row("catalogue:detail", everyone(404), args=lambda w: [w.draft_service.slug], label="unpublished service"),
    Row("language", everyone(302), args=lambda w: ["fr"]),
    # --- accounts: /accounts/ ---------------------------------------------------------------
    Row("auth:signup_done", everyone(200)),
    Row("auth:confirm_resend", citizens(AUTH_PAGE, guest=200)),
    Row("auth:confirm", everyone(400), args=lambda w: ["not-a-token"], label="unknown token"),
    Row("auth:logout", citizens(200, guest=(200, 302)), label="confirmation page"),
    Row("auth:password_reset", citizens(AUTH_PAGE, guest=200)),
    Row("auth:password_reset_done", everyone(200)),
    Row("auth:password_reset_confirm", everyone(400), args=lambda w: ["not-a-token"], label="unknown token"),
    Row("auth:password_change", citizens(200)),
    Row("auth:reauthenticate", citizens(200)),
    Row("auth:email_change", citizens(REAUTH)),
    Row("auth:email_change", citizens(200), fresh=True, label="after re-authentication"),
    Row("auth:email_change_done", citizens(200)),
    Row("auth:email_change_confirm", everyone(400), args=lambda w: ["not-a-token"], label="unknown token"),
    Row("auth:login_mfa", everyone(302), label="no password step pending: back to login"),
    Row("auth:mfa_index", citizens(200)),
    Row("auth:mfa_totp_setup", citizens(REAUTH)),
    Row("auth:mfa_totp_setup", citizens(200), fresh=True, label="after re-authentication"),
    Row("auth:mfa_totp_disable", citizens(REAUTH)),
    Row("auth:mfa_recovery_codes", citizens(REAUTH)),
    Row("auth:mfa_passkey_add", citizens(REAUTH)),
    Row("auth:mfa_passkey_add", citizens(200), fresh=True, label="after re-authentication"),
    Row(
        "auth:mfa_passkey_delete",
        expect(guest=LOGIN, alice=200, bob=404, clara=404, dario=404, olga=404),
        args=alice_passkey,
        fresh=True,
        label="Alice's passkey",
    ),
    # --- citizen area: /account/ -------------------------------------------------------------
    Row("account:dashboard", expect(guest=LOGIN, alice=200, bob=200, clara=200, dario=200, olga=200)),
    Row("account:profiles", expect(guest=LOGIN, alice=200, bob=200, clara=200, dario=200, olga=200)),
    Row(
        "account:profile_create",
        expect(guest=LOGIN, alice=200, bob=200, clara=200, dario=200, olga=200),
        args=lambda w: ["business"],
        label="business",
    ),
    Row(
        "account:profile_create",
        expect(guest=LOGIN, alice=200, bob=200, clara=200, dario=200, olga=200),
        args=lambda w: ["organisation"],
        label="organisation",
    ),
    Row(
        "account:profile_create",
        expect(guest=LOGIN, alice=404, bob=404, clara=404, dario=404, olga=404),
        args=lambda w: ["private"],
        label="private: only one, made at registration",
    ),
    Row(
        "account:profile_edit",
        expect(guest=LOGIN, alice=200, bob=404, clara=404, dario=404, olga=404),
        args=alice_business,
        label="Alice's business",
    ),
    Row(
        "account:profile_edit",
        expect(guest=LOGIN, alice=200, bob=404, clara=404, dario=404, olga=404),
        args=alice_private,
        label="Alice's private profile",
    ),
    Row(
        "account:profile_delete",
        expect(guest=LOGIN, alice=200, bob=404, clara=404, dario=404, olga=404),
        args=alice_business,
        label="Alice's business: confirmation page",
    ),
    Row(
        "account:profile_delete",
        expect(guest=LOGIN, alice=404, bob=404, clara=404, dario=404, olga=404),
        args=alice_private,
        label="Alice's private profile: never deletable",
    ),
    Row(
        "account:profile_activate",
        expect(guest=LOGIN, alice=302, bob=404, clara=404, dario=404, olga=404),
        args=alice_business,
        method="post",
        label="Alice's business",
    ),
    # --- online forms: /services/<slug>/apply/ and /account/drafts/ ----------------------------
    Row(
        "eforms:draft_start",
        expect(guest=LOGIN, alice=302, bob=302, clara=302, dario=302, olga=302),
        args=lambda w: [w.service.slug],
        label="service with a form: resume or start, own profile (no profile: choose one)",
    ),
    Row(
        "eforms:draft_start",
        expect(guest=LOGIN, alice=404, bob=404, clara=404, dario=404, olga=404),
        args=lambda w: [w.draft_service.slug],
        label="unpublished service",
    ),
    Row("eforms:draft_list", citizens(200)),
    Row(
        "eforms:draft_step",
        expect(guest=LOGIN, alice=200, bob=404, clara=404, dario=404, olga=404),
        args=alice_draft_step,
        label="Alice's draft, step 1",
    ),
    Row(
        "eforms:draft_step",
        expect(guest=LOGIN, alice=404, bob=404, clara=404, dario=404, olga=404),
        args=lambda w: [w.draft.pk, 99],
        label="Alice's draft, a step that does not exist",
    ),
    Row(
        "eforms:draft_step",
        expect(guest=LOGIN, alice=200, bob=404, clara=404, dario=404, olga=404),
        args=alice_draft_step,
        method="post",
        data=lambda w: {"action": "continue"},
        label="Alice's draft, step 1 with errors",
    ),
    Row(
        "eforms:draft_review",
        expect(guest=LOGIN, alice=200, bob=404, clara=404, dario=404, olga=404),
        args=alice_draft,
        label="Alice's draft",
    ),
    Row(
        "eforms:draft_delete",
        expect(guest=LOGIN, alice=200, bob=404, clara=404, dario=404, olga=404),
        args=alice_draft,
        label="Alice's draft: confirmation page",
    ),
    Row(
        "eforms:draft_delete",
        expect(guest=LOGIN, alice=302, bob=404, clara=404, dario=404, olga=404),
        args=alice_draft,
        method="post",
        label="Alice's draft: delete (Alice goes last among those who may)",
    ),
    Row(
        "privacy:ui_state",
        everyone(302),
        method="post",
        data=lambda w: {"flag": "help_open"},
        label="a display flag",
    ),
    # --- staff area: /backoffice/ --------------------------------------------------------------
    Row(
        "eforms:draft_review",
        expect(guest=LOGIN, alice=302, bob=404, clara=404, dario=404, olga=404),
        args=alice_draft,
        method="post",
        data=lambda w: {"confirm": "on"},
        label="Alice's draft: submit",
    ),
    Row(
        "eforms:submission_confirmation",
        expect(guest=LOGIN, alice=200, bob=404, clara=404, dario=404, olga=404),
        args=alice_case,
        label="Alice's case",
    ),
    Row("cases:list", citizens(200), label="the cases of one's own profile"),
    Row("cases:detail", owner_only(200), args=alice_case, label="Alice's case"),
    Row("cases:receipt", owner_only(200), args=alice_case, label="Alice's case"),
    Row("cases:reply", owner_only(302), args=alice_case, label="GET: to the form on the case page"),
    Row(
        "cases:reply",
        owner_only(302),
        args=alice_case,
        method="post",
        data=lambda w: {"text": "Hier die Rückseite."},
        label="Alice's case, waiting for her answer",
    ),
    Row("cases:reuse", expect(guest=LOGIN, alice=405, bob=405, clara=405, dario=405, olga=405), args=alice_case),
    Row("cases:reuse", owner_only(302), args=alice_case, method="post", label="a new draft from Alice's answers"),
    Row("cases:attachment", owner_only(200), args=alice_case_attachment, label="Alice's document"),
    Row("cases:upload", owner_only(200), args=alice_case_upload, label="a file of Alice's form"),
    Row("privacy_centre:index", citizens(200), label="one's own data and its access log"),
    Row("privacy_centre:export", citizens(405), label="POST only"),
    Row("privacy_centre:export", citizens(REAUTH), method="post", label="no recent re-authentication"),
    Row("privacy_centre:export", citizens(200), method="post", fresh=True, label="one's own data only"),
    Row("privacy_centre:delete", citizens(200), label="confirmation page (staff see why they cannot)"),
    Row("privacy_centre:delete", citizens(400), method="post", label="box not ticked"),
    Row(
        "privacy_centre:delete",
        expect(guest=LOGIN, alice=REAUTH, bob=REAUTH, clara=400, dario=400, olga=400),
        method="post",
        data=lambda w: {"understand": "on"},
        label="no recent re-authentication (staff and operators are refused first)",
    ),
    Row(
        "privacy_centre:delete",
        expect(guest=LOGIN, alice=302, bob=302, clara=400, dario=400, olga=400),
        method="post",
        data=lambda w: {"understand": "on"},
        fresh=True,
        label="erases the account",
    ),
    # --- restriction of processing (P23) and consents (P11) ---
    Row("privacy_centre:restrict_case", owner_only(200), args=alice_case, label="Alice's case: what it means"),
    Row(
        "privacy_centre:restrict_case",
        owner_only(302),
        args=alice_case,
        method="post",
        label="Alice's case: restrict (from any of her profiles)",
    ),
    Row("privacy_centre:restrict_case_lift", citizens(405), args=alice_case, label="POST only"),
    Row(
        "privacy_centre:restrict_case_lift",
        owner_only(302),
        args=alice_case,
        method="post",
        label="Alice's case, not restricted: nothing to lift",
    ),
    Row("privacy_centre:restrict_profile", owner_only(200), args=alice_business, label="Alice's business"),
    Row(
        "privacy_centre:restrict_profile",
        owner_only(302),
        args=alice_private,
        method="post",
        label="Alice's private profile: restrict",
    ),
    Row("privacy_centre:restrict_profile_lift", citizens(405), args=alice_business, label="POST only"),
    Row(
        "privacy_centre:restrict_profile_lift",
        owner_only(302),
        args=alice_business,
        method="post",
        label="Alice's business, not restricted: nothing to lift",
    ),
    Row("privacy_centre:consent_withdraw", citizens(405), args=lambda w: ["case-emails"], label="POST only"),
    Row(
        "privacy_centre:consent_withdraw",
        citizens(302),
        args=lambda w: ["case-emails"],
        method="post",
        label="one's own emails about cases",
    ),
    Row(
        "privacy_centre:consent_withdraw",
        citizens(404),
        args=lambda w: ["registration"],
        method="post",
        label="withdrawn by deleting the account, not here",
    ),
    # --- privacy requests (P11) and disclosure register (P34) ---
    Row("privacy_centre:request_create", citizens(200), label="the form"),
    Row(
        "privacy_centre:request_create",
        citizens(200),
        query=lambda w: f"?kind=rectification&case={w.case.pk}",
        label="prefilled; someone else's case is just not offered",
    ),
    Row("privacy_centre:request_create", citizens(400), method="post", label="nothing filled in"),
    Row(
        "privacy_centre:request_create",
        citizens(302),
        method="post",
        data=lambda w: {"kind": "objection", "body": "Ich widerspreche der Bearbeitung."},
        label="a general objection: each files their own",
    ),
    Row(
        "privacy_centre:request_create",
        expect(guest=LOGIN, alice=302, bob=400, clara=400, dario=400, olga=400),
        method="post",
        data=lambda w: {"kind": "rectification", "case": str(w.case.pk), "body": "Falsches Datum."},
        label="about Alice's case: only Alice may",
    ),
    Row("privacy_centre:request_detail", owner_only(200), args=alice_privacy_request, label="Alice's request"),
    Row(
        "backoffice:privacy_request_queue",
        expect(guest=LOGIN, alice=404, bob=404, clara=200, dario=200, olga=200),
        label="one's own authority's queue; operators: requests without an authority",
    ),
    Row(
        "backoffice:privacy_request_queue",
        expect(guest=LOGIN, alice=404, bob=404, clara=200, dario=200, olga=200),
        query=lambda w: "?state=answered",
        label="answered",
    ),
    Row(
        "backoffice:privacy_request_detail",
        staff_of_case(200),
        args=alice_privacy_request,
        label="about Alice's case (audited)",
    ),
    Row(
        "backoffice:privacy_request_detail",
        operator_only(200),
        args=alice_general_request,
        label="Alice's general request: the operator's",
    ),
    Row(
        "backoffice:privacy_request_start",
        expect(guest=LOGIN, alice=404, bob=404, clara=405, dario=405, olga=405),
        args=alice_privacy_request,
        label="POST only",
    ),
    Row("backoffice:privacy_request_start", staff_of_case(302), args=alice_privacy_request, method="post"),
    Row("backoffice:privacy_request_start", operator_only(302), args=alice_general_request, method="post"),
    Row(
        "backoffice:privacy_request_extend",
        staff_of_case(302),
        args=alice_privacy_request,
        method="post",
        data=lambda w: {"reason": "Das Register muss beim Kanton abgeklärt werden."},
    ),
    Row(
        "backoffice:privacy_request_answer",
        staff_of_case(302),
        args=alice_privacy_request,
        method="post",
        data=lambda w: {"status": "done", "answer": "Das Geburtsdatum ist berichtigt."},
    ),
    Row(
        "backoffice:privacy_request_answer",
        expect(guest=LOGIN, alice=404, bob=404, clara=404, dario=404, olga=400),
        args=alice_general_request,
        method="post",
        label="nothing filled in",
    ),
    Row("backoffice:disclosure_register", operator_only(200)),
    Row("backoffice:disclosure_create", operator_only(200)),
    Row("backoffice:disclosure_create", operator_only(400), method="post", label="nothing filled in"),
    Row("backoffice:disclosure_create", operator_only(302), method="post", data=lambda w: dict(DISCLOSURE_FORM)),
    Row("backoffice:disclosure_bar", operator_only(200), args=alice_disclosure),
    Row(
        "backoffice:disclosure_bar",
        operator_only(302),
        args=alice_disclosure,
        method="post",
        data=lambda w: {"legal_bar_reason": "Untersuchungsgeheimnis", "legal_bar_until": "2099-12-31"},
    ),
    # --- statement versions and objections (P35) ---
    Row("privacy_centre:statement_object", citizens(405), args=pending_statement_version, label="POST only"),
    Row(
        "privacy_centre:statement_object",
        citizens(302),
        args=pending_statement_version,
        method="post",
        label="one's own objection, back to the centre",
    ),
    Row("privacy_centre:statement_object", citizens(404), args=lambda w: [99], method="post", label="no such version"),
    Row("privacy_centre:statement_withdraw", citizens(405), args=pending_statement_version, label="POST only"),
    Row(
        "privacy_centre:statement_withdraw",
        citizens(302),
        args=pending_statement_version,
        method="post",
        label="one's own objection, back to the centre",
    ),
    # --- access statistics (P36): totals of the whole portal, for any staff and operators ---
    Row("backoffice:statistics", expect(guest=LOGIN, alice=404, bob=404, clara=200, dario=200, olga=200)),
    Row(
        "backoffice:statistics",
        expect(guest=LOGIN, alice=404, bob=404, clara=200, dario=200, olga=200),
        query=lambda w: "?days=90",
        label="90 days",
    ),
    Row(
        "backoffice:statistics",
        expect(guest=LOGIN, alice=404, bob=404, clara=200, dario=200, olga=200),
        query=lambda w: "?days=%00-1",
        label="a made-up period falls back to 30 days",
    ),
    Row(
        "backoffice:statistics",
        expect(guest=LOGIN, alice=404, bob=404, clara=405, dario=405, olga=405),
        method="post",
        label="read only",
    ),
    # --- operator start page ---
    Row("backoffice:operator", expect(guest=LOGIN, alice=404, bob=404, clara=404, dario=404, olga=200)),
    Row("backoffice:operator", expect(guest=LOGIN, alice=404, bob=404, clara=404, dario=404, olga=405), method="post"),
    Row("privacy_centre:deleted", everyone(200)),
    Row("privacy_centre:deleted", everyone(405), method="post"),
    Row("account:notifications", citizens(200)),
    Row("account:notifications", citizens(302), method="post", data=lambda w: {"channel": "account"}),
    # --- appointments: public booking (guests welcome) -----------------------------------
    Row("appointments:index", everyone(200)),
    Row("appointments:index", everyone(405), method="post"),
    Row("appointments:times", everyone(200), args=location_kind),
    Row("appointments:times", everyone(405), args=location_kind, method="post"),
    Row("appointments:book", everyone(200), args=free_slot, label="a free time"),
    Row("appointments:book", everyone(400), args=free_slot, method="post", label="nothing filled in"),
    Row("appointments:book", everyone(404), args=lambda w: [*location_kind(w), "not-a-time"], label="garbage"),
    Row("appointments:manage", everyone(200), args=manage_token, label="the token is the key"),
    Row("appointments:manage", everyone(400), args=manage_token, method="post", label="nothing filled in"),
    Row("appointments:manage", everyone(404), args=lambda w: ["unknown-token"], label="unknown token"),
    Row("appointments:manage_reschedule", everyone(200), args=manage_token),
    Row("appointments:manage_reschedule", everyone(400), args=manage_token, method="post"),
    Row("appointments:manage_cancel", everyone(200), args=manage_token),
    Row(
        "appointments:manage_cancel",
        everyone(303),
        args=manage_token,
        method="post",
        label="the first cancels, the others are sent back to the manage page",
    ),
    Row("appointments:mine", owner_only(200), args=booking, label="Alice's own booking, without the token"),
    Row("appointments:mine", owner_only(400), args=booking, method="post"),
    Row("appointments:mine_reschedule", owner_only(200), args=booking),
    Row("appointments:mine_reschedule", owner_only(400), args=booking, method="post"),
    Row("appointments:mine_cancel", owner_only(200), args=booking),
    Row("appointments:mine_cancel", owner_only(303), args=booking, method="post"),
    Row("backoffice:appointment_day", expect(guest=LOGIN, alice=404, bob=404, clara=200, dario=200, olga=404)),
    Row(
        "backoffice:appointment_day",
        staff_of_case(200),
        query=lambda w: f"?location={w.location.slug}&day={next_weekday(1)}",
        label="the owning authority's day list (audited)",
    ),
    Row(
        "backoffice:appointment_day",
        staff_of_case(200),
        query=lambda w: f"?location={w.location.slug}&day={next_weekday(1)}&print=1",
        label="print",
    ),
    Row(
        "backoffice:appointment_mark",
        staff_of_case(302),
        args=booking,
        method="post",
        data=lambda w: {"status": "attended"},
    ),
    Row("backoffice:appointment_mark", staff_get_405(), args=booking),
    Row("backoffice:appointment_cancel", staff_of_case(200), args=booking),
    Row(
        "backoffice:appointment_cancel",
        staff_of_case(302),
        args=booking,
        method="post",
        data=lambda w: {"reason": "Krank"},
    ),
    Row("backoffice:appointment_locations", expect(guest=LOGIN, alice=404, bob=404, clara=200, dario=200, olga=404)),
    Row(
        "backoffice:appointment_location_create",
        expect(guest=LOGIN, alice=404, bob=404, clara=200, dario=200, olga=404),
    ),
    Row(
        "backoffice:appointment_location_create",
        expect(guest=LOGIN, alice=404, bob=404, clara=302, dario=400, olga=404),
        method="post",
        data=lambda w: {**LOCATION_FORM, "slug": "passbuero"},
        label="the second creator finds the slug taken",
    ),
    Row("backoffice:appointment_location", staff_of_case(200), args=location_slug),
    Row("backoffice:appointment_location_edit", staff_of_case(200), args=location_slug),
    Row(
        "backoffice:appointment_location_edit",
        staff_of_case(302),
        args=location_slug,
        method="post",
        data=lambda w: dict(LOCATION_FORM),
    ),
    Row(
        "backoffice:appointment_block",
        staff_of_case(302),
        args=location_slug,
        method="post",
        data=lambda w: {"day": str(next_weekday(1)), "starts": "10:00", "ends": "11:00"},
    ),
    Row("backoffice:appointment_block", staff_get_405(), args=location_slug),
    Row("backoffice:appointment_counter_create", staff_of_case(200), args=location_slug),
    Row(
        "backoffice:appointment_counter_create",
        staff_of_case(302),
        args=location_slug,
        method="post",
        data=lambda w: {"name": "Schalter 9", "capacity": "1"},
    ),
    Row("backoffice:appointment_counter_edit", staff_of_case(200), args=location_counter),
    Row(
        "backoffice:appointment_counter_edit",
        staff_of_case(302),
        args=location_counter,
        method="post",
        data=lambda w: {"name": "Schalter 1", "capacity": "2"},
    ),
    Row("backoffice:appointment_type_create", staff_of_case(200), args=location_slug),
    Row(
        "backoffice:appointment_type_create",
        staff_of_case(302),
        args=location_slug,
        method="post",
        data=lambda w: {**type_form(w), "slug": "pass"},
    ),
    Row("backoffice:appointment_type_edit", staff_of_case(200), args=location_type),
    Row(
        "backoffice:appointment_type_edit",
        staff_of_case(302),
        args=location_type,
        method="post",
        data=type_form,
    ),
    Row("backoffice:appointment_hours", staff_of_case(200), args=location_slug),
    Row(
        "backoffice:appointment_hours",
        staff_of_case(302),
        args=location_slug,
        method="post",
        data=lambda w: {"d0-0-opens": "08:00", "d0-0-closes": "12:00"},
    ),
    Row("backoffice:appointment_closures", staff_of_case(200), args=location_slug),
    Row(
        "backoffice:appointment_closures",
        staff_of_case(302),
        args=location_slug,
        method="post",
        data=lambda w: {
            "kind": "holiday",
            "starts_at": f"{next_weekday(4)}T00:00",
            "ends_at": f"{next_weekday(4)}T23:59",
            "reason": "Feiertag",
        },
    ),
    Row(
        "backoffice:appointment_closure_delete",
        staff_of_case(302),
        args=location_closure,
        method="post",
    ),
    Row("backoffice:appointment_closure_delete", staff_get_405(), args=location_closure),
    Row("backoffice:index", expect(guest=LOGIN, alice=404, bob=404, clara=200, dario=200, olga=404)),
    Row("backoffice:case_queue", expect(guest=LOGIN, alice=404, bob=404, clara=200, dario=200, olga=404)),
    Row("backoffice:case_detail", staff_of_case(200), args=alice_case, label="Alice's case (audited)"),
    Row(
        "backoffice:case_status",
        staff_of_case(302),
        args=alice_case,
        method="post",
        data=lambda w: {"status": "in_progress", "note": ""},
    ),
    Row(
        "backoffice:case_request",
        staff_of_case(302),
        args=alice_case,
        method="post",
        data=lambda w: {"message": "Bitte auch die Rückseite."},
    ),
    Row(
        "backoffice:case_note",
        staff_of_case(302),
        args=alice_case,
        method="post",
        data=lambda w: {"text": "Rückseite fehlt noch."},
    ),
    Row(
        "backoffice:case_assign",
        staff_of_case(302),
        args=alice_case,
        method="post",
        data=lambda w: {"assignee": str(w.users[CLARA].pk)},
    ),
    Row("backoffice:case_pdf", staff_of_case(200), args=alice_case),
    Row("backoffice:case_json", staff_of_case(200), args=alice_case),
    Row("backoffice:case_attachment", staff_of_case(200), args=alice_case_attachment),
    Row("backoffice:case_upload", staff_of_case(200), args=alice_case_upload),
    Row(
        "backoffice:choose_authority",
        expect(guest=LOGIN, alice=404, bob=404, clara=302, dario=404, olga=404),
        method="post",
        data=lambda w: {"authority": w.authority.pk},
        label="the owning authority",
    ),
]


@pytest.fixture
def world(
    alice: User, bob: User, clara: User, dario: User, olga: User, authority: Authority, other_authority: Authority
) -> World:
    Passkey.objects.create(
        user=alice, data_key_id=alice.data_key_id, name="Laptop", credential_id="YWxpY2Uta2V5", credential_data="{}"
    )
    service = service_upsert(
        slug="hundeanmeldung", authority=authority, title={"de": "Hundeanmeldung"}, form_definition="dog-registration"
    )
    draft = draft_start(actor=citizen_actor(user=alice, profile=alice.active_profile), service=service)
    Draft.objects.filter(pk=draft.pk).update(current_step=len(definition_get(slug="dog-registration").steps))
    draft.refresh_from_db()
    case = _alice_case(alice, clara, authority)
    location, booking, token = _alice_booking(alice, authority)
    return World(
        users={ALICE: alice, BOB: bob, CLARA: clara, DARIO: dario, OLGA: olga},
        authority=authority,
        other_authority=other_authority,
        service=service,
        draft_service=service_upsert(
            slug="entwurf",
            authority=authority,
            title={"de": "Entwurf"},
            is_published=False,
            form_definition="dog-registration",
        ),
        draft=draft,
        case=case,
        location=location,
        booking=booking,
        token=token,
    )


def _alice_booking(alice: User, authority: Authority) -> tuple[Location, Booking, str]:
    location = Location.objects.create(authority=authority, slug="einwohneramt", name={"de": "Einwohneramt"})
    opening_hours_set(location, intervals=WORKING_HOURS)
    counter = Counter.objects.create(location=location, name="Schalter 1")
    kind = AppointmentType.objects.create(location=location, slug="beratung", title={"de": "Beratung"})
    kind.counters.set([counter])
    tuesday = next_weekday(1)
    booking, token = booking_create(
        actor=citizen_actor(user=alice, profile=alice.active_profile),
        appointment_type=kind,
        starts_at=at(tuesday, 9),
        name="Alice Amrein",
        email="alice@example.ch",
    )
    Closure.objects.create(
        location=location, counter=counter, kind=Closure.Kind.BLOCK, starts_at=at(tuesday, 14), ends_at=at(tuesday, 15)
    )
    return location, booking, token


def _alice_case(alice: User, clara: User, authority: Authority) -> Case:
    """A case that has been through a request and a reply, and is waiting for Alice again."""
    case = submitted_case(alice, authority)
    upload = Upload(
        profile=case.profile,
        data_key_id=case.data_key_id,
        submission=case.submission,
        field_key="attachment",
        name="plan.pdf",
        content_type="application/pdf",
    )
    stored = blob_save(data_key_id=str(case.data_key_id), aad=upload.aad, chunks=[b"%PDF-1.4 plan"])
    upload.size, upload.sha256, upload.storage_name = stored.size, stored.sha256, stored.storage_name
    upload.save()
    staff = staff_actor(user=clara, membership=clara.memberships.get())
    citizen = citizen_actor(user=alice, profile=alice.active_profile)
    case_request_information(actor=staff, case=case, message="Bitte Ausweis nachreichen.")
    document = SimpleUploadedFile("ausweis.pdf", b"%PDF-1.4 id", content_type="application/pdf")
    case_reply(actor=citizen, case=case, text="Anbei.", files=[(document, "application/pdf")])
    case_request_information(actor=staff, case=case, message="Und die Rückseite bitte.")
    case.refresh_from_db()
    return case


def _matches(response: Any, expected: Expected, url: str) -> bool:
    status = response.status_code
    if expected == LOGIN:
        return status == 302 and response["Location"].startswith(f"{reverse(settings.LOGIN_URL)}?next=")
    if expected == REAUTH:
        return status == 302 and response["Location"].startswith(f"{reverse('auth:reauthenticate')}?next=")
    if expected == ADMIN_LOGIN:
        return status == 302 and response["Location"].startswith(reverse("admin:login"))
    if isinstance(expected, tuple):
        return status in expected
    return status == expected


@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.id)
def test_matrix(row: Row, world: World) -> None:
    assert set(row.expect) == set(PERSONAS), "every row names every persona"
    url = reverse(row.name, args=row.args(world)) + row.query(world)
    mismatches = []
    for persona in PERSONAS:
        client = Client()
        if persona != GUEST:
            login(client, world.users[persona])
            if row.fresh:
                session = client.session
                session[REAUTH_SESSION_KEY] = int(time.time())
                session.save()
        response = getattr(client, row.method)(url, row.data(world))
        if not _matches(response, row.expect[persona], url):
            got = f"{response.status_code} {response.get('Location', '')}".strip()
            mismatches.append(f"{persona}: expected {row.expect[persona]!r}, got {got}")
    assert not mismatches, f"{row.id} ({url}):\n  " + "\n  ".join(mismatches)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str | None]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name}" if pattern.name else None


def test_every_url_is_in_the_matrix() -> None:
    covered = {row.name for row in MATRIX}
    checked = [
        (route, name) for route, name in _walk(get_resolver().url_patterns) if not route.startswith(UNCHECKED_PREFIXES)
    ]
    assert checked, "the walk found no URL: is the URL configuration still mounted?"
    unnamed = [route for route, name in checked if name is None]
    missing = sorted({f"{name} (/{route})" for route, name in checked if name and name not in covered})
    assert not unnamed, f"URLs without a name cannot be checked: {unnamed}"
    assert not missing, "add these URLs to MATRIX in tests/test_authorization_matrix.py:\n  " + "\n  ".join(missing)


def test_the_walk_sees_the_known_urls() -> None:
    names = {name for _, name in _walk(get_resolver().url_patterns)}
    assert {"account:dashboard", "account:profile_edit", "backoffice:index", "auth:login"} <= names


def test_a_refused_lookup_is_logged_without_personal_data(
    client: Client, alice: User, bob: User, caplog: pytest.LogCaptureFixture
) -> None:
    business = alice.profiles.get(kind="business")
    client.force_login(bob)
    with caplog.at_level("WARNING", logger="guichet.access"):
        response = client.get(reverse("account:profile_edit", args=[business.pk]))
    assert response.status_code == 404
    [record] = [r for r in caplog.records if r.name == "guichet.access"]
    line = record.getMessage()
    assert str(bob.pk) in line
    assert str(business.pk) in line
    assert "bob@example.ch" not in line
    assert "Amrein" not in line


@pytest.mark.parametrize("row", [row for row in MATRIX if row.name != "admin:index"], ids=lambda row: row.id)
def test_no_unsafe_request_passes_without_a_csrf_token(row: Row, world: World) -> None:
    """CSRF on every browser endpoint: nothing in the portal is exempt."""
    client = login(Client(enforce_csrf_checks=True), world.alice)
    response = client.post(reverse(row.name, args=row.args(world)), row.data(world))
    assert response.status_code == 403, f"{row.id} accepted a POST without a CSRF token"
