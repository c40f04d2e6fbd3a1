"""The access log (P19), its short raw retention and its daily totals without addresses (P05, P36).

The middleware writes an entry once the database is outside any transaction. Every test here
runs inside one (pytest-django's), so requests are made inside
``django_capture_on_commit_callbacks(execute=True)``: the entry is written when the block ends,
as it is at once in production.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import HttpRequest, StreamingHttpResponse
from django.test import Client
from django.urls import path

from guichet.accounts.models import User
from guichet.core.models import AuditEvent, ProofRun
from guichet.core.registry import registry
from guichet.privacy.access import services
from guichet.privacy.access.chart import Bar, bar_chart_svg, nice_step
from guichet.privacy.access.entries import MASK, mask_path, path_group, referrer, status_class
from guichet.privacy.access.middleware import _AsyncCounting
from guichet.privacy.access.models import AccessDaily, AccessLogEntry
from guichet.privacy.access.services import (
    PROOF_NAME,
    AggregationRefused,
    access_log_aggregate,
    access_log_aggregate_day,
)
from guichet.privacy.access.tasks import aggregate_access_log_task
from guichet.privacy.access.useragent import family_of, parse_user_agent
from guichet.privacy.retention import retention_sweep
from guichet.urls import urlpatterns as portal_urlpatterns
from tests.conftest import login

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
IP = "203.0.113.77"
ZURICH = datetime.timezone(datetime.timedelta(hours=2))  # Europe/Zurich in summer
NOW = datetime.datetime(2025, 6, 20, 12, 0, tzinfo=ZURICH)


# --- A streamed body without a length, for the byte count --------------------------------------------


def _stream(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(iter([b"abc", b"defgh", b"ij"]), content_type="text/plain")


urlpatterns = [*portal_urlpatterns, path("test-stream/", _stream, name="test_stream")]


def entry(**fields: Any) -> AccessLogEntry:
    values: dict[str, Any] = {
        "path": "/services/",
        "requested_at": NOW - datetime.timedelta(days=1),
        "bytes_sent": 1000,
        "status": 200,
        "browser": "Firefox 128",
        "os": "Linux",
        "referrer": "",
        "ip": IP,
    }
    values.update(fields)
    return AccessLogEntry.objects.create(**values)


# --- The User-Agent parser ---------------------------------------------------------------------------

UAS = [
    (FIREFOX, "Firefox 128", "Linux"),
    (IPHONE, "Safari 17", "iOS 17"),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
        "Safari/537.36",
        "Chrome 126",
        "Windows 10/11",
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
        "Safari/537.36 Edg/126.0.2592.87",
        "Edge 126",
        "Windows 10/11",
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 "
        "Safari/605.1.15",
        "Safari 17",
        "macOS 10.15",
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 "
        "Chrome/121.0.0.0 Mobile Safari/537.36",
        "Samsung Internet 25",
        "Android 14",
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
        "Chrome 126",
        "iOS 17",
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
        "Safari/537.36 OPR/111.0.0.0",
        "Opera 111",
        "Windows 10/11",
    ),
    ("Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko", "Internet Explorer 11", "Windows 7"),
    (
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
        "Safari/537.36",
        "Chrome 126",
        "ChromeOS",
    ),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Bot", "Other"),
    ("curl/8.5.0", "Bot", "Other"),
    ("", "Other", "Other"),
    ("something else entirely", "Other", "Other"),
]


@pytest.mark.parametrize(("user_agent", "browser", "os"), UAS, ids=[row[1] + " / " + row[2] for row in UAS])
def test_the_user_agent_becomes_browser_and_os_labels(user_agent: str, browser: str, os: str) -> None:
    assert parse_user_agent(user_agent) == (browser, os)


def test_a_huge_user_agent_is_cut_before_matching() -> None:
    assert parse_user_agent("Firefox/128.0 " + "x" * 100_000) == ("Firefox 128", "Other")


@pytest.mark.parametrize(
    ("label", "family"),
    [
        ("Firefox 128", "Firefox"),
        ("Samsung Internet 25", "Samsung Internet"),
        ("Windows 10/11", "Windows"),
        ("macOS 10.15", "macOS"),
        ("ChromeOS", "ChromeOS"),
        ("Bot", "Bot"),
        ("", "Other"),
    ],
)
def test_the_family_is_the_label_without_its_version(label: str, family: str) -> None:
    assert family_of(label) == family


# --- Paths, referrers, groups -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "stored"),
    [
        ("/appointments/manage/s3cr3t-T0ken/", f"/appointments/manage/{MASK}/"),
        ("/appointments/manage/s3cr3t-T0ken/cancel/", f"/appointments/manage/{MASK}/cancel/"),
        ("/accounts/confirm/s3cr3t-T0ken/", f"/accounts/confirm/{MASK}/"),
        ("/accounts/password/reset/s3cr3t-T0ken/", f"/accounts/password/reset/{MASK}/"),
        ("/accounts/email/change/s3cr3t-T0ken/", f"/accounts/email/change/{MASK}/"),
        # No route matches: masked where a known route has its token all the same.
        ("/appointments/manage/s3cr3t-T0ken/no/such/page", f"/appointments/manage/{MASK}/no/such/page"),
        # Literal routes next to token routes stay readable.
        ("/accounts/password/reset/done/", "/accounts/password/reset/done/"),
        ("/language/fr/", "/language/fr/"),
        ("/services/hundeanmeldung/", "/services/hundeanmeldung/"),
    ],
)
def test_secret_tokens_in_paths_are_masked(requested: str, stored: str) -> None:
    assert mask_path(requested) == stored


@pytest.mark.parametrize(
    ("header", "stored"),
    [
        ("https://www.example.ch/search?q=alice+amrein#top", "https://www.example.ch/search"),
        ("https://user:secret@Portal.Example.ch:8443/a/b?x=1", "https://portal.example.ch:8443/a/b"),
        ("http://127.0.0.1/appointments/manage/s3cr3t-T0ken/?x=1", f"http://127.0.0.1/appointments/manage/{MASK}/"),
        ("https://example.ch", "https://example.ch/"),
        ("http://[2001:db8::1]/x", "http://[2001:db8::1]/x"),
        ("android-app://com.example/", ""),
        ("javascript:alert(1)", ""),
        ("not a url", ""),
        ("http://bad port:99999/", ""),
        ("", ""),
    ],
)
def test_the_referrer_keeps_origin_and_path_only(header: str, stored: str) -> None:
    assert referrer(header) == stored


@pytest.mark.parametrize(
    ("requested", "group"),
    [
        ("/", "/"),
        ("/account/cases/0b5c6a3e-4ed8-4a4e-9a5c-1a2b3c4d5e6f/", "/account/"),
        ("/accounts/login/", "/accounts/"),
        ("/appointments/manage/<token>/", "/appointments/"),
        ("/backoffice/cases/", "/backoffice/"),
        ("/privacy/cookies/", "/privacy/"),
        ("/static/css/guichet.css", "/static/"),
        ("/admin/access_log/", "/admin/"),
        ("/alice.amrein@example.ch/", "other"),
        ("/theme.css", "other"),
        ("/accountant/", "other"),
    ],
)
def test_the_totals_know_sections_not_paths(requested: str, group: str) -> None:
    assert path_group(requested) == group


def test_status_classes() -> None:
    assert [status_class(code) for code in (200, 204, 302, 304, 400, 404, 429, 500, 503, 999)] == [
        "2xx",
        "2xx",
        "3xx",
        "3xx",
        "4xx",
        "4xx",
        "4xx",
        "5xx",
        "5xx",
        "other",
    ]


# --- The middleware -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.promise("P19")
def test_a_request_is_logged_with_exactly_the_promised_fields(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            "/privacy/cookies/?utm_source=newsletter&email=alice@example.ch",
            HTTP_USER_AGENT=FIREFOX,
            HTTP_REFERER="https://www.example.ch/links?who=alice",
            REMOTE_ADDR=IP,
        )
    assert response.status_code == 200
    names = {field.name for field in AccessLogEntry._meta.get_fields()}
    # P19: path, date and time, bytes sent, success, browser, OS, referrer, provider/IP. Nothing else.
    assert names == {"id", "path", "requested_at", "bytes_sent", "status", "browser", "os", "referrer", "ip"}
    (logged,) = AccessLogEntry.objects.all()
    assert logged.path == "/privacy/cookies/"  # the query string is dropped
    assert logged.status == 200
    assert logged.bytes_sent == len(response.content) > 0
    assert (logged.browser, logged.os) == ("Firefox 128", "Linux")
    assert logged.referrer == "https://www.example.ch/links"
    assert logged.ip == IP
    assert abs((logged.requested_at - datetime.datetime.now(datetime.UTC)).total_seconds()) < 60


@pytest.mark.django_db
@pytest.mark.promise("P19")
def test_the_log_never_reaches_the_account(
    client: Client, alice: User, django_capture_on_commit_callbacks: Any
) -> None:
    """The entry is not linked to the session or the login: nothing of Alice's is in it."""
    login(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get("/account/", REMOTE_ADDR=IP).status_code == 200
    (logged,) = AccessLogEntry.objects.all()
    stored = " ".join(str(getattr(logged, field.attname)) for field in AccessLogEntry._meta.concrete_fields)
    for personal in ("alice", "Amrein", str(alice.pk), client.cookies["guichet_session"].value):
        assert personal not in stored


@pytest.mark.django_db
@pytest.mark.promise("P19")
def test_tokens_in_the_requested_path_and_the_referrer_are_masked(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    token = "k9Vd2-zQ_secret-manage-token"
    with django_capture_on_commit_callbacks(execute=True):
        client.get(
            f"/appointments/manage/{token}/cancel/",
            HTTP_REFERER=f"http://testserver/appointments/manage/{token}/?lang=de",
        )
        client.get(f"/accounts/password/reset/{token}/")
    rows = list(AccessLogEntry.objects.order_by("id").values_list("path", "referrer"))
    assert rows == [
        (f"/appointments/manage/{MASK}/cancel/", f"http://testserver/appointments/manage/{MASK}/"),
        (f"/accounts/password/reset/{MASK}/", ""),
    ]
    assert not any(token in value for row in rows for value in row)


@pytest.mark.django_db
def test_errors_and_refusals_are_logged_too(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/no-such-page/")
        client.get("/backoffice/")
        client.post("/privacy/ui/", {"flag": "no-such-flag"})
    assert list(AccessLogEntry.objects.order_by("id").values_list("path", "status")) == [
        ("/no-such-page/", 404),
        ("/backoffice/", 302),
        ("/privacy/ui/", 400),
    ]


@pytest.mark.django_db
def test_a_head_request_sends_no_bytes(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert client.head("/static/css/guichet.css").status_code == 200
    assert AccessLogEntry.objects.get().bytes_sent == 0


@pytest.mark.django_db
def test_static_files_are_logged_with_their_size(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/static/css/guichet.css")
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert response.status_code == 200
    logged = AccessLogEntry.objects.get()
    assert (logged.path, logged.bytes_sent) == ("/static/css/guichet.css", len(body))


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_streamed_body_is_counted_and_logged_when_it_ends(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.get("/test-stream/")
        assert callbacks == []  # nothing is logged before the body is sent
        assert b"".join(response.streaming_content) == b"abcdefghij"  # type: ignore[attr-defined]
    assert AccessLogEntry.objects.get().bytes_sent == 10


def test_an_asynchronous_body_is_counted_too() -> None:
    counted: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for chunk in (b"abc", b"defg"):
            yield chunk

    async def consume() -> bytes:
        wrapper = _AsyncCounting(chunks(), counted.append)
        body = b"".join([chunk async for chunk in wrapper])
        wrapper.close()
        wrapper.close()  # reported once only
        return body

    # In a thread of its own: a browser test may have left an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, consume()).result() == b"abcdefg"
    assert counted == [7]


@pytest.mark.django_db
def test_behind_the_proxy_the_address_it_saw_is_logged(
    client: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    spoofed = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": f"198.51.100.1, {IP}"}
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/privacy/cookies/", **spoofed)  # not behind a proxy: the header is ignored
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # GUICHET_BEHIND_PROXY=1
        client.get("/privacy/cookies/", **spoofed)  # only the entry the proxy appended counts
        client.get("/privacy/cookies/", REMOTE_ADDR="2001:db8::7")
        client.get("/privacy/cookies/", REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="garbage")
    assert list(AccessLogEntry.objects.order_by("id").values_list("ip", flat=True)) == [
        "10.0.0.2",
        IP,
        "2001:db8::7",
        None,
    ]


@pytest.mark.django_db
def test_nothing_is_logged_when_switched_off_and_probes_never(
    client: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.get("/healthz")
        client.get("/readyz")
        settings.GUICHET_ACCESS_LOG_ENABLED = False
        client.get("/privacy/cookies/")
    assert callbacks == []
    assert not AccessLogEntry.objects.exists()


@pytest.mark.django_db
def test_a_failed_write_never_costs_the_visitor_the_page(
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The table is missing (a migration not run yet): the database refuses the INSERT."""

    def insert_into_a_missing_table(entry: Any, **options: Any) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO missing_access_log (ip, path) VALUES (%s, %s)", [entry.ip, entry.path])
        return True

    monkeypatch.setattr(services, "insert_row", insert_into_a_missing_table)
    with (
        caplog.at_level(logging.ERROR, logger="guichet.privacy.access"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.get("/privacy/cookies/", REMOTE_ADDR=IP)
    assert response.status_code == 200
    assert "access log entry not written: OperationalError" in caplog.text or "ProgrammingError" in caplog.text
    assert IP not in caplog.text  # only the error's type: a database message may quote the row


# --- Raw retention (P05, P09) -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.promise("P05", "P09")
def test_raw_entries_are_gone_after_seven_days() -> None:
    kept = entry(requested_at=NOW - datetime.timedelta(days=6, hours=23))
    at_the_limit = entry(requested_at=NOW - datetime.timedelta(days=7))
    entry(requested_at=NOW - datetime.timedelta(days=7, seconds=1))
    entry(requested_at=NOW - datetime.timedelta(days=30))
    results = {result.rule: result.count for result in retention_sweep(now=NOW)}
    assert results["access_log_raw"] == 2
    assert set(AccessLogEntry.objects.values_list("pk", flat=True)) == {kept.pk, at_the_limit.pk}


@pytest.mark.django_db
@pytest.mark.promise("P05")
def test_the_raw_retention_is_configurable(settings: Any) -> None:
    settings.GUICHET_ACCESS_LOG_RAW_DAYS = 2
    young = entry(requested_at=NOW - datetime.timedelta(days=1, hours=23))
    entry(requested_at=NOW - datetime.timedelta(days=2, seconds=1))
    retention_sweep(now=NOW, only=["access_log.AccessLogEntry"])
    assert list(AccessLogEntry.objects.values_list("pk", flat=True)) == [young.pk]


def test_the_registry_declares_the_raw_log_and_exempts_the_totals() -> None:
    kind = registry.get("access_log.AccessLogEntry")
    assert kind is not None
    assert kind.retention is not None
    assert kind.retention.name == "access_log_raw"
    assert kind.retention.period == datetime.timedelta(days=7)
    assert "ip" in kind.fields
    assert not kind.person_links  # never linked to an account
    assert "access_log.AccessDaily" in registry.exemptions


# --- Daily totals (P05, P36) --------------------------------------------------------------------------


def _some_traffic() -> None:
    day = NOW - datetime.timedelta(days=2)
    entry(path="/", requested_at=day, bytes_sent=100)
    entry(path="/account/cases/0b5c6a3e-4ed8-4a4e-9a5c-1a2b3c4d5e6f/", requested_at=day, bytes_sent=200, ip="10.1.1.1")
    entry(path="/account/", requested_at=day, status=302, bytes_sent=0, browser="Safari 17", os="iOS 17")
    entry(path="/static/css/guichet.css", requested_at=day, bytes_sent=5000, browser="Safari 17", os="iOS 17")
    entry(path="/alice.amrein@example.ch", requested_at=day, status=404, bytes_sent=50, browser="Bot", os="Other")
    entry(path="/services/", requested_at=day - datetime.timedelta(days=1), bytes_sent=300, browser="Firefox 127")
    entry(path="/services/", requested_at=day - datetime.timedelta(days=1), bytes_sent=300)


def _totals() -> list[tuple[Any, ...]]:
    return list(
        AccessDaily.objects.order_by("day", "path_group", "status_class", "browser", "os").values_list(
            "day", "path_group", "status_class", "browser", "os", "requests", "bytes_sent"
        )
    )


@pytest.mark.django_db
@pytest.mark.promise("P05", "P36")
def test_complete_days_are_counted_into_totals_without_address_or_path() -> None:
    _some_traffic()
    entry(path="/services/", requested_at=NOW)  # today: counted tomorrow night
    days = access_log_aggregate(now=NOW)
    first, second = datetime.date(2025, 6, 17), datetime.date(2025, 6, 18)
    assert days == [first, second]
    assert _totals() == [
        (first, "/services/", "2xx", "Firefox", "Linux", 2, 600),
        (second, "/", "2xx", "Firefox", "Linux", 1, 100),
        (second, "/account/", "2xx", "Firefox", "Linux", 1, 200),
        (second, "/account/", "3xx", "Safari", "iOS", 1, 0),
        (second, "/static/", "2xx", "Safari", "iOS", 1, 5000),
        (second, "other", "4xx", "Bot", "Other", 1, 50),
    ]
    columns = [field.name for field in AccessDaily._meta.fields if not field.primary_key]
    # every column of every row but the id (a sequence number: "17" may well be one on PostgreSQL)
    everything = " ".join(str(value) for row in AccessDaily.objects.values_list(*columns) for value in row)
    for raw in (IP, "10.1.1.1", "0b5c6a3e", "alice", "guichet.css", "cases", "128", "17"):
        assert raw not in everything.replace("2025-06-17", "").replace("2025-06-18", "")


@pytest.mark.django_db
@pytest.mark.promise("P05")
def test_counting_twice_never_counts_twice() -> None:
    _some_traffic()
    access_log_aggregate(now=NOW)
    before = _totals()
    assert access_log_aggregate(now=NOW) == []
    assert access_log_aggregate(now=NOW + datetime.timedelta(hours=1)) == []
    assert _totals() == before
    # An operator may count a day again: its totals are replaced, not added to.
    access_log_aggregate_day(day=datetime.date(2025, 6, 18), now=NOW)
    assert _totals() == before


@pytest.mark.django_db
def test_days_follow_the_portal_time_zone() -> None:
    # 23:30 UTC on 17 June is 01:30 on 18 June in Zurich.
    entry(requested_at=datetime.datetime(2025, 6, 17, 23, 30, tzinfo=datetime.UTC))
    assert access_log_aggregate(now=NOW) == [datetime.date(2025, 6, 18)]


@pytest.mark.django_db
@pytest.mark.promise("P05")
def test_missed_nights_are_caught_up_before_the_raw_entries_go() -> None:
    for days_ago in (1, 2, 3, 6):
        entry(requested_at=NOW - datetime.timedelta(days=days_ago))
    assert len(access_log_aggregate(now=NOW)) == 4
    retention_sweep(now=NOW + datetime.timedelta(days=30))
    assert not AccessLogEntry.objects.exists()
    assert AccessDaily.objects.values("day").distinct().count() == 4  # the totals stay


@pytest.mark.django_db
def test_the_task_counts_and_stamps_the_proof() -> None:
    entry(requested_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1, hours=1))
    result = aggregate_access_log_task.enqueue()
    assert len(result.return_value) == 1
    run = ProofRun.objects.get(name=PROOF_NAME)
    assert run.ok
    assert list(run.summary["days"].values()) == [1]


@pytest.mark.django_db
def test_counting_one_day_again_is_refused_where_it_would_lose_numbers() -> None:
    entry(requested_at=NOW - datetime.timedelta(days=10))
    entry(requested_at=NOW)
    with pytest.raises(AggregationRefused, match="not over yet"):
        access_log_aggregate_day(day=NOW.date(), now=NOW)
    with pytest.raises(AggregationRefused, match="partly deleted"):
        access_log_aggregate_day(day=(NOW - datetime.timedelta(days=10)).date(), now=NOW)
    with pytest.raises(AggregationRefused, match="no raw entries"):
        access_log_aggregate_day(day=(NOW - datetime.timedelta(days=3)).date(), now=NOW)
    assert not AccessDaily.objects.exists()


@pytest.mark.django_db
def test_the_command_counts_and_explains_refusals() -> None:
    yesterday = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    entry(requested_at=yesterday.replace(hour=12))
    out = StringIO()
    call_command("access_log_aggregate", stdout=out)
    assert "1 day(s) counted." in out.getvalue()
    out = StringIO()
    call_command("access_log_aggregate", stdout=out)
    assert "Nothing to count" in out.getvalue()
    day = AccessDaily.objects.get().day
    out = StringIO()
    call_command("access_log_aggregate", "--day", day.isoformat(), stdout=out)
    assert f"{day}: 1 total rows written." in out.getvalue()
    with pytest.raises(CommandError, match="expects a date"):
        call_command("access_log_aggregate", "--day", "yesterday")
    with pytest.raises(CommandError, match="not over yet"):
        call_command("access_log_aggregate", "--day", "2999-01-01")


# --- The raw log for operators ------------------------------------------------------------------------

CHANGELIST = "/admin/access_log/accesslogentry/"


@pytest.mark.django_db
@pytest.mark.promise("P05")
def test_only_operators_read_the_raw_log_and_each_look_is_audited(
    client: Client, olga: User, clara: User, alice: User
) -> None:
    logged = entry(path="/services/hundeanmeldung/")
    for someone in (alice, clara):
        login(client, someone)
        response = client.get(CHANGELIST)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    assert not AuditEvent.objects.exists()

    login(client, olga)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert IP in page.content.decode()
    assert client.get(f"{CHANGELIST}{logged.pk}/change/").status_code == 200
    assert "hundeanmeldung" not in client.get(CHANGELIST, {"q": "not-an-address"}).content.decode()
    assert "hundeanmeldung" in client.get(CHANGELIST, {"q": "HUNDE"}).content.decode()
    assert IP in client.get(CHANGELIST, {"q": f" {IP} "}).content.decode()
    assert IP not in client.get(CHANGELIST, {"q": "192.0.2.1"}).content.decode()
    events = list(AuditEvent.objects.order_by("id").values_list("actor_ref", "action", "object_type", "detail"))
    assert events[:2] == [
        (str(olga.pk), "view", "access_log.accesslogentry", {"view": "list"}),
        (str(olga.pk), "view", "access_log.accesslogentry", {"view": "entry", "entry": str(logged.pk)}),
    ]
    assert len(events) == 6
    assert not any(IP in str(event) for event in events)  # who looked, not what they searched for


@pytest.mark.django_db
def test_nobody_edits_or_deletes_raw_entries_by_hand(client: Client, olga: User) -> None:
    logged = entry()
    login(client, olga)
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.post(f"{CHANGELIST}{logged.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"{CHANGELIST}{logged.pk}/change/", {"path": "/x/"}).status_code == 403
    assert AccessLogEntry.objects.get().path == "/services/"


# --- The chart ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("maximum", "step"), [(0, 1), (3, 1), (10, 5), (37, 10), (120, 50), (999, 500), (1000, 500)])
def test_nice_steps(maximum: int, step: int) -> None:
    assert nice_step(maximum) == step


def test_the_chart_has_a_bar_per_day_and_escapes_its_texts() -> None:
    bars = [Bar(label=f"{day}.6.", value=day * 10, title=f"{day} June: {day * 10} requests") for day in range(1, 31)]
    svg = str(bar_chart_svg(bars=bars, title="Requests <per> day", description='All "days"', id_prefix="t"))
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert svg.count('class="bar"') == 30
    assert 'role="img" aria-labelledby="t-title t-desc"' in svg
    assert '<title id="t-title">Requests &lt;per&gt; day</title>' in svg
    assert '<desc id="t-desc">All &quot;days&quot;</desc>' in svg
    assert "<title>30 June: 300 requests</title>" in svg
    assert "style=" not in svg  # the CSP allows no inline style
    assert svg.count("<text") - 4 == 10  # at most ten day labels under the axis (plus 0, 100, 200, 300)


def test_the_chart_of_nothing_is_still_a_chart() -> None:
    svg = str(bar_chart_svg(bars=[Bar("1.6.", 0, "nothing")], title="t", description="d"))
    assert svg.count('class="bar"') == 1
    assert 'height="0"' in svg
