"""Answers as people read them: per step, each shown field with its label and a display value.

One source for the "check your answers" page, the receipt PDF, the case page and the staff
export, so the citizen and the clerk always see the same wording."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from guichet.accounts.forms import COUNTRY_NAMES
from guichet.catalogue.models import pick
from guichet.eforms.conditions import visibility
from guichet.eforms.definition import Field, FormDefinition


@dataclass(frozen=True)
class AnswerRow:
    key: str
    label: str
    value: str  # may span lines
    missing: bool = False  # a required, shown field without an answer


@dataclass(frozen=True)
class AnswerSection:
    number: int  # 1-based step number (for "change" links)
    title: str
    rows: tuple[AnswerRow, ...]


def _date(value: Any) -> str:
    try:
        day = datetime.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _amount(value: Any) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"CHF {formats.number_format(number, decimal_pos=2, use_l10n=True, force_grouping=True)}"


def display_value(field: Field, value: Any, language: str) -> str:
    """The answer ``value`` of ``field`` as text in ``language`` ("" for no answer)."""
    if value in (None, "", [], {}):
        return ""
    match field.type:
        case "choice":
            keys = value if isinstance(value, list | tuple) else [value]
            labels = [option.label_text(language) if (option := field.option(str(k))) else str(k) for k in keys]
            return "\n".join(labels)
        case "declaration":
            return _("Confirmed") if value else ""
        case "date":
            return _date(value)
        case "amount":
            return _amount(value)
        case "postal_address" if isinstance(value, Mapping):
            street = " ".join(part for part in (value.get("street"), value.get("house_number")) if part)
            town = " ".join(part for part in (value.get("postcode"), value.get("town")) if part)
            country = str(COUNTRY_NAMES.get(value.get("country") or "", value.get("country") or ""))
            return "\n".join(line for line in (street, town, country) if line)
        case "file" if isinstance(value, Mapping):
            size = formats.number_format(Decimal(int(value.get("size") or 0)) / 1024, decimal_pos=0)
            return f"{value.get('name', '')} ({size} KB)"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def answer_sections(
    definition: FormDefinition, answers: Mapping[str, Any], *, language: str, include_empty: bool = True
) -> list[AnswerSection]:
    """Every step with its shown fields. Hidden fields (``show_if``) are left out; unanswered
    optional fields appear with an empty value unless ``include_empty`` is false."""
    shown = visibility(definition, answers)
    sections = []
    for number, step in enumerate(definition.steps, start=1):
        rows = []
        for field in step.fields():
            if not shown.get(field.key):
                continue
            text = display_value(field, answers.get(field.key), language)
            missing = field.required and not text
            if text or missing or include_empty:
                rows.append(AnswerRow(key=field.key, label=field.label_text(language), value=text, missing=missing))
        sections.append(AnswerSection(number=number, title=pick(dict(step.title), language), rows=tuple(rows)))
    return sections


def missing_steps(definition: FormDefinition, answers: Mapping[str, Any]) -> list[int]:
    """The 1-based numbers of steps with a required, shown field left unanswered."""
    return [
        section.number
        for section in answer_sections(definition, answers, language="de")
        if any(row.missing for row in section.rows)
    ]
