"""The access log (P19): what it costs per request, and what the nightly count and sweep take.

1. ``overhead``: requests per second of a bare view (canned bytes, the cheapest request there
   is, so the log's share is as large as it gets) with the access log on and off, over one
   keep-alive connection to the in-process server of ``bench/pages.py``; on and off alternate in
   rounds so drift hits both alike. The difference per request is the log's cost: parsing the
   User-Agent and referrer, masking the path, one INSERT.
2. ``parts``: microseconds of the pure parts (User-Agent parsing uncached and cached, path
   masking with the request's own route match, without a token route, and with resolving for
   referrers and 404s, the referrer, the address) and of one INSERT on its own, as the
   middleware writes it and, for comparison, through ``Model.save()``.
3. ``aggregate``: seconds to count one day of ``GUICHET_BENCH_ACCESS_ROWS`` raw entries (default
   ``100000``, varied paths, browsers and statuses) into totals, and the totals it made.
4. ``sweep``: seconds for the retention sweep to delete those entries once they are old.
"""

from __future__ import annotations

import datetime
import os
import random
import sys
import time
from collections.abc import Iterator
from typing import Any

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "200"))
ROUNDS = 4
ROWS = int(os.environ.get("GUICHET_BENCH_ACCESS_ROWS", "100000"))
BATCH = 2000
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 "
    "Chrome/121.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
)
PATHS = (
    "/",
    "/services/",
    "/services/hundeanmeldung/",
    "/account/",
    "/account/cases/{uuid}/",
    "/appointments/manage/<token>/",
    "/static/css/guichet.css",
    "/backoffice/cases/",
    "/wp-login.php",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _micros(function: Any, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        function()
    return (time.perf_counter() - started) / count * 1e6


def overhead() -> dict[str, Any]:
    import http.client

    from django.conf import settings

    import urls_bench
    from pages import Server

    urls_bench.CANNED["access"] = (b"<!doctype html><title>x</title>" + b"x" * 4000, "text/html; charset=utf-8")
    path = "/__bench__/bare/access/"
    headers = {
        "User-Agent": USER_AGENTS[0],
        "Referer": "https://www.example.ch/search?q=guichet",
        "Accept-Language": "de-CH",
    }
    with Server() as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)

        def hammer(count: int) -> float:
            started = time.perf_counter()
            for _ in range(count):
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"{path} answered {response.status}")
            return time.perf_counter() - started

        seconds = {True: 0.0, False: 0.0}
        per_round = max(1, REQUESTS // ROUNDS)
        for enabled in (True, False):
            settings.GUICHET_ACCESS_LOG_ENABLED = enabled
            hammer(WARMUP)
        for _ in range(ROUNDS):
            for enabled in (True, False):
                settings.GUICHET_ACCESS_LOG_ENABLED = enabled  # read by the middleware on every request
                seconds[enabled] += hammer(per_round)
        settings.GUICHET_ACCESS_LOG_ENABLED = True
        connection.close()
    total = per_round * ROUNDS
    on_ms, off_ms = 1000 * seconds[True] / total, 1000 * seconds[False] / total
    return {
        "bench": "access_log",
        "what": "overhead",
        "requests": total,
        "ms_per_request_logged": round(on_ms, 3),
        "ms_per_request_unlogged": round(off_ms, 3),
        "overhead_ms": round(on_ms - off_ms, 3),
        "overhead_percent": round(100 * (on_ms - off_ms) / off_ms, 1),
    }


def parts() -> dict[str, Any]:
    from django.test import RequestFactory
    from django.urls import resolve
    from django.utils import timezone

    from guichet.core.network import client_ip
    from guichet.privacy.access.entries import mask_path, referrer
    from guichet.privacy.access.models import AccessLogEntry
    from guichet.privacy.access.services import _insert
    from guichet.privacy.access.useragent import parse_user_agent

    agents = [f"{agent} build/{number}" for number, agent in enumerate(USER_AGENTS * 200)]
    started = time.perf_counter()
    for agent in agents:
        parse_user_agent.__wrapped__(agent)
    uncached = (time.perf_counter() - started) / len(agents) * 1e6
    cached = _micros(lambda: parse_user_agent(USER_AGENTS[0]), 20000)
    token_path = "/appointments/manage/abc-secret-token/cancel/"
    match = resolve(token_path)
    mask_request = _micros(lambda: mask_path(token_path, match), 20000)  # the request's own match
    mask_plain = _micros(lambda: mask_path("/services/hundeanmeldung/"), 20000)  # no token route starts so
    mask_resolve = _micros(lambda: mask_path(token_path), 2000)  # a referrer from a token page
    mask_404 = _micros(lambda: mask_path("/appointments/manage/abc-secret-token/nothing/here"), 2000)
    ref = _micros(lambda: referrer("https://www.example.ch/search?q=guichet"), 5000)
    request = RequestFactory().get("/services/", REMOTE_ADDR="203.0.113.9")
    address = _micros(lambda: client_ip(request), 20000)

    def entry() -> AccessLogEntry:
        return AccessLogEntry(
            path="/services/",
            requested_at=timezone.now(),
            bytes_sent=1234,
            status=200,
            browser="Firefox 128",
            os="Linux",
            referrer="https://www.example.ch/search",
            ip="203.0.113.9",
        )

    inserted = _micros(lambda: _insert(entry()), 2000)  # what the middleware does
    saved = _micros(lambda: entry().save(force_insert=True), 2000)  # the ORM's way, for comparison
    AccessLogEntry.objects.all().delete()
    return {
        "bench": "access_log",
        "what": "parts",
        "user_agent_uncached_us": round(uncached, 1),
        "user_agent_cached_us": round(cached, 2),
        "mask_path_request_us": round(mask_request, 2),
        "mask_path_no_token_route_us": round(mask_plain, 2),
        "mask_path_resolved_us": round(mask_resolve, 1),
        "mask_path_unresolved_us": round(mask_404, 1),
        "referrer_us": round(ref, 1),
        "client_ip_us": round(address, 2),
        "insert_us": round(inserted, 1),
        "orm_save_us": round(saved, 1),
    }


def aggregate_and_sweep() -> Iterator[dict[str, Any]]:
    from django.db import connection
    from django.utils import timezone

    from guichet.privacy.access.models import AccessDaily, AccessLogEntry
    from guichet.privacy.access.services import _count_day, day_bounds
    from guichet.privacy.access.useragent import parse_user_agent
    from guichet.privacy.retention import retention_sweep

    day = timezone.localdate() - datetime.timedelta(days=1)
    start, _end = day_bounds(day)
    chooser = random.Random(19)  # benchmark data: the same every run
    labels = [parse_user_agent(agent) for agent in USER_AGENTS]
    AccessLogEntry.objects.all().delete()  # the entries of the requests above
    started = time.perf_counter()
    for offset in range(0, ROWS, BATCH):
        batch = []
        for number in range(offset, min(ROWS, offset + BATCH)):
            browser, os_label = chooser.choice(labels)
            batch.append(
                AccessLogEntry(
                    path=chooser.choice(PATHS).replace("{uuid}", f"{number:032x}"),
                    requested_at=start + datetime.timedelta(seconds=number * 86399 / ROWS),
                    bytes_sent=chooser.randint(0, 60000),
                    status=chooser.choice((200, 200, 200, 200, 302, 304, 404, 500)),
                    browser=browser,
                    os=os_label,
                    referrer="",
                    ip=f"198.51.{number % 250}.{number % 200}",
                )
            )
        AccessLogEntry.objects.bulk_create(batch)
    log(f"access_log: {ROWS} raw entries in {time.perf_counter() - started:.1f}s")

    started = time.perf_counter()
    rows = _count_day(day)
    seconds = time.perf_counter() - started
    assert AccessDaily.objects.filter(day=day).count() == rows
    yield {
        "bench": "access_log",
        "what": "aggregate",
        "database": connection.vendor,
        "raw_entries": ROWS,
        "seconds": round(seconds, 2),
        "entries_per_second": round(ROWS / seconds),
        "total_rows": rows,
    }

    started = time.perf_counter()
    (result,) = retention_sweep(now=timezone.now() + datetime.timedelta(days=30), only=["access_log.AccessLogEntry"])
    seconds = time.perf_counter() - started
    assert result.count == ROWS
    yield {
        "bench": "access_log",
        "what": "sweep",
        "database": connection.vendor,
        "deleted": result.count,
        "seconds": round(seconds, 2),
        "rows_per_second": round(result.count / seconds),
    }


def run() -> Iterator[dict[str, Any]]:
    yield parts()
    yield overhead()
    yield from aggregate_and_sweep()
