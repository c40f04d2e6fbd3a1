"""One step of a form definition as a Django form, with ``show_if`` evaluated on the server.

Fields hidden by answers of earlier steps are left out. A field whose condition reads a field of
the same step is added as optional; ``clean()`` then evaluates its condition on the posted values,
requires it only when shown and drops its value (and any error) when hidden. Works without
JavaScript: the page simply shows every field that may apply on this step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from guichet.eforms.conditions import evaluate, prune, referenced_fields
from guichet.eforms.definition import Field, FormDefinition
from guichet.eforms.fieldtypes import form_field


class StepForm(forms.Form):
    definition: FormDefinition
    step_index: int
    language: str
    answers: Mapping[str, Any]
    #: fields of this step whose condition depends on this step's own answers
    dependent: tuple[Field, ...]
    step_fields: tuple[Field, ...]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        known = dict(prune(self.definition, self.answers))
        for field in self.step_fields:
            if field.key not in self.fields:
                continue
            shown = evaluate(field.show_if, known)
            if not shown:
                cleaned.pop(field.key, None)
                self.errors.pop(field.key, None)
                continue
            empty = cleaned.get(field.key) in (None, "", [], False)
            if field in self.dependent and field.required and empty and field.key not in self.errors:
                message = self.fields[field.key].error_messages["required"]
                self.add_error(field.key, ValidationError(message, code="required"))
            if field.key in cleaned:
                known[field.key] = cleaned[field.key]
        return cleaned

    @property
    def answers_of_step(self) -> dict[str, Any]:
        """The valid answers of this step (only shown fields); call after ``is_valid()``."""
        return {field.key: self.cleaned_data[field.key] for field in self.step_fields if field.key in self.cleaned_data}


def build_step_form(
    *,
    definition: FormDefinition,
    step_index: int,
    language: str,
    answers: Mapping[str, Any],
    data: Mapping[str, Any] | None = None,
    files: Mapping[str, Any] | None = None,
    prefix: str | None = None,
) -> StepForm:
    """The form for step ``step_index`` (0-based), bound when ``data`` is given.

    ``answers`` are the answers of the other steps; they decide which fields of this step apply.
    Raises ``IndexError`` for a step that does not exist (a programming error, not user input).
    """
    if not 0 <= step_index < len(definition.steps):
        raise IndexError(f"step {step_index} does not exist in {definition.slug}")
    step = definition.steps[step_index]
    step_fields = tuple(step.fields())
    step_keys = {field.key for field in step_fields}
    earlier = {key: value for key, value in answers.items() if key not in step_keys}
    known = prune(definition, earlier)

    fields: dict[str, forms.Field] = {}
    dependent: list[Field] = []
    for field in step_fields:
        reads_this_step = any(key in step_keys for key in referenced_fields(field.show_if))
        if reads_this_step:
            dependent.append(field)
            fields[field.key] = form_field(field, language=language, required=False)
        elif evaluate(field.show_if, known):
            fields[field.key] = form_field(field, language=language)

    form_class = type(
        f"StepForm_{definition.slug.replace('-', '_')}_{step_index}",
        (StepForm,),
        {
            "definition": definition,
            "step_index": step_index,
            "language": language,
            "answers": dict(earlier),
            "dependent": tuple(dependent),
            "step_fields": step_fields,
        },
    )
    form = form_class(
        data=data, files=files, prefix=prefix, initial={k: v for k, v in answers.items() if k in step_keys}
    )
    form.fields.update(fields)
    return form
