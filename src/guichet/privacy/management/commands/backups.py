from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from guichet.privacy.backups.engine import backups_list, backups_prune
from guichet.privacy.management.commands.backup import _size


def _age(seconds: float) -> str:
    hours = int(seconds // 3600)
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} d"


class Command(BaseCommand):
    help = "List the backups on every destination: id, time, size, age and where each one is kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--prune", action="store_true", help="first delete backups older than the retention")

    def handle(self, *args: Any, prune: bool, **options: Any) -> None:
        if prune:
            pruned = backups_prune()
            self.stdout.write(f"Deleted {sum(len(names) for names in pruned.deleted.values())} expired backup file(s).")
        listing = backups_list()
        now = timezone.now()
        self.stdout.write(f"{'backup id':<12}  {'created (UTC)':<16}  {'size':>10}  {'age':>6}  destinations")
        for entry in listing.backups:
            self.stdout.write(
                f"{entry.backup_id[:12]:<12}  {entry.created_at:%Y-%m-%d %H:%M}  {_size(entry.size):>10}  "
                f"{_age(entry.age(now).total_seconds()):>6}  {', '.join(entry.destinations)}"
            )
        self.stdout.write(f"{len(listing.backups)} backup(s).")
        for label, error in listing.errors.items():
            self.stdout.write(self.style.ERROR(f"{label} could not be listed: {error}"))
        if listing.errors:
            raise CommandError("some destinations could not be listed")
