from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.privacy.backups import dump
from guichet.privacy.backups.archive import ArchiveError
from guichet.privacy.backups.restore import RestoreRefused, VerificationFailed, restore_run


class Command(BaseCommand):
    help = (
        "Restore a backup (its id, an unambiguous prefix, its file name, or 'latest') into an EMPTY database, "
        "with the newest key-store snapshot, then replay the deletion log so people erased since stay erased. "
        "Run `manage.py migrate` afterwards when the code is newer than the backup."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", help="backup id (or prefix), file name, or 'latest'")
        parser.add_argument(
            "--database-url", default="", help="restore into this empty database instead of the configured one"
        )
        parser.add_argument("--files-dir", default="", help="put stored files here instead of the file storage")

    def handle(self, *args: Any, backup: str, database_url: str, files_dir: str, **options: Any) -> None:
        target = dump.target_from_url(database_url) if database_url else dump.default_target()
        try:
            with tempfile.TemporaryDirectory(
                prefix="guichet-restore-", dir=settings.GUICHET_BACKUP_WORK_DIR or None
            ) as work:
                report = restore_run(
                    backup=backup, target=target, files_dir=Path(files_dir) if files_dir else None, work=Path(work)
                )
        except (RestoreRefused, ArchiveError, VerificationFailed, ImproperlyConfigured) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {report.backup} (taken {report.created_at:%Y-%m-%d %H:%M} UTC) from {report.source}"
        )
        self.stdout.write(
            f"  into {report.target}: {len(report.tables)} tables, {sum(report.tables.values())} rows, "
            f"{report.files} files; row counts and checksums match the backup"
        )
        self.stdout.write(
            f"  keys from {report.keys_snapshot}: {report.keys_restored} live, {report.keys_destroyed} destroyed"
        )
        self.stdout.write(f"  deletion log: {report.replayed} erasure(s) replayed")
        for problem in report.replay_problems:
            self.stdout.write(self.style.ERROR(f"  replay failed: {problem}"))
        if not report.ok:
            raise CommandError("the deletion log could not be replayed completely: do not open the service yet")
        self.stdout.write(self.style.SUCCESS("Restore complete."))
