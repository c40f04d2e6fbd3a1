"""Booking pages (being built)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def index(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


def manage(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponse("")


manage_reschedule = manage_cancel = manage


def times(request: HttpRequest, location: str, kind: str) -> HttpResponse:
    return HttpResponse("")


def book(request: HttpRequest, location: str, kind: str, slot: str) -> HttpResponse:
    return HttpResponse("")
