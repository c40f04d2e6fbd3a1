"""`manage.py load_demo`: the demo portal's data, idempotent, with working logins."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from pytest_django.fixtures import Settings

from guichet.accounts.forms import normalise_uid
from guichet.accounts.models import Profile, User
from guichet.core.management.commands.load_demo import DEMO_PASSWORD
from guichet.core.models import Authority, StaffMembership

pytestmark = pytest.mark.django_db

LOGINS = ("anna.muster@example.ch", "ben.beispiel@example.ch", "clerk@stadt-demo.example", "operator@guichet.example")


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, object]:
    return {
        "authorities": sorted(Authority.objects.values_list("pk", "slug", "name", "kind", "parent__slug")),
        "users": sorted(User.objects.values_list("pk", "email_index", "is_staff", "is_superuser", "active_profile")),
        "profiles": sorted(
            (str(p.pk), str(p.owner_id), p.kind, p.display_name, p.uid, p.street, p.town) for p in Profile.objects.all()
        ),
        "memberships": sorted(StaffMembership.objects.values_list("pk", "user", "authority__slug", "role")),
    }


def test_demo_data() -> None:
    output = load()
    canton = Authority.objects.get(name="Kanton Demo")
    city = Authority.objects.get(name="Stadt Demo")
    assert (canton.kind, city.kind, city.parent) == (Authority.Kind.CANTON, Authority.Kind.MUNICIPALITY, canton)
    assert city.theme_primary.startswith("#")

    anna = User.objects.find_by_email("anna.muster@example.ch")
    assert anna is not None
    assert anna.email_verified_at is not None
    private = Profile.objects.get(owner=anna, kind=Profile.Kind.PRIVATE)
    assert (private.display_name, private.street, private.postal_code, private.town) == (
        "Anna Muster",
        "Bahnhofstrasse 1",
        "4500",
        "Solothurn",
    )
    assert private.date_of_birth is not None
    assert anna.active_profile_id == private.pk
    business = Profile.objects.get(owner=anna, kind=Profile.Kind.BUSINESS)
    assert business.display_name == "Muster Schreinerei GmbH"
    assert normalise_uid(business.uid) == business.uid  # a valid UID

    clerk = User.objects.find_by_email("clerk@stadt-demo.example")
    assert clerk is not None
    assert clerk.memberships.get().authority == city
    assert clerk.memberships.get().role == StaffMembership.Role.CLERK
    operator = User.objects.find_by_email("operator@guichet.example")
    assert operator is not None
    assert operator.is_superuser
    assert all(User.objects.find_by_email(email).email_verified_at for email in LOGINS)  # type: ignore[union-attr]

    # The logins are printed as a table.
    for email in LOGINS:
        assert any(email in line and DEMO_PASSWORD in line for line in output.splitlines())


def test_running_twice_changes_nothing_and_logins_work() -> None:
    load()
    first = snapshot()
    load()
    assert snapshot() == first
    for email in LOGINS:
        client = Client()
        assert client.login(username=email, password=DEMO_PASSWORD), email
    clerk = Client()
    clerk.login(username="clerk@stadt-demo.example", password=DEMO_PASSWORD)
    assert "Stadt Demo" in clerk.get("/backoffice/").content.decode()
    operator = Client()
    operator.login(username="operator@guichet.example", password=DEMO_PASSWORD)
    assert operator.get("/admin/").status_code == 200


def test_refuses_outside_debug_and_test_mode(settings: Settings) -> None:
    settings.DEBUG = False
    settings.TESTING = False
    with pytest.raises(CommandError):
        load()
    assert not Authority.objects.exists()
