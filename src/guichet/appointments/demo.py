"""The demo calendar: Stadt Demo's residents' office with two counters, working days 08-12 and
13-17, Swiss public holidays of the coming year, and three bookable appointment types."""

from __future__ import annotations

import datetime

from django.utils import timezone

from guichet.appointments.availability import local_zone
from guichet.appointments.models import AppointmentType, Closure, Counter, Location, OpeningHours
from guichet.catalogue.models import Service
from guichet.core.models import Authority

WORKING_HOURS = ((datetime.time(8), datetime.time(12)), (datetime.time(13), datetime.time(17)))

#: (slug, titles, duration, buffer, catalogue service slug)
TYPES = (
    (
        "identitaetskarte",
        {
            "de": "Identitätskarte beantragen",
            "fr": "Demander une carte d'identité",
            "it": "Richiedere una carta d'identità",
            "en": "Apply for an identity card",
        },
        15,
        5,
        "",
    ),
    (
        "anmeldung-zuzug",
        {
            "de": "Anmeldung bei Zuzug",
            "fr": "Annonce d'arrivée",
            "it": "Notifica d'arrivo",
            "en": "Register when moving in",
        },
        20,
        0,
        "adressaenderung",
    ),
    (
        "beratung",
        {
            "de": "Beratung am Schalter",
            "fr": "Conseil au guichet",
            "it": "Consulenza allo sportello",
            "en": "Advice at the counter",
        },
        10,
        0,
        "",
    ),
)


def _holidays(year: int) -> list[tuple[datetime.date, str]]:
    """Fixed-date public holidays observed in every canton, enough for a demo calendar."""
    return [
        (datetime.date(year, 1, 1), "Neujahr"),
        (datetime.date(year, 8, 1), "Bundesfeier"),
        (datetime.date(year, 12, 25), "Weihnachten"),
        (datetime.date(year, 12, 26), "Stephanstag"),
    ]


def opening_hours_set(location: Location, *, intervals: tuple[tuple[datetime.time, datetime.time], ...]) -> None:
    """Monday to Friday with the given intervals (idempotent)."""
    for weekday in range(5):
        for opens, closes in intervals:
            OpeningHours.objects.get_or_create(location=location, weekday=weekday, opens=opens, closes=closes)


def load_appointments_demo(*, city: Authority) -> Location:
    location, _ = Location.objects.update_or_create(
        slug="einwohneramt-stadt-demo",
        defaults={
            "authority": city,
            "name": {
                "de": "Einwohneramt",
                "fr": "Contrôle des habitants",
                "it": "Controllo abitanti",
                "en": "Residents' office",
            },
            "address": "Marktplatz 1, 4500 Solothurn",
        },
    )
    counters = [
        Counter.objects.get_or_create(location=location, name=name, defaults={"capacity": 1})[0]
        for name in ("Schalter 1", "Schalter 2")
    ]
    opening_hours_set(location, intervals=WORKING_HOURS)
    today = timezone.localdate()
    for year in (today.year, today.year + 1):
        for day, reason in _holidays(year):
            start = datetime.datetime.combine(day, datetime.time.min, tzinfo=local_zone())
            Closure.objects.get_or_create(
                location=location,
                counter=None,
                kind=Closure.Kind.HOLIDAY,
                starts_at=start,
                defaults={"ends_at": start + datetime.timedelta(days=1), "reason": reason},
            )
    for slug, title, duration, buffer, service_slug in TYPES:
        kind, _ = AppointmentType.objects.update_or_create(
            location=location,
            slug=slug,
            defaults={
                "title": title,
                "duration_minutes": duration,
                "buffer_minutes": buffer,
                "service": Service.objects.filter(slug=service_slug).first() if service_slug else None,
            },
        )
        kind.counters.set(counters)
    return location
