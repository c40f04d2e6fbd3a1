"""Security headers on every response, NUL-free query parameters, and the actor on every request."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.functional import SimpleLazyObject

from guichet.core.actor import Actor


class SecurityHeadersMiddleware:
    """Headers Django does not set itself. Runs outermost so error pages get them too (P12)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.GUICHET_PERMISSIONS_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if request.user.is_authenticated if hasattr(request, "user") else False:
            # Authenticated pages hold personal data: never store them in any cache.
            response.headers["Cache-Control"] = "no-store"
        return response


class StripNulMiddleware:
    """A NUL character in a query parameter is never meant (nobody can type one), and PostgreSQL
    cannot even compare text with it: left in, it would surface as a server error deep in some
    lookup. It is dropped at the door, so a search with one still finds what the rest asks for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "%00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            cleaned = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                cleaned.setlist(key.replace("\x00", ""), [value.replace("\x00", "") for value in values])
            cleaned._mutable = False  # immutable again, as Django hands it to views
            request.GET = cleaned  # type: ignore[assignment]
        return self.get_response(request)


class ActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from guichet.accounts.selectors import actor_for_request

        request.actor = SimpleLazyObject(lambda: actor_for_request(request))  # type: ignore[attr-defined]
        return self.get_response(request)


def request_actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined]
