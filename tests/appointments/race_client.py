"""One booking client in its own OS process, for ``test_contention``: books the given slots and
prints one outcome per line ("booked", "taken" or "error:<type>").

Usage: python -m tests.appointments.race_client <database name> <appointment type id> <tag> <iso start>...
"""

from __future__ import annotations

import datetime
import os
import sys


def main(argv: list[str]) -> None:
    database_name, kind_id, tag, *starts = argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["NAME"] = database_name
    from django.db import connections

    from guichet.appointments.models import AppointmentType
    from guichet.appointments.services import SlotTaken, booking_create
    from guichet.core.actor import GUEST

    kind = AppointmentType.objects.select_related("location").get(pk=int(kind_id))
    for start in starts:
        try:
            booking_create(
                actor=GUEST,
                appointment_type=kind,
                starts_at=datetime.datetime.fromisoformat(start),
                name="Gast",
                email=f"{tag}-{start}@example.ch",
            )
            outcome = "booked"
        except SlotTaken:
            outcome = "taken"
        except Exception as exc:  # reported, never swallowed: the test counts it
            outcome = f"error:{type(exc).__name__}"
        print(outcome, flush=True)
    connections.close_all()


if __name__ == "__main__":
    main(sys.argv[1:])
