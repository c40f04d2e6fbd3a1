"""Forms of the booking pages: the person's contact details, and the choice of a new time."""

from __future__ import annotations

import datetime
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from guichet.appointments.availability import parse_slot_key


def _printable(value: str) -> None:
    if any(unicodedata.category(char) in {"Cc", "Cf", "Co", "Cs"} for char in value):
        raise ValidationError(_("Remove the control characters from this field."), code="control_characters")


#: Digits with the usual separators, optionally starting with +: "+41 32 627 00 00", "032/627'00'00".
PHONE = RegexValidator(
    r"^\+?[0-9][0-9 ()/.'\-]{3,38}[0-9]$",
    _("Enter a phone number with digits only, like 032 627 00 00 or +41 32 627 00 00."),
    code="phone",
)


class ContactForm(forms.Form):
    """Who comes to the appointment: name, email (for the confirmation), optional phone."""

    name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        validators=[_printable],
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send the confirmation, with a link to change or cancel the appointment, to this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=40,
        validators=[PHONE],
        help_text=_("Only if the office may call you, for example when the appointment has to be moved."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args: Any, managing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if managing:  # the confirmation is sent already; later news goes to the corrected address
            self.fields["email"].help_text = _("Changes and the reminder are sent to this address.")

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_phone(self) -> str:
        return self.cleaned_data["phone"].strip()

    def add_page_error(self, message: str) -> None:
        """An error about the whole page (the time, a limit), shown in the error summary."""
        self.add_error(None, message)


class SlotForm(forms.Form):
    """A time chosen on the reschedule page (the key of a slot, e.g. ``2026-11-24T08:10``)."""

    slot = forms.CharField(max_length=16, error_messages={"required": _("Choose a time.")})

    def clean_slot(self) -> datetime.datetime:
        starts_at = slot_start(self.cleaned_data["slot"])
        if starts_at is None:
            raise ValidationError(_("Choose one of the times shown."), code="invalid_slot")
        return starts_at


def slot_start(key: str) -> datetime.datetime | None:
    """The start of slot ``key``, or ``None`` unless it is a well-formed key (exactly as
    ``Slot.key`` writes it, so one time has one URL)."""
    if not isinstance(key, str) or len(key) != len("2026-11-24T08:10"):
        return None
    starts_at = parse_slot_key(key)
    if starts_at is None or starts_at.strftime("%Y-%m-%dT%H:%M") != key:
        return None
    return starts_at
