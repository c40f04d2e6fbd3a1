"""One access-log entry per request (P19), written after the response is complete.

Placed right after ``SecurityMiddleware``: every answer the portal gives is logged, including
static files served by WhiteNoise (further in), error pages and refusals, but the session and
the account are never looked at (they are set up further in, too): the entry cannot be linked
to a person's account. Liveness and readiness probes are not logged: a load balancer asks every
few seconds, and those lines would say nothing about visits.

Bytes sent: the body's length; ``0`` for ``HEAD``. For streamed responses (exports, files) the
announced ``Content-Length`` if there is one (file downloads: the server may send the file with
``sendfile``, which must not be wrapped), otherwise the bytes are counted as they are streamed
and the entry is written when the response is closed, i.e. after the last byte (or when the
client went away: then what was sent up to that point).

A failed write is logged (without the row) and the response goes out unchanged.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import AsyncIterator, Callable, Iterator

from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

from guichet.core.network import client_ip
from guichet.privacy.access.entries import referrer, requested_path
from guichet.privacy.access.models import AccessLogEntry
from guichet.privacy.access.services import access_log_write
from guichet.privacy.access.useragent import parse_user_agent

logger = logging.getLogger("guichet.privacy.access")

#: Probes of the load balancer and the orchestrator (see ``guichet.core.views``).
NOT_LOGGED = frozenset({"/healthz", "/readyz"})


class _Counter:
    """Passes a streamed body through, counting its bytes; reports the count once, on close."""

    def __init__(self, done: Callable[[int], None]) -> None:
        self._done = done
        self._count = 0
        self._closed = False

    def close(self) -> None:
        # Django calls this from ``response.close()``: after the last byte, or after the client
        # left. Under ASGI too, from a thread: so this stays synchronous.
        if not self._closed:
            self._closed = True
            self._done(self._count)


class _Counting(_Counter):
    def __init__(self, chunks: Iterator[bytes], done: Callable[[int], None]) -> None:
        super().__init__(done)
        self._chunks = chunks

    def __iter__(self) -> _Counting:
        return self

    def __next__(self) -> bytes:
        chunk = next(self._chunks)
        self._count += len(chunk)
        return chunk


class _AsyncCounting(_Counter):
    def __init__(self, chunks: AsyncIterator[bytes], done: Callable[[int], None]) -> None:
        super().__init__(done)
        self._chunks = chunks

    def __aiter__(self) -> _AsyncCounting:
        return self

    async def __anext__(self) -> bytes:
        chunk = await anext(self._chunks)
        self._count += len(chunk)
        return chunk


def _announced_length(response: HttpResponseBase) -> int | None:
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


class AccessLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not settings.GUICHET_ACCESS_LOG_ENABLED or request.path_info in NOT_LOGGED:
            return self.get_response(request)
        requested_at = timezone.now()
        response = self.get_response(request)
        try:
            self._log(request, response, requested_at)
        except Exception as error:  # the visitor gets the page whatever happens here
            logger.error("access log entry not recorded: %s", type(error).__name__)
        return response

    def _log(self, request: HttpRequest, response: HttpResponseBase, requested_at: datetime.datetime) -> None:
        browser, os = parse_user_agent(request.META.get("HTTP_USER_AGENT", ""))
        entry = AccessLogEntry(
            path=requested_path(request),
            requested_at=requested_at,
            bytes_sent=0,
            status=response.status_code,
            browser=browser,
            os=os,
            referrer=referrer(request.META.get("HTTP_REFERER", "")),
            ip=client_ip(request),
        )
        if request.method == "HEAD":
            access_log_write(entry=entry)
        elif isinstance(response, StreamingHttpResponse):
            announced = _announced_length(response)
            if announced is not None:
                entry.bytes_sent = announced
                access_log_write(entry=entry)
            else:
                self._count_then_write(response, entry)
        else:
            entry.bytes_sent = len(getattr(response, "content", b""))
            access_log_write(entry=entry)

    @staticmethod
    def _count_then_write(response: StreamingHttpResponse, entry: AccessLogEntry) -> None:
        def done(count: int) -> None:
            entry.bytes_sent = count
            access_log_write(entry=entry)

        if response.is_async:
            response.streaming_content = _AsyncCounting(response.streaming_content, done)  # type: ignore[arg-type]
        else:
            response.streaming_content = _Counting(response.streaming_content, done)  # type: ignore[arg-type]
