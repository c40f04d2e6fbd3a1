"""Each field type accepts good values and rejects bad ones with a translated message."""

from __future__ import annotations

import datetime
import textwrap
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from guichet.eforms.definition import Field, parse_definition
from guichet.eforms.fieldtypes import FIELD_TYPES, form_field, normalise_ahv, normalise_iban


def make_field(spec: str) -> Field:
    source = (
        textwrap.dedent("""\
        slug: t
        version: 1
        title: {de: T}
        steps:
          - title: {de: S}
            fields:
              - %s
        """)
        % spec
    )
    definition, errors = parse_definition(source)
    assert errors == [], errors
    assert definition is not None
    return next(definition.fields())


def django_field(spec: str, language: str = "de") -> forms.Field:
    return form_field(make_field(spec), language=language)


def rejects(field: forms.Field, value: Any) -> str:
    with pytest.raises(ValidationError) as info:
        field.clean(value)
    return " ".join(info.value.messages)


CASES: list[tuple[str, list[tuple[Any, Any]], list[Any]]] = [
    (
        "{key: f, type: text, label: {de: F}, min: 2, max: 5}",
        [("ab", "ab"), (" abc ", "abc")],
        ["a", "abcdef", "", "a\x00b"],
    ),
    ("{key: f, type: long_text, label: {de: F}}", [("line\nline", "line\nline")], ["", "x" * 5001]),
    ("{key: f, type: email, label: {de: F}}", [("a@example.ch", "a@example.ch")], ["a@", "no", ""]),
    (
        "{key: f, type: phone, label: {de: F}}",
        [("+41 32 627 00 00", "+41 32 627 00 00")],
        ["12", "call me", "+41 32 x"],
    ),
    ("{key: f, type: number, label: {de: F}, min: 1, max: 5}", [("3", 3), (5, 5)], ["0", "6", "2.5", "three", "1e5"]),
    (
        "{key: f, type: amount, label: {de: F}, min: 0, max: 10000}",
        [("12.50", Decimal("12.50")), ("CHF 1'250.50", Decimal("1250.50")), ("100.-", Decimal("100"))],
        ["1.005", "-1", "20000", "NaN", "Infinity", "abc"],
    ),
    (
        "{key: f, type: ahv, label: {de: F}}",
        [("756.1234.5678.97", "756.1234.5678.97"), ("7569217076985", "756.9217.0769.85")],
        ["756.1234.5678.98", "755.1234.5678.97", "756.1234.5678", "abc"],
    ),
    (
        "{key: f, type: uid, label: {de: F}}",
        [("CHE-123.456.788", "CHE-123.456.788"), ("che123456788", "CHE-123.456.788")],
        ["CHE-123.456.789", "CHE-12.456.788", "123456788"],
    ),
    (
        "{key: f, type: iban, label: {de: F}}",
        [
            ("CH93 0076 2011 6238 5295 7", "CH93 0076 2011 6238 5295 7"),
            ("ch5604835012345678009", "CH56 0483 5012 3456 7800 9"),
            ("LI21 0881 0000 2324 013A A", "LI21 0881 0000 2324 013A A"),
            ("DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00"),
        ],
        ["CH93 0076 2011 6238 5295 8", "CH93 0076 2011 6238 5295", "DE89 3704 0044 0532 0130 01", "IBAN", "CH"],
    ),
    (
        "{key: f, type: choice, widget: select, label: {de: F}, options: [{key: a, label: {de: A}}]}",
        [("a", "a")],
        ["b", "", ["a"]],
    ),
    (
        "{key: f, type: choice, widget: checkbox, label: {de: F},"
        " options: [{key: a, label: {de: A}}, {key: b, label: {de: B}}]}",
        [(["a", "b"], ["a", "b"])],
        [["c"], "a", []],
    ),
    ("{key: f, type: declaration, label: {de: F}}", [("on", True), (True, True)], ["", False, "false"]),
    (
        "{key: f, type: postal_address, label: {de: F}}",
        [
            (
                ["Hauptgasse", "1a", "4500", "Solothurn", "CH"],
                {
                    "street": "Hauptgasse",
                    "house_number": "1a",
                    "postcode": "4500",
                    "town": "Solothurn",
                    "country": "CH",
                },
            ),
            (
                ["Hauptstrasse", "", "79100", "Freiburg", "DE"],
                {
                    "street": "Hauptstrasse",
                    "house_number": "",
                    "postcode": "79100",
                    "town": "Freiburg",
                    "country": "DE",
                },
            ),
        ],
        [
            ["Hauptgasse", "1", "45000", "Solothurn", "CH"],
            ["", "", "4500", "", "CH"],
            ["a", "b", "4500", "c", "XX"],
            "x",
            [],
        ],
    ),
]


