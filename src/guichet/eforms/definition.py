"""The form definition language: YAML, validated on load into frozen dataclasses.

A complete small example::

    slug: dog-registration          # lowercase letters, digits and dashes
    version: 3                      # an integer >= 1; a submission records the version it answered
    title: {de: Hund anmelden, fr: Enregistrer un chien}
    fee: 0                          # optional base fee in CHF
    steps:
      - title: {de: Hunde}
        fields:                     # a step holds either ``fields`` (one fieldset) or ``fieldsets``
          - key: dog_count          # lowercase letters, digits and _; unique in the whole form
            type: number
            label: {de: Anzahl Hunde, fr: Nombre de chiens}
            help: {de: Alle Hunde im Haushalt}
            min: 1
            max: 5
            price: 120              # CHF per unit (number fields) ...
          - key: breed_list
            type: choice
            widget: radio           # radio | select | checkbox (checkbox: several may be ticked)
            label: {de: Rasseliste}
            options:
              - {key: none, label: {de: Keine}}
              - {key: listed, label: {de: Gelistet}, price: 50}   # ... or per option
          - key: permit
            type: file
            label: {de: Bewilligung}
            accept: [pdf, jpg, png]
            max_size_mb: 5
            show_if: {field: breed_list, equals: listed}
      - title: {de: Bestätigung}
        fieldsets:
          - title: {de: Erklärung}  # optional
            fields:
              - {key: truthful, type: declaration, label: {de: Ich bestätige die Angaben.}}

Optionally, ``statuses`` lists the workflow of the cases this form opens (otherwise
``DEFAULT_STATUSES``: received, in progress, information needed, decided, closed)::

    statuses:
      - {key: received, label: {de: Eingegangen}}              # the first: status of a new case
      - {key: register_check, label: {de: Registerabfrage}, visible: false}   # staff only
      - {key: information_needed, label: {de: Angaben benötigt}, asks_citizen: true}
      - {key: decided, label: {de: Entschieden}}
      - {key: closed, label: {de: Abgeschlossen}, final: true}

Every text (``title``, ``label``, ``help``) is a mapping ``{language: text}`` over the portal's
languages; German is required and is the fallback (the catalogue's convention, ``pick``).
``required`` defaults to ``true``. Per type, besides ``key``, ``type``, ``label``, ``help``,
``required`` and ``show_if`` (see ``conditions``):

- ``text``, ``long_text``: ``min``/``max`` length;
- ``number`` (whole numbers): ``min``, ``max``, ``price`` per unit;
- ``amount`` (CHF, 2 decimals): ``min``, ``max``;
- ``date``: ``min``, ``max`` as ``2025-01-31``, ``today``, ``today+30d``, ``today-18y`` (``d``, ``m``, ``y``);
- ``choice``: ``widget``, ``options`` (``key``, ``label``, optional ``price``);
- ``file``: ``accept`` (file types), ``max_size_mb``;
- ``email``, ``phone``, ``ahv``, ``uid``, ``iban``, ``postal_address``: nothing more;
- ``declaration``: always required.

``parse_definition(text)`` never raises: it returns ``(definition, [])`` or ``(None, errors)``, each
error a ``DefinitionError(line, path, message)`` with a 1-based line and a path such as
``steps[1].fields[2].type`` (0-based indexes).
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from guichet.catalogue.models import FALLBACK_LANGUAGE, language_codes, pick
from guichet.eforms.conditions import All, AnyOf, Condition, Equals, In, Not, Scalar

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
MAX_SOURCE_CHARS = 200_000
MAX_CONDITION_DEPTH = 6
MAX_PRICE = Decimal("100000")
MAX_FILE_SIZE_MB = Decimal("50")

_COMMON_KEYS = frozenset({"key", "type", "label", "help", "required", "show_if"})
#: The extra keys each field type accepts.
TYPE_KEYS: dict[str, frozenset[str]] = {
    "text": frozenset({"min", "max"}),
    "long_text": frozenset({"min", "max"}),
    "email": frozenset(),
    "phone": frozenset(),
    "number": frozenset({"min", "max", "price"}),
    "amount": frozenset({"min", "max"}),
    "date": frozenset({"min", "max"}),
    "choice": frozenset({"widget", "options"}),
    "file": frozenset({"accept", "max_size_mb"}),
    "ahv": frozenset(),
    "uid": frozenset(),
    "iban": frozenset(),
    "postal_address": frozenset(),
    "declaration": frozenset(),
}
_ALL_TYPE_KEYS = frozenset().union(*TYPE_KEYS.values())
WIDGETS = ("radio", "select", "checkbox")
FILE_TYPES = frozenset({"pdf", "jpg", "jpeg", "png", "heic", "tif", "tiff", "txt", "csv", "docx", "xlsx", "odt", "ods"})

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_DATE_EXPR_RE = re.compile(r"^today(?:([+-])(\d{1,4})([dmy]))?$")
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Text = Mapping[str, str]


@dataclass(frozen=True)
class DefinitionError:
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.path or '(form)'}: {self.message}"


class InvalidDefinition(ValueError):
    """Raised by ``load_definition_file`` (not by the parser) for a definition with errors."""

    def __init__(self, errors: list[DefinitionError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


@dataclass(frozen=True)
class Option:
    key: str
    label: Text
    price: Decimal | None = None

    def label_text(self, language: str | None = None) -> str:
        return pick(dict(self.label), language)


@dataclass(frozen=True)
class Field:
    key: str
    type: str
    label: Text
    help: Text
    required: bool = True
    show_if: Condition | None = None
    minimum: Decimal | None = None  # length (text), value (number, amount)
    maximum: Decimal | None = None
    min_date: str | None = None  # a date expression, resolved when the form is built
    max_date: str | None = None
    price: Decimal | None = None  # per unit, number fields
    widget: str = ""
    options: tuple[Option, ...] = ()
    accept: tuple[str, ...] = ()
    max_size_mb: Decimal | None = None
    line: int = 0

    def label_text(self, language: str | None = None) -> str:
        return pick(dict(self.label), language)

    def help_text(self, language: str | None = None) -> str:
        return pick(dict(self.help), language)

    @property
    def multiple(self) -> bool:
        return self.type == "choice" and self.widget == "checkbox"

    def option(self, key: str) -> Option | None:
        return next((option for option in self.options if option.key == key), None)


@dataclass(frozen=True)
class Fieldset:
    title: Text
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Step:
    title: Text
    fieldsets: tuple[Fieldset, ...]

    def fields(self) -> Iterator[Field]:
        for fieldset in self.fieldsets:
            yield from fieldset.fields


@dataclass(frozen=True)
class CaseStatus:
    """A status a case of this form can have. ``visible``: the citizen sees it on the timeline
    and is told by email (P27); ``final``: the case is closed; ``asks_citizen``: the status
    set when the authority asks the citizen for information (the citizen may then answer)."""

    key: str
    label: Text
    visible: bool = True
    final: bool = False
    asks_citizen: bool = False

    def label_text(self, language: str | None = None) -> str:
        return pick(dict(self.label), language)


#: The workflow of a form that declares no ``statuses``.
DEFAULT_STATUSES: tuple[CaseStatus, ...] = (
    CaseStatus("received", {"de": "Eingegangen", "fr": "Reçue", "it": "Ricevuta", "en": "Received"}),
    CaseStatus(
        "in_progress", {"de": "In Bearbeitung", "fr": "En traitement", "it": "In elaborazione", "en": "In progress"}
    ),
    CaseStatus(
        "information_needed",
        {
            "de": "Angaben benötigt",
            "fr": "Informations requises",
            "it": "Informazioni necessarie",
            "en": "Information needed",
        },
        asks_citizen=True,
    ),
    CaseStatus("decided", {"de": "Entschieden", "fr": "Décidée", "it": "Decisa", "en": "Decided"}),
    CaseStatus("closed", {"de": "Abgeschlossen", "fr": "Clôturée", "it": "Chiusa", "en": "Closed"}, final=True),
)


@dataclass(frozen=True)
class FormDefinition:
    slug: str
    version: int
    title: Text
    steps: tuple[Step, ...]
    fee: Decimal = Decimal("0")
    statuses: tuple[CaseStatus, ...] = DEFAULT_STATUSES
    #: SHA-256 of the source text: the same slug and version must always mean the same form
    digest: str = ""

    @property
    def initial_status(self) -> CaseStatus:
        return self.statuses[0]

    def status(self, key: str) -> CaseStatus | None:
        return next((status for status in self.statuses if status.key == key), None)

    @property
    def asks_citizen_status(self) -> CaseStatus | None:
        return next((status for status in self.statuses if status.asks_citizen), None)

    def fields(self) -> Iterator[Field]:
        for step in self.steps:
            yield from step.fields()

    def field(self, key: str) -> Field | None:
        return next((field for field in self.fields() if field.key == key), None)

    def title_text(self, language: str | None = None) -> str:
        return pick(dict(self.title), language)


# --- Dates ------------------------------------------------------------------------------------


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    year = min(max(year, 1), 9999)
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month + 1, day=min(day.day, candidate))
        except ValueError:
            continue
    return day  # pragma: no cover - day 28 always exists


def resolve_date(expression: str, today: datetime.date) -> datetime.date | None:
    """``today``, ``today+30d``, ``today-18y``, ``today+6m`` or ``YYYY-MM-DD``; ``None`` if invalid."""
    expression = expression.strip()
    if _ISO_DATE_RE.match(expression):
        try:
            return datetime.date.fromisoformat(expression)
        except ValueError:
            return None
    match = _DATE_EXPR_RE.match(expression)
    if match is None:
        return None
    sign, amount, unit = match.groups()
    if sign is None:
        return today
    count = int(amount) * (1 if sign == "+" else -1)
    try:
        if unit == "d":
            return today + datetime.timedelta(days=count)
        return _add_months(today, count * (12 if unit == "y" else 1))
    except OverflowError:
        return None


# --- The parser -------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """Composes the node tree and notes where aliases are used (they are refused)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_lines: list[int] = []

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.alias_lines.append(self.peek_event().start_mark.line + 1)
        return super().compose_node(parent, index)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


