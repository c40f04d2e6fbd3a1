"""Appointment booking, Guichet side by side with the peer ``libres`` (OneGov Cloud's booking library).

The same calendar in both, against the same PostgreSQL server: every working day (Monday to
Friday, no holidays) of the next November that lies wholly ahead (in November 2026: November
2027; the output names it), 08-12 and 13-17 in 10-minute slots, 48 a day. In Guichet one location
with ONE counter of capacity 1 and a 10-minute appointment type without buffer (minimum notice 0,
a horizon past the month, ``max_per_person`` 1000: every booking has an address of its own
anyway); in libres one allocation per slot with quota 1, not partly available. So in both each
slot can be booked exactly once. Every run below starts on a fresh calendar of its own.

Measured for each system, the same way:

1. ``month_availability`` (``calendar: empty``): the free slots of the whole month, ``ROUNDS``
   rounds after 5 of warm-up, p50/p95/max. Guichet: ``availability.free_slots`` over the month.
   libres: ``allocations_with_availability_by_range`` (what OneGov's month calendar feed runs:
   the allocations and their reserved slots) and ``search_allocations(available_only=True)``.
2. ``book_serial``: one client books every other slot of the month (528 in November 2027), one
   booking after the other; it is also the warm-up of the booking path. Then the month's
   availability again, half booked (``calendar: half_booked``): the same state in both.
3. ``book_distinct``: ``CLIENTS`` concurrent clients book ``DISTINCT`` distinct slots, each
   wanted once. The slots in time order, dealt round-robin, so the clients book neighbouring
   slots at the same moment (the rush on the first free times). Bookings and requests per
   second, request p50/p95, "slot taken" answers, aborted requests (a conflict answer after the
   retries) and aborted transactions, errors, and requests without an answer (a client still
   busy after ``TIMEOUT``).
4. ``book_contested``: ``CONTESTED`` slots each wanted twice, by two clients at the same moment
   (clients 2p and 2p+1 go through the same slots in the same order): half must be booked, half
   answered "slot taken".
5. After each booking run the database is asked for double bookings (``double_bookings``, must
   be 0): Guichet, pairs of active bookings of one counter seat whose times overlap and slots
   with more active bookings than seats; libres, reserved slots of a resource that share a start
   or overlap, and allocations with more than one approved reservation. ``consistent``: the rows
   match the bookings that were answered "booked".

3 and 4 run ``REPEATS`` times (3), each on a fresh calendar, one line per run (``run``), in both
systems: this 2-core VM's speed varies by about a third from minute to minute, so the summary
compares the median runs and lists every run beside them.

3 and 4 run in each ``WORKERS`` mode (both by default): ``threads`` (each client a thread with
its own database connection or session, closed at the end: Python's GIL lets one client compute
at a time) and ``processes`` (each client a process forked after the set-up, with its own
connection, as gunicorn's workers are). On this 2-core machine the modes give different figures,
so both are reported (``workers``).

Guichet books with ``booking_create`` as its booking view does, after fetching the type: its own
transaction (READ COMMITTED, the exclusion constraint keeps seats apart), the person's data key
and encrypted data, the blind index, the audit record, and after the commit the confirmation
email's task (the booking's id, the template and the sealed manage link) enqueued (Django's
``DummyBackend``) as the site enqueues it for the worker, which renders the email with its
``.ics`` and sends it. ``GUICHET_BENCH_APPOINTMENTS_EMAIL=inline`` runs the task in the request
instead (``ImmediateBackend``, locmem): rendered, with its ``.ics``, and sent. libres books with ``reserve`` +
``approve_reservations`` + commit in one SERIALIZABLE transaction, retried once on a
serialization failure as OneGov does (``bench/libres_peer.py``); it renders no email.

The libres half runs in a separate virtual environment, as ``bench/libres_peer.py`` in a
subprocess (libres pins its own SQLAlchemy and psycopg2; the project's environment never imports
it)::

    python3 -m venv /tmp/libres-venv && /tmp/libres-venv/bin/pip install libres psycopg2-binary

``GUICHET_BENCH_LIBRES_PYTHON`` names another interpreter. Without it, or without PostgreSQL
(``DATABASE_URL``), the peer is skipped with a line saying how to set it up, and Guichet's
figures are reported alone. The peer creates and drops a throw-away database of its own on the
server of ``DATABASE_URL``.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/guichet_dev GUICHET_TESTING=1
.venv/bin/python bench/run.py appointments`` (run.py works in a throw-away ``test_<name>``
database). Sizes: ``GUICHET_BENCH_APPOINTMENTS_CLIENTS`` (8), ``_DISTINCT`` (1000),
``_CONTESTED`` (500), ``_ROUNDS`` (50), ``_REPEATS`` (3), ``_TIMEOUT`` (900 s per run),
``_WORKERS`` (``threads,processes``), ``_EMAIL`` (``enqueue``). About 6 minutes on the 2-core
machine.

The summary line: the throughput ratios (the median run's bookings per second of Guichet over the
peer's), every run's figure, both
availability p95, and the targets: month availability p95 under 20 ms, booking throughput of the
distinct slots at least 10 times the peer's in every mode, no double booking, no request without
an answer.
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

CLIENTS = int(os.environ.get("GUICHET_BENCH_APPOINTMENTS_CLIENTS", "8"))
DISTINCT = int(os.environ.get("GUICHET_BENCH_APPOINTMENTS_DISTINCT", "1000"))
CONTESTED = int(os.environ.get("GUICHET_BENCH_APPOINTMENTS_CONTESTED", "500"))
ROUNDS = int(os.environ.get("GUICHET_BENCH_APPOINTMENTS_ROUNDS", "50"))
#: each concurrent booking run is repeated on a fresh calendar; the summary takes the median run
REPEATS = max(1, int(os.environ.get("GUICHET_BENCH_APPOINTMENTS_REPEATS", "3")))
TIMEOUT = float(os.environ.get("GUICHET_BENCH_APPOINTMENTS_TIMEOUT", "900"))
#: how the concurrent clients run: each mode measured in turn (comma separated: threads, processes)
WORKERS = [
    mode.strip() for mode in os.environ.get("GUICHET_BENCH_APPOINTMENTS_WORKERS", "threads,processes").split(",")
]
EMAIL = os.environ.get("GUICHET_BENCH_APPOINTMENTS_EMAIL", "enqueue")  # or "inline"
WARMUP_ROUNDS = 5
LIBRES_VENV = Path(tempfile.gettempdir()) / "libres-venv"
LIBRES_PYTHON = os.environ.get("GUICHET_BENCH_LIBRES_PYTHON", str(LIBRES_VENV / "bin" / "python"))
LIBRES_SETUP = f"python3 -m venv {LIBRES_VENV} && {LIBRES_VENV}/bin/pip install libres psycopg2-binary"
PEER = Path(__file__).resolve().parent / "libres_peer.py"
LOCMEM_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend", "OPTIONS": {}}}
#: the confirmation email's send task is only enqueued, as the site does (a worker sends it)
ENQUEUE_ONLY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "OPTIONS": {}}}
EMAIL_NOTES = {
    "enqueue": "its task enqueued after the commit (DummyBackend); the worker would render it with its .ics",
    "inline": "its task run in the request after the commit (ImmediateBackend, locmem): rendered with its .ics, sent",
}
CONCURRENCY = {
    "threads": "threads, each with {connection} of its own (the GIL: one computes at a time)",
    "processes": "processes forked after the set-up, each with {connection} of its own",
    "one client": "one client, one request after the other, on {connection}",
}
ISOLATION = {
    "postgresql": "READ COMMITTED (Django's default); the exclusion constraint keeps a seat's bookings apart",
    "sqlite": "one writer at a time (IMMEDIATE transactions); a trigger keeps a seat's bookings apart",
}
AVAILABILITY_TARGET_MS = 20.0
RATIO_TARGET = 10.0

Job = tuple[datetime.datetime, str]  # (slot start, email)
RUNS = range(1, REPEATS + 1)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def figures(timings_ms: list[float], prefix: str = "") -> dict[str, float | None]:
    """p50/p95/max (``bench/libres_peer.py`` computes them the same way)."""
    if not timings_ms:
        return {f"{prefix}p50_ms": None, f"{prefix}p95_ms": None, f"{prefix}max_ms": None}
    ordered = sorted(timings_ms)
    return {
        f"{prefix}p50_ms": round(statistics.median(ordered), 2),
        f"{prefix}p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2),
        f"{prefix}max_ms": round(ordered[-1], 2),
    }


def next_november(today: datetime.date) -> str:
    """The next November that lies wholly ahead (in November itself: next year's)."""
    return f"{today.year if today.month < 11 else today.year + 1}-11"


def month_days(month: str) -> list[datetime.date]:
    year, number = (int(part) for part in month.split("-"))
    day = datetime.date(year, number, 1)
    days = []
    while day.month == number:
        days.append(day)
        day += datetime.timedelta(days=1)
    return days


# --- Guichet's calendar -------------------------------------------------------------------------


def make_calendar(authority: Any, slug: str, *, last_day: datetime.date) -> Any:
    """One location, one counter of capacity 1, a 10-minute type without buffer; Mon-Fri 08-12, 13-17."""
    from django.utils import timezone

    from guichet.appointments.demo import WORKING_HOURS, opening_hours_set
    from guichet.appointments.models import AppointmentType, Counter, Location

    horizon = (last_day - timezone.localdate()).days + 7
    location = Location.objects.create(
        authority=authority,
        slug=f"bench-{slug}",
        name={"de": f"Einwohneramt ({slug})"},
        address="Marktplatz 1, 4500 Solothurn",
        min_notice_minutes=0,
        horizon_days=horizon,
    )
    opening_hours_set(location, intervals=WORKING_HOURS)
    counter = Counter.objects.create(location=location, name="Schalter 1", capacity=1)
    kind = AppointmentType.objects.create(
        location=location,
        slug="beratung",
        title={"de": "Beratung am Schalter", "fr": "Conseil au guichet"},
        duration_minutes=10,
        buffer_minutes=0,
        max_per_person=1000,
    )
    kind.counters.set([counter])
    return kind


def month_free(kind_id: int, month: str) -> tuple[int, list[datetime.datetime], float]:
    """(free slots, their starts, ms of ``free_slots``) for the whole month."""
    from django.utils import timezone

    from guichet.appointments.availability import free_slots
    from guichet.appointments.models import AppointmentType

    kind = AppointmentType.objects.select_related("location").get(pk=kind_id)
    days = month_days(month)
    now = timezone.now()
    started = time.perf_counter()
    result = free_slots(appointment_type=kind, day_from=days[0], day_to=days[-1], now=now)
    elapsed = (time.perf_counter() - started) * 1000
    starts = [slot.starts_at for day_slots in result.values() for slot in day_slots]
    return len(starts), starts, elapsed


def availability(kind_id: int, month: str, *, calendar: str) -> dict[str, Any]:
    counts = set()
    timings: list[float] = []
    for round_number in range(WARMUP_ROUNDS + ROUNDS):
        count, _starts, elapsed = month_free(kind_id, month)
        counts.add(count)
        if round_number >= WARMUP_ROUNDS:
            timings.append(elapsed)
    if len(counts) != 1:
        raise RuntimeError(f"the free slots changed between rounds: {sorted(counts)}")
    return {
        "what": "month_availability",
        "calendar": calendar,
        "method": "availability.free_slots",
        "month": month,
        "rounds": ROUNDS,
        "warmup": WARMUP_ROUNDS,
        "free_slots": counts.pop(),
        **figures(timings),
    }


# --- booking ------------------------------------------------------------------------------------


def book(kind_id: int, start: datetime.datetime, email: str) -> str:
    """One request as the booking view makes it: fetch the type, ``booking_create``."""
    from django.core.exceptions import ValidationError

    from guichet.appointments.models import AppointmentType
    from guichet.appointments.services import SlotTaken, booking_create
    from guichet.core.actor import GUEST

    kind = AppointmentType.objects.select_related("location").get(pk=kind_id)
    try:
        booking_create(actor=GUEST, appointment_type=kind, starts_at=start, name="Bea Bench", email=email)
    except SlotTaken:
        return "taken"
    except ValidationError as error:
        return f"refused:{error.code}"
    return "booked"


def client_loop(kind_id: int, jobs: list[Job], report: Callable[[tuple[str, float]], None]) -> None:
    """One client: its requests one after the other, each answer reported with its time."""
    for start, email in jobs:
        began = time.perf_counter()
        try:
            outcome = book(kind_id, start, email)
        except Exception as error:  # counted: every request must get an answer
            outcome = f"error:{type(error).__name__}"
        report((outcome, (time.perf_counter() - began) * 1000))


def run_clients(
    kind_id: int, jobs_per_client: list[list[Job]], *, workers: str
) -> tuple[list[tuple[str, float]], float]:
    """All clients at once (they start together); (answers, seconds until the last one)."""
    if len(jobs_per_client) == 1:  # one client: in this thread, on this connection
        results: list[tuple[str, float]] = []
        started = time.perf_counter()
        client_loop(kind_id, jobs_per_client[0], results.append)
        return results, time.perf_counter() - started
    if workers == "processes":
        return run_processes(kind_id, jobs_per_client)
    return run_threads(kind_id, jobs_per_client)


def run_threads(kind_id: int, jobs_per_client: list[list[Job]]) -> tuple[list[tuple[str, float]], float]:
    """Every client in its own thread, with its own database connection (closed at the end)."""
    from django.db import connection

    results: list[tuple[str, float]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(jobs_per_client) + 1)

    def report(answer: tuple[str, float]) -> None:
        with lock:
            results.append(answer)

    def client(jobs: list[Job]) -> None:
        try:
            barrier.wait()
            client_loop(kind_id, jobs, report)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(jobs,), daemon=True) for jobs in jobs_per_client]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    deadline = started + TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.perf_counter()))
    seconds = time.perf_counter() - started
    with lock:
        return list(results), seconds


