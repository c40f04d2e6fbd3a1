from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from guichet.core.crypto import generate_master_key


class Command(BaseCommand):
    help = (
        "Print a new master key entry 'kid:base64'. Put it first in GUICHET_MASTER_KEYS, keep the "
        "old entries after it, then run `manage.py rotate_keys`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kid", default="", help="key id (default: mk-<UTC date and time>)")

    def handle(self, *args: Any, kid: str, **options: Any) -> None:
        kid = kid or f"mk-{datetime.datetime.now(tz=datetime.UTC):%Y%m%d%H%M%S}"
        if ":" in kid or "," in kid:
            self.stderr.write("A key id must not contain ':' or ','.")
            raise SystemExit(2)
        self.stdout.write(f"{kid}:{generate_master_key()}")
