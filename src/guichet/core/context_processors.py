from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    return {
        "portal_name": settings.GUICHET_PORTAL_NAME,
        "actor": getattr(request, "actor", None),
        "LANGUAGES": settings.LANGUAGES,
    }
