"""Citizen pages of cases: the list, a case with its timeline, the answer to a request for
information, the receipt, downloads of one's own documents, and reusing the answers.

Thin: every case is read through ``selectors.case_get`` (scoped to the profile the citizen acts
as), so someone else's case, or a case of another profile, is a 404. Writes go through the
services of ``cases`` and ``eforms``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from guichet.accounts.policy import citizen_required
from guichet.cases import documents, selectors, services
from guichet.cases.forms import ReplyForm
from guichet.cases.models import Case, CaseAttachment, CaseEvent
from guichet.cases.workflow import case_definition, status_label
from guichet.catalogue.models import pick
from guichet.core.actor import Actor
from guichet.core.downloads import as_download, open_stored, stored_file_response
from guichet.core.language import active_language
from guichet.core.middleware import request_actor
from guichet.eforms import selectors as eforms_selectors
from guichet.eforms.answers import answer_sections
from guichet.eforms.models import Upload
from guichet.eforms.pricing import calculate_fee
from guichet.eforms.services import draft_from_submission

PAGE_SIZE = 20


# --- Lists -------------------------------------------------------------------------------------


@citizen_required
@require_http_methods(["GET", "HEAD"])
def case_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    page = Paginator(selectors.case_list_light(actor=actor), PAGE_SIZE).get_page(request.GET.get("page"))
    items = selectors.case_summaries(page.object_list, language=active_language())
    return render(request, "cases/case_list.html", {"page": page, "items": items})


# --- One case ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    event: CaseEvent
    title: str
    by_citizen: bool
    text: str
    attachments: list[CaseAttachment] = field(default_factory=list)


@dataclass(frozen=True)
class AnswerLine:
    label: str
    value: str
    url: str = ""  # a file given with the form: where to download it


def _timeline(actor: Actor, case: Case, language: str) -> list[TimelineEntry]:
    entries = []
    for event in selectors.case_timeline(actor=actor, case=case):
        match event.kind:
            case CaseEvent.Kind.SUBMITTED:
                title = _("Application sent")
            case CaseEvent.Kind.STATUS:
                title = _("New status: %(status)s") % {"status": status_label(case, event.status, language)}
            case CaseEvent.Kind.INFO_REQUEST:
                title = _("The authority asks you for information")
            case CaseEvent.Kind.REPLY:
                title = _("Your answer")
            case _:
                title = str(event.get_kind_display())
        entries.append(
            TimelineEntry(
                event=event,
                title=title,
                by_citizen=event.author_kind == CaseEvent.Author.CITIZEN,
                text=event.text or "",
                attachments=list(event.attachments.all()),
            )
        )
    return entries


def _upload_url(case: Case, value: Any) -> str:
    if not isinstance(value, Mapping) or "upload" not in value:
        return ""
    try:
        upload_id = uuid.UUID(str(value["upload"]))
    except ValueError:
        return ""
    return reverse("cases:upload", args=[case.pk, upload_id])


def _answers(case: Case, language: str) -> list[dict[str, Any]]:
    answers = case.submission.answers or {}
    sections = answer_sections(case_definition(case), answers, language=language, include_empty=False)
    return [
        {
            "number": section.number,
            "title": section.title,
            "rows": [AnswerLine(row.label, row.value, _upload_url(case, answers.get(row.key))) for row in section.rows],
        }
        for section in sections
    ]


def _detail_context(
    request: HttpRequest, case: Case, *, form: ReplyForm | None = None, refused: str | None = None
) -> dict[str, Any]:
    actor = request_actor(request)
    language = active_language()
    definition = case_definition(case)
    timeline = _timeline(actor, case, language)
    awaits_reply = services.case_awaits_reply(case)
    requests = [entry for entry in timeline if entry.event.kind == CaseEvent.Kind.INFO_REQUEST]
    fee = calculate_fee(definition, case.submission.answers or {})
    return {
        "case": case,
        "service_title": pick(case.service.title, language) or case.service.slug,
        "form_title": definition.title_text(language),
        "status": status_label(case, case.public_status, language),
        "timeline": list(reversed(timeline)),  # latest first
        "sections": _answers(case, language),
        "fee": fee,
        "fee_lines": [(pick(dict(line.label), language), line) for line in fee.lines],
        "awaits_reply": awaits_reply,
        "request_entry": requests[-1] if awaits_reply and requests else None,
        "form": form if form is not None else (ReplyForm() if awaits_reply else None),
        "refused": refused,
    }


@citizen_required
@require_http_methods(["GET", "HEAD"])
def case_detail(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = selectors.case_get(actor=request_actor(request), case_id=case_id)
    return render(request, "cases/case_detail.html", _detail_context(request, case))


def _refused(request: HttpRequest, case: Case, text: str) -> HttpResponse:
    """The authority no longer waits for an answer (it was answered in another tab, or the case
    moved on): nothing is sent, and what was typed is shown so it is not lost."""
    context = _detail_context(request, case, refused=text)
    return render(request, "cases/case_detail.html", context, status=409)


@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_reply(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    actor = request_actor(request)
    case = selectors.case_get(actor=actor, case_id=case_id)
    if request.method != "POST":
        return redirect(reverse("cases:detail", args=[case.pk]) + "#reply")
    typed = str(request.POST.get("text", ""))[: services.MAX_TEXT * 2]
    if not services.case_awaits_reply(case):
        return _refused(request, case, typed)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.case_reply(
                actor=actor, case=case, text=form.cleaned_data["text"], files=form.cleaned_data["documents"]
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "not_waiting":
                return _refused(request, case, typed)
            form.add_error(None, error)
        else:
            messages.success(request, _("Your answer was sent to the authority."))
            return redirect(reverse("cases:detail", args=[case.pk]) + "#timeline")
    return render(request, "cases/case_detail.html", _detail_context(request, case, form=form), status=400)


@citizen_required
@require_http_methods(["GET", "HEAD"])
def case_receipt(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = selectors.case_get(actor=request_actor(request), case_id=case_id)
    content = documents.submission_pdf(case=case, language=active_language(), audience="citizen")
    return as_download(HttpResponse(content, content_type="application/pdf"), filename=f"{case.reference}.pdf")


@citizen_required
@require_POST
def case_reuse(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Start a new application with the answers of this one (files and declarations are not
    carried over). A draft the citizen already began for the service is kept as it is."""
    actor = request_actor(request)
    case = selectors.case_get(actor=actor, case_id=case_id)
    service = case.service
    if not service.is_published or not eforms_selectors.definition_exists(slug=service.form_definition):
        messages.error(request, _("This service can no longer be applied for online."))
        return redirect("cases:detail", case.pk)
    existing = eforms_selectors.draft_for_service(actor=actor, service_id=service.pk)
    try:
        draft = draft_from_submission(actor=actor, submission=case.submission)
    except LookupError:  # the form of that submission was withdrawn
        messages.error(request, _("This service can no longer be applied for online."))
        return redirect("cases:detail", case.pk)
    if existing is not None and existing.pk == draft.pk:
        messages.info(
            request,
            _("You had already started an application for this service. It was kept, so nothing you typed is lost."),
        )
    else:
        messages.success(
            request,
            _("A new application was started with your earlier answers. Check them, and attach the documents again."),
        )
    return redirect("eforms:draft_step", draft.pk, 1)


