"""Reads for the privacy statement: everything comes from the registry and settings (P02, P07, P09, P13)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from guichet.core.models import ProofRun
from guichet.core.registry import Category, DataKind, registry
from guichet.privacy.backups.destinations import configured_specs
from guichet.privacy.backups.drill import PROOF_NAME as DRILL_PROOF
from guichet.privacy.backups.engine import PROOF_NAME as BACKUP_PROOF
from guichet.privacy.cookies import cookie_inventory
from guichet.privacy.inactivity import PROOF_NAME as INACTIVITY_PROOF
from guichet.privacy.promises import PROMISES, PrivacyPromise, State
from guichet.privacy.retention import PROOF_NAME as RETENTION_PROOF
from guichet.privacy.statement_versions import statement_page_context

# Names for the usual data locations; any other code is shown as configured.
LOCATIONS: dict[str, Promise] = {
    "CH": _("Switzerland"),
    "DE": _("Germany"),
    "AT": _("Austria"),
    "LI": _("Liechtenstein"),
    "EU": _("European Union"),
}


def location_text(code: str) -> str | Promise:
    return LOCATIONS.get(code.upper(), code)


def period_text(period: datetime.timedelta) -> str:
    days = period.days
    if period <= datetime.timedelta(0):
        return str(_("at once"))
    if days and days % 365 == 0:
        years = days // 365
        return ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    if days:
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    hours = max(1, int(period.total_seconds() // 3600))
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def retention_text(kind: DataKind) -> str | Promise:
    if kind.retention is None:
        return kind.retention_text or _("until the purpose ends")
    rule = kind.retention
    if rule.period <= datetime.timedelta(0):
        return format_lazy(_("deleted automatically at {event}"), event=rule.start_event)
    return format_lazy(
        _("deleted automatically {period} after {event}"), period=period_text(rule.period), event=rule.start_event
    )


@dataclass(frozen=True)
class KindRow:
    name: str
    purpose: str | Promise
    legal_basis: str | Promise
    retention: str | Promise
    erasure: str


@dataclass(frozen=True)
class CategorySection:
    category: Category
    label: str
    kinds: list[KindRow]


def statement_categories() -> list[CategorySection]:
    sections = []
    for category, kinds in registry.by_category().items():
        rows = [
            KindRow(
                name=kind.verbose_name,
                purpose=kind.purpose,
                legal_basis=kind.legal_basis,
                retention=retention_text(kind),
                erasure=str(kind.erasure.label),
            )
            for kind in sorted(kinds, key=lambda kind: kind.verbose_name)
        ]
        sections.append(CategorySection(category=category, label=str(category.label), kinds=rows))
    return sections


def statement_context() -> dict[str, Any]:
    # Every periodic proof (sweep, inactivity run, access-log count, backup, drill) in one query.
    proofs = {run.name: run for run in ProofRun.objects.all()}
    return {
        "operator_name": settings.GUICHET_OPERATOR_NAME,
        "privacy_contact": settings.GUICHET_PRIVACY_CONTACT,
        "supervisory_authority": settings.GUICHET_SUPERVISORY_AUTHORITY,
        "data_location": location_text(settings.GUICHET_DATA_LOCATION),
        "categories": statement_categories(),
        "last_sweep": proofs.get(RETENTION_PROOF),
        "promises": promise_rows(proofs=proofs),
        "cookies": cookie_inventory(),
        "access_log_raw_days": settings.GUICHET_ACCESS_LOG_RAW_DAYS,
        # account lifecycle (P31, P35)
        **statement_page_context(),
        "last_inactivity_run": proofs.get(INACTIVITY_PROOF),
        "inactivity_after": period_text(datetime.timedelta(days=settings.GUICHET_INACTIVITY_DAYS)),
        "inactivity_grace": period_text(datetime.timedelta(days=settings.GUICHET_INACTIVITY_GRACE_DAYS)),
        **backup_policy(proofs=proofs),
    }


def backup_policy(*, proofs: dict[str, ProofRun]) -> dict[str, Any]:
    """The backup promise as configured (P03, P07, P15): how often, how many places and where,
    for how long, and when the last backup and restore drill ran (``proofs`` by name)."""
    specs = configured_specs()
    return {
        "backup_interval_hours": settings.GUICHET_BACKUP_INTERVAL_HOURS,
        "backup_retention_days": settings.GUICHET_BACKUP_RETENTION_DAYS,
        "backup_destinations": len(specs),
        "backup_locations": sorted({str(location_text(spec.location)) for spec in specs}),
        "last_backup": proofs.get(BACKUP_PROOF),
        "last_drill": proofs.get(DRILL_PROOF),
    }


@dataclass(frozen=True)
class PromiseRow:
    promise: PrivacyPromise
    kept: bool
    #: when its periodic proof last ran (a retention sweep, an inactivity run, ...), if it has one
    proven_at: datetime.datetime | None


def promise_rows(*, proofs: dict[str, ProofRun]) -> list[PromiseRow]:
    """Every promise with its state and the date its periodic proof last succeeded."""

    def proven_at(name: str) -> datetime.datetime | None:
        run = proofs.get(name)
        return run.last_run_at if run is not None and run.ok else None

    return [
        PromiseRow(promise=promise, kept=promise.state == State.KEPT, proven_at=proven_at(promise.proof))
        for promise in PROMISES
    ]


@dataclass(frozen=True)
class RecordRow:
    """One processing activity of the record (Art. 30 GDPR / Art. 12 revDSG), from the registry."""

    name: str
    model: str
    category: str
    purpose: str | Promise
    legal_basis: str | Promise
    fields: tuple[str, ...]
    person_links: tuple[str, ...]
    retention: str | Promise
    erasure: str
    exported: bool


def processing_record() -> list[RecordRow]:
    """Every data kind of the registry, for operators and staff (``/privacy/record/``)."""
    return [
        RecordRow(
            name=kind.verbose_name,
            model=kind.model,
            category=str(kind.category.label),
            purpose=kind.purpose,
            legal_basis=kind.legal_basis,
            fields=kind.fields,
            person_links=kind.person_links,
            retention=retention_text(kind),
            erasure=str(kind.erasure.label),
            exported=kind.export is not None,
        )
        for kind in sorted(registry, key=lambda kind: (kind.category, kind.model))
    ]
