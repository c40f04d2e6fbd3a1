from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guichet.privacy.backups.drill import restore_drill


class Command(BaseCommand):
    help = (
        "Restore drill (P15): restore the newest backup into a scratch database, verify row counts and checksums "
        "against the backup's manifest, and record the result for the privacy statement. (The issue calls it "
        "`restore-drill`; Django command names cannot contain '-'.)"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = restore_drill()
        if not result.ok:
            raise CommandError(f"restore drill failed: {result.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Restore drill passed: {result.backup} restored in {result.seconds:.1f} s; {result.tables} tables, "
                f"{result.rows} rows and {result.files} files match the backup."
            )
        )
