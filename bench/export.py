"""The privacy centre's data export (P11, P23): seconds, archive size and peak memory.

A citizen with ``items`` exported items: a fifth submissions, a fifth cases (one per
submission) and three fifths visible case events (three per case), plus the account and its
profile. The rows are made with ``bulk_create`` (encrypted fields are sealed in ``pre_save``,
which ``bulk_create`` runs too), copied from one real submission sent through
``submission_create``.

1. ``export``: ``export_archive`` read to the end in-process (no HTTP), the key cache emptied
   first (a cold export). Seconds, archive bytes, chunks; then again under ``tracemalloc`` for
   the peak of Python memory while streaming (slower: tracing costs time). The peak is bounded
   by one fetch of ``CHUNK_SIZE`` (500) rows per query, so it grows until a kind has 500 rows
   and stays flat beyond.
2. ``export_http``: the same through the view (``POST /account/privacy/export/`` with a fresh
   re-authentication): seconds to the last byte.

Sizes: ``GUICHET_BENCH_EXPORT_ITEMS`` (default ``1000,10000``); the peak must not grow with the
number of items (compare the lines).
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from typing import Any

SIZES = [int(size) for size in os.environ.get("GUICHET_BENCH_EXPORT_ITEMS", "1000,10000,20000").split(",")]
BATCH = 500


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def make_citizen(email: str) -> Any:
    from django.utils import timezone

    from guichet.accounts.models import Profile, User

    user = User.objects.create_user(
        email, None, email_verified_at=timezone.now(), notification_channel=User.NotificationChannel.ACCOUNT
    )
    profile = Profile.objects.create(
        owner=user, kind=Profile.Kind.PRIVATE, data_key=user.data_key, first_name="Bea", last_name="Bench"
    )
    user.active_profile = profile
    user.save(update_fields=["active_profile"])
    return user


def citizen_with_items(service: Any, items: int, *, series: str) -> Any:
    """A citizen with ``items`` exported items (see the module docstring)."""
    from guichet.cases.models import Case, CaseEvent
    from guichet.core.actor import citizen_actor
    from guichet.eforms.models import Draft, Submission
    from guichet.eforms.selectors import definition_get
    from guichet.eforms.services import submission_create
    from submissions import RESIDENCE_ANSWERS

    user = make_citizen(f"export-{series}@bench.example")
    profile = user.active_profile
    definition = definition_get(slug=service.form_definition)
    draft = Draft.objects.create(
        profile=profile,
        data_key_id=profile.data_key_id,
        service=service,
        definition_slug=definition.slug,
        definition_version=definition.version,
        current_step=len(definition.steps),
        answers=dict(RESIDENCE_ANSWERS),
    )
    model = submission_create(actor=citizen_actor(user=user, profile=profile), draft_id=draft.pk, language="de")
    model_case = Case.objects.get(submission=model)
    cases = max(1, items // 5) - 1  # the real one counts
    for start in range(0, cases, BATCH):
        count = min(BATCH, cases - start)
        subs = [
            Submission(
                profile=profile,
                data_key_id=model.data_key_id,
                service=service,
                form_version_id=model.form_version_id,
                draft_ref=uuid.uuid4(),
                answers=dict(RESIDENCE_ANSWERS, copies=start + number),
                fee=model.fee,
                language="de",
            )
            for number in range(count)
        ]
        Submission.objects.bulk_create(subs)
        Case.objects.bulk_create(
            Case(
                reference=f"X{series}-{start + number:07d}",
                submission=submission,
                authority_id=model_case.authority_id,
                service=service,
                profile=profile,
                data_key_id=model_case.data_key_id,
                status=model_case.status,
                public_status=model_case.public_status,
            )
            for number, submission in enumerate(subs)
        )
    event_cases = list(Case.objects.filter(profile=profile).values_list("pk", flat=True))
    events = items - 2 * len(event_cases) - CaseEvent.objects.filter(case__profile=profile, visible=True).count()
    template = CaseEvent.objects.filter(case=model_case).first()
    assert template is not None
    batch: list[Any] = []
    for number in range(max(0, events)):
        batch.append(
            CaseEvent(
                case_id=event_cases[number % len(event_cases)],
                data_key_id=model_case.data_key_id,
                kind=CaseEvent.Kind.REPLY,
                visible=True,
                text=f"Reply number {number}: here is the document you asked for, with my best regards.",
                author_kind=CaseEvent.Author.CITIZEN,
            )
        )
        if len(batch) == BATCH:
            CaseEvent.objects.bulk_create(batch)
            batch = []
    CaseEvent.objects.bulk_create(batch)
    return user


def exported_items(user: Any) -> int:
    from guichet.privacy.export import exported_kinds

    total = 0
    for kind in exported_kinds():
        assert kind.export is not None
        total += sum(1 for _row in kind.export(user))
    return total


def run() -> Iterator[dict[str, Any]]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from guichet.accounts.login_flow import REAUTH_SESSION_KEY
    from guichet.catalogue.services import service_upsert
    from guichet.core import crypto
    from guichet.core.actor import citizen_actor
    from guichet.core.models import Authority
    from guichet.privacy.export import export_archive

    authority = Authority.objects.create(slug="bench-export", name="Stadt Export", kind=Authority.Kind.MUNICIPALITY)
    service = service_upsert(
        slug="bench-export-wohnsitz",
        authority=authority,
        title={"de": "Wohnsitzbestätigung", "fr": "Attestation de domicile"},
        form_definition="residence-confirmation",
    )
    for size in SIZES:
        started = time.perf_counter()
        user = citizen_with_items(service, size, series=f"s{size}")
        items = exported_items(user)
        log(f"export: citizen with {items} items in {time.perf_counter() - started:.1f}s")
        actor = citizen_actor(user=user, profile=user.active_profile)

        crypto.data_key_cache.clear()
        started = time.perf_counter()
        for _chunk in export_archive(actor=actor, language="de"):
            pass
        untraced = time.perf_counter() - started

        crypto.data_key_cache.clear()
        tracemalloc.start()
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        started = time.perf_counter()
        size_bytes = chunks = 0
        for chunk in export_archive(actor=actor, language="de"):
            size_bytes += len(chunk)
            chunks += 1
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] - baseline
        tracemalloc.stop()
        yield {
            "bench": "export",
            "what": "export",
            "database": connection.vendor,
            "items": items,
            "seconds": round(untraced, 2),
            "items_per_second": round(items / untraced),
            "seconds_under_tracemalloc": round(seconds, 2),
            "archive_bytes": size_bytes,
            "chunks": chunks,
            "peak_memory_kib": round(peak / 1024),
        }

        crypto.data_key_cache.clear()
        client = Client(HTTP_ACCEPT_LANGUAGE="de-CH")
        client.force_login(user)
        session = client.session
        session[REAUTH_SESSION_KEY] = int(time.time())
        session.save()
        started = time.perf_counter()
        response = client.post(reverse("privacy_centre:export"))
        received = sum(len(chunk) for chunk in response.streaming_content)
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"the export answered {response.status_code}")
        yield {
            "bench": "export",
            "what": "export_http",
            "database": connection.vendor,
            "items": items,
            "seconds": round(seconds, 2),
            "archive_bytes": received,
        }
