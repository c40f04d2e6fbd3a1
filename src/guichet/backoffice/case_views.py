"""Staff pages of cases: the queue, one case (submission, timeline, actions) and its downloads.

Thin: every case is read through ``staff_case_get`` (another authority's case is a 404), every
change goes through ``cases.services``, and every look at the submission (page, PDF, JSON, file)
is audited with ``case_record_view``: the citizen sees it under "who accessed my data"."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from guichet.backoffice import selectors as backoffice_selectors
from guichet.backoffice.forms import (
    STATES,
    AssignForm,
    NoteForm,
    QueueFilterForm,
    RequestForm,
    StatusForm,
    attach_service_error,
)
from guichet.backoffice.policy import staff_actor_required, staff_request_actor
from guichet.cases import documents, selectors, services
from guichet.cases.models import Case, CaseAttachment, CaseEvent
from guichet.cases.restriction import CaseRestricted, is_restricted
from guichet.cases.selectors import QueueFilter
from guichet.cases.workflow import case_definition, status_label
from guichet.catalogue.models import pick
from guichet.core.actor import Actor
from guichet.core.downloads import as_download, open_stored, stored_file_response
from guichet.eforms.answers import AnswerRow, AnswerSection, answer_sections
from guichet.eforms.definition import FormDefinition
from guichet.eforms.models import Upload

QUEUE_PAGE_SIZE = 50

#: What the queue loads of a case: no profile, no answers, no account (data minimisation, and a
#: fixed number of queries: loading those would decrypt them under one data key per person).

#: Which field a service's error belongs to, by its code (``None``: the whole form).
_STATUS_ERRORS: dict[str, str | None] = {
    "invalid_status": "status",
    "use_request": "status",
    "same_status": "status",
    "required": "note",
    "too_long": "note",
}
_REQUEST_ERRORS: dict[str, str | None] = {"required": "message", "too_long": "message"}
_NOTE_ERRORS: dict[str, str | None] = {"required": "text", "too_long": "text"}
_ASSIGN_ERRORS: dict[str, str | None] = {"not_staff": "assignee"}

#: The file name extension of each content type a stored file can have (the first spelling wins).

# --- Reads shared by the pages ------------------------------------------------------------------


def restricted_answer[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """A case the applicant restricted (P23) answers every staff page, action and download with
    one explanatory page (403): it is kept, but may not be processed. The refusal itself comes
    from the selectors and services (``CaseRestricted``); this only words it for the clerk."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except CaseRestricted as refusal:
            context = {"reference": refusal.reference, "since": refusal.since}
            return render(request, "backoffice/cases/restricted.html", context, status=403)

    return wrapper  # type: ignore[return-value]


# --- The queue ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    case: Case
    service: str
    status: str
    assignee: str  # "" for nobody
    is_mine: bool
    waiting: bool
    restricted: bool = False  # by the applicant (P23): a bare row, no link, no status


@dataclass(frozen=True)
class QueueTab:
    state: str
    label: str
    count: int
    url: str
    current: bool


def _queue_rows(cases: Iterable[Case], *, actor: Actor, staff: Mapping[str, str], language: str) -> list[QueueRow]:
    me = str(actor.user.pk) if actor.user is not None else ""
    rows = []
    for case in cases:
        assignee = str(case.assignee_id) if case.assignee_id else ""
        rows.append(
            QueueRow(
                case=case,
                service=pick(case.service.title, language),
                status=status_label(case, case.status, language),
                assignee=staff.get(assignee, _("(former staff member)")) if assignee else "",
                is_mine=bool(assignee) and assignee == me,
                waiting=services.case_awaits_reply(case),
                restricted=is_restricted(case),
            )
        )
    return rows


