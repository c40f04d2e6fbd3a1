"""The account holder's privacy requests (P11): ask for a correction or completion of data they
cannot change themselves, object to processing, or ask something else about their data; then
follow the request to its answer. Thin: parse, call ``privacy.requests``, render."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from guichet.accounts.policy import citizen_required
from guichet.cases.models import Case
from guichet.catalogue.models import pick
from guichet.core.language import active_language
from guichet.core.middleware import request_actor
from guichet.privacy import requests
from guichet.privacy.models import PrivacyRequest

Kind = PrivacyRequest.Kind

#: the page's heading by the kind asked for (``?kind=``)
HEADINGS: dict[str, Any] = {
    Kind.RECTIFICATION: gettext_lazy("Ask for a correction of your data"),
    Kind.OBJECTION: gettext_lazy("Object to the processing of your data"),
    Kind.OTHER: gettext_lazy("Make a request about your data"),
}
#: which form field a service error belongs to, by its code
_ERROR_FIELDS = {"required": "body", "too_long": "body", "invalid_kind": "kind"}


def case_choice_label(case: Case, language: str) -> str:
    return f"{case.reference} \u2013 {pick(case.service.title, language)} ({case.authority.name})"


class PrivacyRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What is your request about?"),
        choices=Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose what your request is about."),
            "invalid_choice": gettext_lazy("Choose what your request is about."),
        },
    )
    case = forms.ChoiceField(
        label=gettext_lazy("Which of your cases is it about?"),
        required=False,
        help_text=gettext_lazy(
            "If it is about one of your cases, the authority handling that case answers. Otherwise the operator "
            "of this portal answers."
        ),
        error_messages={"invalid_choice": gettext_lazy("Choose one of your cases, or none.")},
    )
    body = forms.CharField(
        label=gettext_lazy("Your request"),
        help_text=gettext_lazy(
            "Say which data is wrong, incomplete or should no longer be processed, and why. For a correction, "
            "give the right value."
        ),
        strip=False,  # the service trims and checks the length; nothing typed is lost
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "true"}),
        error_messages={"required": gettext_lazy("Please describe your request.")},
    )

    def __init__(self, *args: Any, cases: Sequence[Case] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = active_language()
        case_field = self.fields["case"]
        assert isinstance(case_field, forms.ChoiceField)
        case_field.choices = [
            ("", _("None: my account or my data in general")),
            *((str(case.pk), case_choice_label(case, language)) for case in cases),
        ]


def _initial(request: HttpRequest, cases: Sequence[Case]) -> dict[str, str]:
    """Prefill from the link that led here (``?kind=objection&case=<id>``); values that do not fit
    (an unknown kind, someone else's case) are ignored."""
    initial: dict[str, str] = {}
    kind = request.GET.get("kind", "")
    if kind in Kind.values:
        initial["kind"] = kind
    case = request.GET.get("case", "")
    if case and any(str(c.pk) == case for c in cases):
        initial["case"] = case
    return initial


def _form_page(request: HttpRequest, form: PrivacyRequestForm, *, kind: str, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "kind": kind,
        "heading": HEADINGS.get(kind, HEADINGS[Kind.OTHER]),
        "days": settings.GUICHET_PRIVACY_REQUEST_DAYS,
        "supervisory_authority": settings.GUICHET_SUPERVISORY_AUTHORITY,
    }
    return render(request, "privacy/requests/form.html", context, status=status)


@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def request_create(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    cases = list(requests.request_cases(actor=actor))
    if request.method != "POST":
        initial = _initial(request, cases)
        return _form_page(request, PrivacyRequestForm(initial=initial, cases=cases), kind=initial.get("kind", ""))
    form = PrivacyRequestForm(request.POST, cases=cases)
    if form.is_valid():
        chosen = form.cleaned_data["case"]
        case = requests.request_case_get(actor=actor, case_id=chosen) if chosen else None
        try:
            created = requests.privacy_request_create(
                actor=actor, kind=form.cleaned_data["kind"], body=form.cleaned_data["body"], case=case
            )
        except ValidationError as error:
            for item in error.error_list:
                field = _ERROR_FIELDS.get(item.code or "")
                form.add_error(field, item)
        else:
            messages.success(
                request,
                _("Your request was sent. Its reference is %(reference)s; we have sent you a confirmation by email.")
                % {"reference": created.reference},
            )
            return redirect("privacy_centre:request_detail", request_id=created.pk)
    kind = str(form.data.get("kind") or "")
    return _form_page(request, form, kind=kind if kind in Kind.values else "", status=400)


@citizen_required
@require_http_methods(["GET", "HEAD"])
def request_detail(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    actor = request_actor(request)
    privacy_request = requests.my_request_get(actor=actor, request_id=request_id)
    language = active_language()
    case = privacy_request.case
    context = {
        "privacy_request": privacy_request,
        "deadline": requests.deadline(privacy_request),
        "answered_by": requests.answered_by(privacy_request),
        "case_label": case_choice_label(case, language) if case is not None else "",
        "supervisory_authority": settings.GUICHET_SUPERVISORY_AUTHORITY,
    }
    return render(request, "privacy/requests/detail.html", context)
