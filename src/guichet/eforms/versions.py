"""Form versions: the exact definition source each submission answered.

The shipped YAML file is the working copy; at the first submission of a slug and version its
source is stored in ``FormVersion``. Old submissions are shown with their own version's labels,
even after the file moved on. Changing a published version in place is an error
(``eforms.E001``), because a clerk would then read answers under questions nobody was asked."""

from __future__ import annotations

import functools
import logging

from django.db import IntegrityError, transaction

from guichet.eforms.definition import DEFINITIONS_DIR, FormDefinition, InvalidDefinition, parse_definition
from guichet.eforms.models import FormVersion

logger = logging.getLogger("guichet.eforms")


def definition_source(*, slug: str) -> str:
    from guichet.eforms.selectors import _available

    filename = _available().get(slug)
    if filename is None:
        raise LookupError(f"no form definition {slug!r}")
    return (DEFINITIONS_DIR / filename).read_text(encoding="utf-8")


def form_version_record(*, definition: FormDefinition) -> FormVersion:
    """The stored version of ``definition`` (stored now if it is new)."""
    existing = FormVersion.objects.filter(slug=definition.slug, version=definition.version).first()
    if existing is None:
        try:
            with transaction.atomic():
                existing = FormVersion.objects.create(
                    slug=definition.slug,
                    version=definition.version,
                    digest=definition.digest,
                    source=definition_source(slug=definition.slug),
                )
        except IntegrityError:  # stored by a concurrent submission a moment ago
            existing = FormVersion.objects.get(slug=definition.slug, version=definition.version)
    if existing.digest != definition.digest:
        # Refused at deploy by the system check; if it happens anyway, the stored source wins.
        logger.error("form %s v%s changed without a new version number", definition.slug, definition.version)
    return existing


@functools.lru_cache(maxsize=256)
def _parse_stored(pk: int, digest: str, source: str) -> FormDefinition:
    definition, errors = parse_definition(source)
    if definition is None:
        raise InvalidDefinition(errors)
    return definition


def definition_of(form_version: FormVersion) -> FormDefinition:
    """The definition a submission answered, parsed from its stored source (cached per process)."""
    return _parse_stored(form_version.pk, form_version.digest, form_version.source)
