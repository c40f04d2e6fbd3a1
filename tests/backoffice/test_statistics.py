"""The access statistics page (P36): totals over time for staff and operators, never the raw log."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guichet.accounts.models import User
from guichet.privacy.access.models import AccessDaily, AccessLogEntry
from guichet.privacy.access.services import access_log_aggregate
from tests.conftest import login

pytestmark = pytest.mark.django_db

URL = "/backoffice/statistics/"
IP = "198.51.100.23"


@pytest.fixture
def en(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def bars(response: Any) -> int:
    return response.content.decode().count('class="bar"')


def daily(days_ago: int, requests: int, **fields: Any) -> AccessDaily:
    values: dict[str, Any] = {
        "path_group": "/services/",
        "status_class": "2xx",
        "browser": "Firefox",
        "os": "Linux",
        "bytes_sent": requests * 1000,
    }
    values.update(fields)
    return AccessDaily.objects.create(
        day=timezone.localdate() - datetime.timedelta(days=days_ago), requests=requests, **values
    )


def test_url_is_stable() -> None:
    assert reverse("backoffice:statistics") == URL


@pytest.mark.promise("P36")
def test_staff_see_requests_per_day_as_a_chart_and_a_table(en: Client, clara: User) -> None:
    daily(1, 1200)
    daily(1, 34, path_group="/account/", status_class="4xx", browser="Safari", os="iOS")
    daily(2, 500, browser="Bot", os="Other")
    daily(45, 99999)  # outside the 30 days
    daily(0, 77777)  # today: not counted yet, not shown
    response = login(en, clara).get(URL)
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Access statistics</h1>" in page
    assert bars(response) == 30
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in page
    assert 'aria-labelledby="requests-chart-title requests-chart-desc"' in page
    assert "<dt>Requests</dt><dd>1,734</dd>" in page
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert f'<time datetime="{yesterday:%Y-%m-%d}">' in page
    assert '<td class="number">1,234</td>' in page  # yesterday's row of the table
    # The breakdowns: section (with its path prefix), outcome, browser, OS.
    assert "Services <code>/services/</code>" in page
    assert "Refused or not found (4xx)" in page
    assert "Bots and scripts" in page
    assert ">iOS</th>" in page
    assert "99,999" not in page
    assert "77,777" not in page


@pytest.mark.promise("P36")
@pytest.mark.parametrize(("query", "expected"), [("7", 7), ("30", 30), ("90", 90), ("8", 30), ("x", 30), ("", 30)])
def test_the_period_is_chosen_from_a_fixed_list(en: Client, olga: User, query: str, expected: int) -> None:
    daily(3, 10)
    response = login(en, olga).get(URL, {"days": query})
    assert response.status_code == 200
    assert bars(response) == expected
    assert f'href="?days={expected}" aria-current="page"' in response.content.decode()


@pytest.mark.promise("P05", "P36")
def test_the_page_is_made_from_totals_only(en: Client, dario: User, django_capture_on_commit_callbacks: Any) -> None:
    """Requests from a known address, counted overnight: the page shows how many, never from where."""
    visitor = Client()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            visitor.get("/services/gone-service/?who=alice", REMOTE_ADDR=IP, HTTP_USER_AGENT="curl/8.5.0")
    AccessLogEntry.objects.update(requested_at=timezone.now() - datetime.timedelta(days=1))
    access_log_aggregate()
    response = login(en, dario).get(URL, {"days": "7"})
    page = text(response)
    assert "<dt>Requests</dt><dd>3</dd>" in page
    for raw in (IP, "gone-service", "who=alice", "curl"):
        assert raw not in page
    assert "Services <code>/services/</code>" in page
    assert "Refused or not found (4xx)" in page


def test_an_empty_period_says_so(en: Client, olga: User) -> None:
    page = text(login(en, olga).get(URL))
    assert "Not yet: the totals are counted each night." in page
    assert "No requests counted in this period." in page
    assert bars(login(en, olga).get(URL)) == 30
    # An operator who is not staff of an authority is led back to the administration.
    assert 'href="/admin/"' in page


def test_the_backoffice_links_to_the_statistics(en: Client, clara: User) -> None:
    page = text(login(en, clara).get("/backoffice/"))
    assert f'href="{URL}"' in page


def test_citizens_and_guests_do_not_get_it(en: Client, alice: User) -> None:
    assert en.get(URL)["Location"].startswith("/accounts/login/")
    assert login(en, alice).get(URL).status_code == 404
