"""Run Guichet's benchmarks: ``make bench`` or ``python bench/run.py [name ...]``.

Every benchmark prints JSON lines to stdout (progress goes to stderr). Django is set up against a
throw-away SQLite file and variable directory, so nothing touches ``var/``. Benchmarks are never
timed in the test suite.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
BENCHMARKS = [
    "pages",
    "catalogue",
    "forms",
    "submissions",
    "appointments",
    "export",
    "access_log",
    "backup",
]  # bench/NAME.py, each with ``run()``


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="guichet-bench-") as tmp:
        # All of this must be in place before django.setup() reads the settings.
        os.environ["DJANGO_SETTINGS_MODULE"] = "guichet.settings"
        os.environ.setdefault("GUICHET_TESTING", "1")
        os.environ["GUICHET_VAR_DIR"] = tmp
        # SQLite in the temporary directory, unless DATABASE_URL names PostgreSQL: then a throw-away
        # test database next to it (created and dropped here; the named database is not touched).
        postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
        if not postgres:
            os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        os.environ.setdefault("GUICHET_LOG_LEVEL", "WARNING")
        for path in (str(REPO_DIR / "src"), str(BENCH_DIR)):
            if path not in sys.path:
                sys.path.insert(0, path)

        import django
        from django.core.management import call_command
        from django.db import connection

        django.setup()
        started = time.perf_counter()
        if postgres:
            original_name = connection.settings_dict["NAME"]
            connection.creation.create_test_db(verbosity=0, autoclobber=True)
        else:
            call_command("migrate", verbosity=0, interactive=False)
        print(f"migrated in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        try:
            for name in names:
                started = time.perf_counter()
                module = importlib.import_module(name)
                for line in module.run():
                    print(json.dumps(line, sort_keys=False), flush=True)
                print(f"{name}: {time.perf_counter() - started:.1f}s", file=sys.stderr)
        finally:
            if postgres:
                connection.creation.destroy_test_db(original_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
