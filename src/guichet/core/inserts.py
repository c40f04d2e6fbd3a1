"""Inserting one new row with a statement built once per model, for the hot write paths.

``Model.save()`` compiles its INSERT anew on every call; on a path that writes a few rows per
request (a booking, its data key and its audit record; an access-log entry) the compiling costs
more Python time than the database spends on the write (``bench/appointments.py``,
``bench/access_log.py``). ``insert_row`` writes what ``save()`` would write for a new object: every
field's ``pre_save`` runs (``auto_now_add``, the encrypted fields' sealing) and its
``get_db_prep_save``; only the SQL text is kept. Like ``bulk_create`` it sends no model signals:
it is for models without receivers."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Field, Model
from django.db.models.constants import OnConflict


@dataclass(frozen=True)
class _Statement:
    sql: str
    fields: tuple[Field[Any, Any], ...]
    returns_pk: bool


@functools.cache
def _statement(model: type[Model], alias: str, *, with_pk: bool, skip_conflicts: bool) -> _Statement:
    meta = model._meta
    if meta.parents:
        raise TypeError(f"{meta.label}: insert_row does not write inherited models")
    connection = connections[alias]
    if not connection.features.can_return_columns_from_insert:
        raise TypeError(f"{connection.vendor}: insert_row needs INSERT … RETURNING")
    fields = tuple(
        field
        for field in meta.local_concrete_fields
        if not field.generated and (with_pk or field is not meta.auto_field)
    )
    for field in fields:
        if field.has_db_default() or hasattr(field, "get_placeholder"):
            raise TypeError(f"{meta.label}.{field.name}: insert_row writes plain values only")
    ops = connection.ops
    on_conflict = OnConflict.IGNORE if skip_conflicts else None
    # A row back says it was written: the new id for an auto key, the given key on a skipped conflict.
    returns_pk = not with_pk or skip_conflicts
    returning = ops.returning_columns([meta.pk])[0] if returns_pk else ""
    parts = (
        ops.insert_statement(on_conflict=on_conflict),
        ops.quote_name(meta.db_table),
        "({})".format(", ".join(ops.quote_name(str(field.column)) for field in fields)),
        "VALUES ({})".format(", ".join(["%s"] * len(fields))),
        ops.on_conflict_suffix_sql(fields, on_conflict, (), ()),
        returning,
    )
    return _Statement(" ".join(part for part in parts if part), fields, returns_pk)


def insert_row(obj: Model, *, using: str = "default", skip_conflicts: bool = False) -> bool:
    """INSERT ``obj`` as a new row; ``False`` only with ``skip_conflicts`` when a unique or
    exclusion constraint refused it (``ON CONFLICT DO NOTHING``: the transaction goes on).

    Afterwards ``obj`` is saved as far as Django is concerned: its auto key is set and
    ``_state.adding`` is off."""
    meta = obj._meta
    with_pk = obj.pk is not None
    statement = _statement(type(obj), using, with_pk=with_pk, skip_conflicts=skip_conflicts)
    connection = connections[using]
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in statement.fields]
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        if statement.returns_pk:
            row = cursor.fetchone()
            if row is None:
                return False
            if not with_pk:
                setattr(obj, meta.pk.attname, row[0])
    obj._state.adding = False
    obj._state.db = using
    return True
