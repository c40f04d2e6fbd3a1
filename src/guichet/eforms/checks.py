"""A published form version must never change content (see ``versions``)."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError


@checks.register(checks.Tags.database)
def check_form_versions(app_configs: Any, databases: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not databases:
        return []
    from guichet.eforms.definition import InvalidDefinition
    from guichet.eforms.models import FormVersion
    from guichet.eforms.selectors import _available, definition_get

    errors: list[checks.CheckMessage] = []
    try:
        stored = {(row.slug, row.version): row.digest for row in FormVersion.objects.only("slug", "version", "digest")}
    except DatabaseError:  # not migrated yet
        return []
    for slug in _available():
        try:
            definition = definition_get(slug=slug)
        except (InvalidDefinition, LookupError) as exc:
            errors.append(checks.Error(f"form definition {slug}: {exc}", id="eforms.E002"))
            continue
        digest = stored.get((definition.slug, definition.version))
        if digest is not None and digest != definition.digest:
            errors.append(
                checks.Error(
                    f"form definition {slug} version {definition.version} differs from the version already submitted.",
                    hint="Give the changed form a new version number.",
                    id="eforms.E001",
                )
            )
    return errors
