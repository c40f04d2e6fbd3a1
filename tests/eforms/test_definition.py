"""The definition language: precise errors (line and path) and the demo definitions."""

from __future__ import annotations

import textwrap
from decimal import Decimal

import pytest

from guichet.eforms.conditions import Equals, In
from guichet.eforms.definition import (
    DefinitionError,
    InvalidDefinition,
    demo_definition_paths,
    load_definition_file,
    parse_definition,
)

VALID = """\
slug: demo
version: 2
title: {de: Demo, fr: Démo}
steps:
  - title: {de: Eins}
    fields:
      - key: kind
        type: choice
        widget: radio
        label: {de: Art}
        options:
          - {key: a, label: {de: A}}
          - {key: b, label: {de: B}, price: 12.5}
      - key: count
        type: number
        label: {de: Anzahl}
        min: 1
        max: 3
        price: 10
  - title: {de: Zwei}
    fieldsets:
      - title: {de: Satz}
        fields:
          - key: note
            type: text
            label: {de: Notiz}
            show_if: {field: kind, equals: b}
"""


def errors_of(source: str) -> list[tuple[int, str, str]]:
    definition, errors = parse_definition(textwrap.dedent(source))
    assert definition is None
    assert errors
    return [(error.line, error.path, error.message) for error in errors]


def test_a_valid_definition_loads_into_dataclasses() -> None:
    definition, errors = parse_definition(VALID)
    assert errors == []
    assert definition is not None
    assert (definition.slug, definition.version, definition.title_text("fr")) == ("demo", 2, "Démo")
    assert definition.title_text("it") == "Demo"  # German fallback
    kind, count, note = definition.fields()
    assert kind.options[1].price == Decimal("12.5")
    assert (count.minimum, count.maximum, count.price, count.required) == (Decimal(1), Decimal(3), Decimal(10), True)
    assert note.show_if == Equals("kind", "b")
    assert definition.steps[1].fieldsets[0].title == {"de": "Satz"}
    assert note.line == 24


def test_bytes_are_accepted() -> None:
    definition, errors = parse_definition(VALID.encode())
    assert definition is not None
    assert errors == []


def test_unknown_field_type_has_line_and_path() -> None:
    source = VALID.replace("type: number", "type: numbr")
    assert errors_of(source) == [
        (15, "steps[0].fields[1].type", errors_of(source)[0][2]),
    ]
    assert "unknown field type" in errors_of(source)[0][2]


def test_unknown_key_in_field() -> None:
    source = VALID.replace("        price: 10\n", "        prize: 10\n")
    [(line, path, message)] = errors_of(source)
    assert (line, path) == (19, "steps[0].fields[1].prize")
    assert "unknown key 'prize'" in message


def test_a_key_of_another_type_is_unknown() -> None:
    source = VALID.replace("            type: text\n", "            type: text\n            widget: radio\n")
    assert errors_of(source)[0][:2] == (26, "steps[1].fieldsets[0].fields[0].widget")


def test_unknown_top_level_key_and_missing_key() -> None:
    source = VALID.replace("version: 2\n", "").replace("slug: demo\n", "slug: demo\nowner: me\n")
    assert errors_of(source) == [
        (1, "", "missing key 'version'"),
        (2, "owner", "unknown key 'owner' (allowed: fee, slug, statuses, steps, title, version)"),
    ]


def test_duplicate_field_key() -> None:
    source = VALID.replace("key: note", "key: count")
    assert errors_of(source) == [(24, "steps[1].fieldsets[0].fields[0].key", "duplicate field key 'count'")]


def test_duplicate_mapping_key() -> None:
    source = VALID.replace("        min: 1\n", "        min: 1\n        min: 2\n")
    assert errors_of(source) == [(18, "steps[0].fields[1].min", "duplicate key 'min'")]


def test_missing_german_label() -> None:
    source = VALID.replace("label: {de: Anzahl}", "label: {fr: Nombre}")
    assert errors_of(source) == [(16, "steps[0].fields[1].label", "the German text ('de') is missing")]


def test_unknown_language() -> None:
    source = VALID.replace("label: {de: Anzahl}", "label: {de: Anzahl, rm: Dumber}")
    [(line, path, message)] = errors_of(source)
    assert (line, path) == (16, "steps[0].fields[1].label.rm")
    assert message == "unknown key 'rm' (allowed: de, en, fr, it)"


def test_label_must_be_translated_mapping() -> None:
    source = VALID.replace("label: {de: Anzahl}", "label: Anzahl")
    assert errors_of(source)[0][:2] == (16, "steps[0].fields[1].label")


def test_condition_on_unknown_field() -> None:
    source = VALID.replace("{field: kind, equals: b}", "{field: knd, equals: b}")
    assert errors_of(source) == [(27, "steps[1].fieldsets[0].fields[0].show_if.field", "unknown field 'knd'")]


def test_condition_on_a_later_field() -> None:
    source = VALID.replace("        price: 10\n", "        price: 10\n        show_if: {field: note, equals: x}\n")
    [(line, path, message)] = errors_of(source)
    assert (line, path) == (20, "steps[0].fields[1].show_if.field")
    assert "comes later" in message


def test_condition_on_itself() -> None:
    source = VALID.replace("{field: kind, equals: b}", "{field: note, equals: b}")
    assert errors_of(source)[0][2] == "a condition cannot refer to its own field"


def test_condition_value_must_be_an_option() -> None:
    source = VALID.replace("{field: kind, equals: b}", "{field: kind, in: [a, c]}")
    assert errors_of(source) == [
        (27, "steps[1].fieldsets[0].fields[0].show_if.field", "'c' is not an option of field 'kind'")
    ]


