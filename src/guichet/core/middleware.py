"""Security headers on every response, NUL-free query strings, and the actor on every request."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
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


class RejectNulMiddleware:
    """A NUL character in a query parameter is never meant: PostgreSQL cannot even compare text
    with one, so it would surface as a server error deep in some lookup. Answer 400 at the door."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            raise BadRequest("NUL character in the query string")
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
