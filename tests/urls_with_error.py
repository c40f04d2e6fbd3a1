"""Test-only URLconf: the real one plus a view that fails, to check headers on 500 pages."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from guichet.urls import handler400, handler403, handler404, handler500
from guichet.urls import urlpatterns as real_urlpatterns


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("deliberate failure for the error-page test")


urlpatterns = [path("__boom__/", boom), *real_urlpatterns]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
