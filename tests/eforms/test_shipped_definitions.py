"""The form definitions shipped with the demo, the ``statuses`` block and ``check_form_definition``."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from guichet.catalogue.demo import FORM_DEFINITIONS, SERVICES
from guichet.catalogue.models import Service
from guichet.eforms.builder import build_step_form
from guichet.eforms.definition import (
    DEFAULT_STATUSES,
    DEFINITIONS_DIR,
    FormDefinition,
    demo_definition_paths,
    parse_definition,
)
from guichet.eforms.models import FormVersion
from guichet.eforms.pricing import calculate_fee

LANGUAGES = ("de", "fr", "it", "en")
PATHS = demo_definition_paths()


def shipped() -> dict[str, FormDefinition]:
    definitions = {}
    for path in PATHS:
        definition, errors = parse_definition(path.read_bytes())
        assert errors == [], (path.name, errors)
        assert definition is not None
        definitions[path.stem] = definition
    return definitions


def texts(definition: FormDefinition) -> Iterator[tuple[str, dict[str, str]]]:
    """Every text of a definition with a readable place, for the assertion messages."""
    yield "title", dict(definition.title)
    for status in definition.statuses:
        yield f"statuses.{status.key}", dict(status.label)
    for index, step in enumerate(definition.steps):
        yield f"steps[{index}].title", dict(step.title)
        for fieldset in step.fieldsets:
            if fieldset.title:
                yield f"steps[{index}] fieldset title", dict(fieldset.title)
            for field in fieldset.fields:
                yield f"{field.key}.label", dict(field.label)
                if field.help:
                    yield f"{field.key}.help", dict(field.help)
                for option in field.options:
                    yield f"{field.key}.{option.key}.label", dict(option.label)


# --- The shipped definitions --------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.stem)
def test_every_shipped_file_parses_and_is_named_after_its_slug(path: Path) -> None:
    definition, errors = parse_definition(path.read_bytes())
    assert errors == []
    assert definition is not None
    assert definition.slug == path.stem
    assert path.suffix == ".yaml"


def test_every_demo_service_with_a_form_maps_to_a_shipped_definition() -> None:
    services = {slug: channel for slug, _owner, _categories, channel, _count, _texts in SERVICES}
    available = {path.stem for path in PATHS}
    assert set(FORM_DEFINITIONS) <= set(services), "FORM_DEFINITIONS names a service that does not exist"
    assert set(FORM_DEFINITIONS.values()) <= available
    assert len(FORM_DEFINITIONS) >= 12
    assert len(set(FORM_DEFINITIONS.values())) == len(FORM_DEFINITIONS), "one form per service"
    online = {slug for slug, channel in services.items() if channel == Service.Channel.ONLINE}
    assert online <= set(FORM_DEFINITIONS), "every online service has a form"


def test_every_shipped_definition_is_used_by_a_demo_service() -> None:
    assert {path.stem for path in PATHS} == set(FORM_DEFINITIONS.values())


@pytest.mark.parametrize("slug", [path.stem for path in PATHS])
def test_every_text_has_all_four_languages_and_swiss_german(slug: str) -> None:
    definition = shipped()[slug]
    for where, text in texts(definition):
        missing = [language for language in LANGUAGES if not text.get(language, "").strip()]
        assert not missing, f"{slug}: {where} lacks {missing}"
        assert "ß" not in text["de"], f"{slug}: {where}: Swiss German writes ss"


@pytest.mark.parametrize("slug", [path.stem for path in PATHS])
def test_every_form_ends_with_a_declaration_that_the_answers_are_true(slug: str) -> None:
    definition = shipped()[slug]
    last = list(definition.steps[-1].fields())[-1]
    assert last.type == "declaration"
    assert last.show_if is None
    assert "true" in last.label["en"]


def test_some_definitions_declare_their_own_workflow() -> None:
    own = {slug for slug, definition in shipped().items() if definition.statuses != DEFAULT_STATUSES}
    assert {"building-pre-enquiry", "debt-register-extract"} <= own
    review = shipped()["building-pre-enquiry"].status("technical_review")
    assert review is not None
    assert review.visible is False


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("slug", [path.stem for path in PATHS])
def test_every_step_builds_in_every_language(slug: str, language: str) -> None:
    definition = shipped()[slug]
    for index, step in enumerate(definition.steps):
        form = build_step_form(definition=definition, step_index=index, language=language, answers={})
        assert set(form.fields) <= {field.key for field in step.fields()}
        for key, form_field in form.fields.items():
            field = definition.field(key)
            assert field is not None
            assert form_field.label == field.label[language]


def test_fees_are_those_of_the_real_services() -> None:
    definitions = shipped()
    assert calculate_fee(definitions["debt-register-extract"], {"delivery": "pdf"}).total == Decimal("17.00")
    assert calculate_fee(
        definitions["debt-register-extract"], {"additional_copies": 1, "delivery": "registered"}
    ).total == Decimal("39.30")
    fishing = definitions["fishing-licence"]
    assert [calculate_fee(fishing, {"duration": d}).total for d in ("day", "month", "year")] == [
        Decimal("30.00"),
        Decimal("80.00"),
        Decimal("200.00"),
    ]
    assert calculate_fee(fishing, {"duration": "year", "extras": ["trolling"]}).total == Decimal("250.00")
    assert calculate_fee(definitions["building-pre-enquiry"], {}).total == Decimal("150.00")
    assert calculate_fee(definitions["certificate-of-origin"], {"delivery": "municipality"}).total == Decimal("30.00")
    business = definitions["business-registration"]
    assert calculate_fee(business, {"entry_kind": "new", "legal_form": "gmbh"}).total == Decimal("420.00")
    # the legal form is only asked (and priced) for a new entry
    assert calculate_fee(business, {"entry_kind": "change", "legal_form": "gmbh"}).total == Decimal("120.00")
    assert calculate_fee(definitions["change-of-address"], {}).total == Decimal("0.00")


# --- The statuses block -------------------------------------------------------------------------

WITH_STATUSES = """\
slug: demo
version: 1
title: {de: Demo}
statuses:
  - {key: received, label: {de: Eingegangen}}
  - {key: checking, label: {de: Prüfung}, visible: false}
  - {key: more, label: {de: Angaben benötigt}, asks_citizen: true}
  - {key: done, label: {de: Erledigt}, final: true}
