"""Bench-only URLconf: the project's URLs plus bare views that return canned bytes.

Registered only inside the benchmark process (``settings.ROOT_URLCONF``), never in the project."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path

from guichet.urls import urlpatterns as project_urlpatterns

# name -> (body, content type), filled by the benchmark before the server starts.
CANNED: dict[str, tuple[bytes, str]] = {}


def bare(request: HttpRequest, name: str) -> HttpResponse:
    body, content_type = CANNED[name]
    return HttpResponse(body, content_type=content_type)


urlpatterns: list[URLPattern | URLResolver] = [
    *project_urlpatterns,
    path("__bench__/bare/<slug:name>/", bare, name="bench_bare"),
]
