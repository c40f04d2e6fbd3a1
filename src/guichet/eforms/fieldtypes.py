"""Field types: each turns a definition ``Field`` into a Django form field.

Every validation message is gettext (English source); any input gives a value or a
``ValidationError``, never another exception (``tests/eforms/test_properties.py``).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.accounts.forms import COUNTRIES, normalise_uid
from guichet.core.files import SNIFF_BYTES, check_upload
from guichet.eforms.definition import TYPE_KEYS, Field, resolve_date

# --- Swiss identifiers -------------------------------------------------------------------------

_AHV_RE = re.compile(r"^756[\s.]*(\d{4})[\s.]*(\d{4})[\s.]*(\d{2})$")
_PHONE_RE = re.compile(r"^\+?[\d\s()./-]+$")
_IBAN_RE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_IBAN_LENGTHS = {"CH": 21, "LI": 21}


def ean13_check_digit(first_twelve: str) -> int:
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(first_twelve))
    return (10 - total % 10) % 10


def normalise_ahv(value: str) -> str:
    """``7561234567897`` → ``756.1234.5678.97``; raises ValidationError for an invalid AHV number."""
    match = _AHV_RE.match(value.strip())
    if match is None:
        raise ValidationError(_("Enter the AHV number in the form 756.1234.5678.97."), code="ahv_format")
    digits = "756" + "".join(match.groups())
    if ean13_check_digit(digits[:12]) != int(digits[12]):
        raise ValidationError(
            _("This AHV number is not valid: check the digits (the last digit is a check digit)."), code="ahv_check"
        )
    return f"{digits[0:3]}.{digits[3:7]}.{digits[7:11]}.{digits[11:13]}"


def normalise_iban(value: str) -> str:
    """``ch9300762011623852957`` → ``CH93 0076 2011 6238 5295 7``; ValidationError if invalid (ISO 13616)."""
    compact = re.sub(r"[\s-]", "", value).upper()
    if not _IBAN_RE.match(compact) or len(compact) > 34:
        raise ValidationError(_("Enter an IBAN, for example CH93 0076 2011 6238 5295 7."), code="iban_format")
    expected = _IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        raise ValidationError(_("A Swiss or Liechtenstein IBAN has 21 characters."), code="iban_length")
    rearranged = compact[4:] + compact[:4]
    number = int("".join(str(int(char, 36)) for char in rearranged))
    if number % 97 != 1:
        raise ValidationError(_("This IBAN is not valid: check the characters."), code="iban_check")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def validate_phone(value: str) -> None:
    if not _PHONE_RE.match(value) or not 6 <= sum(char.isdigit() for char in value) <= 15:
        raise ValidationError(_("Enter a phone number, for example +41 32 627 00 00."), code="phone")


# --- Form fields -----------------------------------------------------------------------------


class NormalisingCharField(forms.CharField):
    """A CharField whose value is rewritten into its canonical form by ``normalise`` (which validates)."""

    def __init__(self, *, normalise: Callable[[str], str], **kwargs: Any) -> None:
        self.normalise = normalise
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        cleaned = super().clean(value)
        return self.normalise(cleaned) if cleaned else cleaned


class AmountField(forms.DecimalField):
    """CHF with two decimals; accepts ``CHF 1'250.50`` and ``1'250.-`` (also with a typographic apostrophe)."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = re.sub(r"(?i)^\s*(chf|fr\.?)\s*|[\s'\u2019]|\.-$", "", value)
        return super().to_python(value)


class DateField(forms.DateField):
    """Django's DateField, but a value of another kind (a number, a yes/no) is invalid, not a crash."""

    def to_python(self, value: Any) -> Any:
        if value is not None and not isinstance(value, str | datetime.date):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class PostalAddressWidget(forms.MultiWidget):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = [
            forms.TextInput(),
            forms.TextInput(),
            forms.TextInput(),
            forms.TextInput(),
            forms.Select(choices=COUNTRIES),
        ]
        super().__init__(widgets, attrs)

    template_name = "eforms/widgets/postal_address.html"
    #: visible labels of the parts, in ``ADDRESS_PARTS`` order
    part_labels = (_("Street"), _("House number"), _("Postcode"), _("Town"), _("Country"))

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        for subwidget, label in zip(context["widget"]["subwidgets"], self.part_labels, strict=False):
            subwidget["label"] = label
        return context

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dict):
            return [value.get(name) for name in ADDRESS_PARTS]
        return [None, None, None, None, "CH"]


#: eCH-0010 ``addressInformation`` parts (street, houseNumber, zip code, town, countryIdISO2).
ADDRESS_PARTS = ("street", "house_number", "postcode", "town", "country")


class PostalAddressField(forms.MultiValueField):
    widget = PostalAddressWidget

    def __init__(self, **kwargs: Any) -> None:
        fields = (
            forms.CharField(max_length=60, label=_("Street")),
            forms.CharField(max_length=12, required=False, label=_("House number")),
            forms.CharField(max_length=15, label=_("Postcode")),
            forms.CharField(max_length=40, label=_("Town")),
            forms.ChoiceField(choices=COUNTRIES, label=_("Country")),
        )
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def clean(self, value: Any) -> Any:
        # The country select always posts a value: an address with nothing else filled in is empty.
        if isinstance(value, list | tuple) and all(part in self.empty_values for part in value[:4]):
            value = []
        return super().clean(value)

    def compress(self, data_list: list[Any]) -> dict[str, str] | None:
        if not data_list or not any(data_list):
            return None
        address = dict(zip(ADDRESS_PARTS, data_list, strict=False))
        if address.get("country") in {"CH", "LI"} and not re.fullmatch(r"\d{4}", address.get("postcode") or ""):
            raise ValidationError(_("Enter a Swiss postcode of 4 digits."), code="postcode")
        return address


