from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from guichet.privacy.inactivity import inactivity_run

LABELS = (
    ("notified", "accounts notified (asked to log in)"),
    ("erased", "accounts erased after an unanswered notice"),
    ("erased_unconfirmed", "unconfirmed accounts erased"),
    ("reset", "notices dropped (logged in, or exempt now)"),
    ("kept_staff", "inactive operators and staff kept"),
    ("kept_deactivated", "inactive deactivated accounts kept"),
    ("kept_restricted", "inactive accounts with restricted processing kept"),
    ("failed", "erasures failed"),
)


class Command(BaseCommand):
    help = (
        "Inactivity lifecycle (P31): notify accounts without login for more than GUICHET_INACTIVITY_DAYS, "
        "erase those that did not log in within GUICHET_INACTIVITY_GRACE_DAYS. --dry-run only counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what would happen, change nothing")
        parser.add_argument("--batch-size", type=int, default=None, help="accounts per batch")

    def handle(self, *args: Any, dry_run: bool, batch_size: int | None, **options: Any) -> None:
        if batch_size is not None and batch_size < 1:
            self.stderr.write(self.style.ERROR("--batch-size must be at least 1."))
            raise SystemExit(2)
        result = inactivity_run(dry_run=dry_run, batch_size=batch_size)
        counts = result.counts()
        width = max(len(label) for _name, label in LABELS)
        for name, label in LABELS:
            line = f"{label:<{width}}  {counts[name]:>8}"
            self.stdout.write(self.style.ERROR(line) if name == "failed" and counts[name] else line)
        self.stdout.write(self.style.SUCCESS("Dry run: nothing was changed." if dry_run else "Done."))
        if not result.ok:
            raise SystemExit(1)