def run_processes(kind_id: int, jobs_per_client: list[list[Job]]) -> tuple[list[tuple[str, float]], float]:
    """Every client in a process of its own (forked after set-up, so no GIL is shared), with its
    own database connection; the answers come back through a queue as they are given."""
    import multiprocessing
    import queue

    from django.db import connections

    context = multiprocessing.get_context("fork")
    answers: Any = context.Queue()
    barrier: Any = context.Barrier(len(jobs_per_client) + 1)
    connections.close_all()  # the children open their own

    def client(jobs: list[Job]) -> None:
        try:
            barrier.wait()
            client_loop(kind_id, jobs, answers.put)
        finally:
            connections.close_all()

    processes = [context.Process(target=client, args=(jobs,), daemon=True) for jobs in jobs_per_client]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    expected = sum(len(jobs) for jobs in jobs_per_client)
    results: list[tuple[str, float]] = []
    while len(results) < expected:
        remaining = started + TIMEOUT - time.perf_counter()
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


def invariant(kind_id: int) -> dict[str, Any]:
    """Double bookings in the database: pairs of active bookings of one seat that overlap, and
    slots with more active bookings than the counter has seats."""
    from django.db import connection

    from guichet.appointments.models import Booking

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM appointments_booking a JOIN appointments_booking b
               ON a.counter_id = b.counter_id AND a.seat = b.seat AND a.id < b.id
               AND a.status <> 'cancelled' AND b.status <> 'cancelled'
               AND a.starts_at < b.blocks_until AND b.starts_at < a.blocks_until
               WHERE a.appointment_type_id = %s""",
            [kind_id],
        )
        overlapping = int(cursor.fetchone()[0])
        cursor.execute(
            """SELECT count(*) FROM (SELECT b.counter_id, b.starts_at FROM appointments_booking b
               JOIN appointments_counter c ON c.id = b.counter_id
               WHERE b.appointment_type_id = %s AND b.status <> 'cancelled'
               GROUP BY b.counter_id, b.starts_at, c.capacity HAVING count(*) > c.capacity) AS over""",
            [kind_id],
        )
        over_capacity = int(cursor.fetchone()[0])
    active = Booking.objects.filter(appointment_type_id=kind_id).exclude(status=Booking.Status.CANCELLED).count()
    return {
        "double_bookings": overlapping + over_capacity,
        "overlapping_bookings": overlapping,
        "slots_over_capacity": over_capacity,
        "active_bookings": active,
    }


def booking_line(
    what: str, kind_id: int, jobs_per_client: list[list[Job]], *, slots: int, workers: str
) -> dict[str, Any]:
    from django.db import connection

    results, seconds = run_clients(kind_id, jobs_per_client, workers=workers)
    attempts = sum(len(jobs) for jobs in jobs_per_client)
    tally = Tally(outcome for outcome, _ms in results)
    booked = tally.pop("booked", 0)
    taken = tally.pop("taken", 0)
    checked = invariant(kind_id)
    return {
        "what": what,
        "database": connection.vendor,
        "clients": len(jobs_per_client),
        "workers": workers,
        "concurrency": CONCURRENCY.get(workers, workers).format(connection="one Django database connection"),
        "isolation": ISOLATION.get(connection.vendor, connection.vendor),
        "retry": "none: a lost race is answered 'slot taken' with the next free times",
        "email": EMAIL_NOTES.get(EMAIL, EMAIL),
        "slots": slots,
        "attempts": attempts,
        "answered": len(results),
        "unanswered": attempts - len(results),
        "booked": booked,
        "taken": taken,
        "aborted_requests": 0,  # Guichet has no conflict answer; any failure shows under errors
        "aborted_transactions": 0,
        "errors": sum(tally.values()),
        "error_kinds": dict(tally),
        "seconds": round(seconds, 3),
        "bookings_per_second": round(booked / seconds, 1) if seconds else None,
        "requests_per_second": round(len(results) / seconds, 1) if seconds else None,
        **figures([ms for _outcome, ms in results], "request_"),
        **checked,
        "consistent": checked["active_bookings"] == booked,
    }


def distinct_jobs(starts: list[datetime.datetime]) -> list[list[Job]]:
    """Each slot once, dealt round-robin in time order: the clients book neighbouring slots at once."""
    numbered = list(enumerate(starts))
    return [
        [(start, f"distinct-{index}@bench.example") for index, start in numbered[n::CLIENTS]] for n in range(CLIENTS)
    ]


def contested_jobs(starts: list[datetime.datetime]) -> list[list[Job]]:
    """Each slot wanted by two clients at the same moment: clients 2p and 2p+1 go through the same slots."""
    pairs = max(1, CLIENTS // 2)
    numbered = list(enumerate(starts))
    return [
        [(start, f"contested-{index}-{n % 2}@bench.example") for index, start in numbered[n // 2 % pairs :: pairs]]
        for n in range(CLIENTS)
    ]


def guichet(month: str) -> Iterator[dict[str, Any]]:
    from django.db import connection

    from guichet.core.models import Authority

    days = month_days(month)
    authority = Authority.objects.create(
        slug="bench-termine", name="Stadt Bench (Termine)", kind=Authority.Kind.MUNICIPALITY
    )
    names = [
        "half",
        *(f"{what}-{mode}-{run}" for mode in WORKERS for what in ("distinct", "contested") for run in RUNS),
    ]
    kinds = {name: make_calendar(authority, name, last_day=days[-1]).pk for name in names}
    count, starts, _ms = month_free(kinds["half"], month)
    working_days = sum(1 for day in days if day.weekday() < 5)
    if count != working_days * 48:
        raise RuntimeError(f"{count} free slots in {month}, expected {working_days} working days x 48")
    if count < max(DISTINCT, CONTESTED):
        raise RuntimeError(f"the month has {count} slots: fewer than the bookings asked for")
    yield {
        "what": "setup",
        "month": month,
        "working_days": working_days,
        "month_slots": count,
        "slot_minutes": 10,
        "counters": 1,
        "counter_capacity": 1,
        "calendars": len(names),
        "database": connection.vendor,
    }
    yield availability(kinds["half"], month, calendar="empty")

    # One client books every other slot (also the warm-up of the booking path), then the half-booked month.
    log(f"appointments/guichet: {len(starts[::2])} bookings by one client")
    jobs = [[(start, f"serial-{index}@bench.example") for index, start in enumerate(starts[::2])]]
    yield booking_line("book_serial", kinds["half"], jobs, slots=len(starts[::2]), workers="one client")
    yield availability(kinds["half"], month, calendar="half_booked")

    for mode in WORKERS:
        for run in RUNS:
            log(f"appointments/guichet: {DISTINCT} distinct slots ({mode}, run {run}/{REPEATS})")
            jobs = distinct_jobs(starts[:DISTINCT])
            line = booking_line("book_distinct", kinds[f"distinct-{mode}-{run}"], jobs, slots=DISTINCT, workers=mode)
            yield {**line, "run": run}
            log(f"appointments/guichet: {CONTESTED} slots wanted twice ({mode}, run {run}/{REPEATS})")
            jobs = contested_jobs(starts[:CONTESTED])
            line = booking_line("book_contested", kinds[f"contested-{mode}-{run}"], jobs, slots=CONTESTED, workers=mode)
            yield {**line, "run": run}


# --- the peer -----------------------------------------------------------------------------------


def libres(month: str) -> Iterator[dict[str, Any]]:
    """The peer's lines, from ``bench/libres_peer.py`` in the libres environment."""
    skipped = {"bench": "appointments", "system": "libres"}
    dsn = os.environ.get("DATABASE_URL", "")
    if not dsn.startswith(("postgres://", "postgresql://")):
        yield {**skipped, "skipped": "libres needs PostgreSQL: set DATABASE_URL=postgres://... (see the docstring)"}
        return
    if not Path(LIBRES_PYTHON).exists():
        yield {
            **skipped,
            "skipped": f"no libres environment at {LIBRES_PYTHON}: set it up with `{LIBRES_SETUP}` "
            "(or name its python in GUICHET_BENCH_LIBRES_PYTHON)",
        }
        return
    command = [
        LIBRES_PYTHON,
        str(PEER),
        f"--month={month}",
        f"--clients={CLIENTS}",
        f"--distinct={DISTINCT}",
        f"--contested={CONTESTED}",
        f"--rounds={ROUNDS}",
        f"--warmup={WARMUP_ROUNDS}",
        f"--timeout={TIMEOUT}",
        f"--repeats={REPEATS}",
        f"--workers={','.join(WORKERS)}",
    ]
    # Only what the peer needs (the server, libpq's own variables): not the project's settings.
    environment = {key: value for key, value in os.environ.items() if key.startswith("PG") or key in ("PATH", "HOME")}
    environment["LIBRES_PEER_DSN"] = dsn
    log("appointments/libres: " + " ".join(command[1:]))
    completed = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if completed.stderr:
        print(completed.stderr, end="", file=sys.stderr, flush=True)
    lines = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0:
        lines.append({**skipped, "failed": f"bench/libres_peer.py exited {completed.returncode}"})
    yield from lines


