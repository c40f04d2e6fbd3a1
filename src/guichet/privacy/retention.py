"""The retention engine (P09): delete what the registry says is due, in small batches, and log it.

Every rule is ``start event + period`` (see ``core.registry.RetentionRule``). The sweep writes one
``DeletionLogEntry`` per rule run (kind, rule, count, dry run; never what was deleted) and stamps
``ProofRun("retention_sweep")`` so the statement can show when the last purge ran.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from guichet.core.models import DeletionLogEntry, ProofRun
from guichet.core.registry import DataKind, RetentionRule, registry

logger = logging.getLogger("guichet.privacy.retention")

PROOF_NAME = "retention_sweep"


@dataclass(frozen=True)
class SweepResult:
    data_kind: str
    rule: str
    count: int
    dry_run: bool
    ok: bool = True


def _delete_due(*, kind: DataKind, rule: RetentionRule, now: datetime.datetime, batch_size: int) -> int:
    """Delete due rows by primary key, one short transaction per batch, so a large backlog
    never holds a long lock and a crash loses at most one batch of progress."""
    model = kind.model_class
    label = model._meta.label
    deleted = 0
    while True:
        pks = list(rule.due(now).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not pks:
            return deleted
        with transaction.atomic():
            if rule.purge is not None:
                deleted += rule.purge(pks)
            else:
                _total, per_model = model._default_manager.filter(pk__in=pks).delete()
                deleted += per_model.get(label, 0)
        if len(pks) < batch_size:
            return deleted


def retention_sweep(
    *,
    now: datetime.datetime | None = None,
    dry_run: bool = False,
    batch_size: int | None = None,
    only: Iterable[str] | None = None,
    trigger: str = "retention",
) -> list[SweepResult]:
    """Run every retention rule (or those of the ``only`` data kinds) and return what each did."""
    now = now or timezone.now()
    batch_size = batch_size or settings.GUICHET_RETENTION_BATCH_SIZE
    wanted = {label.lower() for label in only} if only is not None else None
    results: list[SweepResult] = []
    for kind, rule in registry.retention_rules():
        if wanted is not None and kind.model.lower() not in wanted:
            continue
        ok = True
        try:
            if dry_run:
                count = rule.due(now).count()
            else:
                count = _delete_due(kind=kind, rule=rule, now=now, batch_size=batch_size)
        except DatabaseError:
            # One broken rule must not stop the others; the proof run records the failure.
            logger.exception("retention rule %s failed", rule.name)
            ok, count = False, 0
        DeletionLogEntry.objects.create(
            data_kind=kind.model, rule=rule.name, count=count, dry_run=dry_run, trigger=trigger
        )
        results.append(SweepResult(data_kind=kind.model, rule=rule.name, count=count, dry_run=dry_run, ok=ok))
        logger.info("retention rule=%s kind=%s count=%d dry_run=%s ok=%s", rule.name, kind.model, count, dry_run, ok)
    if wanted is None and not dry_run:
        ProofRun.objects.update_or_create(
            name=PROOF_NAME,
            defaults={
                "last_run_at": timezone.now(),
                "ok": all(result.ok for result in results),
                "summary": {result.rule: result.count for result in results},
            },
        )
    return results
