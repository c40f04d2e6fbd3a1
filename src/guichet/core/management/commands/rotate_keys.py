from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from guichet.core.crypto import keyring
from guichet.core.keys import data_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-wrap every data key under the active (first) master key of GUICHET_MASTER_KEYS (P25). "
        "Afterwards the retired master keys can be removed from the configuration."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        changed = data_keys_rotate(batch_size=batch_size)
        self.stdout.write(f"{changed} data keys re-wrapped under master key {keyring().active_kid!r}.")
