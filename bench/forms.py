"""A 100-field form definition: parse, render, validate, price.

The definition (``definition_yaml``) is generated: 10 steps of 10 fields, every field type of the
definition language except ``file`` (text, long text, email, phone, number with a unit price,
amount, date with ranges, choice as radio/select/checkbox with option prices, AHV, UID, IBAN,
postal address, declaration), 15 ``show_if`` conditions (10 reading an earlier step, 5 reading
the same step, with ``equals``, ``in``, ``not``, ``all`` and ``any``). Measured, each as p50/p95
in ms over ``GUICHET_BENCH_FORMS_ROUNDS`` rounds after a warm-up:

1. ``parse``: ``parse_definition`` of the YAML text (YAML composition plus validation);
2. ``build``: the 10 step forms (``build_step_form``, filled in with valid answers), alone;
3. ``render``: build them and render every field with the real field template
   ``eforms/_field.html`` (label, hint, errors and the widget itself: the template renders
   ``{{ field }}``, so the widget is not rendered a second time), 100 fields;
4. ``validate_valid``: bind the 10 step forms to valid POST data and ``is_valid()``;
5. ``validate_invalid``: the same with an invalid value in every field (100 fields with errors),
   and ``validate_invalid_and_render_errors``: that, plus rendering the fields with their errors;
6. ``fee``: ``calculate_fee`` over all answers (31 priced lines).

No database is used. ``tests/test_bench_forms.py`` keeps the generated definition valid.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import yaml

ROUNDS = int(os.environ.get("GUICHET_BENCH_FORMS_ROUNDS", "60"))
WARMUP = 5
STEPS = 10
FIELDS_PER_STEP = 10
LANGUAGE = "de"

#: field kinds in a cycle of 15; the three choices are 5 apart, so every step of 10 has two
#: of them, the first within its first five fields
KINDS = (
    "text",
    "radio",
    "email",
    "phone",
    "number",
    "amount",
    "select",
    "date",
    "ahv",
    "uid",
    "long_text",
    "checkbox",
    "iban",
    "postal_address",
    "declaration",
)
CHOICE_KINDS = {"radio", "select", "checkbox"}
DATE_RANGES = (("today-120y", "today"), ("today", "today+1y"), ("2000-01-01", "2100-12-31"))

LABELS = {
    "text": ("Name", "Nom", "Nome", "Name"),
    "long_text": ("Begründung", "Motif", "Motivo", "Reason"),
    "email": ("E-Mail", "E-mail", "E-mail", "Email"),
    "phone": ("Telefon", "Téléphone", "Telefono", "Phone"),
    "number": ("Anzahl", "Nombre", "Numero", "Quantity"),
    "amount": ("Betrag", "Montant", "Importo", "Amount"),
    "date": ("Datum", "Date", "Data", "Date"),
    "radio": ("Art", "Type", "Tipo", "Kind"),
    "select": ("Zweck", "Usage", "Scopo", "Purpose"),
    "checkbox": ("Beilagen", "Annexes", "Allegati", "Enclosures"),
    "ahv": ("AHV-Nummer", "Numéro AVS", "Numero AVS", "AHV number"),
    "uid": ("UID", "IDE", "IDI", "UID"),
    "iban": ("IBAN", "IBAN", "IBAN", "IBAN"),
    "postal_address": ("Adresse", "Adresse", "Indirizzo", "Address"),
    "declaration": ("Ich bestätige die Angaben.", "Je confirme.", "Confermo.", "I confirm."),
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _texts(words: tuple[str, ...], suffix: str = "") -> dict[str, str]:
    return {lang: f"{word}{suffix}" for lang, word in zip(("de", "fr", "it", "en"), words, strict=True)}


def _kind(index: int) -> str:
    return KINDS[index % len(KINDS)]


def _key(index: int) -> str:
    return f"f{index:03d}_{_kind(index)}"


def _field(index: int) -> dict[str, Any]:
    kind = _kind(index)
    field: dict[str, Any] = {"key": _key(index)}
    field["type"] = "choice" if kind in CHOICE_KINDS else kind
    field["label"] = _texts(LABELS[kind], f" {index + 1}")
    if index % 3 == 0:
        field["help"] = _texts(("Bitte vollständig angeben", "Indiquez tout", "Indichi tutto", "Give it in full"))
    if kind == "text":
        field.update(min=2, max=80)
    elif kind == "long_text":
        field.update(max=1000)
    elif kind == "number":
        field.update(min=0, max=10)
        if index % 2 == 0:
            field["price"] = 15
    elif kind == "amount":
        field.update(min=0, max=100000)
    elif kind == "date":
        field["min"], field["max"] = DATE_RANGES[index % len(DATE_RANGES)]
    elif kind in CHOICE_KINDS:
        field["widget"] = kind
        field["options"] = [
            {"key": "opt_a", "label": _texts(("Erstens", "Premier", "Primo", "First"))},
            {"key": "opt_b", "label": _texts(("Zweitens", "Deuxième", "Secondo", "Second")), "price": 12.5},
            {"key": "opt_c", "label": _texts(("Drittens", "Troisième", "Terzo", "Third")), "price": 5},
            {"key": "opt_d", "label": _texts(("Anderes", "Autre", "Altro", "Other"))},
        ]
    return field


def _first(kinds: set[str], indexes: range) -> int:
    return next(i for i in indexes if _kind(i) in kinds)


def _conditions() -> dict[int, dict[str, Any]]:
    """``{field index: show_if}``; every condition holds for the valid answers (all 100 fields are
    shown), and a same-step one also holds when its controlling answer is invalid (``not``)."""
    conditions: dict[int, dict[str, Any]] = {}
    for step in range(STEPS):
        start = step * FIELDS_PER_STEP
        own = range(start, start + FIELDS_PER_STEP)
        if step % 2 == 0:  # same step: shown unless the choice above says otherwise
            conditions[start + 8] = {"not": {"field": _key(_first(CHOICE_KINDS, own)), "equals": "opt_a"}}
        if step == 0:
            continue
        previous = range(start - FIELDS_PER_STEP, start)
        choice = _key(_first(CHOICE_KINDS, previous))
        earlier = range(start)
        match step % 4:
            case 0:
                condition: dict[str, Any] = {"field": choice, "equals": "opt_b"}
            case 1:
                condition = {"field": choice, "in": ["opt_b", "opt_c"]}
            case 2:
                declaration = _key(_first({"declaration"}, earlier)) if step >= 2 else choice
                condition = {"any": [{"field": choice, "equals": "opt_d"}, {"field": declaration, "equals": True}]}
            case _:
                number = _key(_first({"number"}, earlier))
                condition = {"all": [{"field": choice, "equals": "opt_b"}, {"field": number, "in": [2, 3]}]}
        conditions[start + 9] = condition
    conditions[57] = {"not": {"any": [{"field": _key(3), "equals": "none"}, {"field": _key(1), "equals": "opt_d"}]}}
    return conditions


def definition_yaml() -> str:
    """The YAML text of the 100-field definition ``bench-hundred-fields``."""
    conditions = _conditions()
    steps = []
    for step in range(STEPS):
        fields = []
        for index in range(step * FIELDS_PER_STEP, (step + 1) * FIELDS_PER_STEP):
            field = _field(index)
            if index in conditions:
                field["show_if"] = conditions[index]
            fields.append(field)
        steps.append({"title": _texts(("Schritt", "Étape", "Passo", "Step"), f" {step + 1}"), "fields": fields})
    definition = {
        "slug": "bench-hundred-fields",
        "version": 1,
        "title": _texts(("Hundert Felder", "Cent champs", "Cento campi", "A hundred fields")),
        "fee": 30,
        "steps": steps,
    }
    header = "# Generated by bench/forms.py: 100 fields in 10 steps, 15 show_if conditions.\n"
    return header + yaml.safe_dump(definition, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)


def condition_count() -> int:
    return len(_conditions())


# --- POST data ----------------------------------------------------------------------------------


def _valid_value(index: int) -> Any:
    import datetime

    from django.utils import timezone

    kind = _kind(index)
    today = timezone.localdate()
    values: dict[str, Any] = {
        "text": "Bea Bench",
        "long_text": "Für den Umzug der Familie in die Stadt brauche ich die Bestätigung bis Ende Monat.",
        "email": "bea@bench.example",
        "phone": "+41 32 627 00 00",
        "number": "2",
        "amount": "CHF 1'250.50",
        "radio": "opt_b",
        "select": "opt_b",
        "checkbox": ["opt_b", "opt_c"],
        "ahv": "756.1234.5678.97",
        "uid": "CHE-123.456.788",
        "iban": "CH93 0076 2011 6238 5295 7",
        "postal_address": ["Marktgasse", "7", "3000", "Bern", "CH"],
        "declaration": "on",
    }
    if kind == "date":
        low = DATE_RANGES[index % len(DATE_RANGES)][0]
        return (today - datetime.timedelta(days=30 * 365) if low.startswith("today-") else today).isoformat()
    return values[kind]


INVALID = {
    "text": "x" * 81,  # too long
    "long_text": "x" * 1001,
    "email": "bea-at-bench",
    "phone": "call me",
    "number": "99",  # above max
    "amount": "12.345",  # three decimals
    "date": "31.02.2020",
    "radio": "opt_z",
    "select": "opt_z",
    "checkbox": ["opt_z"],
    "ahv": "756.1234.5678.90",  # wrong check digit
    "uid": "CHE-123.456.789",
    "iban": "CH00 0076 2011 6238 5295 7",
    "postal_address": ["", "7", "30", "Bern", "CH"],
    "declaration": None,  # not ticked
}


def post_data(*, valid: bool) -> list[Any]:
    """Per step a QueryDict as a browser posts it (address parts as ``key_0`` .. ``key_4``)."""
    from django.http import QueryDict

    result = []
    for step in range(STEPS):
        data = QueryDict(mutable=True)
        for index in range(step * FIELDS_PER_STEP, (step + 1) * FIELDS_PER_STEP):
            kind, key = _kind(index), _key(index)
            value = _valid_value(index) if valid else INVALID[kind]
            if value is None:
                continue
            if kind == "postal_address":
                for part, text in enumerate(value):
                    data[f"{key}_{part}"] = text
            elif isinstance(value, list):
                data.setlist(key, value)
            else:
                data[key] = value
        result.append(data)
    return result


# --- measuring ----------------------------------------------------------------------------------


def timed(function: Callable[[], Any], rounds: int = ROUNDS) -> tuple[list[float], Any]:
    """Milliseconds of each of ``rounds`` calls after ``WARMUP`` calls, sorted; and the last result."""
    result = None
    for _ in range(WARMUP):
        result = function()
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        result = function()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return timings, result


def figures(timings: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(timings), 3),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 3),
        "max_ms": round(timings[-1], 3),
    }


def run() -> Iterator[dict[str, Any]]:
    from django.template.loader import render_to_string
    from django.utils import translation

    from guichet.eforms.builder import build_step_form
    from guichet.eforms.definition import parse_definition
    from guichet.eforms.pricing import calculate_fee
    from guichet.eforms.services import to_json

    source = definition_yaml()
    definition, errors = parse_definition(source)
    if definition is None:
        raise RuntimeError("the generated definition is invalid:\n" + "\n".join(map(str, errors)))
    field_count = sum(1 for _ in definition.fields())
    common = {
        "fields": field_count,
        "steps": len(definition.steps),
        "conditions": sum(field.show_if is not None for field in definition.fields()),
        "yaml_bytes": len(source.encode()),
        "rounds": ROUNDS,
    }
    log(f"forms: {field_count} fields, {common['conditions']} conditions, {common['yaml_bytes']} bytes of YAML")
    translation.activate(LANGUAGE)
    try:
        valid_posts, invalid_posts = post_data(valid=True), post_data(valid=False)

        # The answers as a draft stores them, from one validation pass (and a check that it is valid).
        answers: dict[str, Any] = {}
        for step, data in enumerate(valid_posts):
            form = build_step_form(
                definition=definition, step_index=step, language=LANGUAGE, answers=answers, data=data
            )
            if not form.is_valid():
                raise RuntimeError(f"valid data of step {step + 1} is invalid: {form.errors.as_json()}")
            answers.update({key: to_json(value) for key, value in form.answers_of_step.items()})
        if len(answers) != field_count:
            raise RuntimeError(f"only {len(answers)} of {field_count} fields answered")

        def parse() -> Any:
            return parse_definition(source)

        def build_all() -> list[Any]:
            return [
                build_step_form(definition=definition, step_index=step, language=LANGUAGE, answers=answers)
                for step in range(STEPS)
            ]

        def render(forms: list[Any]) -> int:
            size = 0
            for form in forms:
                for bound_field in form:
                    size += len(render_to_string("eforms/_field.html", {"field": bound_field}))
            return size

        def build_and_render() -> tuple[int, int]:
            forms = build_all()
            return sum(len(form.fields) for form in forms), render(forms)

        def validate(posts: list[Any]) -> list[Any]:
            forms = []
            for step, data in enumerate(posts):
                form = build_step_form(
                    definition=definition, step_index=step, language=LANGUAGE, answers=answers, data=data
                )
                form.is_valid()
                forms.append(form)
            return forms

        def validate_and_render_errors() -> tuple[int, int]:
            forms = validate(invalid_posts)
            return sum(len(form.errors) for form in forms), render(forms)

        timings, (_parsed, parse_errors) = timed(parse)
        yield {"bench": "forms", "what": "parse", **common, "errors": len(parse_errors), **figures(timings)}

        timings, forms = timed(build_all)
        yield {
            "bench": "forms",
            "what": "build",
            **common,
            "built": sum(len(f.fields) for f in forms),
            **figures(timings),
        }

        timings, (rendered, html_bytes) = timed(build_and_render)
        yield {
            "bench": "forms",
            "what": "render",
            **common,
            "rendered": rendered,
            "html_bytes": html_bytes,
            **figures(timings),
        }

        timings, forms = timed(lambda: validate(valid_posts))
        yield {
            "bench": "forms",
            "what": "validate_valid",
            **common,
            "validated": sum(len(form.fields) for form in forms),
            "valid_steps": sum(form.is_valid() for form in forms),
            "fields_with_errors": sum(len(form.errors) for form in forms),
            **figures(timings),
        }

        timings, forms = timed(lambda: validate(invalid_posts))
        yield {
            "bench": "forms",
            "what": "validate_invalid",
            **common,
            "validated": sum(len(form.fields) for form in forms),
            "valid_steps": sum(form.is_valid() for form in forms),
            "fields_with_errors": sum(len(form.errors) for form in forms),
            **figures(timings),
        }

        timings, (with_errors, html_bytes) = timed(validate_and_render_errors)
        yield {
            "bench": "forms",
            "what": "validate_invalid_and_render_errors",
            **common,
            "fields_with_errors": with_errors,
            "html_bytes": html_bytes,
            **figures(timings),
        }

        timings, fee = timed(lambda: calculate_fee(definition, answers), rounds=ROUNDS * 10)
        yield {
            "bench": "forms",
            "what": "fee",
            **common,
            "rounds": ROUNDS * 10,
            "fee_lines": len(fee.lines),
            "fee_chf": str(fee.total),
            **figures(timings),
        }
    finally:
        translation.deactivate()
