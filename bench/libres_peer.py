"""The peer's half of ``bench/appointments.py``: the same calendar and the same measurements in
``libres`` (the booking library of OneGov Cloud, PostgreSQL only, SQLAlchemy based).

Runs with the python of a separate virtual environment, never with the project's own (libres
pins its own SQLAlchemy and psycopg2)::

    python3 -m venv /tmp/libres-venv && /tmp/libres-venv/bin/pip install libres psycopg2-binary
    LIBRES_PEER_DSN=postgres://postgres@127.0.0.1:5432/postgres \\
        /tmp/libres-venv/bin/python bench/libres_peer.py --month 2027-11

``bench/appointments.py`` starts it as a subprocess and reads the JSON lines it prints to stdout
(progress goes to stderr). ``LIBRES_PEER_DSN`` names the PostgreSQL server: the script creates a
throw-away database of its own on that server and drops it at the end.

The calendar, as on Guichet's side: every working day (Monday to Friday, no holidays) of the
month 08-12 and 13-17 in 10-minute slots, one allocation per slot with quota 1 (not partly
available), so each slot can be reserved once. Every run starts on a resource (scheduler) of
its own carrying that month; the measurements and their order are those of
``bench/appointments.py`` (see there).

Booking is done the way OneGov does it: ``scheduler.reserve(email, (start, end))`` then
``scheduler.approve_reservations(token)`` and a commit, in one transaction (libres' sessions are
SERIALIZABLE). A transaction that PostgreSQL aborts (SQLSTATE class 40: serialization failure or
deadlock, psycopg2's ``TransactionRollbackError``) is rolled back and the request tried again, at
most 2 attempts in all as OneGov's ``transaction.attempts`` setting; after that the request is
answered with a conflict (OneGov's HTTP 409) and counted as aborted. ``AlreadyReservedError`` is
the answer "slot taken".
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import threading
import time
import zoneinfo
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import libres
import psycopg2.extensions
import sqlalchemy
from libres.modules import errors
from sqlalchemy import create_engine, exc, text

TIME_ZONE = "Europe/Zurich"
WORKING_HOURS = ((datetime.time(8), datetime.time(12)), (datetime.time(13), datetime.time(17)))
SLOT = datetime.timedelta(minutes=10)
ATTEMPTS = 2  # OneGov's ``transaction.attempts``: the first try and one retry

Job = tuple[str, datetime.datetime, datetime.datetime]  # (email, start, end)
CONCURRENCY = {  # as bench/appointments.py says it
    "threads": "threads, each with {connection} of its own (the GIL: one computes at a time)",
    "processes": "processes forked after the set-up, each with {connection} of its own",
    "one client": "one client, one request after the other, on {connection}",
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def emit(line: dict[str, Any]) -> None:
    print(json.dumps({"bench": "appointments", "system": "libres", **line}), flush=True)


def figures(timings_ms: list[float], prefix: str = "") -> dict[str, float | None]:
    """p50/p95/max as ``bench/appointments.py`` computes them for Guichet."""
    if not timings_ms:
        return {f"{prefix}p50_ms": None, f"{prefix}p95_ms": None, f"{prefix}max_ms": None}
    ordered = sorted(timings_ms)
    return {
        f"{prefix}p50_ms": round(statistics.median(ordered), 2),
        f"{prefix}p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2),
        f"{prefix}max_ms": round(ordered[-1], 2),
    }


# --- the calendar -------------------------------------------------------------------------------


def month_days(month: str) -> list[datetime.date]:
    year, number = (int(part) for part in month.split("-"))
    day = datetime.date(year, number, 1)
    days = []
    while day.month == number:
        days.append(day)
        day += datetime.timedelta(days=1)
    return days


def month_slots(month: str) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """(start, end) of every 10-minute slot of the month's working days, in time order."""
    zone = zoneinfo.ZoneInfo(TIME_ZONE)
    slots = []
    for day in month_days(month):
        if day.weekday() >= 5:
            continue
        for opens, closes in WORKING_HOURS:
            start = datetime.datetime.combine(day, opens, tzinfo=zone)
            closing = datetime.datetime.combine(day, closes, tzinfo=zone)
            while start + SLOT <= closing:
                slots.append((start, start + SLOT))
                start += SLOT
    return slots


