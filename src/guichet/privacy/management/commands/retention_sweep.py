from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from guichet.privacy.retention import retention_sweep


class Command(BaseCommand):
    help = "Delete personal data whose retention period has ended (P09). --dry-run only counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what is due, delete nothing")
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args: Any, dry_run: bool, batch_size: int | None, **options: Any) -> None:
        results = retention_sweep(dry_run=dry_run, batch_size=batch_size)
        verb = "due" if dry_run else "deleted"
        width = max([len(result.data_kind) for result in results] + [9])
        rule_width = max([len(result.rule) for result in results] + [4])
        self.stdout.write(f"{'data kind':<{width}}  {'rule':<{rule_width}}  {verb:>8}")
        for result in results:
            line = f"{result.data_kind:<{width}}  {result.rule:<{rule_width}}  {result.count:>8}"
            self.stdout.write(line if result.ok else self.style.ERROR(f"{line}  FAILED"))
        total = sum(result.count for result in results)
        self.stdout.write(self.style.SUCCESS(f"{total} rows {verb}{' (dry run)' if dry_run else ''}."))
        if not all(result.ok for result in results):
            raise SystemExit(1)