@staff_actor_required
@require_http_methods(["GET", "HEAD"])
def case_queue(request: HttpRequest) -> HttpResponse:
    """The authority's incoming cases, oldest first; filters by GET. Shows references, never names."""
    actor = staff_request_actor(request)
    language = get_language()
    form = QueueFilterForm(request.GET or None, services=backoffice_selectors.service_choices(actor=actor))
    filters = form.queue_filter()
    tabs = []
    for state, label in STATES:
        count = selectors.staff_case_queue(
            actor=actor,
            filters=QueueFilter(state=state, q=filters.q, service=filters.service, assignee=filters.assignee),
        ).count()
        tabs.append(
            QueueTab(
                state=state,
                label=str(label),
                count=count,
                url="?" + form.query_string(state=state),
                current=state == filters.state,
            )
        )
    staff = backoffice_selectors.staff_member_names(actor=actor)
    page = Paginator(selectors.staff_case_queue(actor=actor, filters=filters), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    current_tab = next(tab for tab in tabs if tab.current)
    context = {
        "authority": actor.authority,
        "form": form,
        "filters": filters,
        "tabs": tabs,
        "current_tab": current_tab,
        "page": page,
        "rows": _queue_rows(page.object_list, actor=actor, staff=staff, language=language),
        "previous_url": "?" + form.query_string(page=page.previous_page_number()) if page.has_previous() else "",
        "next_url": "?" + form.query_string(page=page.next_page_number()) if page.has_next() else "",
        "filtered": bool(filters.q or filters.service is not None or filters.assignee),
    }
    return render(request, "backoffice/cases/queue.html", context)


# --- One case -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    event: CaseEvent
    title: str
    status: str
    author: str
    internal: bool
    attachments: list[CaseAttachment]


@dataclass(frozen=True)
class FormFile:
    label: str
    name: str
    size: int
    upload_id: uuid.UUID


@dataclass(frozen=True)
class AnswerLine:
    row: AnswerRow
    file: FormFile | None
    verified: bool = False  # came unchanged from a verified source (e.g. the confirmed email)


@dataclass(frozen=True)
class AnswerBlock:
    section: AnswerSection
    lines: list[AnswerLine]


def _status_choices(case: Case, definition: FormDefinition, language: str) -> list[tuple[str, str]]:
    """The statuses a clerk may choose: all but the current one and the one that asks the applicant."""
    choices = []
    for status in definition.statuses:
        if status.key == case.status or status.asks_citizen:
            continue
        label = status.label_text(language)
        if not status.visible and status.final:
            label = _("%(status)s (internal; closes the case)") % {"status": label}
        elif not status.visible:
            label = _("%(status)s (internal: the applicant is not told)") % {"status": label}
        elif status.final:
            label = _("%(status)s (closes the case)") % {"status": label}
        choices.append((status.key, label))
    return choices


def _form_files(definition: FormDefinition, answers: Mapping[str, Any], language: str) -> dict[str, FormFile]:
    """The files given in the form's file fields, by field key (from the answers: no query)."""
    files = {}
    for field in definition.fields():
        value = answers.get(field.key)
        if field.type != "file" or not isinstance(value, Mapping) or "upload" not in value:
            continue
        try:
            upload_id = uuid.UUID(str(value["upload"]))
        except ValueError:
            continue
        files[field.key] = FormFile(
            label=field.label_text(language),
            name=str(value.get("name") or ""),
            size=int(value.get("size") or 0),
            upload_id=upload_id,
        )
    return files


def _event_title(event: CaseEvent, status: str) -> str:
    if event.kind == CaseEvent.Kind.STATUS:
        return _("Status changed to “%(status)s”") % {"status": status}
    return str(event.get_kind_display())


def _timeline(
    events: Sequence[CaseEvent], *, case: Case, staff: Mapping[str, str], language: str
) -> list[TimelineEntry]:
    entries = []
    for event in events:
        status = status_label(case, event.status, language) if event.status else ""
        if event.author_kind == CaseEvent.Author.STAFF:
            author = staff.get(str(event.author_id), "") if event.author_id else ""
            author = author or _("Staff of the authority")
        else:
            author = str(event.get_author_kind_display())
        entries.append(
            TimelineEntry(
                event=event,
                title=_event_title(event, status),
                status=status,
                author=author,
                internal=not event.visible,
                attachments=list(event.attachments.all()),
            )
        )
    return entries


def _detail(
    request: HttpRequest,
    *,
    actor: Actor,
    case: Case,
    error_form: StatusForm | RequestForm | NoteForm | AssignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The case page; after refused input, with that form bound, its errors and the typed text."""
    services.case_record_view(actor=actor, case=case, what="submission")
    language = get_language()
    definition = case_definition(case)
    submission = case.submission
    answers: Mapping[str, Any] = submission.answers or {}
    files = _form_files(definition, answers, language)
    verified = set(submission.verified_keys or [])
    blocks = [
        AnswerBlock(
            section=section,
            lines=[AnswerLine(row=row, file=files.get(row.key), verified=row.key in verified) for row in section.rows],
        )
        for section in answer_sections(definition, answers, language=language)
    ]
    staff = backoffice_selectors.staff_member_names(actor=actor)
    timeline = _timeline(selectors.staff_case_events(actor=actor, case=case), case=case, staff=staff, language=language)
    me = str(actor.user.pk) if actor.user is not None else ""
    assignee = str(case.assignee_id) if case.assignee_id else ""
    statuses = _status_choices(case, definition, language)

    def bound_or_new[F: StatusForm | RequestForm | NoteForm | AssignForm](kind: type[F], new: F) -> F:
        return error_form if isinstance(error_form, kind) else new

    context = {
        "case": case,
        "submission": submission,
        "profile": case.profile,
        "definition_title": definition.title_text(language),
        "definition": definition,
        "service_title": pick(case.service.title, language),
        "status_label": status_label(case, case.status, language),
        "waiting": services.case_awaits_reply(case),
        "assignee_name": staff.get(assignee, _("(former staff member)")) if assignee else "",
        "assigned_to_me": bool(assignee) and assignee == me,
        "me": me,
        "blocks": blocks,
        "form_files": list(files.values()),
        "attachments": [attachment for entry in timeline for attachment in entry.attachments],
        "timeline": timeline,
        "can_request": definition.asks_citizen_status is not None,
        "error_form": error_form,
        "status_form": bound_or_new(StatusForm, StatusForm(statuses=statuses)),
        "request_form": bound_or_new(RequestForm, RequestForm()),
        "note_form": bound_or_new(NoteForm, NoteForm()),
        "assign_form": bound_or_new(AssignForm, AssignForm(staff=list(staff.items()), initial={"assignee": assignee})),
        "unsaved_text": _unsaved_text(error_form) if case.is_closed else "",
    }
    return render(request, "backoffice/cases/detail.html", context, status=status)


def _unsaved_text(form: StatusForm | RequestForm | NoteForm | AssignForm | None) -> str:
    """What the clerk typed into a form a closed case no longer shows, to copy it elsewhere."""
    if form is None or isinstance(form, AssignForm):
        return ""
    field = {StatusForm: "note", RequestForm: "message", NoteForm: "text"}[type(form)]
    return str(form.data.get(field) or "")


@staff_actor_required
@restricted_answer
@require_http_methods(["GET", "HEAD"])
def case_detail(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    actor = staff_request_actor(request)
    case = selectors.staff_case_get(actor=actor, case_id=case_id)
    return _detail(request, actor=actor, case=case)


def _done(request: HttpRequest, case: Case, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("backoffice:case_detail", case_id=case.pk)


@staff_actor_required
@restricted_answer
@require_POST
def case_status(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Change the status (a final status closes the case), with an optional note."""
    actor = staff_request_actor(request)
    case = selectors.staff_case_get(actor=actor, case_id=case_id)
    language = get_language()
    form = StatusForm(request.POST, statuses=_status_choices(case, case_definition(case), language))
    if form.is_valid():
        try:
            case = services.case_set_status(
                actor=actor, case=case, status=form.cleaned_data["status"], note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            attach_service_error(form, error, fields=_STATUS_ERRORS)
        else:
            label = status_label(case, case.status, language)
            if case.is_closed:
                return _done(request, case, _("The case is closed with the status “%(status)s”.") % {"status": label})
            return _done(request, case, _("The status is now “%(status)s”.") % {"status": label})
    return _detail(request, actor=actor, case=case, error_form=form, status=400)


@staff_actor_required
@restricted_answer
@require_POST
def case_request(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Ask the applicant for information or documents."""
    actor = staff_request_actor(request)
    case = selectors.staff_case_get(actor=actor, case_id=case_id)
    form = RequestForm(request.POST)
    if form.is_valid():
        try:
            case = services.case_request_information(actor=actor, case=case, message=form.cleaned_data["message"])
        except ValidationError as error:
            attach_service_error(form, error, fields=_REQUEST_ERRORS)
        else:
            return _done(request, case, _("Your question was sent to the applicant. The case waits for the answer."))
    return _detail(request, actor=actor, case=case, error_form=form, status=400)


@staff_actor_required
@restricted_answer
@require_POST
def case_note(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Add an internal note (never shown to the applicant)."""
    actor = staff_request_actor(request)
    case = selectors.staff_case_get(actor=actor, case_id=case_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.case_add_note(actor=actor, case=case, text=form.cleaned_data["text"])
        except ValidationError as error:
            attach_service_error(form, error, fields=_NOTE_ERRORS)
        else:
            return _done(request, case, _("The internal note was saved."))
    return _detail(request, actor=actor, case=case, error_form=form, status=400)


@staff_actor_required
@restricted_answer
@require_POST
def case_assign(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Give the case to a member of the authority's staff, or to nobody."""
    actor = staff_request_actor(request)
    case = selectors.staff_case_get(actor=actor, case_id=case_id)
    staff = backoffice_selectors.staff_member_names(actor=actor)
    form = AssignForm(request.POST, staff=list(staff.items()))
    if form.is_valid():
        chosen = form.cleaned_data["assignee"]
        assignee = selectors.staff_members(actor=actor).filter(pk=chosen).first() if chosen else None
        try:
            if chosen and assignee is None:  # left the authority a moment ago
                raise ValidationError(_("Choose a member of this authority's staff."), code="not_staff")
            case = services.case_assign(actor=actor, case=case, assignee=assignee)
        except ValidationError as error:
            attach_service_error(form, error, fields=_ASSIGN_ERRORS)
        else:
            if assignee is None:
                return _done(request, case, _("The case is not assigned to anyone now."))
            if actor.user is not None and assignee.pk == actor.user.pk:
                return _done(request, case, _("The case is now assigned to you."))
            return _done(request, case, _("The case is now assigned to %(name)s.") % {"name": staff[chosen]})
    return _detail(request, actor=actor, case=case, error_form=form, status=400)


# --- Downloads ----------------------------------------------------------------------------------


@staff_actor_required
@restricted_answer
@require_http_methods(["GET", "HEAD"])
def case_pdf(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The submission as a PDF for the authority's files."""
    actor = staff_request_actor(request)
    case = selectors.staff_case_get(actor=actor, case_id=case_id)
    content = documents.submission_pdf(case=case, language=get_language(), audience="staff")
    services.case_record_view(actor=actor, case=case, what="pdf")
    return as_download(HttpResponse(content, content_type="application/pdf"), filename=f"{case.reference}.pdf")


@staff_actor_required
@restricted_answer
@require_http_methods(["GET", "HEAD"])
def case_json(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The submission as JSON, for the authority's own systems."""
    actor = staff_request_actor(request)
    case = selectors.staff_case_get(actor=actor, case_id=case_id)
    data = documents.submission_json(case=case)
    services.case_record_view(actor=actor, case=case, what="json")
    content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(content.encode(), content_type="application/json; charset=utf-8")
    return as_download(response, filename=f"{case.reference}.json")


def _stream_file(*, actor: Actor, case: Case, stored: CaseAttachment | Upload) -> StreamingHttpResponse:
    """Decrypt a stored file while sending it (constant memory), after recording the access."""
    chunks = open_stored(storage_name=stored.storage_name, data_key_id=str(stored.data_key_id), aad=stored.aad)
    try:
        services.case_record_view(actor=actor, case=case, what="document")
    except BaseException:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
        raise
    return stored_file_response(
        chunks,
        content_type=stored.content_type,
        size=stored.size,
        filename_stem=f"{case.reference}-{str(stored.pk)[:8]}",
        original=stored.name or "",
    )


@staff_actor_required
@restricted_answer
@require_http_methods(["GET", "HEAD"])
def case_attachment(request: HttpRequest, case_id: uuid.UUID, attachment_id: uuid.UUID) -> StreamingHttpResponse:
    """A document the applicant added to the case (answering a request)."""
    actor = staff_request_actor(request)
    case = selectors.staff_case_get(actor=actor, case_id=case_id)
    attachment = selectors.case_attachment_get(actor=actor, case=case, attachment_id=attachment_id)
    return _stream_file(actor=actor, case=case, stored=attachment)


@staff_actor_required
@restricted_answer
@require_http_methods(["GET", "HEAD"])
def case_upload(request: HttpRequest, case_id: uuid.UUID, upload_id: uuid.UUID) -> StreamingHttpResponse:
    """A file given in the submitted form."""
    actor = staff_request_actor(request)
    case = selectors.staff_case_get(actor=actor, case_id=case_id)
    upload = selectors.case_upload_get(actor=actor, case=case, upload_id=upload_id)
    return _stream_file(actor=actor, case=case, stored=upload)