def month_range(month: str) -> tuple[datetime.datetime, datetime.datetime]:
    """The month from its first day at 00:00 to its last at 23:59:59.999999 (local time)."""
    zone = zoneinfo.ZoneInfo(TIME_ZONE)
    days = month_days(month)
    start = datetime.datetime.combine(days[0], datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(days[-1], datetime.time.max, tzinfo=zone)
    return start, end


# --- the database -------------------------------------------------------------------------------


def sqlalchemy_url(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(("postgresql+psycopg2", parts.netloc, f"/{database}", parts.query, ""))


def admin_engine(dsn: str) -> sqlalchemy.Engine:
    return create_engine(sqlalchemy_url(dsn, "postgres"), isolation_level="AUTOCOMMIT")


def create_database(dsn: str, name: str) -> None:
    engine = admin_engine(dsn)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def drop_database(dsn: str, name: str) -> None:
    engine = admin_engine(dsn)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


# --- availability -------------------------------------------------------------------------------


def month_free_feed(scheduler: Any, month: str) -> int:
    """OneGov's calendar feed: every allocation of the month with its availability (one query for
    the allocations, one for their reserved slots); the free slots are those not fully booked."""
    start, end = month_range(month)
    return sum(
        1
        for _allocation, availability, _parts in scheduler.allocations_with_availability_by_range(start, end)
        if availability > 0
    )


def month_free_search(scheduler: Any, month: str) -> int:
    """``search_allocations(available_only=True)``: the free allocations of the month."""
    start, end = month_range(month)
    return len(scheduler.search_allocations(start, end, available_only=True))


def availability(scheduler: Any, month: str, *, calendar: str, rounds: int, warmup: int) -> list[dict[str, Any]]:
    lines = []
    for method, function in (
        ("allocations_with_availability_by_range", month_free_feed),
        ("search_allocations", month_free_search),
    ):
        counts = set()
        timings: list[float] = []
        for round_number in range(warmup + rounds):
            started = time.perf_counter()
            counts.add(function(scheduler, month))
            elapsed = (time.perf_counter() - started) * 1000
            scheduler.session.close()  # a new session per request, as OneGov has
            if round_number >= warmup:
                timings.append(elapsed)
        if len(counts) != 1:
            raise RuntimeError(f"the free slots changed between rounds: {sorted(counts)}")
        lines.append(
            {
                "what": "month_availability",
                "calendar": calendar,
                "method": f"scheduler.{method}",
                "month": month,
                "rounds": rounds,
                "warmup": warmup,
                "free_slots": counts.pop(),
                **figures(timings),
            }
        )
    return lines


# --- booking ------------------------------------------------------------------------------------


def is_transaction_rollback(error: BaseException) -> bool:
    """SQLSTATE class 40 (serialization failure, deadlock): what OneGov retries."""
    return isinstance(getattr(error, "orig", None), psycopg2.extensions.TransactionRollbackError)


def book(scheduler: Any, email: str, start: datetime.datetime, end: datetime.datetime) -> tuple[str, int]:
    """One request: (outcome, transactions aborted by PostgreSQL on the way)."""
    aborted = 0
    for _attempt in range(ATTEMPTS):
        try:
            token = scheduler.reserve(email, (start, end))
            scheduler.approve_reservations(token)
            scheduler.commit()
        except errors.AlreadyReservedError:
            scheduler.rollback()
            return "taken", aborted
        except errors.LibresError as error:
            scheduler.rollback()
            return f"refused:{type(error).__name__}", aborted
        except exc.DBAPIError as error:
            scheduler.rollback()
            if is_transaction_rollback(error):
                aborted += 1
                continue
            return f"error:{type(getattr(error, 'orig', error)).__name__}", aborted
        else:
            return "booked", aborted
    return "conflict", aborted  # OneGov answers 409 once the attempts are used up


def client_loop(scheduler: Any, jobs: list[Job], report: Callable[[tuple[str, int, float]], None]) -> None:
    """One client: its requests one after the other, each answer reported with its time."""
    for email, start, end in jobs:
        began = time.perf_counter()
        try:
            outcome, aborted = book(scheduler, email, start, end)
        except Exception as error:  # counted: every request must get an answer
            outcome, aborted = f"error:{type(error).__name__}", 0
            scheduler.rollback()
        report((outcome, aborted, (time.perf_counter() - began) * 1000))


def run_clients(
    base: Any, jobs_per_client: list[list[Job]], *, workers: str, timeout: float
) -> tuple[list[tuple[str, int, float]], float]:
    """All clients at once (they start together); (answers, seconds until the last one)."""
    base.session.close()
    if len(jobs_per_client) == 1:  # one client: in this thread, with this session
        results: list[tuple[str, int, float]] = []
        started = time.perf_counter()
        client_loop(base, jobs_per_client[0], results.append)
        return results, time.perf_counter() - started
    if workers == "processes":
        return run_processes(base, jobs_per_client, timeout=timeout)
    return run_threads(base, jobs_per_client, timeout=timeout)


def run_threads(
    base: Any, jobs_per_client: list[list[Job]], *, timeout: float
) -> tuple[list[tuple[str, int, float]], float]:
    """Every client in its own thread with its own session (libres' sessions are thread-local)."""
    results: list[tuple[str, int, float]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(jobs_per_client) + 1)

    def report(answer: tuple[str, int, float]) -> None:
        with lock:
            results.append(answer)

    def client(jobs: list[Job]) -> None:
        scheduler = base.clone()
        try:
            barrier.wait()
            client_loop(scheduler, jobs, report)
        finally:
            scheduler.session_provider.session.remove()

    threads = [threading.Thread(target=client, args=(jobs,), daemon=True) for jobs in jobs_per_client]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    deadline = started + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.perf_counter()))
    seconds = time.perf_counter() - started
    with lock:
        return list(results), seconds


