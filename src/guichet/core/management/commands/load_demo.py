"""Load the demo portal: two authorities, their catalogue of services, two citizens, a clerk and an
operator. Idempotent.

Every account gets the same, clearly marked demo password. Never run this on a production
database: it refuses unless the portal runs in debug or test mode (or ``--force``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from guichet.accounts.models import Profile, User
from guichet.catalogue.demo import load_catalogue_demo
from guichet.core.models import Authority, StaffMembership

DEMO_PASSWORD = "Demo-Passwort-2026"  # noqa: S105  (demo value, printed on purpose)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str


def _authority(*, slug: str, **values: Any) -> Authority:
    authority, _ = Authority.objects.update_or_create(slug=slug, defaults=values)
    return authority


def _account(*, email: str, superuser: bool = False) -> User:
    user = User.objects.find_by_email(email)
    if user is None:
        create = User.objects.create_superuser if superuser else User.objects.create_user
        user = create(email, DEMO_PASSWORD, email_verified_at=timezone.now())
        return user
    changed: list[str] = []
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.password_changed_at = timezone.now()
        changed += ["password", "password_changed_at"]
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        changed.append("email_verified_at")
    for name, value in {"is_active": True, "is_staff": superuser, "is_superuser": superuser}.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if changed:
        user.save(update_fields=changed)
    return user


def _profile(*, user: User, kind: str, match: dict[str, Any] | None = None, **values: Any) -> Profile:
    """The account's profile of this kind (matched on plain fields) with the demo values."""
    profile = Profile.objects.filter(owner=user, kind=kind, **(match or {})).first()
    if profile is None:
        profile = Profile(owner=user, kind=kind, data_key=user.data_key, **(match or {}))
    changed = False
    for name, value in values.items():
        if getattr(profile, name) != value:
            setattr(profile, name, value)
            changed = True
    if changed or profile._state.adding:
        profile.save()
    return profile


class Command(BaseCommand):
    help = "Create (or refresh) the demo authorities and accounts. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="run even outside debug or test mode")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or settings.TESTING or options["force"]):
            raise CommandError("load_demo creates accounts with a known password: only in debug or test mode")
        logins = self._load()
        self._print(logins)

    @transaction.atomic
    def _load(self) -> list[DemoLogin]:
        canton = _authority(
            slug="kanton-demo",
            name="Kanton Demo",
            kind=Authority.Kind.CANTON,
            parent=None,
            email="info@kanton-demo.example",
            theme_primary="#0b4f8a",
            theme_accent="#c8102e",
        )
        city = _authority(
            slug="stadt-demo",
            name="Stadt Demo",
            kind=Authority.Kind.MUNICIPALITY,
            parent=canton,
            email="info@stadt-demo.example",
            theme_primary="#1d5e3a",
            theme_accent="#b35c00",
        )

        anna = _account(email="anna.muster@example.ch")
        private = _profile(
            user=anna,
            kind=Profile.Kind.PRIVATE,
            first_name="Anna",
            last_name="Muster",
            date_of_birth=datetime.date(1985, 3, 27),
            street="Bahnhofstrasse 1",
            postal_code="4500",
            town="Solothurn",
            country="CH",
        )
        _profile(
            user=anna,
            kind=Profile.Kind.BUSINESS,
            match={"uid": "CHE-116.281.710"},
            organisation_name="Muster Schreinerei GmbH",
            street="Industriestrasse 12",
            postal_code="4500",
            town="Solothurn",
            country="CH",
            phone="+41 32 600 00 00",
        )
        if anna.active_profile_id is None:
            anna.active_profile = private
            anna.save(update_fields=["active_profile"])

        ben = _account(email="ben.beispiel@example.ch")
        ben_private = _profile(
            user=ben,
            kind=Profile.Kind.PRIVATE,
            first_name="Ben",
            last_name="Beispiel",
            date_of_birth=datetime.date(1992, 11, 5),
            street="Hauptgasse 10",
            postal_code="4500",
            town="Solothurn",
            country="CH",
        )
        if ben.active_profile_id is None:
            ben.active_profile = ben_private
            ben.save(update_fields=["active_profile"])

        clerk = _account(email="clerk@stadt-demo.example")
        clerk_private = _profile(user=clerk, kind=Profile.Kind.PRIVATE, first_name="Claudia", last_name="Kunz")
        if clerk.active_profile_id is None:
            clerk.active_profile = clerk_private
            clerk.save(update_fields=["active_profile"])
        membership, _created = StaffMembership.objects.update_or_create(
            user=clerk, authority=city, defaults={"role": StaffMembership.Role.CLERK}
        )

        _account(email="operator@guichet.example", superuser=True)
        load_catalogue_demo(canton=canton, city=city)
        # Cases build on the catalogue and the form engine (a domain app): imported late, used once.
        from guichet.appointments.demo import load_appointments_demo
        from guichet.cases.demo import load_cases_demo

        load_cases_demo(anna=anna, ben=ben, clerk=clerk, membership=membership)
        load_appointments_demo(city=city)

        return [
            DemoLogin("anna.muster@example.ch", "citizen: Anna Muster, with the business Muster Schreinerei GmbH"),
            DemoLogin("ben.beispiel@example.ch", "citizen: Ben Beispiel"),
            DemoLogin("clerk@stadt-demo.example", "staff: clerk of Stadt Demo (/backoffice/)"),
            DemoLogin("operator@guichet.example", "operator: /backoffice/operator/ and the Django admin (/admin/)"),
        ]

    def _print(self, logins: list[DemoLogin]) -> None:
        width = max(len(login.email) for login in logins)
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Demo logins (demo password for all):"))
        self.stdout.write(f"  {'Email'.ljust(width)}  {'Password'.ljust(len(DEMO_PASSWORD))}  Role")
        self.stdout.write(f"  {'-' * width}  {'-' * len(DEMO_PASSWORD)}  {'-' * 4}")
        for login in logins:
            self.stdout.write(f"  {login.email.ljust(width)}  {DEMO_PASSWORD}  {login.role}")
