"""Forms of the staff UI for cases: the queue filters and the actions on one case.

The forms parse what the browser sent; the rules (closed cases, allowed statuses, text length)
live in ``cases.services``, whose ``ValidationError`` the views attach to these forms with
``attach_service_error``, so the clerk sees one error summary whatever refused the input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from guichet.cases.selectors import QueueFilter

STATES: tuple[tuple[str, Any], ...] = (
    ("open", _("Open")),
    ("attention", _("Needs attention")),
    ("waiting", _("Waiting for the applicant")),
    ("closed", _("Closed")),
    ("all", _("All")),
)
ASSIGNEE_FILTERS: tuple[tuple[str, Any], ...] = (
    ("", _("Anyone or nobody")),
    ("me", _("Assigned to me")),
    ("nobody", _("Not assigned")),
)
MAX_SEARCH = 100
#: The words ``cases.services`` uses for an empty message, so both refusals read the same.
REQUIRED_MESSAGE = _("Please write a message.")


class QueueFilterForm(forms.Form):
    """The queue's filters, sent by GET. Invalid values fall back to the defaults: a link with a
    stale service id or a mistyped state still shows a queue."""

    state = forms.ChoiceField(label=_("Cases"), choices=STATES, required=False)
    service = forms.TypedChoiceField(label=_("Service"), coerce=int, required=False, empty_value=None)
    assignee = forms.ChoiceField(label=_("Assigned to"), choices=ASSIGNEE_FILTERS, required=False)
    q = forms.CharField(
        label=_("Reference"),
        help_text=_("For example 2026-K7QM-4X9R; spaces, dashes and small letters do not matter."),
        required=False,
        max_length=MAX_SEARCH,
    )

    def __init__(self, *args: Any, services: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.TypedChoiceField)
        service_field.choices = [("", _("All services")), *((str(pk), title) for pk, title in services)]
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def queue_filter(self) -> QueueFilter:
        """The filters to apply: the valid values, the defaults for the others."""
        if not self.is_bound:
            return QueueFilter()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return QueueFilter(
            state=data.get("state") or "open",
            q=data.get("q") or "",
            service=data.get("service"),
            assignee=data.get("assignee") or "",
        )

    def query_string(self, **changes: Any) -> str:
        """The filters as a query string (for tabs and page links), with ``changes`` applied."""
        current = self.queue_filter()
        values = {
            "state": current.state,
            "service": "" if current.service is None else str(current.service),
            "assignee": current.assignee,
            "q": current.q,
            **changes,
        }
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if value not in ("", None):
                query[key] = str(value)
        return query.urlencode()


def _textarea(rows: int = 5) -> forms.Textarea:
    # No ``maxlength``: browsers cut pasted text silently; the service says how long it may be.
    return forms.Textarea(attrs={"rows": rows, "spellcheck": "true"})


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        error_messages={
            "required": _("Choose one of the statuses offered."),
            "invalid_choice": _("Choose one of the statuses offered."),
        },
    )
    note = forms.CharField(
        label=_("Note"),
        help_text=_(
            "With a status the applicant can see, the applicant reads this note and is told by email that "
            "there is news (the email does not contain the note). With a status marked “internal”, the note "
            "stays with the authority."
        ),
        required=False,
        strip=False,  # the service trims and checks the length
        widget=_textarea(4),
    )

    def __init__(self, *args: Any, statuses: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "status-%s")
        super().__init__(*args, **kwargs)
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = [("", _("Choose a status")), *statuses]


class RequestForm(forms.Form):
    message = forms.CharField(
        label=_("Your question to the applicant"),
        help_text=_(
            "The applicant reads this message in their account and can answer with text and documents. "
            "The case waits for the answer."
        ),
        strip=False,  # the service trims and checks the length
        error_messages={"required": REQUIRED_MESSAGE},
        widget=_textarea(6),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "request-%s")
        super().__init__(*args, **kwargs)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note for the staff of this authority"),
        help_text=_("Only staff of this authority read internal notes; the applicant never sees them."),
        strip=False,
        error_messages={"required": REQUIRED_MESSAGE},
        widget=_textarea(4),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "note-%s")
        super().__init__(*args, **kwargs)


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(
        label=_("Assigned to"),
        required=False,
        error_messages={"invalid_choice": _("Choose a member of this authority's staff.")},
    )

    def __init__(self, *args: Any, staff: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "assign-%s")
        super().__init__(*args, **kwargs)
        assignee_field = self.fields["assignee"]
        assert isinstance(assignee_field, forms.ChoiceField)
        assignee_field.choices = [("", _("Nobody")), *staff]

    def clean_assignee(self) -> str:
        return str(self.cleaned_data.get("assignee") or "")


def attach_service_error(form: forms.Form, error: ValidationError, *, fields: dict[str, str | None]) -> None:
    """Put a service's error next to the field it is about (by error code), else at the top.

    ``fields`` maps error codes to field names (``None``: the whole form)."""
    for item in error.error_list if hasattr(error, "error_list") else [error]:
        field = fields.get(item.code or "")
        form.add_error(field if field in form.fields else None, item)