def run_processes(
    base: Any, jobs_per_client: list[list[Job]], *, timeout: float
) -> tuple[list[tuple[str, int, float]], float]:
    """Every client in a process of its own (forked, so no GIL is shared) with its own session and
    connection; the answers come back through a queue as they are given."""
    import multiprocessing
    import queue

    context = multiprocessing.get_context("fork")
    answers: Any = context.Queue()
    barrier: Any = context.Barrier(len(jobs_per_client) + 1)
    provider = base.session_provider
    provider.session.remove()
    provider.engine.dispose()  # the children open their own connections

    def client(jobs: list[Job]) -> None:
        scheduler = base.clone()
        try:
            barrier.wait()
            client_loop(scheduler, jobs, answers.put)
        finally:
            provider.session.remove()
            provider.engine.dispose()

    processes = [context.Process(target=client, args=(jobs,), daemon=True) for jobs in jobs_per_client]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    expected = sum(len(jobs) for jobs in jobs_per_client)
    results: list[tuple[str, int, float]] = []
    while len(results) < expected:
        remaining = started + timeout - time.perf_counter()
        if remaining <= 0:
            break
        try:
            results.append(answers.get(timeout=min(remaining, 5.0)))
        except queue.Empty:
            if not any(process.is_alive() for process in processes):
                break
    seconds = time.perf_counter() - started
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():  # still busy after the time limit: its open requests count as unanswered
            process.terminate()
    return results, seconds


