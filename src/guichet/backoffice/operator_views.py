"""The operator's start page: what the portal's operator (not an authority) looks after —
privacy requests that belong to no authority, the disclosure register, the access statistics,
the record of processing, and the admin (raw access log, statement versions)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from guichet.backoffice.privacy_views import operator_required
from guichet.core.middleware import request_actor
from guichet.privacy import requests


@operator_required
@require_http_methods(["GET", "HEAD"])
def operator_index(request: HttpRequest) -> HttpResponse:
    actor = requests.operator_actor(user=request.user)  # type: ignore[arg-type]
    assert actor is not None  # operator_required let us in
    context = {"privacy_requests": requests.queue_counts(actor=actor), "actor": request_actor(request)}
    return render(request, "backoffice/operator.html", context)
