"""Forms of the backoffice's privacy pages: handling privacy requests (P11) and keeping the
disclosure register (P34). They parse what the browser sent; the rules (one extension before the
deadline, both or neither bar fields, ...) live in ``privacy.requests`` and
``privacy.disclosures``, whose errors the views attach to these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.privacy.disclosures import max_length
from guichet.privacy.models import PrivacyRequest


def _textarea(rows: int = 5) -> forms.Textarea:
    # No ``maxlength``: browsers cut pasted text silently; the service says how long it may be.
    return forms.Textarea(attrs={"rows": rows, "spellcheck": "true"})


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


_DATE_ERRORS = {"invalid": _("Enter a real date, for example 2026-03-31.")}


class ExtendForm(forms.Form):
    reason = forms.CharField(
        label=_("Why more time is needed"),
        help_text=_(
            "The person reads this reason in their account; the email they get says only that the deadline "
            "was extended and until when. The deadline can be extended once, before it ends."
        ),
        strip=False,
        error_messages={"required": _("Please give the reason for the extension: the person is told about it.")},
        widget=_textarea(4),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "extend-%s")
        super().__init__(*args, **kwargs)


class AnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (PrivacyRequest.Status.DONE, _("Granted: the data was corrected, completed or its processing stopped")),
            (PrivacyRequest.Status.REFUSED, _("Refused, with the reasons")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether the request was granted or refused."),
            "invalid_choice": _("Choose whether the request was granted or refused."),
        },
    )
    answer = forms.CharField(
        label=_("Answer to the person"),
        help_text=_(
            "Say what was done, or why the request is refused and on which legal basis. The person reads the "
            "answer in their account and is told by email that there is one (the email does not contain it)."
        ),
        strip=False,
        error_messages={"required": _("Please write the answer.")},
        widget=_textarea(8),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "answer-%s")
        super().__init__(*args, **kwargs)


def _char(field: str, label: Any, help_text: Any = "", *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=max_length(field),
        error_messages={
            "required": _("This is needed for the register."),
            "max_length": _("At most %(limit_value)d characters (it has %(show_value)d)."),
        },
    )


class BarForm(forms.Form):
    legal_bar_reason = _char(
        "legal_bar_reason",
        _("Legal bar: reason"),
        _(
            "Only if the law forbids telling the person for now, e.g. the order's secrecy clause. Leave both bar "
            "fields empty when there is none: the person then sees the disclosure at once."
        ),
        required=False,
    )
    legal_bar_until = forms.DateField(
        label=_("Legal bar: until (inclusive)"),
        help_text=_("The person sees the disclosure from the day after this date."),
        required=False,
        widget=_DateInput(),
        error_messages=_DATE_ERRORS,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "bar-%s")
        super().__init__(*args, **kwargs)


class DisclosureForm(BarForm):
    email = forms.EmailField(
        label=_("The person's account: email address"),
        help_text=_("The email address the person logs in with. The register records the account, not the address."),
        max_length=254,
        error_messages={
            "required": _("Enter the email address of the person's account."),
            "invalid": _("Enter an email address, for example name@example.ch."),
        },
    )
    recipient = _char(
        "recipient", _("Recipient"), _("The authority the data was passed to, e.g. the public prosecutor.")
    )
    legal_basis = _char("legal_basis", _("Legal basis"), _("The provision that obliged the disclosure."))
    court_order_reference = _char(
        "court_order_reference",
        _("Court order reference"),
        _("Disclosure to law enforcement happens only on a court order: its reference number."),
    )
    data_disclosed = forms.CharField(
        label=_("Data disclosed"),
        help_text=_("Which kinds of data were passed on, e.g. “account email address, case 2026-K7QM-4X9R”."),
        max_length=max_length("data_disclosed"),
        widget=_textarea(3),
        error_messages={
            "required": _("This is needed for the register."),
            "max_length": _("At most %(limit_value)d characters (it has %(show_value)d)."),
        },
    )
    disclosed_on = forms.DateField(
        label=_("Date of the disclosure"),
        widget=_DateInput(),
        error_messages={"required": _("Enter the date of the disclosure."), **_DATE_ERRORS},
    )

    field_order = (
        "email",
        "recipient",
        "legal_basis",
        "court_order_reference",
        "data_disclosed",
        "disclosed_on",
        "legal_bar_reason",
        "legal_bar_until",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "disclosure-%s")
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        # A text area cuts pasted text at ``maxlength`` without a word: the form says it instead.
        self.fields["data_disclosed"].widget.attrs.pop("maxlength", None)