def invariant(scheduler: Any) -> dict[str, int]:
    """Double bookings in the database: reserved slots of a resource that share a start or overlap,
    and allocations (quota 1) with more than one approved reservation."""
    resource = str(scheduler.resource)
    session = scheduler.session
    same_start = session.execute(
        text(
            """SELECT count(*) FROM (SELECT resource, start FROM reserved_slots WHERE resource = :resource
               GROUP BY resource, start HAVING count(*) > 1) AS duplicate"""
        ),
        {"resource": resource},
    ).scalar_one()
    overlapping = session.execute(
        text(
            """SELECT count(*) FROM reserved_slots a JOIN reserved_slots b
               ON a.resource = b.resource AND a.start < b.start AND b.start < a."end"
               WHERE a.resource = :resource"""
        ),
        {"resource": resource},
    ).scalar_one()
    over_quota = session.execute(
        text(
            """SELECT count(*) FROM (SELECT target FROM reservations WHERE resource = :resource
               AND status = 'approved' GROUP BY target HAVING count(*) > 1) AS twice"""
        ),
        {"resource": resource},
    ).scalar_one()
    approved = session.execute(
        text("SELECT count(*) FROM reservations WHERE resource = :resource AND status = 'approved'"),
        {"resource": resource},
    ).scalar_one()
    slots = session.execute(
        text("SELECT count(*) FROM reserved_slots WHERE resource = :resource"), {"resource": resource}
    ).scalar_one()
    session.close()
    return {
        "double_bookings": int(same_start) + int(overlapping) + int(over_quota),
        "slots_reserved_twice": int(same_start),
        "overlapping_reserved_slots": int(overlapping),
        "allocations_approved_twice": int(over_quota),
        "approved_reservations": int(approved),
        "reserved_slots": int(slots),
    }


def booking_line(
    what: str,
    scheduler: Any,
    jobs_per_client: list[list[Job]],
    *,
    slots: int,
    workers: str,
    timeout: float,
) -> dict[str, Any]:
    results, seconds = run_clients(scheduler, jobs_per_client, workers=workers, timeout=timeout)
    attempts = sum(len(jobs) for jobs in jobs_per_client)
    tally = Counter(outcome for outcome, _aborted, _ms in results)
    booked = tally.pop("booked", 0)
    taken = tally.pop("taken", 0)
    conflicts = tally.pop("conflict", 0)
    checked = invariant(scheduler)
    return {
        "what": what,
        "clients": len(jobs_per_client),
        "workers": workers,
        "concurrency": CONCURRENCY.get(workers, workers).format(connection="one SQLAlchemy session and connection"),
        "isolation": "SERIALIZABLE",
        "retry": f"at most {ATTEMPTS} attempts per request on SQLSTATE class 40, then 409 (as OneGov)",
        "slots": slots,
        "attempts": attempts,
        "answered": len(results),
        "unanswered": attempts - len(results),
        "booked": booked,
        "taken": taken,
        "aborted_requests": conflicts,
        "aborted_transactions": sum(aborted for _outcome, aborted, _ms in results),
        "errors": sum(tally.values()),
        "error_kinds": dict(tally),
        "seconds": round(seconds, 3),
        "bookings_per_second": round(booked / seconds, 1) if seconds else None,
        "requests_per_second": round(len(results) / seconds, 1) if seconds else None,
        **figures([ms for _outcome, _aborted, ms in results], "request_"),
        **checked,
        "consistent": checked["approved_reservations"] == booked == checked["reserved_slots"],
    }


# --- the run ------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", required=True, help="YYYY-MM")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--distinct", type=int, default=1000)
    parser.add_argument("--contested", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--workers", default="threads,processes", help="threads, processes or both (comma separated)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds a booking run may take")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each concurrent measurement, each fresh")
    options = parser.parse_args(argv)
    dsn = os.environ.get("LIBRES_PEER_DSN", "")
    if not dsn.startswith(("postgres://", "postgresql://")):
        print("LIBRES_PEER_DSN must name the PostgreSQL server (postgres://...)", file=sys.stderr)
        return 2
    database = f"guichet_bench_libres_{os.getpid()}"
    create_database(dsn, database)
    try:
        run(sqlalchemy_url(dsn, database), options)
    finally:
        drop_database(dsn, database)
    return 0


