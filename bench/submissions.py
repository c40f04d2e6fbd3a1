"""Submissions per second, end to end, and status changes per second on the staff side.

Citizens with a filled draft of ``residence-confirmation`` (the answers of a complete
application) send it through the whole Django stack: ``django.test.Client`` (logged in with
``force_login``), middleware, the ``eforms:draft_review`` view with ``{"confirm": "on"}``, the
redirect followed to the confirmation page (GET). One client at a time, one citizen per
submission (every citizen has their own data key; the key cache is emptied before each series,
so each submission unwraps its citizen's key once, as a first request of the day does).

1. ``submit``, two series: citizens told ``in the account only`` (no email), and citizens told
   by email (``cases/submitted``: rendered, sealed, then sent by the email task; with
   ``GUICHET_TESTING`` the tasks backend is Django's ``ImmediateBackend``, so the task runs
   inline after the commit, into the locmem mail backend: nothing leaves the process).
   Submissions per second (POST and confirmation GET), p50/p95 of the POST and of the GET.
2. ``submit_queries``: SQL queries of the POST and of the GET for the 1st submission of a series
   (cold: first use of the form version and such), the 2nd, and the last one (after all the
   others: the count must not grow with the number of cases).
3. ``status_change``: ``case_set_status`` to "in progress" by a clerk (``StaffMembership``), per
   second, on the cases just opened, again without and with the email to the citizen.

Sizes: ``GUICHET_BENCH_SUBMISSIONS`` (default 300) per series after
``GUICHET_BENCH_SUBMISSIONS_WARMUP`` (default 20).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Iterator
from typing import Any

SUBMISSIONS = int(os.environ.get("GUICHET_BENCH_SUBMISSIONS", "300"))
WARMUP = int(os.environ.get("GUICHET_BENCH_SUBMISSIONS_WARMUP", "20"))
LOCMEM_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend", "OPTIONS": {}}}

#: complete, valid answers to ``residence-confirmation`` (as drafts store them; as in tests/cases_support.py)
RESIDENCE_ANSWERS: dict[str, Any] = {
    "first_name": "Bea",
    "last_name": "Bench",
    "date_of_birth": "1990-04-01",
    "purpose": "employer",
    "copies": 2,
    "delivery": "a_post",
    "delivery_address": {
        "street": "Marktgasse",
        "house_number": "7",
        "postcode": "3000",
        "town": "Bern",
        "country": "CH",
    },
    "truthful": True,
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def figures(timings_ms: list[float], prefix: str) -> dict[str, float]:
    ordered = sorted(timings_ms)
    return {
        f"{prefix}p50_ms": round(statistics.median(ordered), 2),
        f"{prefix}p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2),
        f"{prefix}max_ms": round(ordered[-1], 2),
    }


# --- data ---------------------------------------------------------------------------------------


def make_citizen(email: str, *, by_email: bool) -> Any:
    """A citizen with a private profile (no password: the bench logs in with ``force_login``)."""
    from django.utils import timezone

    from guichet.accounts.models import Profile, User

    channel = User.NotificationChannel.EMAIL if by_email else User.NotificationChannel.ACCOUNT
    user = User.objects.create_user(email, None, email_verified_at=timezone.now(), notification_channel=channel)
    profile = Profile.objects.create(
        owner=user, kind=Profile.Kind.PRIVATE, data_key=user.data_key, first_name="Bea", last_name="Bench"
    )
    user.active_profile = profile
    user.save(update_fields=["active_profile"])
    return user


def filled_draft(user: Any, service: Any) -> Any:
    """A draft with every step answered, ready to send (as tests/cases_support.py builds it)."""
    from guichet.eforms.models import Draft
    from guichet.eforms.selectors import definition_get

    definition = definition_get(slug=service.form_definition)
    profile = user.active_profile
    return Draft.objects.create(
        profile=profile,
        data_key_id=profile.data_key_id,
        service=service,
        definition_slug=definition.slug,
        definition_version=definition.version,
        current_step=len(definition.steps),
        answers=dict(RESIDENCE_ANSWERS),
    )


def applicants(service: Any, count: int, *, series: str, by_email: bool) -> list[tuple[Any, str]]:
    """``count`` logged-in clients, each with the review URL of its citizen's filled draft."""
    from django.test import Client
    from django.urls import reverse

    result = []
    for number in range(count):
        user = make_citizen(f"{series}-{number}@bench.example", by_email=by_email)
        draft = filled_draft(user, service)
        client = Client(HTTP_ACCEPT_LANGUAGE="de-CH")
        client.force_login(user)
        result.append((client, reverse("eforms:draft_review", args=[draft.pk])))
    return result


