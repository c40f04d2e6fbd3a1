"""Session idle (30 min) and absolute (12 h) timeouts, enforced on the server."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("guichet.auth")

SESSION_STARTED = "guichet_started"
SESSION_SEEN = "guichet_seen"
SESSION_TIMED_OUT = "guichet_timed_out"  # set after a timeout logout: the login page explains it


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.get(SESSION_STARTED, now)
            seen = request.session.get(SESSION_SEEN, now)
            if (
                now - seen > settings.GUICHET_SESSION_IDLE_TIMEOUT
                or now - started > settings.GUICHET_SESSION_ABSOLUTE_TIMEOUT
            ):
                logger.info("session timed out user=%s", request.user.pk)
                logout(request)  # flushes the session: a new, empty one with a new key
                request.session[SESSION_TIMED_OUT] = True
            else:
                # Assigning marks the session modified (a database write): only when the value
                # changes, and "seen" at most once a minute, so reading pages costs no write.
                if SESSION_STARTED not in request.session:
                    request.session[SESSION_STARTED] = started
                if now - seen >= 60 or SESSION_SEEN not in request.session:
                    request.session[SESSION_SEEN] = now
        return self.get_response(request)
