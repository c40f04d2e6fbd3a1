"""The restore drill (P15): prove that the newest backup can be restored, weekly.

The newest backup is restored into a scratch database (SQLite: a temporary file; PostgreSQL: a
temporary database on the same server, created and dropped again) with its files in a scratch
folder; every member's SHA-256 and every table's row count are compared with the manifest, and
one live data key is unwrapped with the configured master keys. The deletion log is not replayed
(the counts must match what the backup recorded). The outcome is recorded as
``ProofRun("restore_drill")``: the privacy statement shows the date of the last successful drill.
"""

from __future__ import annotations

import datetime
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

from guichet.core import crypto
from guichet.core.models import DataKey, ProofRun
from guichet.privacy.backups import dump, engine
from guichet.privacy.backups.destinations import DestinationSpec
from guichet.privacy.backups.restore import RestoreReport, new_scratch_name, restore_run

logger = logging.getLogger("guichet.backups")

PROOF_NAME = "restore_drill"


@dataclass(frozen=True)
class DrillResult:
    ok: bool
    backup: str
    seconds: float
    tables: int
    rows: int
    files: int
    keys_checked: int
    error: str = ""


def _check_a_key(alias: str) -> int:
    row = DataKey.objects.using(alias).filter(wrapped__isnull=False).values_list("pk", "master_kid", "wrapped").first()
    if row is None:
        return 0
    assert row[2] is not None  # filtered above
    crypto.keyring().unwrap(bytes(row[2]), master_kid=row[1], key_id=str(row[0]))
    return 1


def restore_drill(*, specs: list[DestinationSpec] | None = None) -> DrillResult:
    started = timezone.now()
    base = settings.GUICHET_BACKUP_WORK_DIR or None
    report: RestoreReport | None = None
    keys_checked = 0
    error = ""
    default = connections["default"].settings_dict
    scratch_db = ""
    with tempfile.TemporaryDirectory(prefix="guichet-drill-", dir=base) as folder:
        work = Path(folder)
        try:
            if connections["default"].vendor == "postgresql":
                scratch_db = new_scratch_name()
                dump.pg_create_database(default, scratch_db)
                target = dump.Target({**default, "NAME": scratch_db})
            else:
                target = dump.sqlite_target(work / "drill.sqlite3")
            (work / "files").mkdir()
            (work / "restore").mkdir()
            report = restore_run(
                backup="latest",
                target=target,
                files_dir=work / "files",
                specs=specs,
                replay_log=False,
                work=work / "restore",
            )
            with dump.target_alias(target) as alias:
                keys_checked = _check_a_key(alias)
        except Exception as exc:
            logger.exception("restore drill failed")
            error = f"{type(exc).__name__}: {exc}"[:500]
        finally:
            if scratch_db:
                try:
                    dump.pg_drop_database(default, scratch_db)
                except Exception:
                    logger.exception("could not drop the drill database %s", scratch_db)
    seconds = (timezone.now() - started) / datetime.timedelta(seconds=1)
    result = DrillResult(
        ok=report is not None and not error,
        backup=report.backup if report else "",
        seconds=round(seconds, 2),
        tables=len(report.tables) if report else 0,
        rows=sum(report.tables.values()) if report else 0,
        files=report.files if report else 0,
        keys_checked=keys_checked,
        error=error,
    )
    ProofRun.objects.update_or_create(
        name=PROOF_NAME,
        defaults={
            "last_run_at": timezone.now(),
            "ok": result.ok,
            "summary": {
                "backup": result.backup,
                "seconds": result.seconds,
                "tables": result.tables,
                "rows": result.rows,
                "files": result.files,
                "error": result.error,
            },
        },
    )
    logger.info("restore drill ok=%s backup=%s rows=%d files=%d", result.ok, result.backup, result.rows, result.files)
    return result


__all__ = ["PROOF_NAME", "DrillResult", "engine", "restore_drill"]