# --- Downloads ---------------------------------------------------------------------------------


def _stream(case: Case, stored: CaseAttachment | Upload) -> StreamingHttpResponse:
    chunks = open_stored(storage_name=stored.storage_name, data_key_id=str(stored.data_key_id), aad=stored.aad)
    return stored_file_response(
        chunks,
        content_type=stored.content_type,
        size=stored.size,
        filename_stem=f"{case.reference}-{str(stored.pk)[:8]}",
        original=stored.name or "",
    )


@citizen_required
@require_http_methods(["GET", "HEAD"])
def case_attachment(request: HttpRequest, case_id: uuid.UUID, attachment_id: uuid.UUID) -> StreamingHttpResponse:
    actor = request_actor(request)
    case = selectors.case_get(actor=actor, case_id=case_id)
    attachment = selectors.case_attachment_get(actor=actor, case=case, attachment_id=attachment_id)
    return _stream(case, attachment)


@citizen_required
@require_http_methods(["GET", "HEAD"])
def case_upload(request: HttpRequest, case_id: uuid.UUID, upload_id: uuid.UUID) -> StreamingHttpResponse:
    actor = request_actor(request)
    case = selectors.case_get(actor=actor, case_id=case_id)
    upload = selectors.case_upload_get(actor=actor, case=case, upload_id=upload_id)
    return _stream(case, upload)
