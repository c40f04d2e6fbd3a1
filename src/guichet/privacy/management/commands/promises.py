"""``manage.py promises``: every privacy promise, kept or waiting, and the tests that prove it.

Without options the tests are found by reading the test sources (fast, no database). With
``--run`` the marked tests are run (``pytest -m promise``) and each promise shows how many of
its tests passed; the command then fails when a kept promise has no passing test."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from guichet.privacy.promises import PROMISES, State, promise_test_map


def run_marked_tests(tests_dir: Path) -> dict[str, Counter[str]]:
    """Run ``pytest -m promise`` and count outcomes per promise ID from its JUnit report, where
    ``tests/conftest.py`` records each test's promise IDs as properties."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "promises.xml"
        command = [sys.executable, "-m", "pytest", "-m", "promise", "-q", f"--junitxml={report}", str(tests_dir)]
        subprocess.run(command, cwd=tests_dir.parent, check=False)  # noqa: S603 (our own test suite)
        if not report.exists():
            raise CommandError("pytest wrote no report; is the test suite installed?")
        outcomes: dict[str, Counter[str]] = {}
        for case in ET.parse(report).getroot().iter("testcase"):  # noqa: S314 (our own pytest wrote it)
            ids = [prop.get("value", "") for prop in case.iter("property") if prop.get("name") == "promise"]
            if case.find("failure") is not None or case.find("error") is not None:
                outcome = "failed"
            elif case.find("skipped") is not None:
                outcome = "skipped"
            else:
                outcome = "passed"
            for promise_id in ids:
                outcomes.setdefault(promise_id, Counter())[outcome] += 1
        return outcomes


class Command(BaseCommand):
    help = "List every privacy promise (PROMISES.md): kept with its tests, or waiting for what."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--run", action="store_true", help="run the marked tests and count passes")
        parser.add_argument("--json", action="store_true", dest="as_json", help="machine-readable output")
        parser.add_argument("--tests", default=str(settings.REPO_DIR / "tests"), help="the test folder")

    def handle(self, *args: Any, run: bool, as_json: bool, tests: str, **options: Any) -> None:
        self.verbosity = options.get("verbosity", 1)
        tests_dir = Path(tests)
        if not tests_dir.is_dir():
            raise CommandError(f"no test folder at {tests_dir}; pass --tests")
        marked = promise_test_map(tests_dir)
        outcomes = run_marked_tests(tests_dir) if run else None
        rows = []
        with translation.override("en"):
            for promise in PROMISES:
                row: dict[str, Any] = {
                    "id": promise.id,
                    "state": str(promise.state),
                    "promise": str(promise.text),
                    "waiting_for": str(promise.waiting_for),
                    "tests": marked.get(promise.id, []),
                }
                if outcomes is not None:
                    row["outcomes"] = dict(outcomes.get(promise.id, Counter()))
                rows.append(row)
        broken = [row["id"] for row in rows if row["state"] == State.KEPT and not self._proven(row, run=run)]
        if as_json:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
        else:
            self._write_table(rows, run=run)
        if broken:
            raise CommandError(f"kept promises without a {'passing ' if run else ''}test: {', '.join(broken)}")

    @staticmethod
    def _proven(row: dict[str, Any], *, run: bool) -> bool:
        if run:
            return bool(row["outcomes"].get("passed")) and not row["outcomes"].get("failed")
        return bool(row["tests"])

    def _write_table(self, rows: list[dict[str, Any]], *, run: bool) -> None:
        for row in rows:
            if row["state"] == State.WAITING:
                line = f"{row['id']}  waiting   for {row['waiting_for']}"
                self.stdout.write(self.style.WARNING(line))
                continue
            if run:
                counts = row["outcomes"]
                proof = f"{counts.get('passed', 0)} passed" + "".join(
                    f", {counts[kind]} {kind}" for kind in ("failed", "skipped") if counts.get(kind)
                )
            else:
                proof = f"{len(row['tests'])} tests"
            part = f"  (part waiting for {row['waiting_for']})" if row["waiting_for"] else ""
            line = f"{row['id']}  kept      {proof}{part}"
            self.stdout.write(line if self._proven(row, run=run) else self.style.ERROR(f"{line}  NO PROOF"))
            if self.verbosity > 1:
                for node_id in row["tests"]:
                    self.stdout.write(f"      {node_id}")
        kept = sum(1 for row in rows if row["state"] == State.KEPT)
        self.stdout.write(f"{kept} kept, {len(rows) - kept} waiting.")
