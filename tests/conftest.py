"""Shared fixtures and personas.

Alice owns things (private and business profile), Bob is another citizen who must see nothing
of Alice's, Clara is staff of the authority Alice deals with, Dario is staff of another
authority, Olga is an operator.
"""

from __future__ import annotations

import pytest
from django.test import Client

from guichet.accounts.models import Profile, User
from guichet.core import crypto
from guichet.core.models import Authority, StaffMembership

PASSWORD = "correct-horse-battery-staple"  # test value


def make_citizen(*, email: str, first_name: str, last_name: str) -> User:
    from django.utils import timezone

    user = User.objects.create_user(email, PASSWORD, email_verified_at=timezone.now())
    profile = Profile.objects.create(
        owner=user, kind=Profile.Kind.PRIVATE, data_key=user.data_key, first_name=first_name, last_name=last_name
    )
    user.active_profile = profile
    user.save(update_fields=["active_profile"])
    return user


@pytest.fixture(autouse=True)
def _fresh_key_cache() -> None:
    crypto.data_key_cache.clear()


@pytest.fixture
def authority(db: None) -> Authority:
    return Authority.objects.create(slug="demo-stadt", name="Stadt Demo", kind=Authority.Kind.MUNICIPALITY)


@pytest.fixture
def other_authority(db: None) -> Authority:
    return Authority.objects.create(slug="anderes-amt", name="Anderes Amt", kind=Authority.Kind.OFFICE)


@pytest.fixture
def alice(db: None) -> User:
    user = make_citizen(email="alice@example.ch", first_name="Alice", last_name="Amrein")
    Profile.objects.create(
        owner=user,
        kind=Profile.Kind.BUSINESS,
        data_key=user.data_key,
        organisation_name="Amrein Bäckerei GmbH",
        uid="CHE-123.456.789",
    )
    return user


@pytest.fixture
def bob(db: None) -> User:
    return make_citizen(email="bob@example.ch", first_name="Bob", last_name="Brunner")


@pytest.fixture
def clara(authority: Authority) -> User:
    user = make_citizen(email="clara@stadt-demo.ch", first_name="Clara", last_name="Clerk")
    StaffMembership.objects.create(user=user, authority=authority, role=StaffMembership.Role.CLERK)
    return user


@pytest.fixture
def dario(other_authority: Authority) -> User:
    user = make_citizen(email="dario@anderes-amt.ch", first_name="Dario", last_name="Dienst")
    StaffMembership.objects.create(user=user, authority=other_authority, role=StaffMembership.Role.CLERK)
    return user


@pytest.fixture
def olga(db: None) -> User:
    return User.objects.create_superuser("olga@guichet.example", PASSWORD)


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client
