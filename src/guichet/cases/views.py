"""Citizen pages of cases (built out next)."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse

from guichet.accounts.policy import citizen_required
from guichet.cases import selectors
from guichet.core.middleware import request_actor


@citizen_required
def case_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(selectors.case_list(actor=request_actor(request)).count()))


@citizen_required
def case_detail(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return HttpResponse(selectors.case_get(actor=request_actor(request), case_id=case_id).reference)


case_receipt = case_reply = case_reuse = case_detail


@citizen_required
def case_attachment(request: HttpRequest, case_id: uuid.UUID, attachment_id: uuid.UUID) -> HttpResponse:
    return HttpResponse("")


@citizen_required
def case_upload(request: HttpRequest, case_id: uuid.UUID, upload_id: uuid.UUID) -> HttpResponse:
    return HttpResponse("")