def test_nested_conditions_parse() -> None:
    source = VALID.replace(
        "{field: kind, equals: b}", "{any: [{field: kind, in: [a]}, {not: {field: count, equals: 2}}]}"
    )
    definition, errors = parse_definition(source)
    assert errors == []
    assert definition is not None
    note = definition.field("note")
    assert note is not None
    assert note.show_if is not None
    assert In("kind", ("a",)) in note.show_if.conditions  # type: ignore[union-attr]


def test_bad_condition_shape() -> None:
    source = VALID.replace("{field: kind, equals: b}", "{all: [{field: kind}], any: []}")
    assert errors_of(source)[0][:2] == (27, "steps[1].fieldsets[0].fields[0].show_if")


@pytest.mark.parametrize(
    ("old", "new", "line", "path", "message"),
    [
        ("version: 2", "version: two", 2, "version", "must be a number"),
        ("version: 2", "version: 0", 2, "version", "must be at least 1"),
        ("version: 2", "version: 2.5", 2, "version", "must be a whole number"),
        ("price: 12.5", "price: 12.505", 13, "steps[0].fields[0].options[1].price", "must have at most 2 decimals"),
        ("price: 12.5", "price: -1", 13, "steps[0].fields[0].options[1].price", "must be at least 0"),
        ("price: 12.5", "price: .inf", 13, "steps[0].fields[0].options[1].price", None),
        ("max: 3", "max: 0", 18, "steps[0].fields[1].max", "must not be smaller than min"),
        ("min: 1", "min: '1'", 17, "steps[0].fields[1].min", "must be a number"),
        ("slug: demo", "slug: Demo Form", 1, "slug", None),
        ("widget: radio", "widget: slider", 9, "steps[0].fields[0].widget", "must be one of: radio, select, checkbox"),
        ("key: count", "key: Count", 14, "steps[0].fields[1].key", None),
        ("- {key: a, label: {de: A}}", "- {key: b, label: {de: A}}", 13, "steps[0].fields[0].options[1].key", None),
    ],
)
def test_bad_values(old: str, new: str, line: int, path: str, message: str | None) -> None:
    [(got_line, got_path, got_message)] = errors_of(VALID.replace(old, new, 1))
    assert (got_line, got_path) == (line, path)
    if message:
        assert got_message == message


def test_date_bounds_and_file_limits() -> None:
    source = textwrap.dedent("""\
        slug: d
        version: 1
        title: {de: D}
        steps:
          - title: {de: S}
            fields:
              - {key: a, type: date, label: {de: A}, min: today-18y, max: 2030-12-31}
              - {key: b, type: date, label: {de: B}, min: tomorrow}
              - {key: c, type: file, label: {de: C}, accept: [pdf, exe], max_size_mb: 500}
              - {key: d, type: declaration, label: {de: D}, required: false}
        """)
    assert errors_of(source) == [
        (8, "steps[0].fields[1].min", "must be a date (2025-01-31) or today, today+30d, today-18y"),
        (9, "steps[0].fields[2].accept[1]", errors_of(source)[1][2]),
        (9, "steps[0].fields[2].max_size_mb", "must be at most 50"),
        (10, "steps[0].fields[3].required", "a declaration is always required"),
    ]


def test_step_needs_fields_or_fieldsets() -> None:
    source = VALID.replace("    fieldsets:\n", "    fields: []\n    fieldsets:\n")
    assert errors_of(source)[0] == (20, "steps[1]", "a step needs either 'fields' or 'fieldsets' (not both)")


@pytest.mark.parametrize(
    ("source", "line", "message_start"),
    [
        ("", 1, "the definition is empty"),
        ("slug: [unclosed\n", 2, "not valid YAML"),
        ("a: 1\n---\nb: 2\n", 2, "not valid YAML"),
        ("just text", 1, "must be a mapping"),
        ("- a\n- b\n", 1, "must be a mapping"),
        ("slug: &x demo\nversion: *x\n", 2, "anchors and aliases"),
        ("slug: 2025-13-45\n", 1, "must be a non-empty text"),
    ],
)
def test_broken_documents(source: str, line: int, message_start: str) -> None:
    definition, errors = parse_definition(source)
    assert definition is None
    assert any(error.line == line and error.message.startswith(message_start) for error in errors), errors


def test_non_utf8_bytes() -> None:
    definition, errors = parse_definition(b"slug: \xff\n")
    assert definition is None
    assert "UTF-8" in errors[0].message


def test_error_text() -> None:
    assert str(DefinitionError(3, "steps[0]", "bad")) == "line 3: steps[0]: bad"


@pytest.mark.parametrize("path", demo_definition_paths(), ids=lambda path: path.stem)
def test_demo_definitions_load_without_errors(path: object) -> None:
    definition, errors = parse_definition(path.read_bytes())  # type: ignore[attr-defined]
    assert errors == []
    assert definition is not None
    assert definition.slug == path.stem  # type: ignore[attr-defined]
    assert all(field.label.get("de") for field in definition.fields())


def test_there_are_three_demo_definitions() -> None:
    assert {path.stem for path in demo_definition_paths()} >= {
        "dog-registration",
        "residence-confirmation",
        "parking-permit",
    }


def test_load_definition_file_raises_with_every_error(tmp_path: object) -> None:
    path = tmp_path / "bad.yaml"  # type: ignore[operator]
    path.write_text("slug: x\n")
    with pytest.raises(InvalidDefinition) as info:
        load_definition_file(path)
    assert [error.message for error in info.value.errors] == [
        "missing key 'steps'",
        "missing key 'title'",
        "missing key 'version'",
    ]
