"""Log formatting: timestamps in UTC with an explicit zone (ASVS 16: logs comparable across hosts)."""

from __future__ import annotations

import logging
import time


class UTCFormatter(logging.Formatter):
    converter = time.gmtime

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S", self.converter(record.created)) + f".{int(record.msecs):03d}Z"
