"""Page throughput and query counts.

1. Requests per second of the home page (guest: first visit and returning) and the dashboard (logged-in citizen), each
   against a bare Django view that returns the same bytes through the same middleware, so the
   ratio shows what the page's own work (view, selectors, template) costs. One in-process HTTP
   server on 127.0.0.1 (Django's threaded WSGI server, standard library underneath), one
   keep-alive ``http.client`` connection, page and bare requests interleaved in rounds.
2. SQL queries of the pages for an account with 10 and with 1000 items (profiles for now):
   the count must not grow with the data (no N+1).
"""

from __future__ import annotations

import http.client
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "800"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "100"))
ROUNDS = 4  # page and bare alternate in this many rounds, so drift hits both alike
ITEM_COUNTS = (10, 1000)
PASSWORD = "bench-only-password-0000"  # bench value


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- data ---------------------------------------------------------------------------------------


def make_citizen(email: str, *, extra_profiles: int = 0) -> Any:
    from django.utils import timezone

    from guichet.accounts.models import Profile, User

    user = User.objects.create_user(email, PASSWORD, email_verified_at=timezone.now())
    private = Profile.objects.create(
        owner=user, kind=Profile.Kind.PRIVATE, data_key=user.data_key, first_name="Bea", last_name="Bench"
    )
    user.active_profile = private
    user.save(update_fields=["active_profile"])
    Profile.objects.bulk_create(
        Profile(
            owner=user,
            kind=Profile.Kind.BUSINESS,
            data_key=user.data_key,
            organisation_name=f"Bench Firma {i} AG",
            uid=f"CHE-{i:03d}.000.000"[:15],
            town="Solothurn",
        )
        for i in range(extra_profiles)
    )
    return user


def session_cookie(user: Any) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


# --- HTTP ---------------------------------------------------------------------------------------


class Server:
    """The project's WSGI app with the bench URLconf, served from a thread on 127.0.0.1."""

    def __init__(self) -> None:
        from django.conf import settings
        from django.core.handlers.wsgi import WSGIHandler
        from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
        from django.urls import clear_url_caches

        class QuietHandler(WSGIRequestHandler):
            def setup(self) -> None:
                super().setup()
                # Headers and body go out in separate writes: without this, Nagle's algorithm and
                # delayed ACKs add ~40 ms to every keep-alive response.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        settings.ROOT_URLCONF = "urls_bench"
        clear_url_caches()
        self.httpd = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
        self.httpd.set_app(WSGIHandler())
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class KeepAliveClient:
    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.reconnects = 0

    def guest_cookie(self, path: str) -> str:
        """The session cookie a browser gets on its first visit (the header forms need a CSRF
        secret, which lives in the session), to send back like a returning guest does."""
        from django.conf import settings

        self.connection.request("GET", path)
        response = self.connection.getresponse()
        response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith(f"{settings.SESSION_COOKIE_NAME}="):
                return header.split(";", 1)[0]
        return ""

    def get(self, path: str, cookie: str = "") -> tuple[int, bytes, str]:
        headers = {"Accept-Language": "de-CH", "Cookie": cookie} if cookie else {"Accept-Language": "de-CH"}
        self.connection.request("GET", path, headers=headers)
        response = self.connection.getresponse()
        body = response.read()
        if response.will_close:  # the server refused keep-alive: count it, the numbers would be off
            self.reconnects += 1
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return response.status, body, response.getheader("Content-Type", "")

    def hammer(self, path: str, count: int, cookie: str) -> float:
        """Seconds for ``count`` sequential requests; every one must answer 200."""
        started = time.perf_counter()
        for _ in range(count):
            status, _body, _type = self.get(path, cookie)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
        return time.perf_counter() - started


def throughput(client: KeepAliveClient, name: str, path: str, cookie: str) -> dict[str, Any]:
    import urls_bench

    status, body, content_type = client.get(path, cookie)
    if status != 200:
        raise RuntimeError(f"{path} answered {status}; cannot benchmark it")
    urls_bench.CANNED[name] = (body, content_type.split(";")[0] + "; charset=utf-8")
    bare_path = f"/__bench__/bare/{name}/"
    client.hammer(path, WARMUP, cookie)
    client.hammer(bare_path, WARMUP, cookie)
    page_seconds = bare_seconds = 0.0
    per_round = max(1, REQUESTS // ROUNDS)
    for _ in range(ROUNDS):
        page_seconds += client.hammer(path, per_round, cookie)
        bare_seconds += client.hammer(bare_path, per_round, cookie)
    total = per_round * ROUNDS
    rps, bare_rps = total / page_seconds, total / bare_seconds
    return {
        "bench": "pages",
        "page": name,
        "path": path,
        "requests": total,
        "bytes": len(body),
        "rps": round(rps, 1),
        "bare_rps": round(bare_rps, 1),
        "ratio": round(rps / bare_rps, 3),
        "ms_per_request": round(1000 / rps, 3),
        "bare_ms_per_request": round(1000 / bare_rps, 3),
    }


# --- queries ------------------------------------------------------------------------------------


def query_counts() -> Iterator[dict[str, Any]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    pages = {"home": "/", "dashboard": "/account/", "profiles": "/account/profiles/"}
    counts: dict[str, dict[int, int]] = {name: {} for name in pages}
    for items in ITEM_COUNTS:
        # ``items`` profiles in all: the private one and items - 1 business profiles.
        user = make_citizen(f"queries-{items}@bench.example", extra_profiles=items - 1)
        client = Client(HTTP_ACCEPT_LANGUAGE="de-CH")
        client.force_login(user)
        for name, path in pages.items():
            client.get(path)  # first visit writes the session's timestamps; measure the steady state
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            counts[name][items] = len(captured.captured_queries)
    for name, by_items in counts.items():
        constant = len(set(by_items.values())) == 1
        for items, queries in by_items.items():
            yield {"bench": "queries", "page": name, "items": items, "queries": queries, "constant": constant}


def run() -> Iterator[dict[str, Any]]:
    citizen = make_citizen("bench-citizen@bench.example", extra_profiles=1)
    cookie = session_cookie(citizen)
    with Server() as server:
        client = KeepAliveClient(server.port)
        log(f"pages: {REQUESTS} requests each after {WARMUP} warm-up, server on 127.0.0.1:{server.port}")
        pages = (
            ("home-first-visit", "/", ""),  # no cookie: what a first visit (or a crawler) costs
            ("home", "/", client.guest_cookie("/")),  # a returning guest sends the session cookie back
            ("dashboard", "/account/", cookie),
        )
        for name, path, page_cookie in pages:
            line = throughput(client, name, path, page_cookie)
            line["reconnects"] = client.reconnects
            yield line
    yield from query_counts()
