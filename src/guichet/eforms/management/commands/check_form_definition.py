"""``manage.py check_form_definition PATH [PATH ...]``: check form definition files before shipping them.

Prints one line per error, ``file:line: path: message`` (the format of compilers and linters, so
editors can jump to the line), and exits with status 1 if there is any error. A valid file gets a
one-line summary and the exit status is 0. A directory means every ``*.yaml`` file in it.

Besides the parser's checks, a file must be named after its slug (``<slug>.yaml``: the portal
finds a form by its file name), and a version that is already shipped or was already submitted
must not change content: a changed form needs a new ``version``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from guichet.eforms.definition import DEFINITIONS_DIR, DefinitionError, FormDefinition, parse_definition
from guichet.eforms.models import FormVersion


def _key_line(source: bytes, key: str) -> int:
    """The 1-based line of a top-level key of a (valid) definition; 1 if it cannot be found."""
    try:
        node = yaml.compose(source.decode("utf-8"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError):
        return 1
    if isinstance(node, yaml.MappingNode):
        for key_node, _value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return int(key_node.start_mark.line) + 1
    return 1


def _published_digests(definition: FormDefinition) -> list[tuple[str, str]]:
    """``(where, digest)`` of the sources already known for this slug and version."""
    known: list[tuple[str, str]] = []
    shipped = DEFINITIONS_DIR / f"{definition.slug}.yaml"
    if shipped.is_file():
        other, _errors = parse_definition(shipped.read_bytes())
        if other is not None and other.version == definition.version:
            known.append((f"the shipped file {shipped.name}", other.digest))
    try:
        row = FormVersion.objects.filter(slug=definition.slug, version=definition.version).first()
    except DatabaseError:  # no database or not migrated: nothing was submitted there
        row = None
    if row is not None:
        known.append(("the version already submitted", row.digest))
    return known


def check_file(path: Path) -> tuple[FormDefinition | None, list[DefinitionError]]:
    """Parse ``path`` and apply the checks that need its name and what is already published."""
    try:
        source = path.read_bytes()
    except OSError as exc:
        return None, [DefinitionError(0, "", f"cannot read the file ({exc.strerror or type(exc).__name__})")]
    definition, errors = parse_definition(source)
    if definition is None:
        return None, errors
    if path.stem != definition.slug:
        message = f"the file must be named after the slug: {definition.slug}.yaml (not {path.name})"
        errors.append(DefinitionError(_key_line(source, "slug"), "slug", message))
    for where, digest in _published_digests(definition):
        if digest != definition.digest:
            message = (
                f"version {definition.version} of '{definition.slug}' differs from {where}: "
                "a changed form needs a new version number"
            )
            errors.append(DefinitionError(_key_line(source, "version"), "version", message))
    return (definition if not errors else None), errors


def summary(definition: FormDefinition) -> str:
    fields = list(definition.fields())
    return (
        f"{definition.slug} version {definition.version}: {len(definition.steps)} steps, {len(fields)} fields, "
        f"base fee CHF {definition.fee:.2f}, {len(definition.statuses)} statuses, sha256 {definition.digest[:12]}"
    )


class Command(BaseCommand):
    help = "Check form definition files (YAML): prints file:line: path: message per error; exit status 1 on errors."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="definition files, or directories of *.yaml files")

    def handle(self, *args: Any, paths: list[Path], **options: Any) -> None:
        files: list[Path] = []
        for path in paths:
            files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
        if not files:
            raise CommandError("no definition files found")
        error_count = failed = 0
        for path in files:
            definition, errors = check_file(path)
            for error in errors:
                self.stdout.write(f"{path}:{error.line}: {error.path or '(form)'}: {error.message}")
            if errors:
                error_count += len(errors)
                failed += 1
            elif definition is not None:
                self.stdout.write(self.style.SUCCESS(f"{path}: ok: {summary(definition)}"))
        if error_count:
            raise CommandError(
                f"{error_count} error{'s' if error_count != 1 else ''} in {failed} of {len(files)} "
                f"file{'s' if len(files) != 1 else ''}",
                returncode=1,
            )
