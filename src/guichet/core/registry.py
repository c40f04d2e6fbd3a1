"""The privacy registry (P01, P02, P09): every kind of personal data Guichet holds.

Each app declares its data kinds in ``<app>/privacy.py``; ``CoreConfig.ready`` imports them.
The statement, the record of processing, the export, the erasure cascade and the retention
sweeps are all derived from these declarations, so the text can never disagree with the code.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from guichet.accounts.models import User


class Category(models.TextChoices):
    MASTER = "master", _("Master data")
    CONTACT = "contact", _("Contact data")
    CONTENT = "content", _("Content data")
    USAGE = "usage", _("Usage data")


class Erasure(models.TextChoices):
    DELETE = "delete", _("deleted with the account")
    SHRED = "shred", _("made unreadable by destroying the data key, then deleted")
    KEEP_ANONYMOUS = "anonymous", _("kept without reference to the person")
    NONE = "none", _("not linked to an account")


@dataclass(frozen=True)
class RetentionRule:
    """Delete rows once ``start event + period`` lies in the past.

    ``due`` returns the queryset of rows whose retention ended at ``now``."""

    name: str
    start_event: str | Promise
    period: datetime.timedelta
    due: Callable[[datetime.datetime], models.QuerySet[Any]]
    #: Instead of deleting due rows, strip their personal data (given their primary keys, returns
    #: how many it stripped): for rows whose statistics outlive the person. ``due`` must then leave
    #: out rows already stripped.
    purge: Callable[[list[Any]], int] | None = None


@dataclass(frozen=True)
class DataKind:
    model: str  # "app_label.ModelName"
    category: Category
    purpose: str | Promise
    legal_basis: str | Promise
    fields: tuple[str, ...] = ()  # personal fields held by the model
    person_links: tuple[str, ...] = ()  # relations that point to a person
    retention: RetentionRule | None = None
    retention_text: str | Promise = ""  # when there is no automatic rule (e.g. "while the account exists")
    erasure: Erasure = Erasure.DELETE
    export: Callable[[User], Iterable[dict[str, Any]]] | None = None

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    @property
    def verbose_name(self) -> str:
        return str(self.model_class._meta.verbose_name_plural)


@dataclass(frozen=True)
class NotPersonal:
    """A model (or some of its fields) that looks personal but is not, with the reason."""

    model: str
    fields: tuple[str, ...]
    reason: str


@dataclass
class Registry:
    kinds: dict[str, DataKind] = field(default_factory=dict)
    exemptions: dict[str, NotPersonal] = field(default_factory=dict)

    def register(self, *kinds: DataKind) -> None:
        for kind in kinds:
            if kind.model in self.kinds:
                raise ValueError(f"{kind.model} is registered twice")
            self.kinds[kind.model] = kind

    def exempt(self, *items: NotPersonal) -> None:
        for item in items:
            self.exemptions[item.model] = item

    def __iter__(self) -> Iterator[DataKind]:
        return iter(self.kinds.values())

    def get(self, model_label: str) -> DataKind | None:
        return self.kinds.get(model_label)

    def retention_rules(self) -> list[tuple[DataKind, RetentionRule]]:
        return [(kind, kind.retention) for kind in self if kind.retention is not None]

    def by_category(self) -> dict[Category, list[DataKind]]:
        grouped: dict[Category, list[DataKind]] = {category: [] for category in Category}
        for kind in self:
            grouped[kind.category].append(kind)
        return grouped


registry = Registry()