def distinct_jobs(slots: list[tuple[datetime.datetime, datetime.datetime]], clients: int) -> list[list[Job]]:
    """Each slot once, dealt round-robin in time order: the clients book neighbouring slots at once."""
    numbered = list(enumerate(slots))
    return [
        [(f"distinct-{index}@bench.example", start, end) for index, (start, end) in numbered[n::clients]]
        for n in range(clients)
    ]


def contested_jobs(slots: list[tuple[datetime.datetime, datetime.datetime]], clients: int) -> list[list[Job]]:
    """Each slot wanted by two clients at the same moment: clients 2p and 2p+1 go through the same slots."""
    pairs = max(1, clients // 2)
    numbered = list(enumerate(slots))
    return [
        [
            (f"contested-{index}-{n % 2}@bench.example", start, end)
            for index, (start, end) in numbered[n // 2 % pairs :: pairs]
        ]
        for n in range(clients)
    ]


def run(url: str, options: argparse.Namespace) -> None:
    context = libres.registry.register_context("guichet_bench")
    context.set_setting("dsn", url)
    slots = month_slots(options.month)
    modes = [mode.strip() for mode in options.workers.split(",")]
    runs = range(1, max(1, options.repeats) + 1)
    names = ["half", *(f"{what}-{mode}-{run}" for mode in modes for what in ("distinct", "contested") for run in runs)]
    schedulers = {}
    started = time.perf_counter()
    for name in names:
        scheduler = libres.new_scheduler(context, f"bench-{name}", TIME_ZONE)
        if not schedulers:
            scheduler.setup_database()
        scheduler.allocate(slots, partly_available=False, quota=1)
        scheduler.commit()
        schedulers[name] = scheduler
    log(f"libres: {len(names)} calendars of {len(slots)} allocations in {time.perf_counter() - started:.1f}s")
    if len(slots) < max(options.distinct, options.contested):
        raise SystemExit(f"the month has {len(slots)} slots: fewer than the bookings asked for")
    emit(
        {
            "what": "setup",
            "month": options.month,
            "working_days": len({start.date() for start, _end in slots}),
            "month_slots": len(slots),
            "slot_minutes": 10,
            "quota": 1,
            "calendars": len(names),
            "libres": libres.__version__,
            "sqlalchemy": sqlalchemy.__version__,
            "psycopg2": psycopg2.__version__.split()[0],
            "python": sys.version.split()[0],
            "isolation": "SERIALIZABLE",
        }
    )
    rounds, warmup, timeout = options.rounds, options.warmup, options.timeout
    for line in availability(schedulers["half"], options.month, calendar="empty", rounds=rounds, warmup=warmup):
        emit(line)

    # One client books every other slot (also the warm-up of the booking path), then the half-booked month.
    half = slots[::2]
    log(f"libres: {len(half)} bookings by one client")
    jobs = [[(f"serial-{index}@bench.example", start, end) for index, (start, end) in enumerate(half)]]
    emit(booking_line("book_serial", schedulers["half"], jobs, slots=len(half), workers="one client", timeout=timeout))
    for line in availability(schedulers["half"], options.month, calendar="half_booked", rounds=rounds, warmup=warmup):
        emit(line)

    clients = options.clients
    for mode in modes:
        for run in runs:
            log(f"libres: {options.distinct} distinct slots, {clients} clients ({mode}), run {run}/{len(runs)}")
            jobs = distinct_jobs(slots[: options.distinct], clients)
            scheduler = schedulers[f"distinct-{mode}-{run}"]
            line = booking_line("book_distinct", scheduler, jobs, slots=options.distinct, workers=mode, timeout=timeout)
            emit({**line, "run": run})
            log(f"libres: {options.contested} slots wanted twice, {clients} clients ({mode}), run {run}/{len(runs)}")
            jobs = contested_jobs(slots[: options.contested], clients)
            scheduler = schedulers[f"contested-{mode}-{run}"]
            line = booking_line(
                "book_contested", scheduler, jobs, slots=options.contested, workers=mode, timeout=timeout
            )
            emit({**line, "run": run})
    context.get_service("session_provider").stop_service()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
