"""``manage.py access_log_aggregate [--day YYYY-MM-DD]``: count the access log into daily totals."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.privacy.access.services import AggregationRefused, access_log_aggregate, access_log_aggregate_day


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--day expects a date like 2025-06-01, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Count the raw access log into daily totals (P05, P36): every complete day not counted yet, "
        "or --day to count one day again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", type=str, default=None, help="count this day again (YYYY-MM-DD)")

    def handle(self, *args: Any, day: str | None, **options: Any) -> None:
        if day is not None:
            wanted = _day(day)
            try:
                rows = access_log_aggregate_day(day=wanted)
            except AggregationRefused as refused:
                raise CommandError(str(refused)) from None
            self.stdout.write(self.style.SUCCESS(f"{wanted}: {rows} total rows written."))
            return
        days = access_log_aggregate()
        if not days:
            self.stdout.write("Nothing to count: every complete day with raw entries has its totals.")
            return
        for counted in days:
            self.stdout.write(f"{counted}: counted")
        self.stdout.write(self.style.SUCCESS(f"{len(days)} day(s) counted."))
