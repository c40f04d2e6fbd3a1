"""Property tests: no input of any shape makes the parser or a field type raise anything unexpected."""

from __future__ import annotations

import contextlib
import textwrap
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guichet.eforms.builder import build_step_form
from guichet.eforms.conditions import prune
from guichet.eforms.definition import DefinitionError, FormDefinition, demo_definition_paths, parse_definition
from guichet.eforms.fieldtypes import FIELD_TYPES, form_field
from guichet.eforms.pricing import calculate_fee

FIELD_SPECS = {
    "text": "{key: f, type: text, label: {de: F}, min: 1, max: 20}",
    "long_text": "{key: f, type: long_text, label: {de: F}}",
    "email": "{key: f, type: email, label: {de: F}}",
    "phone": "{key: f, type: phone, label: {de: F}}",
    "number": "{key: f, type: number, label: {de: F}, min: 1, max: 9}",
    "amount": "{key: f, type: amount, label: {de: F}, min: 0, max: 100}",
    "date": "{key: f, type: date, label: {de: F}, min: today-1y, max: today+1y}",
    "choice": "{key: f, type: choice, widget: checkbox, label: {de: F}, options: [{key: a, label: {de: A}}]}",
    "file": "{key: f, type: file, label: {de: F}, accept: [pdf]}",
    "ahv": "{key: f, type: ahv, label: {de: F}}",
    "uid": "{key: f, type: uid, label: {de: F}}",
    "iban": "{key: f, type: iban, label: {de: F}}",
    "postal_address": "{key: f, type: postal_address, label: {de: F}}",
    "declaration": "{key: f, type: declaration, label: {de: F}}",
}
SELECT_SPEC = "{key: f, type: choice, widget: select, label: {de: F}, options: [{key: a, label: {de: A}}]}"


def _field(spec: str) -> Any:
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
    assert definition is not None, errors
    return next(definition.fields())


DJANGO_FIELDS = [form_field(_field(spec), language="de") for spec in [*FIELD_SPECS.values(), SELECT_SPEC]]
DEMOS: list[FormDefinition] = [d for p in demo_definition_paths() if (d := parse_definition(p.read_bytes())[0])]


def _check_result(result: tuple[FormDefinition | None, list[DefinitionError]]) -> None:
    definition, errors = result
    assert (definition is None) == bool(errors)
    assert all(isinstance(error, DefinitionError) and isinstance(error.line, int) for error in errors)


def test_the_specs_cover_every_type() -> None:
    assert set(FIELD_SPECS) == set(FIELD_TYPES)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_parser_takes_any_text(source: str) -> None:
    _check_result(parse_definition(source))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_parser_takes_any_bytes(source: bytes) -> None:
    _check_result(parse_definition(source))


_KEYS = st.sampled_from(
    ["slug", "version", "title", "steps", "fields", "fieldsets", "key", "type", "label", "de", "fr", "options",
     "show_if", "field", "equals", "in", "not", "all", "any", "min", "max", "price", "widget", "accept", "text",
     "number", "choice", "date", "required", "help", "fee", "max_size_mb"]
)  # fmt: skip
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | _KEYS
_TREES = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_KEYS | st.text(max_size=5), children, max_size=5)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TREES)
def test_parser_takes_any_yaml_structure(tree: Any) -> None:
    _check_result(parse_definition(yaml.safe_dump(tree, allow_unicode=True)))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_parser_takes_mutated_demo_definitions(data: st.DataObject) -> None:
    """Valid documents with one line changed or dropped: errors, never exceptions."""
    source = demo_definition_paths()[data.draw(st.integers(0, len(demo_definition_paths()) - 1))].read_text()
    lines = source.splitlines()
    index = data.draw(st.integers(0, len(lines) - 1))
    replacement = data.draw(
        st.one_of(st.just([]), st.lists(st.text(max_size=30), max_size=1), st.just([lines[index][:-3]]))
    )
    _check_result(parse_definition("\n".join([*lines[:index], *replacement, *lines[index + 1 :]])))


_VALUES = st.one_of(
    st.text(),
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.lists(st.text(max_size=10), max_size=6),
)


@settings(max_examples=150, deadline=None)
@given(_VALUES)
def test_every_field_type_takes_any_value(value: Any) -> None:
    for field in DJANGO_FIELDS:
        with contextlib.suppress(ValidationError):
            field.clean(value)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_step_forms_take_any_posted_data(data: st.DataObject) -> None:
    definition = data.draw(st.sampled_from(DEMOS))
    step_index = data.draw(st.integers(0, len(definition.steps) - 1))
    keys = [field.key for field in definition.steps[step_index].fields()]
    keys += [f"{key}_{part}" for key in keys for part in range(5)]
    posted = data.draw(st.dictionaries(st.sampled_from(keys), st.text(max_size=30)))
    answers = data.draw(st.dictionaries(st.sampled_from([f.key for f in definition.fields()]), _VALUES))
    form = build_step_form(definition=definition, step_index=step_index, language="fr", answers=answers, data=posted)
    if form.is_valid():
        assert set(form.answers_of_step) <= set(keys)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["dog_count", "listed_breed", "delivery", "copies", "duration", "x"]), _VALUES))
def test_conditions_and_pricing_take_any_answers(answers: dict[str, Any]) -> None:
    for definition in DEMOS:
        prune(definition, answers)
        assert calculate_fee(definition, answers).total >= 0
