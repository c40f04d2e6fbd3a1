"""Many clients booking at once: never a seat twice, and every request gets an answer.

Runs against PostgreSQL (CI runs the suite there too): the in-memory SQLite test database allows
no second connection. Threads share nothing but the database; each uses its own connection. A
second test uses separate processes, so nothing in the Python process (the GIL, a cache) could be
what keeps the bookings apart."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import threading
from collections import Counter as Tally
from pathlib import Path

import pytest
from django.db import connection, connections

from guichet.appointments.availability import free_slots
from guichet.appointments.models import AppointmentType, Booking
from guichet.appointments.services import SlotTaken, booking_create
from guichet.core.actor import GUEST
from tests.appointments_support import next_weekday

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 8
REPO = Path(__file__).resolve().parents[2]


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections need PostgreSQL (the SQLite test database is in memory)")


def _attempt(kind_id: int, start: datetime.datetime, email: str) -> str:
    kind = AppointmentType.objects.select_related("location").get(pk=kind_id)
    try:
        booking_create(actor=GUEST, appointment_type=kind, starts_at=start, name="Gast", email=email)
    except SlotTaken:
        return "taken"
    return "booked"


def _overlaps() -> int:
    """Pairs of active bookings of one seat whose times overlap (must be none)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM appointments_booking a JOIN appointments_booking b
               ON a.counter_id = b.counter_id AND a.seat = b.seat AND a.id < b.id
               AND a.status <> 'cancelled' AND b.status <> 'cancelled'
               AND a.starts_at < b.blocks_until AND b.starts_at < a.blocks_until"""
        )
        row = cursor.fetchone()
    return int(row[0])


def _run_threads(jobs: list[tuple[int, datetime.datetime, str]]) -> list[str]:
    results: list[str] = []
    lock = threading.Lock()
    chunks = [jobs[index::CLIENTS] for index in range(CLIENTS)]

    def client(chunk: list[tuple[int, datetime.datetime, str]]) -> None:
        try:
            for job in chunk:
                try:
                    outcome = _attempt(*job)
                except Exception as exc:  # counted: every request must get an answer
                    outcome = f"error:{type(exc).__name__}:{str(exc)[:120]}"
                with lock:
                    results.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_eight_clients_wanting_the_same_slots_never_get_one_seat_twice(kind: AppointmentType) -> None:
    _postgres_only()
    day = next_weekday(1)
    slots = free_slots(appointment_type=kind, day_from=day, day_to=day)[day][:30]
    # Every slot has 2 seats (2 counters) and is wanted by 4 people: 2 must get it, 2 must hear "taken".
    jobs = [(kind.pk, slot.starts_at, f"p{index}-{n}@example.ch") for index, slot in enumerate(slots) for n in range(4)]
    results = _run_threads(jobs)
    tally = Tally(results)
    assert len(results) == len(jobs), "a request got no answer"
    assert tally == {"booked": 2 * len(slots), "taken": 2 * len(slots)}, tally
    assert _overlaps() == 0
    per_slot = Tally(Booking.objects.values_list("starts_at", flat=True))
    assert set(per_slot.values()) == {2}


def test_distinct_slots_are_all_booked_concurrently(kind: AppointmentType) -> None:
    _postgres_only()
    day = next_weekday(2)
    slots = free_slots(appointment_type=kind, day_from=day, day_to=day)[day]
    jobs = [
        (kind.pk, slot.starts_at, f"d{index}-{seat}@example.ch") for index, slot in enumerate(slots) for seat in (0, 1)
    ]
    results = _run_threads(jobs)
    assert Tally(results) == {"booked": len(jobs)}
    assert _overlaps() == 0


def test_separate_processes_racing_for_the_same_slots(kind: AppointmentType) -> None:
    _postgres_only()
    day = next_weekday(3)
    starts = [
        slot.starts_at.isoformat() for slot in free_slots(appointment_type=kind, day_from=day, day_to=day)[day][:10]
    ]
    database_name = str(connection.settings_dict["NAME"])
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.appointments.race_client", database_name, str(kind.pk), f"proc{n}", *starts],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env={**os.environ, "GUICHET_LOG_LEVEL": "WARNING"},
        )
        for n in range(4)
    ]
    flat = []
    for process in processes:
        out, _err = process.communicate(timeout=120)
        assert process.returncode == 0
        flat.extend(out.split())
    assert len(flat) == 40, flat
    assert Tally(flat) == {"booked": 20, "taken": 20}, Tally(flat)
    assert _overlaps() == 0