steps:
  - title: {de: Eins}
    fields:
      - {key: truthful, type: declaration, label: {de: Wahr}}
"""


def status_errors(source: str) -> list[tuple[int, str, str]]:
    definition, errors = parse_definition(textwrap.dedent(source))
    assert definition is None
    return [(error.line, error.path, error.message) for error in errors]


def test_a_statuses_block_parses() -> None:
    definition, errors = parse_definition(WITH_STATUSES)
    assert errors == []
    assert definition is not None
    assert [status.key for status in definition.statuses] == ["received", "checking", "more", "done"]
    assert definition.initial_status.key == "received"
    assert definition.asks_citizen_status is not None
    assert definition.asks_citizen_status.key == "more"
    checking = definition.status("checking")
    assert checking is not None
    assert (checking.visible, checking.final) == (False, False)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "key: checking",
            "key: received",
            (6, "statuses[1].key", "duplicate status 'received'"),
            id="duplicate-key",
        ),
        pytest.param(
            "{key: received, label: {de: Eingegangen}}",
            "{key: received, label: {de: Eingegangen}, visible: false}",
            (5, "statuses[0]", "the first status (of a new case) must be visible and not final"),
            id="first-not-visible",
        ),
        pytest.param(
            ", final: true}",
            "}",
            (5, "statuses", "at least one status must be final (final: true)"),
            id="no-final-status",
        ),
        pytest.param(
            "visible: false",
            "asks_citizen: true",
            (5, "statuses", "at most one status may ask the citizen (asks_citizen: true)"),
            id="two-asks-citizen",
        ),
        pytest.param(
            "visible: false",
            "hidden: true",
            (6, "statuses[1].hidden", "unknown key 'hidden' (allowed: asks_citizen, final, key, label, visible)"),
            id="unknown-key",
        ),
    ],
)
def test_statuses_errors_give_line_and_path(old: str, new: str, expected: tuple[int, str, str]) -> None:
    assert WITH_STATUSES.count(old) == 1
    assert status_errors(WITH_STATUSES.replace(old, new)) == [expected]


# --- manage.py check_form_definition ------------------------------------------------------------


def run_check(*paths: Path) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("check_form_definition", *[str(path) for path in paths], stdout=out, no_color=True)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


@pytest.mark.django_db
def test_check_command_accepts_every_shipped_definition() -> None:
    out, error = run_check(DEFINITIONS_DIR)
    assert error is None
    lines = out.splitlines()
    assert len(lines) == len(PATHS)
    assert all(": ok: " in line for line in lines)
    out, error = run_check(DEFINITIONS_DIR / "debt-register-extract.yaml")
    assert error is None
    [line] = out.splitlines()
    assert "debt-register-extract version 1: 4 steps" in line
    assert "base fee CHF 17.00, 5 statuses" in line


@pytest.mark.django_db
def test_check_command_prints_file_line_path_message_and_fails(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text(WITH_STATUSES.replace("key: checking", "key: received").replace("type: declaration", "type: yes"))
    out, error = run_check(path)
    assert error is not None
    assert error.returncode == 1
    assert str(error) == "2 errors in 1 of 1 file"
    assert out.splitlines() == [
        f"{path}:6: statuses[1].key: duplicate status 'received'",
        f"{path}:12: steps[0].fields[0].type: unknown field type (one of: text, long_text, email, phone, number, "
        "amount, date, choice, file, ahv, uid, iban, postal_address, declaration)",
    ]


@pytest.mark.django_db
def test_check_command_wants_the_file_named_after_the_slug(tmp_path: Path) -> None:
    path = tmp_path / "other-name.yaml"
    path.write_text(WITH_STATUSES)
    out, error = run_check(path)
    assert error is not None
    assert out.splitlines() == [
        f"{path}:1: slug: the file must be named after the slug: demo.yaml (not other-name.yaml)"
    ]


@pytest.mark.django_db
def test_check_command_refuses_a_changed_form_under_a_published_version(tmp_path: Path) -> None:
    shipped_source = (DEFINITIONS_DIR / "fishing-licence.yaml").read_text(encoding="utf-8")
    changed = tmp_path / "fishing-licence.yaml"
    changed.write_text(shipped_source.replace("price: 200", "price: 210"), encoding="utf-8")
    out, error = run_check(changed)
    assert error is not None
    [line] = out.splitlines()
    assert line.startswith(f"{changed}:4: version: version 1 of 'fishing-licence' differs from the shipped file")
    # with a new version number the change is fine
    changed.write_text(
        shipped_source.replace("price: 200", "price: 210").replace("version: 1", "version: 2"), encoding="utf-8"
    )
    out, error = run_check(changed)
    assert error is None, out


@pytest.mark.django_db
def test_check_command_compares_with_the_submitted_versions(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text(WITH_STATUSES)
    FormVersion.objects.create(slug="demo", version=1, digest="0" * 64, source="slug: demo\n")
    out, error = run_check(path)
    assert error is not None
    assert out.splitlines() == [
        f"{path}:2: version: version 1 of 'demo' differs from the version already submitted: "
        "a changed form needs a new version number"
    ]


@pytest.mark.django_db
def test_check_command_reports_an_unreadable_file(tmp_path: Path) -> None:
    out, error = run_check(tmp_path / "missing.yaml")
    assert error is not None
    assert out.startswith(f"{tmp_path / 'missing.yaml'}:0: (form): cannot read the file")


# --- docs/forms.md ------------------------------------------------------------------------------


def test_the_complete_example_of_the_documentation_is_valid() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "forms.md").read_text(encoding="utf-8")
    source = guide.split("```yaml\n", 1)[1].split("\n```", 1)[0]
    definition, errors = parse_definition(source)
    assert errors == []
    assert definition is not None
    assert {field.type for field in definition.fields()} == {
        "text",
        "long_text",
        "email",
        "phone",
        "number",
        "amount",
        "date",
        "choice",
        "file",
        "ahv",
        "uid",
        "iban",
        "postal_address",
        "declaration",
    }
    assert {field.widget for field in definition.fields() if field.type == "choice"} == {"radio", "select", "checkbox"}
    assert any(step.fieldsets[0].title for step in definition.steps)
    assert definition.statuses != DEFAULT_STATUSES
    for language in LANGUAGES:
        for index in range(len(definition.steps)):
            build_step_form(definition=definition, step_index=index, language=language, answers={})
    # the worked fee example of the guide
    answers = {"event_kind": "street_party", "stands": 4, "equipment": ["power"]}
    assert calculate_fee(definition, answers).total == Decimal("230.00")
