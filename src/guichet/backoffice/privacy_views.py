"""Backoffice pages for privacy: the queue of privacy requests (P11) and the disclosure register
(P34).

Who gets in:

- the request queue: staff of an authority see their authority's requests (those about its
  cases); an operator (an account with the operator flag and no staff membership) sees the
  requests that belong to no authority. Anyone else gets a 404;
- the disclosure register: operators only. Staff of an authority and citizens get a 404: the
  operator of the portal is the one who discloses, on a court order, and records it.

Thin: every request is read through ``privacy.requests.handler_request_get`` (another authority's
request is a 404), every change goes through the services, and opening a request is audited with
the person as subject, like opening a case.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from guichet.backoffice import selectors as backoffice_selectors
from guichet.backoffice.forms import attach_service_error
from guichet.backoffice.privacy_forms import AnswerForm, BarForm, DisclosureForm, ExtendForm
from guichet.core.actor import Actor
from guichet.privacy import disclosures, requests
from guichet.privacy.disclosures import DisclosureInput
from guichet.privacy.models import Disclosure, PrivacyRequest

logger = logging.getLogger("guichet.backoffice")

ViewFunc = Callable[..., HttpResponseBase]

QUEUE_PAGE_SIZE = 50
REGISTER_PAGE_SIZE = 50
TABS: tuple[tuple[str, Any], ...] = (("open", gettext_lazy("Open")), ("answered", gettext_lazy("Answered")))

_EXTEND_ERRORS: dict[str, str | None] = {"required": "reason", "too_long": "reason"}
_ANSWER_ERRORS: dict[str, str | None] = {"required": "answer", "too_long": "answer", "invalid_status": "status"}


# --- Who gets in ------------------------------------------------------------------------------------


def _guarded(view: ViewFunc, *, find: Callable[[HttpRequest], Actor | None]) -> ViewFunc:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        actor = find(request)
        if actor is None:
            logger.warning("backoffice denied account=%s path=%s", request.user.pk, request.path)
            raise Http404
        request.actor = actor  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def _handler(request: HttpRequest) -> Actor | None:
    """Staff of an authority (with a membership), else an operator."""
    return backoffice_selectors.staff_actor_for_request(request) or requests.operator_actor(
        user=request.user  # type: ignore[arg-type]
    )


def _operator(request: HttpRequest) -> Actor | None:
    return requests.operator_actor(user=request.user)  # type: ignore[arg-type]


def privacy_handler_required(view: ViewFunc) -> ViewFunc:
    return _guarded(view, find=_handler)


def operator_required(view: ViewFunc) -> ViewFunc:
    return _guarded(view, find=_operator)


def _actor(request: HttpRequest) -> Actor:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None or not actor.is_staff:
        raise Http404
    return actor


def _queue_owner(actor: Actor) -> str:
    if actor.authority is not None:
        return actor.authority.name
    return _("Operator of the portal")


# --- The queue ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    request: PrivacyRequest
    deadline: requests.Deadline | None


@dataclass(frozen=True)
class QueueTab:
    state: str
    label: str
    count: int
    url: str
    current: bool


@privacy_handler_required
@require_http_methods(["GET", "HEAD"])
def privacy_request_queue(request: HttpRequest) -> HttpResponse:
    """Open requests by deadline, with overdue and due-soon marks; or the answered ones. References
    and dates only, never a name or a text."""
    actor = _actor(request)
    state = request.GET.get("state", "open")
    if state not in requests.QUEUE_STATES:
        state = "open"
    now = timezone.now()
    tabs = [
        QueueTab(
            state=key,
            label=str(label),
            count=requests.handler_queue(actor=actor, state=key).count(),
            url=f"?state={key}",
            current=key == state,
        )
        for key, label in TABS
    ]
    page = Paginator(requests.handler_queue(actor=actor, state=state), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "owner": _queue_owner(actor),
        "is_operator": requests.is_operator(actor),
        "state": state,
        "tabs": tabs,
        "current_tab": next(tab for tab in tabs if tab.current),
        "page": page,
        "rows": [QueueRow(request=item, deadline=requests.deadline(item, now=now)) for item in page.object_list],
        "counts": requests.queue_counts(actor=actor, now=now),
        "due_soon_days": requests.DUE_SOON_DAYS,
    }
    return render(request, "backoffice/privacy/queue.html", context)


# --- One request --------------------------------------------------------------------------------------


def _detail(
    request: HttpRequest,
    *,
    actor: Actor,
    privacy_request: PrivacyRequest,
    error_form: ExtendForm | AnswerForm | None = None,
    action_error: str = "",
    status: int = 200,
) -> HttpResponse:
    requests.privacy_request_record_view(actor=actor, request=privacy_request)
    case = privacy_request.case
    deadline = requests.deadline(privacy_request)
    context = {
        "privacy_request": privacy_request,
        "owner": _queue_owner(actor),
        "person_name": requests.requester_name(actor=actor, request=privacy_request) or _("(no name given)"),
        "deadline": deadline,
        "latest_deadline": requests.extended_deadline(privacy_request.received_at),
        "case": case,
        "case_is_ours": case is not None and actor.authority is not None and case.authority_id == actor.authority.pk,
        "handled_by_me": privacy_request.handled_by_id is not None
        and actor.user is not None
        and privacy_request.handled_by_id == actor.user.pk,
        "error_form": error_form,
        "action_error": action_error,
        "extend_form": error_form if isinstance(error_form, ExtendForm) else ExtendForm(),
        "answer_form": error_form if isinstance(error_form, AnswerForm) else AnswerForm(),
        "unsaved_text": _unsaved_text(error_form, privacy_request=privacy_request, deadline=deadline),
    }
    return render(request, "backoffice/privacy/request_detail.html", context, status=status)


def _unsaved_text(
    form: ExtendForm | AnswerForm | None, *, privacy_request: PrivacyRequest, deadline: requests.Deadline | None
) -> str:
    """What the handler typed into a form the page no longer shows (the request was answered or
    extended meanwhile, e.g. by a colleague), to copy it elsewhere."""
    if isinstance(form, AnswerForm) and deadline is None:
        return str(form.data.get("answer") or "")
    if isinstance(form, ExtendForm) and (deadline is None or deadline.overdue or privacy_request.extended_at):
        return str(form.data.get("reason") or "")
    return ""


@privacy_handler_required
@require_http_methods(["GET", "HEAD"])
def privacy_request_detail(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    privacy_request = requests.handler_request_get(actor=actor, request_id=request_id)
    return _detail(request, actor=actor, privacy_request=privacy_request)


def _done(request: HttpRequest, privacy_request: PrivacyRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("backoffice:privacy_request_detail", request_id=privacy_request.pk)


@privacy_handler_required
@require_POST
def privacy_request_start(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    privacy_request = requests.handler_request_get(actor=actor, request_id=request_id)
    try:
        privacy_request = requests.privacy_request_start(actor=actor, request=privacy_request)
    except ValidationError as error:
        return _detail(
            request, actor=actor, privacy_request=privacy_request, action_error=" ".join(error.messages), status=400
        )
    return _done(request, privacy_request, _("The request is now marked as in progress."))


@privacy_handler_required
@require_POST
def privacy_request_extend(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    privacy_request = requests.handler_request_get(actor=actor, request_id=request_id)
    form = ExtendForm(request.POST)
    if form.is_valid():
        try:
            privacy_request = requests.privacy_request_extend(
                actor=actor, request=privacy_request, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            attach_service_error(form, error, fields=_EXTEND_ERRORS)
        else:
            return _done(
                request,
                privacy_request,
                _("The deadline is extended until %(date)s. The person was told by email.")
                % {"date": date_format(timezone.localdate(privacy_request.due_at), "DATE_FORMAT")},
            )
    return _detail(request, actor=actor, privacy_request=privacy_request, error_form=form, status=400)


@privacy_handler_required
@require_POST
def privacy_request_answer(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    privacy_request = requests.handler_request_get(actor=actor, request_id=request_id)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            privacy_request = requests.privacy_request_answer(
                actor=actor,
                request=privacy_request,
                status=form.cleaned_data["status"],
                answer=form.cleaned_data["answer"],
            )
        except ValidationError as error:
            attach_service_error(form, error, fields=_ANSWER_ERRORS)
        else:
            return _done(request, privacy_request, _("The answer was sent. The person was told by email."))
    return _detail(request, actor=actor, privacy_request=privacy_request, error_form=form, status=400)


# --- The disclosure register (operators) ------------------------------------------------------------


@dataclass(frozen=True)
class RegisterRow:
    disclosure: Disclosure
    person: str
    barred: bool


@operator_required
@require_http_methods(["GET", "HEAD"])
def disclosure_register(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    page = Paginator(disclosures.register_list(actor=actor), REGISTER_PAGE_SIZE).get_page(request.GET.get("page"))
    entries = list(page.object_list)
    names = disclosures.person_names(actor=actor, disclosures=entries)
    disclosures.register_record_view(actor=actor, disclosures=entries)
    now = timezone.now()
    rows = [
        RegisterRow(
            disclosure=entry,
            person=(names.get(str(entry.user_id)) or _("(no name given)"))
            if entry.user_id is not None
            else _("(account deleted)"),
            barred=disclosures.is_barred(entry, now=now),
        )
        for entry in entries
    ]
    return render(request, "backoffice/privacy/register.html", {"page": page, "rows": rows})


@operator_required
@require_http_methods(["GET", "HEAD", "POST"])
def disclosure_create(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if request.method != "POST":
        return render(request, "backoffice/privacy/disclosure_form.html", {"form": DisclosureForm()})
    form = DisclosureForm(request.POST)
    if form.is_valid():
        person = disclosures.person_find(actor=actor, email=form.cleaned_data["email"])
        if person is None:
            form.add_error("email", _("No account uses this email address. Check it with the person's order."))
        else:
            data = form.cleaned_data
            try:
                disclosures.disclosure_record(
                    actor=actor,
                    person=person,
                    data=DisclosureInput(
                        recipient=data["recipient"],
                        legal_basis=data["legal_basis"],
                        court_order_reference=data["court_order_reference"],
                        data_disclosed=data["data_disclosed"],
                        disclosed_on=data["disclosed_on"],
                        legal_bar_reason=data["legal_bar_reason"],
                        legal_bar_until=data["legal_bar_until"],
                    ),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The disclosure was recorded in the register."))
                return redirect("backoffice:disclosure_register")
    return render(request, "backoffice/privacy/disclosure_form.html", {"form": form}, status=400)


@operator_required
@require_http_methods(["GET", "HEAD", "POST"])
def disclosure_bar(request: HttpRequest, disclosure_id: uuid.UUID) -> HttpResponse:
    """Prolong, shorten or lift the legal bar of a recorded disclosure."""
    actor = _actor(request)
    disclosure = disclosures.register_get(actor=actor, disclosure_id=disclosure_id)
    if request.method != "POST":
        form = BarForm(
            initial={"legal_bar_reason": disclosure.legal_bar_reason, "legal_bar_until": disclosure.legal_bar_until}
        )
        return render(request, "backoffice/privacy/bar_form.html", {"form": form, "disclosure": disclosure})
    form = BarForm(request.POST)
    if form.is_valid():
        try:
            disclosure = disclosures.disclosure_set_bar(
                actor=actor,
                disclosure=disclosure,
                reason=form.cleaned_data["legal_bar_reason"],
                until=form.cleaned_data["legal_bar_until"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if disclosure.legal_bar_until is None and not disclosure.legal_bar_reason:
                messages.success(request, _("The legal bar is lifted: the person now sees the disclosure."))
            else:
                messages.success(request, _("The legal bar was changed."))
            return redirect("backoffice:disclosure_register")
    return render(request, "backoffice/privacy/bar_form.html", {"form": form, "disclosure": disclosure}, status=400)