# --- the run ------------------------------------------------------------------------------------


def same_measurement(line: dict[str, Any], other: dict[str, Any]) -> bool:
    return all(line.get(key) == other.get(key) for key in ("what", "calendar", "workers", "run"))


def summary(month: str, ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> dict[str, Any]:
    def pick(lines: list[dict[str, Any]], what: str, **match: str) -> dict[str, Any]:
        for line in lines:
            if line.get("what") == what and all(line.get(key) == value for key, value in match.items()):
                return line
        return {}

    def runs(lines: list[dict[str, Any]], what: str, workers: str) -> list[float]:
        return [
            line["bookings_per_second"]
            for line in lines
            if line.get("what") == what and line.get("workers") == workers and line.get("bookings_per_second")
        ]

    def median_rate(lines: list[dict[str, Any]], what: str, workers: str) -> float | None:
        rates = runs(lines, what, workers)
        return round(statistics.median(rates), 1) if rates else None

    def ratio(what: str, workers: str) -> float | None:
        mine, peer = median_rate(ours, what, workers), median_rate(theirs, what, workers)
        return round(mine / peer, 1) if mine and peer else None

    our_p95 = pick(ours, "month_availability", calendar="empty").get("p95_ms")
    feed = "scheduler.allocations_with_availability_by_range"
    peer_p95 = pick(theirs, "month_availability", calendar="empty", method=feed).get("p95_ms")
    booking = [line for line in ours + theirs if str(line.get("what", "")).startswith("book_")]
    distinct = {mode: ratio("book_distinct", mode) for mode in WORKERS}
    targets = {
        "availability_p95_under_20_ms": our_p95 is not None and our_p95 < AVAILABILITY_TARGET_MS,
        **{
            f"throughput_ratio_at_least_10_{mode}": value is not None and value >= RATIO_TARGET
            for mode, value in distinct.items()
        },
        "double_bookings_zero": all(line.get("double_bookings") == 0 for line in booking),
        "unanswered_zero": all(line.get("unanswered") == 0 for line in booking),
    }
    return {
        "bench": "appointments",
        "what": "summary",
        "month": month,
        "peer": "libres" if pick(theirs, "setup") else None,
        "clients": CLIENTS,
        "throughput_ratio_distinct": distinct,
        "throughput_ratio_contested": {mode: ratio("book_contested", mode) for mode in WORKERS},
        "throughput_ratio_one_client": ratio("book_serial", "one client"),
        "runs": REPEATS,
        "bookings_per_second": {  # the median run of each
            system: {
                f"{what}_{mode}": median_rate(lines, what, mode)
                for what in ("book_distinct", "book_contested")
                for mode in WORKERS
            }
            for system, lines in (("guichet", ours), ("libres", theirs))
        },
        "bookings_per_second_runs": {
            system: {
                f"{what}_{mode}": runs(lines, what, mode)
                for what in ("book_distinct", "book_contested")
                for mode in WORKERS
            }
            for system, lines in (("guichet", ours), ("libres", theirs))
        },
        "availability_p95_ms": {"guichet": our_p95, "libres": peer_p95},
        "double_bookings": sum(int(line.get("double_bookings") or 0) for line in booking),
        "unanswered": sum(int(line.get("unanswered") or 0) for line in booking),
        "targets": targets,
        "targets_met": all(targets.values()),
    }


def run() -> Iterator[dict[str, Any]]:
    import logging

    from django.test.utils import override_settings
    from django.utils import timezone

    month = next_november(timezone.localdate())
    log(f"appointments: {month}, {CLIENTS} clients ({', '.join(WORKERS)}), {DISTINCT} distinct, {CONTESTED} contested")
    tasks_logger = logging.getLogger("django.tasks")  # the ImmediateBackend logs every email task
    level = tasks_logger.level
    tasks_logger.setLevel(logging.WARNING)
    try:
        tasks = {"TASKS": ENQUEUE_ONLY} if EMAIL == "enqueue" else {}
        with override_settings(MAILERS=LOCMEM_MAILERS, **tasks):  # nothing leaves the process
            ours = [{"bench": "appointments", "system": "guichet", **line} for line in guichet(month)]
    finally:
        tasks_logger.setLevel(level)
    theirs = list(libres(month))
    # side by side: each measurement of Guichet followed by the peer's
    for line in ours:
        yield line
        yield from (peer for peer in theirs if same_measurement(peer, line))
    yield from (peer for peer in theirs if not any(same_measurement(peer, line) for line in ours))
    yield summary(month, ours, theirs)
