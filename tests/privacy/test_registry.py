"""The registry is complete (P01) and well-formed (P02, P09)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.apps import apps
from django.db import models

from guichet.core.fields import EncryptedMixin
from guichet.core.registry import Category, registry

PERSONAL_NAME = re.compile(r"email|name|phone|street|birth|(^|_)ip($|_)|user_agent|address")
PERSON_MODELS = {"accounts.User", "accounts.Profile"}
EXTRA_MODELS = {"sessions.Session", "admin.LogEntry"}


def _models_in_scope() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if not model._meta.abstract
        and not model._meta.proxy
        and (model.__module__.startswith("guichet.") or model._meta.label in EXTRA_MODELS)
    ]


def _why_personal(model: type[models.Model]) -> tuple[set[str], set[str]]:
    """(fields that hold personal data, relations that point to a person) by looking at the model."""
    fields: set[str] = set()
    links: set[str] = set()
    for field in model._meta.get_fields():
        if field.auto_created and not field.concrete:
            continue  # reverse relations are declared on the other side
        if field.is_relation and field.related_model is not None:
            if field.related_model._meta.label in PERSON_MODELS:
                links.add(field.name)
            continue
        if isinstance(field, EncryptedMixin) or PERSONAL_NAME.search(field.name):
            fields.add(field.name)
    return fields, links


@pytest.mark.promise("P01")
@pytest.mark.parametrize("model", _models_in_scope(), ids=lambda model: model._meta.label)
def test_every_personal_field_and_person_link_is_declared(model: type[models.Model]) -> None:
    label = model._meta.label
    fields, links = _why_personal(model)
    if not fields and not links:
        return
    kind = registry.get(label)
    exemption = registry.exemptions.get(label)
    declared = set(kind.fields) | set(kind.person_links) if kind else set()
    exempted = set(exemption.fields) if exemption else set()
    if exemption is not None:
        assert exemption.reason.strip(), f"{label}: an exemption needs a reason"
    missing = sorted((fields | links) - declared - exempted)
    assert not missing, (
        f"{label} holds personal data or points to a person in {missing}: declare them in the app's "
        "privacy.py (DataKind fields / person_links) or exempt them with NotPersonal and a reason"
    )


@pytest.mark.promise("P01")
@pytest.mark.parametrize("kind", list(registry), ids=lambda kind: kind.model)
def test_every_declared_field_exists(kind: object) -> None:
    model = kind.model_class  # type: ignore[attr-defined]
    names = {field.name for field in model._meta.get_fields()}
    unknown = set(kind.fields) | set(kind.person_links) - names  # type: ignore[attr-defined]
    assert not (unknown - names), f"{kind.model} declares fields it does not have: {sorted(unknown - names)}"  # type: ignore[attr-defined]
    for link in kind.person_links:  # type: ignore[attr-defined]
        assert model._meta.get_field(link).is_relation


@pytest.mark.promise("P01")
def test_exemptions_name_real_models_and_fields() -> None:
    for label, exemption in registry.exemptions.items():
        model = apps.get_model(label)
        names = {field.name for field in model._meta.get_fields()}
        assert set(exemption.fields) <= names, label
        assert registry.get(label) is None, f"{label} is both declared and exempted"


@pytest.mark.promise("P02")
def test_every_kind_has_one_of_the_four_categories_and_a_purpose() -> None:
    assert {c.value for c in Category} == {"master", "contact", "content", "usage"}
    for kind in registry:
        assert isinstance(kind.category, Category), kind.model
        assert str(kind.purpose).strip(), kind.model
        assert str(kind.legal_basis).strip(), kind.model
        assert kind.retention is not None or str(kind.retention_text).strip(), f"{kind.model}: no retention"


@pytest.mark.promise("P09")
@pytest.mark.django_db
def test_every_retention_rule_selects_rows_of_its_own_model() -> None:
    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    names = [rule.name for _kind, rule in registry.retention_rules()]
    assert len(names) == len(set(names)), "rule names identify log entries: keep them unique"
    for kind, rule in registry.retention_rules():
        queryset = rule.due(now)
        assert queryset.model is kind.model_class, rule.name
        assert rule.period >= datetime.timedelta(0)
        list(queryset[:1])  # the query is valid SQL


@pytest.mark.promise("P01")
def test_the_core_data_kinds_are_declared() -> None:
    expected = {
        "accounts.User",
        "accounts.Profile",
        "accounts.EmailToken",
        "accounts.ThrottleEvent",
        "accounts.TotpDevice",
        "accounts.RecoveryCode",
        "accounts.Passkey",
        "core.StaffMembership",
        "core.AuditEvent",
        "core.DataKey",
        "sessions.Session",
    }
    assert expected <= set(registry.kinds)
    assert {"core.Authority", "core.DeletionLogEntry", "core.ProofRun"} <= set(registry.exemptions)
