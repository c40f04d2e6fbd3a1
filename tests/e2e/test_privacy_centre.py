"""The privacy centre in a real browser (issue 5's "done when"):

a citizen downloads her data and finds her cases and profiles in JSON, CSV and HTML; restricts a
case, after which the clerk can no longer open it; deletes her account and can no longer log in,
while the authority's statistics remain."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import zipfile
from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page

from guichet.accounts.models import User
from guichet.cases.models import Case
from guichet.core.models import Authority
from guichet.privacy.access.models import AccessDaily, AccessLogEntry
from guichet.privacy.access.services import access_log_aggregate
from tests.cases_support import submitted_case
from tests.conftest import PASSWORD
from tests.e2e.conftest import goto, login, login_field

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _confirm_password(page: Page) -> None:
    """The "confirm it is you" page in front of sensitive actions."""
    assert "/accounts/reauthenticate/" in page.url, page.url
    page.locator("main input[name='password']").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main input[name='password']").press("Enter")


def _download_export(page: Page) -> zipfile.ZipFile:
    """Logging in a moment ago counts as the recent password prompt the download asks for."""
    goto(page, "/account/privacy/")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download my data").click()
    download = info.value
    assert download.suggested_filename.startswith("guichet-export-")
    path = download.path()
    assert path is not None
    return zipfile.ZipFile(path)


def _the_archive_holds_her_case_and_profiles(archive: zipfile.ZipFile, case: Case) -> None:
    document = json.loads(archive.read("data.json"))
    kinds = {section["model"]: section for section in document["kinds"]}
    cases = kinds["cases.Case"]["items"]
    assert [item["reference"] for item in cases] == [case.reference]
    assert kinds["cases.Case"]["purpose"]
    assert kinds["cases.Case"]["legal_basis"]
    profiles = kinds["accounts.Profile"]["items"]
    assert {"Alice", "Amrein Bäckerei GmbH"} <= {value for item in profiles for value in item.values()}

    rows = list(csv.DictReader(io.StringIO(archive.read("cases.case.csv").decode("utf-8-sig"))))
    assert [row["reference"] for row in rows] == [case.reference]
    profile_csv = archive.read("accounts.profile.csv").decode("utf-8-sig")
    assert "Amrein" in profile_csv

    html = archive.read("index.html").decode()
    assert case.reference in html
    assert "Amrein Bäckerei GmbH" in html


def _restrict_case(page: Page, case: Case) -> None:
    goto(page, "/account/privacy/")
    row = page.locator("#restriction-title").locator("..").locator("tr", has_text=case.reference)
    row.get_by_role("link", name=re.compile("^Restrict processing")).click()
    page.wait_for_url(f"**/account/privacy/restrict/cases/{case.pk}/")
    with page.expect_navigation():
        page.get_by_role("button", name="Restrict processing").click()
    row = page.locator("#restriction-title").locator("..").locator("tr", has_text=case.reference)
    assert "Restricted" in row.inner_text()
    assert row.get_by_role("button", name=re.compile("^Lift restriction")).is_visible()


def _delete_account(page: Page) -> None:
    goto(page, "/account/privacy/delete/")
    page.get_by_role("checkbox").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Delete my account").click()
    if "/accounts/reauthenticate/" in page.url:
        _confirm_password(page)
        page.get_by_role("checkbox").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Delete my account").click()
    assert page.url.endswith("/account/privacy/deleted/"), page.url


@pytest.mark.promise("P11", "P23", "P30", "P36")
def test_export_restrict_and_delete_in_the_browser(
    new_context: Any, alice: User, clara: User, authority: Authority
) -> None:
    case = submitted_case(alice, authority)
    citizen: BrowserContext = new_context(locale="en-GB", accept_downloads=True)
    clerk: BrowserContext = new_context(locale="en-GB")
    page, staff = citizen.new_page(), clerk.new_page()

    login(page, "alice@example.ch")
    _the_archive_holds_her_case_and_profiles(_download_export(page), case)

    login(staff, "clara@stadt-demo.ch")
    goto(staff, f"/backoffice/cases/{case.pk}/")  # before: the clerk works on it
    _restrict_case(page, case)
    goto(staff, f"/backoffice/cases/{case.pk}/", status=403)
    assert "restricted" in staff.locator("main").inner_text().lower()
    assert "Alice" not in staff.content()
    goto(staff, "/backoffice/cases/")
    row = staff.locator("tr", has_text=case.reference)
    assert "Restricted by the applicant" in row.inner_text()
    assert row.locator("a").count() == 0

    _delete_account(page)
    goto(page, "/accounts/login/")
    login_field(page).fill("alice@example.ch")
    page.locator("main input[name='password']").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main input[name='password']").press("Enter")
    assert "/accounts/login" in page.url
    assert not User.objects.filter(pk=alice.pk).exists()

    # The authority's statistics remain: the day's requests, counted without any person.
    # Tomorrow night's count, seen from the day after: the day's raw entries move back one day.
    assert AccessLogEntry.objects.exists()
    AccessLogEntry.objects.update(requested_at=F("requested_at") - datetime.timedelta(days=1))
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert access_log_aggregate() == [yesterday]
    assert AccessDaily.objects.filter(day=yesterday, path_group="/account/").exists()
    goto(staff, "/backoffice/statistics/?days=7")
    chart = staff.locator("main svg")
    assert chart.count() == 1
    assert "/account/" in staff.locator("main").inner_text()
