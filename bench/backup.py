"""Backups (P15): backup and restore time, size and peak memory with 100 000 cases.

``GUICHET_BENCH_BACKUP_CASES`` cases (default ``100000``) are spread over citizens of 100 cases
each; every case has its submission (encrypted answers) and one visible event (encrypted text),
bulk-created from one real submission (encrypted fields are sealed in ``pre_save``, which
``bulk_create`` runs too), plus 200 stored encrypted files. Three local destinations.

1. ``backup``: ``backup_run`` (dump, seal, write to three destinations): seconds, archive bytes.
2. ``restore``: ``restore_run`` of that backup into a fresh database, with manifest checks.
Each is run once untraced (seconds) and once under ``tracemalloc`` (peak Python memory, which
must not grow with the database: the archive is streamed in 64 KiB segments).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CASES = int(os.environ.get("GUICHET_BENCH_BACKUP_CASES", "100000"))
PER_CITIZEN = 100
BATCH = 1000
FILES = 200


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def populate(service: Any) -> None:
    from export import make_citizen
    from guichet.cases.models import Case, CaseEvent
    from guichet.core.actor import citizen_actor
    from guichet.core.files import blob_save
    from guichet.eforms.models import Draft, Submission
    from guichet.eforms.selectors import definition_get
    from guichet.eforms.services import submission_create
    from submissions import RESIDENCE_ANSWERS

    definition = definition_get(slug=service.form_definition)
    made = 0
    citizen = 0
    while made < CASES:
        user = make_citizen(f"backup-{citizen}@bench.example")
        citizen += 1
        profile = user.active_profile
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
        made += 1
        count = min(PER_CITIZEN - 1, CASES - made)
        subs = [
            Submission(
                profile=profile,
                data_key_id=model.data_key_id,
                service=service,
                form_version_id=model.form_version_id,
                draft_ref=uuid.uuid4(),
                answers=dict(RESIDENCE_ANSWERS, copies=number),
                fee=model.fee,
                language="de",
            )
            for number in range(count)
        ]
        Submission.objects.bulk_create(subs, batch_size=BATCH)
        cases = Case.objects.bulk_create(
            (
                Case(
                    reference=f"B{citizen:05d}-{number:05d}",
                    submission=submission,
                    authority_id=model_case.authority_id,
                    service=service,
                    profile=profile,
                    data_key_id=model_case.data_key_id,
                    status=model_case.status,
                    public_status=model_case.public_status,
                )
                for number, submission in enumerate(subs)
            ),
            batch_size=BATCH,
        )
        CaseEvent.objects.bulk_create(
            (
                CaseEvent(
                    case_id=case.pk,
                    data_key_id=model_case.data_key_id,
                    kind=CaseEvent.Kind.REPLY,
                    visible=True,
                    text="Here is the document you asked for, with my best regards.",
                    author_kind=CaseEvent.Author.CITIZEN,
                )
                for case in cases
            ),
            batch_size=BATCH,
        )
        made += count
        if citizen <= FILES:
            blob_save(data_key_id=str(profile.data_key_id), aad="bench", chunks=[os.urandom(48 * 1024)])
        if citizen % 100 == 0:
            log(f"backup bench: {made} cases")


def run() -> Iterator[dict[str, Any]]:
    from django.conf import settings
    from django.db import connection

    from guichet.catalogue.services import service_upsert
    from guichet.core.models import Authority
    from guichet.privacy.backups import dump, engine
    from guichet.privacy.backups.destinations import parse_specs
    from guichet.privacy.backups.restore import restore_run

    authority = Authority.objects.create(slug="bench-backup", name="Stadt Backup", kind=Authority.Kind.MUNICIPALITY)
    service = service_upsert(
        slug="bench-backup-wohnsitz",
        authority=authority,
        title={"de": "Wohnsitzbestätigung"},
        form_definition="residence-confirmation",
    )
    started = time.perf_counter()
    populate(service)
    log(f"backup bench: {CASES} cases in {time.perf_counter() - started:.1f}s")

    with tempfile.TemporaryDirectory(prefix="guichet-bench-backup-") as folder:
        root = Path(folder)
        specs = parse_specs(",".join(f"local:{root / name}@CH" for name in "abc"))
        settings.GUICHET_DELETION_LOG_PATH = str(root / "deletion-log.jsonl")
        settings.GUICHET_BACKUP_WORK_DIR = str(root / "work")

        def backup() -> Any:
            return engine.backup_run(specs=specs)

        def restore(name: str) -> Any:
            work = root / f"restore-{uuid.uuid4().hex[:8]}"
            work.mkdir()
            if connection.vendor == "postgresql":
                db = f"guichet_bench_restore_{uuid.uuid4().hex[:8]}"
                dump.pg_create_database(connection.settings_dict, db)
                target = dump.Target({**connection.settings_dict, "NAME": db})
            else:
                target, db = dump.sqlite_target(work / "restored.sqlite3"), ""
            try:
                return restore_run(backup=name, target=target, files_dir=work / "files", specs=specs, work=work)
            finally:
                if db:
                    dump.pg_drop_database(connection.settings_dict, db)

        for what in ("backup", "restore"):
            timings: dict[str, float] = {}
            result: Any = None
            for traced in (False, True):
                if traced:
                    tracemalloc.start()
                    tracemalloc.reset_peak()
                    baseline = tracemalloc.get_traced_memory()[0]
                started = time.perf_counter()
                if what == "backup":
                    result = backup()
                    name = result.backup_id.hex
                else:
                    result = restore(name)
                timings["traced" if traced else "seconds"] = time.perf_counter() - started
                if traced:
                    timings["peak"] = tracemalloc.get_traced_memory()[1] - baseline
                    tracemalloc.stop()
            line: dict[str, Any] = {
                "bench": "backup",
                "what": what,
                "database": connection.vendor,
                "cases": CASES,
                "seconds": round(timings["seconds"], 2),
                "seconds_under_tracemalloc": round(timings["traced"], 2),
                "peak_python_memory_kib": round(timings["peak"] / 1024),
            }
            if what == "backup":
                line["archive_bytes"] = result.size
                line["tables"] = len(result.manifest["tables"])
                line["rows"] = sum(result.manifest["tables"].values())
                line["files"] = result.manifest["files"]
                line["destinations"] = len(result.destinations)
            else:
                line["rows"] = sum(result.tables.values())
                line["files"] = result.files
            yield line