@pytest.mark.parametrize(("spec", "good", "bad"), CASES, ids=lambda value: value if isinstance(value, str) else "")
def test_good_values_pass_and_bad_values_get_a_message(spec: str, good: list[tuple[Any, Any]], bad: list[Any]) -> None:
    field = django_field(spec)
    for value, expected in good:
        assert field.clean(value) == expected
    for value in bad:
        assert rejects(field, value)


def test_every_type_is_covered() -> None:
    covered = {spec.split("type: ")[1].split(",")[0] for spec, _good, _bad in CASES} | {"date", "file"}
    assert covered == set(FIELD_TYPES)


@time_machine.travel(datetime.datetime(2026, 3, 15, 12, tzinfo=datetime.UTC), tick=False)
def test_date_with_relative_range() -> None:
    field = django_field("{key: f, type: date, label: {de: F}, min: today, max: today+1m}")
    assert field.clean("2026-04-15") == datetime.date(2026, 4, 15)
    assert "15.03.2026" in rejects(field, "2026-03-14")
    assert "15.04.2026" in rejects(field, "2026-04-16")
    assert rejects(field, "2026-02-30")
    assert rejects(field, "soon")


@time_machine.travel(datetime.datetime(2026, 3, 15, 12, tzinfo=datetime.UTC), tick=False)
def test_date_of_birth_range() -> None:
    field = django_field("{key: f, type: date, label: {de: F}, min: today-120y, max: 2026-01-01}")
    assert field.clean("1950-05-01") == datetime.date(1950, 5, 1)
    assert rejects(field, "1900-01-01")
    assert rejects(field, "2026-02-01")


def test_file_type_and_size() -> None:
    field = django_field("{key: f, type: file, label: {de: F}, accept: [pdf], max_size_mb: 0.1}")
    good = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 small", content_type="application/pdf")
    assert field.clean(good) is good
    assert "pdf" in rejects(field, SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream"))
    assert "0.1 MB" in rejects(field, SimpleUploadedFile("big.pdf", b"x" * 200_000, content_type="application/pdf"))
    assert rejects(field, "scan.pdf")
    assert field.widget.attrs["accept"] == ".pdf"


def test_optional_fields_accept_nothing() -> None:
    assert django_field("{key: f, type: iban, label: {de: F}, required: false}").clean("") == ""
    assert (
        django_field("{key: f, type: postal_address, label: {de: F}, required: false}").clean(["", "", "", "", "CH"])
        is None
    )
    assert django_field("{key: f, type: number, label: {de: F}, required: false}").clean("") is None


def test_labels_and_messages_follow_the_language() -> None:
    spec = "{key: f, type: ahv, label: {de: AHV-Nummer, fr: Numéro AVS}, help: {de: Hilfe}}"
    french = django_field(spec, language="fr")
    assert (french.label, french.help_text) == ("Numéro AVS", "Hilfe")
    assert django_field(spec, language="it").label == "AHV-Nummer"
    with translation.override("en"):
        assert rejects(french, "756.1234.5678.98") == (
            "This AHV number is not valid: check the digits (the last digit is a check digit)."
        )


def test_normalisers_directly() -> None:
    assert normalise_ahv("756 1234 5678 97") == "756.1234.5678.97"
    assert normalise_iban("CH9300762011623852957") == "CH93 0076 2011 6238 5295 7"
    with pytest.raises(ValidationError):
        normalise_iban("CH93 0076 2011 6238 5295 71")
