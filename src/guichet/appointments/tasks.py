"""Thin task adapters for appointments; idempotent (a reminder is sent once per booking time)."""

from __future__ import annotations

from django.tasks import task

from guichet.appointments.notifications import booking_email_send
from guichet.appointments.services import reminders_send


@task
def send_reminders_task() -> int:
    return reminders_send()


@task
def booking_email_task(*, payload: str) -> bool:
    return booking_email_send(payload=payload)
