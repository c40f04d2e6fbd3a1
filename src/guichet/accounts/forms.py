"""Forms of the account area: profiles.

Which fields a profile kind has comes from ``PROFILE_FIELDS``; which of them are mandatory
comes from ``Profile.MANDATORY`` (P29: mandatory fields stay complete on every edit).
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Profile

_ADDRESS = ("street", "postal_code", "town", "country")
_CONTACT = ("email", "phone")

#: The fields an account holder edits, per profile kind, in display order.
PROFILE_FIELDS: dict[str, tuple[str, ...]] = {
    Profile.Kind.PRIVATE: ("first_name", "last_name", "date_of_birth", *_ADDRESS, *_CONTACT),
    Profile.Kind.BUSINESS: ("organisation_name", "uid", *_ADDRESS, *_CONTACT),
    Profile.Kind.ORGANISATION: ("organisation_name", "uid", *_ADDRESS, *_CONTACT),
}

#: ISO 3166-1 alpha-2 codes offered for addresses (eCH-0010 ``countryIdISO2``).
COUNTRIES: tuple[tuple[str, Any], ...] = (
    ("CH", _("Switzerland")),
    ("LI", _("Liechtenstein")),
    ("DE", _("Germany")),
    ("AT", _("Austria")),
    ("FR", _("France")),
    ("IT", _("Italy")),
    ("BE", _("Belgium")),
    ("ES", _("Spain")),
    ("GB", _("United Kingdom")),
    ("LU", _("Luxembourg")),
    ("NL", _("Netherlands")),
    ("PT", _("Portugal")),
    ("US", _("United States")),
)
COUNTRY_NAMES: dict[str, Any] = dict(COUNTRIES)

_UID_RE = re.compile(r"^CHE[\s\-.]*(\d{3})[\s.]*(\d{3})[\s.]*(\d{3})$", re.IGNORECASE)
_UID_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4)
_PHONE_RE = re.compile(r"^\+?[\d\s()./-]+$")


def uid_check_digit(digits: str) -> int | None:
    """The mod-11 check digit of the first eight UID digits; ``None`` if no valid one exists."""
    total = sum(int(d) * w for d, w in zip(digits[:8], _UID_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None  # such numbers are never issued
    return check


def normalise_uid(value: str) -> str:
    """``che123456788`` → ``CHE-123.456.788``; raises ValidationError for an invalid UID."""
    match = _UID_RE.match(value.strip())
    if match is None:
        raise ValidationError(_("Enter the UID in the form CHE-123.456.788."), code="uid_format")
    digits = "".join(match.groups())
    if uid_check_digit(digits) != int(digits[8]):
        raise ValidationError(
            _("This UID is not valid: check the digits (the last digit is a check digit)."), code="uid_check"
        )
    return f"CHE-{digits[0:3]}.{digits[3:6]}.{digits[6:9]}"


class ProfileForm(forms.Form):
    """The data of one profile. Build it with ``kind``; mandatory fields follow ``Profile.MANDATORY``."""

    first_name = forms.CharField(
        label=_("First name"), max_length=100, required=False, widget=forms.TextInput({"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=100, required=False, widget=forms.TextInput({"autocomplete": "family-name"})
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput({"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        help_text=_("For example 1985-03-27"),
    )
    organisation_name = forms.CharField(
        label=_("Name of the business or organisation"),
        max_length=200,
        required=False,
        widget=forms.TextInput({"autocomplete": "organization"}),
    )
    uid = forms.CharField(
        label=_("UID (company number)"),
        max_length=20,
        required=False,
        help_text=_("The Swiss company number, for example CHE-123.456.788."),
        widget=forms.TextInput({"autocomplete": "off", "spellcheck": "false"}),
    )
    street = forms.CharField(
        label=_("Street and number"),
        max_length=150,
        required=False,
        widget=forms.TextInput({"autocomplete": "street-address"}),
    )
    postal_code = forms.CharField(
        label=_("Postcode"),
        max_length=10,
        required=False,
        widget=forms.TextInput({"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    town = forms.CharField(
        label=_("Town"), max_length=100, required=False, widget=forms.TextInput({"autocomplete": "address-level2"})
    )
    country = forms.ChoiceField(
        label=_("Country"),
        choices=COUNTRIES,
        initial="CH",
        widget=forms.Select({"autocomplete": "country"}),
    )
    email = forms.EmailField(
        label=_("Contact email"),
        required=False,
        help_text=_("Where the authorities may write about this profile. Never shown to other users."),
        widget=forms.EmailInput({"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        help_text=_("For example +41 32 627 00 00"),
        widget=forms.TextInput({"type": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        wanted = PROFILE_FIELDS[kind]
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        for name in Profile.MANDATORY[kind]:
            self.fields[name].required = True
        if kind == Profile.Kind.BUSINESS:
            self.fields["organisation_name"].label = _("Name of the business")
        elif kind == Profile.Kind.ORGANISATION:
            self.fields["organisation_name"].label = _("Name of the organisation")
            self.fields["uid"].help_text = _("If the organisation has one, for example CHE-123.456.788.")

    @classmethod
    def initial_for(cls, profile: Profile) -> dict[str, Any]:
        """The form's initial values from a stored profile (erased values read as empty)."""
        return {name: getattr(profile, name) or "" for name in PROFILE_FIELDS[profile.kind]}

    def clean_uid(self) -> str:
        value: str = self.cleaned_data.get("uid", "")
        return normalise_uid(value) if value.strip() else ""

    def clean_date_of_birth(self) -> datetime.date | None:
        value: datetime.date | None = self.cleaned_data.get("date_of_birth")
        if value is not None and (value > timezone.localdate() or value.year < 1900):
            raise ValidationError(_("Enter a real date of birth, in the past."), code="date_of_birth")
        return value

    def clean_phone(self) -> str:
        value: str = self.cleaned_data.get("phone", "").strip()
        if value and (not _PHONE_RE.match(value) or not 6 <= sum(c.isdigit() for c in value) <= 15):
            raise ValidationError(_("Enter a phone number, for example +41 32 627 00 00."), code="phone")
        return value

    def clean_country(self) -> str:
        return self.cleaned_data.get("country") or "CH"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        postal_code = (cleaned.get("postal_code") or "").strip()
        if postal_code and cleaned.get("country") in {"CH", "LI"} and not re.fullmatch(r"\d{4}", postal_code):
            self.add_error("postal_code", ValidationError(_("Enter a Swiss postcode of 4 digits."), code="postcode"))
        return cleaned

    @property
    def profile_data(self) -> dict[str, Any]:
        """The cleaned values as a plain dict for the services (only this kind's fields)."""
        return {name: self.cleaned_data.get(name) for name in PROFILE_FIELDS[self.kind]}