def _file_size_validator(max_mb: Decimal) -> Callable[[Any], None]:
    limit = int(max_mb * 1024 * 1024)

    def validate(upload: Any) -> None:
        if getattr(upload, "size", 0) > limit:
            raise ValidationError(
                _("The file is too large: at most %(size)s MB."), code="file_size", params={"size": max_mb}
            )

    return validate


def _int(value: Decimal | None) -> int | None:
    return int(value) if value is not None else None


def _text(field: Field, language: str, *, long: bool) -> forms.Field:
    maximum = _int(field.maximum) or (5000 if long else 200)
    return forms.CharField(
        min_length=_int(field.minimum),
        max_length=maximum,
        widget=forms.Textarea(attrs={"rows": 5}) if long else forms.TextInput(),
    )


def _date(field: Field, language: str) -> forms.Field:
    today = timezone.localdate()
    low = resolve_date(field.min_date, today) if field.min_date else None
    high = resolve_date(field.max_date, today) if field.max_date else None
    date_field = DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def in_range(value: Any) -> None:
        if low is not None and value < low:
            raise ValidationError(
                _("Enter a date on or after %(date)s."), code="date_min", params={"date": low.strftime("%d.%m.%Y")}
            )
        if high is not None and value > high:
            raise ValidationError(
                _("Enter a date on or before %(date)s."), code="date_max", params={"date": high.strftime("%d.%m.%Y")}
            )

    date_field.validators.append(in_range)
    return date_field


def _choice(field: Field, language: str) -> forms.Field:
    choices = [(option.key, option.label_text(language)) for option in field.options]
    if field.widget == "checkbox":
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple)
    if field.widget == "select":
        return forms.ChoiceField(choices=[("", "---------"), *choices])
    return forms.ChoiceField(choices=choices, widget=forms.RadioSelect)


def _upload_head(upload: Any) -> bytes:
    """The first bytes of an upload for content sniffing; the upload is left at its start."""
    try:
        upload.seek(0)
        head = upload.read(SNIFF_BYTES)
        upload.seek(0)
    except (AttributeError, OSError, ValueError):  # not a file, or a closed one
        return b""
    return bytes(head) if isinstance(head, bytes | bytearray) else b""


def _file_content_validator(accept: tuple[str, ...]) -> Callable[[Any], None]:
    """Name and content must agree and be of an accepted type; the sniffed MIME type is kept on the
    upload as ``upload.sniffed_type`` (the browser's ``content_type`` is not to be trusted)."""

    def validate(upload: Any) -> None:
        name = str(getattr(upload, "name", "") or "")
        upload.sniffed_type = check_upload(name=name, head=_upload_head(upload), accept=accept)

    return validate


def _file(field: Field, language: str) -> forms.Field:
    return forms.FileField(
        validators=[
            _file_size_validator(field.max_size_mb or Decimal("10")),
            _file_content_validator(tuple(field.accept)),
        ],
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{kind}" for kind in field.accept)}),
    )


_MAKERS: dict[str, Callable[[Field, str], forms.Field]] = {
    "text": lambda field, language: _text(field, language, long=False),
    "long_text": lambda field, language: _text(field, language, long=True),
    "email": lambda field, language: forms.EmailField(max_length=254),
    "phone": lambda field, language: forms.CharField(max_length=30, validators=[validate_phone]),
    "number": lambda field, language: forms.IntegerField(
        min_value=_int(field.minimum), max_value=_int(field.maximum) if field.maximum is not None else 10**12
    ),
    "amount": lambda field, language: AmountField(
        max_digits=14, decimal_places=2, min_value=field.minimum, max_value=field.maximum
    ),
    "date": _date,
    "choice": _choice,
    "file": _file,
    "ahv": lambda field, language: NormalisingCharField(normalise=normalise_ahv, max_length=20),
    "uid": lambda field, language: NormalisingCharField(normalise=normalise_uid, max_length=20),
    "iban": lambda field, language: NormalisingCharField(normalise=normalise_iban, max_length=42),
    "postal_address": lambda field, language: PostalAddressField(),
    "declaration": lambda field, language: forms.BooleanField(),
}
FIELD_TYPES = tuple(_MAKERS)
assert set(FIELD_TYPES) == set(TYPE_KEYS), "every type of the definition language has a form field"


def form_field(field: Field, *, language: str, required: bool | None = None) -> forms.Field:
    """The Django form field for a definition field (labels in ``language``, German fallback)."""
    django_field = _MAKERS[field.type](field, language)
    django_field.required = field.required if required is None else required
    if field.type == "declaration":
        django_field.required = True if required is None else required
    django_field.label = field.label_text(language)
    django_field.help_text = field.help_text(language)
    return django_field
