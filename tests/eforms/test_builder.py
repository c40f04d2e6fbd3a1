"""One step as a Django form, with conditions on the server."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guichet.eforms.builder import build_step_form
from guichet.eforms.definition import FormDefinition, parse_definition


def test_fields_hidden_by_earlier_steps_are_left_out(demos: dict[str, FormDefinition]) -> None:
    form = demos["residence-confirmation"]
    step = build_step_form(definition=form, step_index=1, language="fr", answers={})
    assert list(step.fields) == ["purpose", "purpose_other", "copies", "delivery", "delivery_address"]
    assert step.fields["purpose"].label == "À quoi sert l'attestation?"
    assert step.fields["purpose_other"].required is False  # depends on this step: decided in clean()


def test_same_step_condition_hidden_value_dropped(demos: dict[str, FormDefinition]) -> None:
    step = build_step_form(
        definition=demos["residence-confirmation"],
        step_index=1,
        language="de",
        answers={},
        data={
            "purpose": "employer",
            "purpose_other": "dropped",
            "delivery": "pdf",
            "delivery_address_0": "x",  # hidden: an incomplete address is no error
        },
    )
    assert step.is_valid(), step.errors
    assert step.answers_of_step == {"purpose": "employer", "copies": None, "delivery": "pdf"}


def test_same_step_condition_shown_is_required(demos: dict[str, FormDefinition]) -> None:
    step = build_step_form(
        definition=demos["residence-confirmation"],
        step_index=1,
        language="de",
        answers={},
        data={"purpose": "other", "delivery": "a_post"},
    )
    assert not step.is_valid()
    assert set(step.errors) == {"purpose_other", "delivery_address"}


def test_earlier_step_answers_decide(demos: dict[str, FormDefinition]) -> None:
    form = demos["dog-registration"]
    no_permit = build_step_form(definition=form, step_index=1, language="de", answers={"listed_breed": "no"})
    assert "breed_permit" in no_permit.fields  # same step as its condition: always offered
    data = {"dog_count": "2", "dog_name": "Bello", "microchip": "756098100123456", "born_on": "2020-01-01"}
    step = build_step_form(
        definition=form, step_index=1, language="de", answers={}, data={**data, "listed_breed": "yes"}
    )
    assert not step.is_valid()
    assert list(step.errors) == ["breed_permit"]
    upload = SimpleUploadedFile("permit.pdf", b"%PDF-1.4", content_type="application/pdf")
    step = build_step_form(
        definition=form,
        step_index=1,
        language="de",
        answers={},
        data={**data, "listed_breed": "yes"},
        files={"breed_permit": upload},
    )
    assert step.is_valid(), step.errors
    assert step.answers_of_step["dog_count"] == 2


TWO_STEPS = """\
slug: two
version: 1
title: {de: Zwei}
steps:
  - title: {de: Eins}
    fields:
      - {key: kind, type: choice, label: {de: Art}, options: [{key: a, label: {de: A}}, {key: b, label: {de: B}}]}
  - title: {de: Zwei}
    fields:
      - {key: extra, type: text, label: {de: Extra}, show_if: {field: kind, equals: b}}
      - {key: note, type: text, label: {de: Notiz}, required: false}
"""


def test_condition_from_an_earlier_step_removes_the_field() -> None:
    definition, errors = parse_definition(TWO_STEPS)
    assert definition is not None, errors
    hidden = build_step_form(definition=definition, step_index=1, language="de", answers={"kind": "a"}, data={})
    assert list(hidden.fields) == ["note"]
    assert hidden.is_valid()
    shown = build_step_form(definition=definition, step_index=1, language="de", answers={"kind": "b"}, data={})
    assert shown.fields["extra"].required is True
    assert not shown.is_valid()
    assert list(shown.errors) == ["extra"]


def test_initial_values_come_from_the_answers(demos: dict[str, FormDefinition]) -> None:
    step = build_step_form(
        definition=demos["parking-permit"], step_index=1, language="en", answers={"email": "a@example.ch"}
    )
    assert step.initial == {"email": "a@example.ch"}
    assert step.fields["truthful"].required is True


def test_bad_step_index(demos: dict[str, FormDefinition]) -> None:
    with pytest.raises(IndexError):
        build_step_form(definition=demos["parking-permit"], step_index=5, language="de", answers={})