@dataclass
class _Reference:
    key: str
    values: tuple[Scalar, ...]
    line: int
    path: str
    position: int


class _Parser:
    def __init__(self, loader: _Loader, *, digest: str = "") -> None:
        self.loader = loader
        self.digest = digest
        self.errors: list[DefinitionError] = []
        self.positions: dict[str, int] = {}
        self.fields_by_key: dict[str, Field] = {}
        self.references: list[_Reference] = []
        self.field_count = 0
        self.languages = set(language_codes())

    def error(self, node: Node, path: str, message: str) -> None:
        self.errors.append(DefinitionError(_line(node), path, message))

    # -- shapes --

    def mapping(
        self, node: Node, path: str, *, required: set[str], allowed: frozenset[str] | set[str]
    ) -> dict[str, tuple[Node, Node]] | None:
        """``{key: (key node, value node)}``, after reporting unknown, duplicate and missing keys."""
        if not isinstance(node, MappingNode):
            self.error(node, path, "must be a mapping (key: value lines)")
            return None
        result: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or not isinstance(self.scalar(key_node), str):
                self.error(key_node, path, "keys must be plain words")
                continue
            key = str(key_node.value)
            if key in result:
                self.error(key_node, _join(path, key), f"duplicate key '{key}'")
                continue
            if key not in allowed:
                self.error(key_node, _join(path, key), f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")
                continue
            result[key] = (key_node, value_node)
        for key in sorted(required - set(result)):
            self.error(node, path, f"missing key '{key}'")
        return result

    def sequence(self, node: Node, path: str, *, non_empty: bool = True) -> list[Node]:
        if not isinstance(node, SequenceNode):
            self.error(node, path, "must be a list (lines starting with '-')")
            return []
        if non_empty and not node.value:
            self.error(node, path, "must not be empty")
        return list(node.value)

    def scalar(self, node: Node) -> Any:
        """The YAML value of a scalar node; ``_BAD`` for a non-scalar or an impossible value."""
        if not isinstance(node, ScalarNode):
            return _BAD
        try:
            return self.loader.construct_object(node, deep=True)
        except Exception:  # e.g. a timestamp like 2025-13-45
            return _BAD

    def text(self, node: Node, path: str) -> Any:
        value = self.scalar(node)
        if not isinstance(value, str) or not value.strip():
            self.error(node, path, "must be a non-empty text")
            return None
        return value.strip()

    def boolean(self, node: Node, path: str) -> bool | None:
        value = self.scalar(node)
        if not isinstance(value, bool):
            self.error(node, path, "must be true or false")
            return None
        return value

    def number(self, node: Node, path: str, *, places: int | None, minimum: Decimal | None = None) -> Decimal | None:
        value = self.scalar(node)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(node, path, "must be a number")
            return None
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            number = Decimal("NaN")
        if not number.is_finite() or abs(number) > Decimal("1e12"):
            self.error(node, path, "must be a finite number below 1000000000000")
            return None
        if places is not None and -int(number.as_tuple().exponent) > places:
            self.error(node, path, "must be a whole number" if places == 0 else f"must have at most {places} decimals")
            return None
        if minimum is not None and number < minimum:
            self.error(node, path, f"must be at least {minimum}")
            return None
        return number

    def translated(self, node: Node, path: str) -> dict[str, str] | None:
        if isinstance(node, ScalarNode):
            self.error(node, path, f"must be a mapping of languages, for example {{{FALLBACK_LANGUAGE}: ...}}")
            return None
        items = self.mapping(node, path, required=set(), allowed=frozenset(self.languages))
        if items is None:
            return None
        texts: dict[str, str] = {}
        for language, (_key, value_node) in items.items():
            text = self.text(value_node, _join(path, language))
            if text is not None:
                texts[language] = text
        if FALLBACK_LANGUAGE not in items:
            self.error(node, path, f"the German text ('{FALLBACK_LANGUAGE}') is missing")
            return None
        return texts if FALLBACK_LANGUAGE in texts else None

    def price(self, node: Node, path: str) -> Decimal | None:
        price = self.number(node, path, places=2, minimum=Decimal("0"))
        if price is not None and price > MAX_PRICE:
            self.error(node, path, f"must be at most {MAX_PRICE} CHF")
            return None
        return price

    # -- the form --

    def form(self, node: Node) -> FormDefinition | None:
        items = self.mapping(
            node,
            "",
            required={"slug", "version", "title", "steps"},
            allowed=frozenset({"slug", "version", "title", "fee", "steps", "statuses"}),
        )
        if items is None:
            return None
        slug = version = title = None
        statuses: tuple[CaseStatus, ...] | None = DEFAULT_STATUSES
        fee: Decimal | None = Decimal("0")
        steps: list[Step] = []
        if "slug" in items:
            value_node = items["slug"][1]
            slug = self.text(value_node, "slug")
            if slug is not None and (not _SLUG_RE.match(slug) or len(slug) > 100):
                self.error(value_node, "slug", "must be lowercase letters, digits and dashes (at most 100)")
                slug = None
        if "version" in items:
            value_node = items["version"][1]
            number = self.number(value_node, "version", places=0, minimum=Decimal("1"))
            version = int(number) if number is not None else None
        if "title" in items:
            title = self.translated(items["title"][1], "title")
        if "fee" in items:
            fee = self.price(items["fee"][1], "fee")
        if "steps" in items:
            for index, step_node in enumerate(self.sequence(items["steps"][1], "steps")):
                step = self.step(step_node, f"steps[{index}]")
                if step is not None:
                    steps.append(step)
        if "statuses" in items:
            statuses = self.statuses(items["statuses"][1], "statuses")
        self.check_references()
        if self.errors or slug is None or version is None or title is None or fee is None or statuses is None:
            return None
        return FormDefinition(
            slug=slug, version=version, title=title, steps=tuple(steps), fee=fee, statuses=statuses, digest=self.digest
        )

    def statuses(self, node: Node, path: str) -> tuple[CaseStatus, ...] | None:
        result: list[CaseStatus] = []
        seen: set[str] = set()
        for index, status_node in enumerate(self.sequence(node, path)):
            item_path = f"{path}[{index}]"
            items = self.mapping(
                status_node,
                item_path,
                required={"key", "label"},
                allowed=frozenset({"key", "label", "visible", "final", "asks_citizen"}),
            )
            if items is None or "key" not in items or "label" not in items:
                continue
            key_node = items["key"][1]
            key = self.text(key_node, _join(item_path, "key"))
            if key is not None and not _KEY_RE.match(key):
                self.error(key_node, _join(item_path, "key"), "must start with a letter: lowercase letters, digits, _")
                key = None
            elif key is not None and key in seen:
                self.error(key_node, _join(item_path, "key"), f"duplicate status '{key}'")
                key = None
            label = self.translated(items["label"][1], _join(item_path, "label"))
            flags: dict[str, bool] = {}
            for flag in ("visible", "final", "asks_citizen"):
                if flag in items:
                    value = self.boolean(items[flag][1], _join(item_path, flag))
                    if value is not None:
                        flags[flag] = value
            if key is None or label is None:
                continue
            seen.add(key)
            result.append(CaseStatus(key=key, label=label, **flags))
        if not result:
            return None
        if not result[0].visible or result[0].final:
            self.error(node, f"{path}[0]", "the first status (of a new case) must be visible and not final")
        if not any(status.final for status in result):
            self.error(node, path, "at least one status must be final (final: true)")
        if sum(status.asks_citizen for status in result) > 1:
            self.error(node, path, "at most one status may ask the citizen (asks_citizen: true)")
        if any(status.asks_citizen and (status.final or not status.visible) for status in result):
            self.error(node, path, "the status that asks the citizen must be visible and not final")
        return tuple(result)

    def step(self, node: Node, path: str) -> Step | None:
        items = self.mapping(node, path, required={"title"}, allowed=frozenset({"title", "fields", "fieldsets"}))
        if items is None:
            return None
        title = self.translated(items["title"][1], _join(path, "title")) if "title" in items else None
        fieldsets: list[Fieldset] = []
        if ("fields" in items) == ("fieldsets" in items):
            self.error(node, path, "a step needs either 'fields' or 'fieldsets' (not both)")
        elif "fields" in items:
            fields = self.fields(items["fields"][1], _join(path, "fields"))
            fieldsets.append(Fieldset(title={}, fields=fields))
        else:
            sets_path = _join(path, "fieldsets")
            for index, set_node in enumerate(self.sequence(items["fieldsets"][1], sets_path)):
                fieldset = self.fieldset(set_node, f"{sets_path}[{index}]")
                if fieldset is not None:
                    fieldsets.append(fieldset)
        return Step(title=title, fieldsets=tuple(fieldsets)) if title is not None else None

    def fieldset(self, node: Node, path: str) -> Fieldset | None:
        items = self.mapping(node, path, required={"fields"}, allowed=frozenset({"title", "fields"}))
        if items is None:
            return None
        title = self.translated(items["title"][1], _join(path, "title")) if "title" in items else {}
        fields = self.fields(items["fields"][1], _join(path, "fields")) if "fields" in items else ()
        return Fieldset(title=title or {}, fields=fields)

    def fields(self, node: Node, path: str) -> tuple[Field, ...]:
        fields = []
        for index, field_node in enumerate(self.sequence(node, path)):
            field = self.field(field_node, f"{path}[{index}]")
            if field is not None:
                fields.append(field)
        return tuple(fields)

    def field(self, node: Node, path: str) -> Field | None:
        position = self.field_count
        self.field_count += 1
        # The field type decides which keys are allowed: read it first.
        field_type = None
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode) and key_node.value == "type":
                    value = self.scalar(value_node)
                    if isinstance(value, str) and value in TYPE_KEYS:
                        field_type = value
                    else:
                        self.error(
                            value_node, _join(path, "type"), f"unknown field type (one of: {', '.join(TYPE_KEYS)})"
                        )
                        field_type = ""
                    break
        allowed = _COMMON_KEYS | (TYPE_KEYS[field_type] if field_type else _ALL_TYPE_KEYS)
        items = self.mapping(node, path, required={"key", "type", "label"}, allowed=allowed)
        if items is None or not field_type:
            return None
        ok = True
        attrs: dict[str, Any] = {"type": field_type, "help": {}}

        key = self.text(items["key"][1], _join(path, "key")) if "key" in items else None
        if key is not None:
            key_node = items["key"][1]
            if not _KEY_RE.match(key) or len(key) > 50:
                self.error(key_node, _join(path, "key"), "must be lowercase letters, digits and _ (at most 50)")
                key = None
            elif key in self.positions:
                self.error(key_node, _join(path, "key"), f"duplicate field key '{key}'")
                key = None
        if key is None:
            ok = False
        else:
            self.positions[key] = position
            attrs["key"] = key

        for name in ("label", "help"):
            if name in items:
                texts = self.translated(items[name][1], _join(path, name))
                ok = ok and texts is not None
                attrs[name] = texts or {}
        if "required" in items:
            required = self.boolean(items["required"][1], _join(path, "required"))
            if required is False and field_type == "declaration":
                self.error(items["required"][1], _join(path, "required"), "a declaration is always required")
                required = None
            ok = ok and required is not None
            attrs["required"] = bool(required)
        if "show_if" in items:
            condition = self.condition(items["show_if"][1], _join(path, "show_if"), position, depth=0)
            ok = ok and condition is not None
            attrs["show_if"] = condition

        if field_type == "date":
            for name, attr in (("min", "min_date"), ("max", "max_date")):
                if name in items:
                    value_node = items[name][1]
                    raw = value_node.value if isinstance(value_node, ScalarNode) else None
                    if not isinstance(raw, str) or resolve_date(raw, datetime.date(2000, 1, 1)) is None:
                        self.error(
                            value_node, _join(path, name), "must be a date (2025-01-31) or today, today+30d, today-18y"
                        )
                        ok = False
                    else:
                        attrs[attr] = raw.strip()
        elif field_type in {"text", "long_text", "number", "amount"}:
            places = 2 if field_type == "amount" else 0
            minimum = Decimal("0") if field_type in {"text", "long_text"} else None
            for name, attr in (("min", "minimum"), ("max", "maximum")):
                if name in items:
                    number = self.number(items[name][1], _join(path, name), places=places, minimum=minimum)
                    ok = ok and number is not None
                    attrs[attr] = number
            low, high = attrs.get("minimum"), attrs.get("maximum")
            if low is not None and high is not None and low > high:
                self.error(items["max"][1], _join(path, "max"), "must not be smaller than min")
                ok = False
        if "price" in items:
            attrs["price"] = self.price(items["price"][1], _join(path, "price"))
            ok = ok and attrs["price"] is not None

        if field_type == "choice":
            ok = self.choice(items, node, path, attrs) and ok
        if field_type == "file":
            ok = self.file(items, path, attrs) and ok

        if not ok:
            return None
        field = Field(line=_line(node), **attrs)
        self.fields_by_key[field.key] = field
        return field

    def choice(self, items: dict[str, tuple[Node, Node]], node: Node, path: str, attrs: dict[str, Any]) -> bool:
        ok = True
        attrs["widget"] = "radio"
        if "widget" in items:
            value_node = items["widget"][1]
            widget = self.scalar(value_node)
            if widget not in WIDGETS:
                self.error(value_node, _join(path, "widget"), f"must be one of: {', '.join(WIDGETS)}")
                ok = False
            else:
                attrs["widget"] = widget
        if "options" not in items:
            self.error(node, path, "a choice needs 'options'")
            return False
        options: list[Option] = []
        options_path = _join(path, "options")
        seen: set[str] = set()
        for index, option_node in enumerate(self.sequence(items["options"][1], options_path)):
            option_path = f"{options_path}[{index}]"
            option_items = self.mapping(
                option_node, option_path, required={"key", "label"}, allowed=frozenset({"key", "label", "price"})
            )
            if option_items is None:
                ok = False
                continue
            key = self.text(option_items["key"][1], _join(option_path, "key")) if "key" in option_items else None
            if key is not None and (not _KEY_RE.match(key) or len(key) > 50):
                self.error(option_items["key"][1], _join(option_path, "key"), "must be lowercase letters, digits and _")
                key = None
            elif key is not None and key in seen:
                self.error(option_items["key"][1], _join(option_path, "key"), f"duplicate option key '{key}'")
                key = None
            label = (
                self.translated(option_items["label"][1], _join(option_path, "label"))
                if "label" in option_items
                else None
            )
            price = None
            if "price" in option_items:
                price = self.price(option_items["price"][1], _join(option_path, "price"))
                if price is None:
                    ok = False
            if key is None or label is None:
                ok = False
                continue
            seen.add(key)
            options.append(Option(key=key, label=label, price=price))
        attrs["options"] = tuple(options)
        return ok and bool(options)

    def file(self, items: dict[str, tuple[Node, Node]], path: str, attrs: dict[str, Any]) -> bool:
        ok = True
        if "accept" in items:
            accept: list[str] = []
            accept_path = _join(path, "accept")
            for index, type_node in enumerate(self.sequence(items["accept"][1], accept_path)):
                value = self.scalar(type_node)
                if not isinstance(value, str) or value.lower().lstrip(".") not in FILE_TYPES:
                    self.error(
                        type_node,
                        f"{accept_path}[{index}]",
                        f"unknown file type (one of: {', '.join(sorted(FILE_TYPES))})",
                    )
                    ok = False
                else:
                    accept.append(value.lower().lstrip("."))
            attrs["accept"] = tuple(dict.fromkeys(accept))
        else:
            attrs["accept"] = ("pdf", "jpg", "jpeg", "png")
        size = Decimal("10")
        if "max_size_mb" in items:
            value_node = items["max_size_mb"][1]
            number = self.number(value_node, _join(path, "max_size_mb"), places=1, minimum=Decimal("0.1"))
            if number is not None and number > MAX_FILE_SIZE_MB:
                self.error(value_node, _join(path, "max_size_mb"), f"must be at most {MAX_FILE_SIZE_MB}")
                number = None
            ok = ok and number is not None
            size = number or size
        attrs["max_size_mb"] = size
        return ok

    # -- conditions --

    def condition(self, node: Node, path: str, position: int, *, depth: int) -> Condition | None:
        if depth >= MAX_CONDITION_DEPTH:
            self.error(node, path, f"conditions may be nested at most {MAX_CONDITION_DEPTH} deep")
            return None
        if not isinstance(node, MappingNode):
            self.error(
                node, path, "must be a condition: {field: ..., equals: ...}, {field: ..., in: [...]}, not, all or any"
            )
            return None
        present = {key.value for key, _value in node.value if isinstance(key, ScalarNode)}
        if "field" in present:
            operator = "equals" if "equals" in present else "in"
            items = self.mapping(node, path, required={"field", operator}, allowed=frozenset({"field", operator}))
        else:
            operators = present & {"not", "all", "any"}
            if len(operators) != 1:
                self.error(node, path, "must have 'field' with 'equals' or 'in', or exactly one of: not, all, any")
                return None
            operator = operators.pop()
            items = self.mapping(node, path, required={operator}, allowed=frozenset({operator}))
        if items is None or operator not in items:
            return None
        value_node = items[operator][1]
        value_path = _join(path, operator)
        if operator == "not":
            inner = self.condition(value_node, value_path, position, depth=depth + 1)
            return Not(inner) if inner is not None else None
        if operator in {"all", "any"}:
            conditions = [
                self.condition(child, f"{value_path}[{index}]", position, depth=depth + 1)
                for index, child in enumerate(self.sequence(value_node, value_path))
            ]
            if not conditions or any(condition is None for condition in conditions):
                return None
            inner_conditions = tuple(c for c in conditions if c is not None)
            return All(inner_conditions) if operator == "all" else AnyOf(inner_conditions)
        if "field" not in items:
            return None
        key = self.text(items["field"][1], _join(path, "field"))
        values: list[Scalar] = []
        value_nodes = [value_node] if operator == "equals" else self.sequence(value_node, value_path)
        for index, item in enumerate(value_nodes):
            value = self.scalar(item)
            if value is _BAD or value is None or not isinstance(value, str | int | bool | float):
                item_path = value_path if operator == "equals" else f"{value_path}[{index}]"
                self.error(item, item_path, "must be a text, a number, true or false")
                return None
            values.append(Decimal(str(value)) if isinstance(value, float) else value)
        if key is None or not values:
            return None
        self.references.append(_Reference(key, tuple(values), _line(items["field"][1]), _join(path, "field"), position))
        return Equals(key, values[0]) if operator == "equals" else In(key, tuple(values))

    def check_references(self) -> None:
        for ref in self.references:
            where = self.positions.get(ref.key)
            if where is None:
                self.errors.append(DefinitionError(ref.line, ref.path, f"unknown field '{ref.key}'"))
            elif where >= ref.position:
                message = (
                    "a condition cannot refer to its own field"
                    if where == ref.position
                    else f"field '{ref.key}' comes later: a condition may only use fields defined before it"
                )
                self.errors.append(DefinitionError(ref.line, ref.path, message))
            elif (target := self.fields_by_key.get(ref.key)) is not None and target.type == "choice":
                known = {option.key for option in target.options}
                for value in ref.values:
                    if str(value) not in known:
                        self.errors.append(
                            DefinitionError(ref.line, ref.path, f"'{value}' is not an option of field '{ref.key}'")
                        )


