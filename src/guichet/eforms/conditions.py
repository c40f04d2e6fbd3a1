"""``show_if`` conditions, evaluated on the server from the answers given so far.

The grammar is tiny; a condition is one YAML mapping of one of these shapes::

    {field: KEY, equals: VALUE}        # the answer to KEY is VALUE (for a checkbox choice: VALUE is ticked)
    {field: KEY, in: [VALUE, ...]}     # the answer is one of the values (checkbox choice: any is ticked)
    {not: CONDITION}
    {all: [CONDITION, ...]}            # every one holds
    {any: [CONDITION, ...]}            # at least one holds

KEY must be a field defined *before* the field that carries the condition. VALUE is a scalar
(text, number or true/false); numbers compare by value (``2`` equals ``2.0``), yes/no answers of a
declaration compare with ``true``/``false``. A missing or hidden answer equals nothing.

A field whose condition is false is hidden: it is not required and its answer is dropped
(``prune``). Conditions are evaluated in definition order over the already pruned answers, so a
field that depends on a hidden field is hidden too unless its condition says otherwise.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guichet.eforms.definition import Field, FormDefinition

Scalar = str | int | bool | Decimal


@dataclass(frozen=True)
class Equals:
    field: str
    value: Scalar


@dataclass(frozen=True)
class In:
    field: str
    values: tuple[Scalar, ...]


@dataclass(frozen=True)
class Not:
    condition: Condition


@dataclass(frozen=True)
class All:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]


Condition = Equals | In | Not | All | AnyOf


def _norm(value: Any) -> str | None:
    """A comparable form of an answer or a condition value (``None`` for "no answer")."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal | float):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return format(number.normalize(), "f") if number.is_finite() else None
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        return text or None
    return None


def _answer_values(answer: Any) -> set[str]:
    items = answer if isinstance(answer, list | tuple | set | frozenset) else [answer]
    return {norm for item in items if (norm := _norm(item)) is not None}


def evaluate(condition: Condition | None, answers: Mapping[str, Any]) -> bool:
    """Whether ``condition`` holds for ``answers`` (no condition always holds)."""
    match condition:
        case None:
            return True
        case Equals(field=key, value=value):
            return _norm(value) in _answer_values(answers.get(key))
        case In(field=key, values=values):
            return bool(_answer_values(answers.get(key)) & {_norm(v) for v in values})
        case Not(condition=inner):
            return not evaluate(inner, answers)
        case All(conditions=inner):
            return all(evaluate(c, answers) for c in inner)
        case AnyOf(conditions=inner):
            return any(evaluate(c, answers) for c in inner)
    return False  # pragma: no cover - the match above is exhaustive


def referenced_fields(condition: Condition | None) -> Iterator[str]:
    """Every field key a condition reads."""
    match condition:
        case Equals(field=key) | In(field=key):
            yield key
        case Not(condition=inner):
            yield from referenced_fields(inner)
        case All(conditions=inner) | AnyOf(conditions=inner):
            for item in inner:
                yield from referenced_fields(item)


def visibility(definition: FormDefinition, answers: Mapping[str, Any]) -> dict[str, bool]:
    """``{field key: shown?}`` for every field, in definition order."""
    pruned: dict[str, Any] = {}
    shown: dict[str, bool] = {}
    for field in definition.fields():
        shown[field.key] = evaluate(field.show_if, pruned)
        if shown[field.key] and field.key in answers:
            pruned[field.key] = answers[field.key]
    return shown


def prune(definition: FormDefinition, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers of the fields that are shown; hidden and unknown keys are dropped."""
    shown = visibility(definition, answers)
    return {key: value for key, value in answers.items() if shown.get(key)}


def is_shown(field: Field, definition: FormDefinition, answers: Mapping[str, Any]) -> bool:
    return visibility(definition, answers).get(field.key, False)
