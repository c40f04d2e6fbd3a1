"""Serve the portal for development: the web server plus one task worker that runs the schedule.

In production, run gunicorn for the web and `manage.py run_huey` for workers instead (README)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the development web server and a task worker (with the periodic schedule) together."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        manage = [sys.executable, "manage.py"]
        children = [
            subprocess.Popen([*manage, "run_huey", "--workers", "2", "--worker-type", "thread"]),  # noqa: S603
            subprocess.Popen([*manage, "runserver", f"{host}:{port}", "--noreload"]),  # noqa: S603
        ]
        self.stdout.write(self.style.SUCCESS(f"Guichet on http://{host}:{port}/ (worker and scheduler running)"))

        def stop(*_: Any) -> None:
            for child in children:
                child.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for child in children:
                child.wait(timeout=10)
