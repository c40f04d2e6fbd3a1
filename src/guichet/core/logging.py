"""Log formatting: timestamps in UTC with an explicit zone (ASVS 16: logs comparable across hosts)."""

from __future__ import annotations

import datetime
import logging


class UTCFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