_BAD = object()


def parse_definition(source: str | bytes) -> tuple[FormDefinition | None, list[DefinitionError]]:
    """Parse and validate a definition. Never raises: ``(definition, [])`` or ``(None, errors)``."""
    try:
        return _parse(source)
    except Exception as exc:  # a last resort: the checks above should catch every problem first
        return None, [DefinitionError(0, "", f"the definition could not be read ({type(exc).__name__})")]


def _parse(source: str | bytes) -> tuple[FormDefinition | None, list[DefinitionError]]:
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, [DefinitionError(1, "", f"the file is not UTF-8 text (byte {exc.start})")]
    if len(source) > MAX_SOURCE_CHARS:
        return None, [DefinitionError(1, "", f"the definition is longer than {MAX_SOURCE_CHARS} characters")]
    loader = _Loader(source)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        return None, [DefinitionError(line, "", f"not valid YAML: {exc.problem or exc.context or 'syntax error'}")]
    except yaml.YAMLError as exc:
        return None, [DefinitionError(1, "", f"not valid YAML: {exc}")]
    finally:
        loader.dispose()
    if loader.alias_lines:
        return None, [
            DefinitionError(line, "", "anchors and aliases (*name) are not allowed") for line in loader.alias_lines
        ]
    if node is None:
        return None, [DefinitionError(1, "", "the definition is empty")]
    parser = _Parser(loader, digest=hashlib.sha256(source.encode("utf-8")).hexdigest())
    definition = parser.form(node)
    errors = sorted(parser.errors, key=lambda error: error.line)
    if errors:
        return None, errors
    return definition, []


def load_definition_file(path: Path | str) -> FormDefinition:
    """Load a definition from a file; raises ``InvalidDefinition`` listing every error."""
    definition, errors = parse_definition(Path(path).read_bytes())
    if definition is None:
        raise InvalidDefinition(errors or [DefinitionError(0, "", "no definition")])
    return definition


def demo_definition_paths() -> list[Path]:
    return sorted(DEFINITIONS_DIR.glob("*.yaml"))
