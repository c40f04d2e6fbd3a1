"""Portal-wide pages: health probes, language switch, theme, error pages."""

from __future__ import annotations

import logging

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger("guichet.core")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing else on purpose."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers and the task queue's storage is reachable."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:  # any driver error means "not ready"
        logger.exception("readiness: database unavailable")
        checks["database"] = "unavailable"
    try:
        from huey.contrib.djhuey import HUEY

        HUEY.pending_count()
        checks["tasks"] = "ok"
    except Exception:
        logger.exception("readiness: task queue unavailable")
        checks["tasks"] = "unavailable"
    ok = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)


@require_GET
def language(request: HttpRequest, code: str) -> HttpResponse:
    """Switch language with a plain link.

    A link instead of Django's POST form: a form needs a CSRF token, and with the token kept in
    the session every first visit would create a session (P22: no server-side state for guests).
    The only effect is the language cookie, so a GET is harmless."""
    from django.conf import settings
    from django.utils.http import url_has_allowed_host_and_scheme

    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite="Lax",
    )
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    logger.warning("csrf failure path=%s", request.path)
    return render(request, "errors/403_csrf.html", status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)


@require_GET
def theme_css(request: HttpRequest) -> HttpResponse:
    """Tenant theming: the configured authority's colours as CSS custom properties.

    Served as a stylesheet (not inline) so the CSP can forbid inline styles."""
    from django.conf import settings

    from guichet.core.models import Authority

    authority = Authority.objects.filter(slug=settings.GUICHET_THEME).first() if settings.GUICHET_THEME else None
    primary = authority.theme_primary if authority else "#0b4f8a"
    accent = authority.theme_accent if authority else "#c8102e"
    css = f":root {{ --color-primary: {primary}; --color-accent: {accent}; }}\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response
