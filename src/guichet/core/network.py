"""Who is on the other end of a request: the client's IP address, proxy-aware."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, or ``None`` when the request carries no valid one.

    Behind the configured reverse proxy (``GUICHET_BEHIND_PROXY``) the proxy appends the address
    it saw to ``X-Forwarded-For``; only that last entry is trusted (the rest is the client's say)."""
    raw = request.META.get("REMOTE_ADDR", "") or ""
    if settings.SECURE_PROXY_SSL_HEADER is not None:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            raw = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None
