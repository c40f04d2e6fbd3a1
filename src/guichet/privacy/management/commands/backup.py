from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.privacy.backups.engine import backup_run, backups_prune
from guichet.privacy.backups.restore import RestoreRefused


def _size(value: int) -> str:
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{value} B"


class Command(BaseCommand):
    help = (
        "Take a full encrypted backup (database, stored files, key-store snapshot, deletion log) and write it "
        "to every configured destination (P15); then delete backups older than the retention. Exits non-zero "
        "when any destination failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-prune", action="store_true", help="keep expired backups this time")

    def handle(self, *args: Any, no_prune: bool, **options: Any) -> None:
        try:
            result = backup_run()
        except (RestoreRefused, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backup {result.name} ({_size(result.size)}, {len(result.manifest['tables'])} tables, "
            f"{result.manifest['files']} files)"
        )
        for item in result.destinations:
            line = f"  {item.label} [{item.location}]: "
            self.stdout.write(line + ("ok" if item.ok else self.style.ERROR(f"FAILED ({item.error})")))
        failed = not result.ok
        if not no_prune:
            pruned = backups_prune()
            count = sum(len(names) for names in pruned.deleted.values())
            self.stdout.write(f"Deleted {count} expired backup file(s).")
            for label, error in pruned.errors.items():
                self.stdout.write(self.style.ERROR(f"  pruning {label} failed: {error}"))
                failed = True
        if failed:
            raise CommandError("the backup did not reach every destination; see above")
        self.stdout.write(self.style.SUCCESS("Backup written to every destination."))
