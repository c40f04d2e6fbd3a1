"""The fee of a submission: the form's base fee, option prices and unit prices times quantities.

Only shown fields count (hidden answers are pruned first). Amounts are ``Decimal`` CHF with two
decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from guichet.eforms.conditions import prune
from guichet.eforms.definition import FormDefinition, Text

CENT = Decimal("0.01")
MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class FeeLine:
    field: str  # "" for the base fee
    label: Text
    quantity: int
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Fee:
    lines: tuple[FeeLine, ...]
    total: Decimal


def _quantity(value: Any, maximum: Decimal | None) -> int:
    """A whole positive quantity within the field's maximum; anything else counts as 0."""
    if isinstance(value, bool):
        return 0
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return 0
    limit = min(maximum, Decimal(MAX_QUANTITY)) if maximum is not None else Decimal(MAX_QUANTITY)
    if not number.is_finite() or not 0 < number <= limit or number != number.to_integral_value():
        return 0
    return int(number)


def calculate_fee(definition: FormDefinition, answers: Mapping[str, Any]) -> Fee:
    """The total fee and its breakdown for ``answers`` (lines with a zero amount are left out).

    A quantity outside the field's range (which the form refuses anyway) counts as 0.
    """
    shown = prune(definition, answers)
    lines: list[FeeLine] = []
    if definition.fee:
        lines.append(FeeLine("", definition.title, 1, definition.fee, definition.fee.quantize(CENT)))
    for field in definition.fields():
        answer = shown.get(field.key)
        if answer is None:
            continue
        if field.type == "number" and field.price:
            quantity = _quantity(answer, field.maximum)
            if quantity:
                lines.append(
                    FeeLine(field.key, field.label, quantity, field.price, (field.price * quantity).quantize(CENT))
                )
        elif field.type == "choice":
            chosen = answer if isinstance(answer, list | tuple) else [answer]
            for option in field.options:
                if option.price and option.key in chosen:
                    lines.append(FeeLine(field.key, option.label, 1, option.price, option.price.quantize(CENT)))
    total = sum((line.amount for line in lines), Decimal("0")).quantize(CENT)
    return Fee(lines=tuple(lines), total=total)
