"""The record of processing activities (``/privacy/record/``): generated from the registry, for
operators and staff only."""

from __future__ import annotations

import pytest
from django.test import Client

from guichet.accounts.models import User
from guichet.core.registry import registry
from tests.conftest import login

pytestmark = pytest.mark.django_db

URL = "/privacy/record/"


@pytest.mark.promise("P01")
def test_it_lists_every_data_kind_of_the_registry(client: Client, clara: User) -> None:
    login(client, clara)
    page = client.get(URL, headers={"accept-language": "en"}).content.decode()
    for kind in registry:
        assert f"({kind.model})" in page
    assert "(appointments.Booking)" in page
    assert "Personal fields" in page


def test_citizens_and_guests_do_not_see_it(client: Client, alice: User, olga: User) -> None:
    assert client.get(URL).status_code == 302
    login(client, alice)
    assert client.get(URL).status_code == 404
    client.logout()
    login(client, olga)
    assert client.get(URL).status_code == 200
