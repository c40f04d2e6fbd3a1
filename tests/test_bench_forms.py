"""The 100-field definition of ``bench/forms.py`` stays valid, so the benchmark cannot rot silently.

Only the generator is run here (and its POST data checked once); nothing is timed."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from guichet.eforms.builder import build_step_form
from guichet.eforms.definition import parse_definition

BENCH_FORMS = Path(__file__).resolve().parent.parent / "bench" / "forms.py"


@pytest.fixture(scope="module")
def bench_forms() -> ModuleType:
    # Loaded from its path under another name: bench/ is not a package, and "forms" is too common a name.
    spec = importlib.util.spec_from_file_location("guichet_bench_forms", BENCH_FORMS)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_definition_parses_without_errors_and_has_100_fields(bench_forms: ModuleType) -> None:
    definition, errors = parse_definition(bench_forms.definition_yaml())
    assert errors == []
    assert definition is not None
    fields = list(definition.fields())
    assert len(fields) == 100
    assert len({field.key for field in fields}) == 100
    assert len(definition.steps) == 10
    assert sum(field.show_if is not None for field in fields) == bench_forms.condition_count() == 15
    types = {field.type for field in fields}
    assert types == {
        "text",
        "long_text",
        "email",
        "phone",
        "number",
        "amount",
        "date",
        "choice",
        "ahv",
        "uid",
        "iban",
        "postal_address",
        "declaration",
    }
    assert {field.widget for field in fields if field.type == "choice"} == {"radio", "select", "checkbox"}


def test_the_valid_post_data_is_valid_and_the_invalid_one_fails_in_every_field(bench_forms: ModuleType) -> None:
    definition, _errors = parse_definition(bench_forms.definition_yaml())
    assert definition is not None
    answers: dict[str, object] = {}
    for step, data in enumerate(bench_forms.post_data(valid=True)):
        form = build_step_form(definition=definition, step_index=step, language="de", answers=answers, data=data)
        assert form.is_valid(), form.errors
        answers.update(form.answers_of_step)
    assert len(answers) == 100
    with_errors = 0
    for step, data in enumerate(bench_forms.post_data(valid=False)):
        form = build_step_form(definition=definition, step_index=step, language="de", answers=answers, data=data)
        assert not form.is_valid()
        with_errors += len(form.errors)
    assert with_errors == 100