# --- submitting ---------------------------------------------------------------------------------


def submit(client: Any, url: str) -> tuple[float, float, Any, Any]:
    """POST the confirmation and GET the page it redirects to: (POST ms, GET ms, POST, GET response)."""
    started = time.perf_counter()
    posted = client.post(url, {"confirm": "on"})
    between = time.perf_counter()
    if posted.status_code != 302 or "/confirmation/" not in posted["Location"]:
        raise RuntimeError(f"submitting answered {posted.status_code} {posted.get('Location', '')}")
    page = client.get(posted["Location"])
    finished = time.perf_counter()
    if page.status_code != 200:
        raise RuntimeError(f"the confirmation page answered {page.status_code}")
    return (between - started) * 1000, (finished - between) * 1000, posted, page


def counted_submit(client: Any, url: str) -> tuple[int, int]:
    """SQL queries of the POST and of the GET of one submission."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        posted = client.post(url, {"confirm": "on"})
    post_queries = len(captured.captured_queries)
    if posted.status_code != 302:
        raise RuntimeError(f"submitting answered {posted.status_code}")
    with CaptureQueriesContext(connection) as captured:
        page = client.get(posted["Location"])
    if page.status_code != 200:
        raise RuntimeError(f"the confirmation page answered {page.status_code}")
    return post_queries, len(captured.captured_queries)


def submit_series(service: Any, *, series: str, by_email: bool) -> Iterator[dict[str, Any]]:
    from django.core import mail
    from django.db import connection

    from guichet.cases.models import Case
    from guichet.core import crypto

    started = time.perf_counter()
    # warm-up (1st and 2nd counted), measured, and one more counted at the end
    people = applicants(service, WARMUP + SUBMISSIONS + 1, series=series, by_email=by_email)
    log(f"submissions/{series}: {len(people)} citizens with a filled draft in {time.perf_counter() - started:.1f}s")
    crypto.data_key_cache.clear()
    cases_before = Case.objects.count()
    mail.outbox = []
    first = counted_submit(*people[0])
    second = counted_submit(*people[1])
    for client, url in people[2:WARMUP]:
        submit(client, url)
    post_ms: list[float] = []
    get_ms: list[float] = []
    outbox_before = len(mail.outbox)
    started = time.perf_counter()
    for client, url in people[WARMUP : WARMUP + SUBMISSIONS]:
        post, get, _posted, _page = submit(client, url)
        post_ms.append(post)
        get_ms.append(get)
    seconds = time.perf_counter() - started
    emails = len(mail.outbox) - outbox_before
    last = counted_submit(*people[-1])
    cases = Case.objects.count() - cases_before
    if cases != len(people):
        raise RuntimeError(f"{len(people)} submissions opened {cases} cases")
    yield {
        "bench": "submissions",
        "what": "submit",
        "database": connection.vendor,
        "series": series,
        "emails_to_citizen": by_email,
        "submissions": SUBMISSIONS,
        "warmup": WARMUP,
        "per_second": round(SUBMISSIONS / seconds, 1),
        "ms_per_submission": round(seconds * 1000 / SUBMISSIONS, 2),
        **figures(post_ms, "post_"),
        **figures(get_ms, "get_"),
        "emails_in_outbox": emails,  # sent inline by the ImmediateBackend task, during the POST
        "cases_opened": cases,
    }
    yield {
        "bench": "submissions",
        "what": "submit_queries",
        "database": connection.vendor,
        "series": series,
        "post_queries_1st": first[0],
        "post_queries_2nd": second[0],
        "post_queries_last": last[0],
        "get_queries_1st": first[1],
        "get_queries_2nd": second[1],
        "get_queries_last": last[1],
        "last_is_submission": len(people),
        "constant": second == last,
    }


# --- staff --------------------------------------------------------------------------------------


def status_changes(authority: Any, *, series: str) -> Iterator[dict[str, Any]]:
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guichet.cases.models import Case
    from guichet.cases.services import case_set_status
    from guichet.core import crypto
    from guichet.core.actor import staff_actor
    from guichet.core.models import StaffMembership

    clerk = make_citizen(f"clerk-{series}@bench.example", by_email=True)
    membership = StaffMembership.objects.create(user=clerk, authority=authority, role=StaffMembership.Role.CLERK)
    actor = staff_actor(user=clerk, membership=membership)
    cases = list(
        Case.objects.filter(
            authority=authority, status="received", profile__owner__notification_channel=_channel(series)
        ).order_by("opened_at")
    )
    if len(cases) < WARMUP + SUBMISSIONS + 1:
        raise RuntimeError(f"only {len(cases)} cases of {series} to work on")
    crypto.data_key_cache.clear()  # as for the citizens: every change unwraps its citizen's key once
    mail.outbox = []
    with CaptureQueriesContext(connection) as captured:
        case_set_status(actor=actor, case=cases[0], status="in_progress")
    first = len(captured.captured_queries)
    for case in cases[1:WARMUP]:
        case_set_status(actor=actor, case=case, status="in_progress")
    timings: list[float] = []
    outbox_before = len(mail.outbox)
    started = time.perf_counter()
    for case in cases[WARMUP : WARMUP + SUBMISSIONS]:
        t0 = time.perf_counter()
        case_set_status(actor=actor, case=case, status="in_progress")
        timings.append((time.perf_counter() - t0) * 1000)
    seconds = time.perf_counter() - started
    emails = len(mail.outbox) - outbox_before
    with CaptureQueriesContext(connection) as captured:
        case_set_status(actor=actor, case=cases[WARMUP + SUBMISSIONS], status="in_progress")
    last = len(captured.captured_queries)
    yield {
        "bench": "submissions",
        "what": "status_change",
        "database": connection.vendor,
        "series": series,
        "emails_to_citizen": series == "email",
        "changes": SUBMISSIONS,
        "per_second": round(SUBMISSIONS / seconds, 1),
        **figures(timings, ""),
        "emails_in_outbox": emails,
        "queries_1st": first,
        "queries_last": last,
        "last_is_change": WARMUP + SUBMISSIONS + 1,
        "constant": first == last,
    }


def _channel(series: str) -> str:
    from guichet.accounts.models import User

    return User.NotificationChannel.EMAIL if series == "email" else User.NotificationChannel.ACCOUNT


def run() -> Iterator[dict[str, Any]]:
    import logging

    from django.conf import settings

    from guichet.catalogue.services import service_upsert
    from guichet.core.models import Authority

    backend = str(settings.TASKS["default"]["BACKEND"])
    log(f"submissions: tasks backend {backend}, {SUBMISSIONS} submissions per series after {WARMUP} warm-up")
    authority = Authority.objects.create(slug="bench-stadt", name="Stadt Bench", kind=Authority.Kind.MUNICIPALITY)
    service = service_upsert(
        slug="bench-wohnsitzbestaetigung",
        authority=authority,
        title={"de": "Wohnsitzbestätigung", "fr": "Attestation de domicile"},
        form_definition="residence-confirmation",
    )
    # The ImmediateBackend logs two INFO lines per email task; keep stderr for progress.
    tasks_logger = logging.getLogger("django.tasks")
    level = tasks_logger.level
    tasks_logger.setLevel(logging.WARNING)
    try:
        yield from _run(authority, service, backend)
    finally:
        tasks_logger.setLevel(level)


def _run(authority: Any, service: Any, backend: str) -> Iterator[dict[str, Any]]:
    from django.test.utils import override_settings

    with override_settings(MAILERS=LOCMEM_MAILERS):  # nothing leaves the process
        for series, by_email in (("account", False), ("email", True)):
            for line in submit_series(service, series=series, by_email=by_email):
                line["tasks_backend"] = backend.rsplit(".", 1)[-1]
                yield line
        for series in ("account", "email"):
            for line in status_changes(authority, series=series):
                line["tasks_backend"] = backend.rsplit(".", 1)[-1]
                yield line
