"""Write a new row and the new rows that point at it together, in one statement on PostgreSQL.

Intake writes a case, its audit rows and its department's notifications for every message a
citizen sends. Through the ORM that is BEGIN, three INSERTs and COMMIT, five round trips, and
Django compiles each INSERT anew. On PostgreSQL `insert_together` sends one statement of
data-modifying CTEs instead (atomic on its own) whose SQL text is built once per shape and
reused; the values go through each field's own `pre_save` and `get_db_prep_save`, as `save()`
and `bulk_create()` do, so what is stored is the same. Elsewhere (SQLite) it is `save()` and
`bulk_create()` in a transaction. Signals are not sent (`bulk_create` sends none either): use it
only for models that do not rely on them. `tests/backend/test_insert_together.py` compares both.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, cast

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model


def insert_together(parent: Model, children: Sequence[tuple[str, Sequence[Model]]]) -> None:
    """INSERT unsaved `parent`, then each group of unsaved children whose foreign key `name`
    points at it (e.g. `("case", events)`); sets every primary key, as `bulk_create` does."""
    using = router.db_for_write(type(parent), instance=parent)
    connection = connections[using]
    groups = [(name, list(rows)) for name, rows in children if rows]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=using):
            parent.save(force_insert=True, using=using)
            for name, rows in groups:
                for row in rows:
                    setattr(row, name, parent)
                type(rows[0])._default_manager.using(using).bulk_create(rows)
        return
    shape = (type(parent), tuple((type(rows[0]), name, len(rows)) for name, rows in groups))
    sql = _statement(shape)
    params: list[Any] = _values(parent, _columns(type(parent)), connection)
    for name, rows in groups:
        for row in rows:
            setattr(row, name, parent)  # the object now; its id comes from the statement
            params += _values(row, _columns(type(row), skip=name), connection)
    if connection.in_atomic_block:
        # Inside a transaction: a savepoint, so that a failure (say, a tracking number drawn
        # twice) leaves the caller's transaction usable for another try.
        with transaction.atomic(using=using):
            ids = _execute(connection, sql, params)
    else:
        ids = _execute(connection, sql, params)
    (parent.pk,) = ids[0]
    _saved(parent, using)
    for n, (name, rows) in enumerate(groups, start=1):
        for row, pk in zip(rows, ids[n], strict=True):
            setattr(row, _field(type(row), name).attname, parent.pk)
            row.pk = pk
            _saved(row, using)


def _saved(obj: Model, using: str) -> None:
    obj._state.adding = False
    obj._state.db = using


def _execute(connection: BaseDatabaseWrapper, sql: str, params: list[Any]) -> dict[int, list[int]]:
    """The new primary keys by group (0: the parent), each group in the order of its rows."""
    ids: dict[int, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for group, pk in cursor.fetchall():
            ids.setdefault(group, []).append(pk)
    return ids


@lru_cache(maxsize=64)
def _columns(model: type[Model], skip: str | None = None) -> tuple[Field, ...]:
    """The fields an INSERT writes, as `save()` does: concrete, not generated, not the
    automatic primary key; without the foreign key `skip` (the statement fills it in)."""
    meta = model._meta
    return tuple(
        f
        for f in meta.local_concrete_fields
        if f is not meta.auto_field and not f.generated and f.name != skip
    )


def _values(obj: Model, fields: Sequence[Field], connection: BaseDatabaseWrapper) -> list[Any]:
    return [f.get_db_prep_save(f.pre_save(obj, True), connection=connection) for f in fields]


def _q(name: str | None) -> str:
    """A quoted SQL name, as PostgreSQL's `quote_name`."""
    return f'"{name}"'


def _field(model: type[Model], name: str) -> Field:
    return cast(Field, model._meta.get_field(name))


@lru_cache(maxsize=64)
def _statement(shape: tuple[type[Model], tuple[tuple[type[Model], str, int], ...]]) -> str:
    """The SQL of one shape. Only names from the models' metadata go into the text (S608 below);
    every value is a placeholder."""
    parent, groups = shape

    def columns(fields: Sequence[Field]) -> str:
        return ", ".join(_q(f.column) for f in fields)

    def placeholders(n: int) -> str:
        return ", ".join(["%s"] * n)

    meta = parent._meta
    pk = _q(meta.pk.column)
    fields = _columns(parent)
    insert = f"INSERT INTO {_q(meta.db_table)} ({columns(fields)})"
    parts = [f"p AS ({insert} VALUES ({placeholders(len(fields))}) RETURNING {pk})"]
    selects = [f"SELECT 0 AS g, {pk} AS id FROM p"]  # noqa: S608
    for n, (model, name, count) in enumerate(groups, start=1):
        child_fields = _columns(model, skip=name)
        link = _q(_field(model, name).column)
        row = f"((SELECT {pk} FROM p), {placeholders(len(child_fields))})"  # noqa: S608
        child_pk = _q(model._meta.pk.column)
        insert = f"INSERT INTO {_q(model._meta.db_table)} ({link}, {columns(child_fields)})"
        values = ", ".join([row] * count)
        parts.append(f"c{n} AS ({insert} VALUES {values} RETURNING {child_pk})")
        selects.append(f"SELECT {n}, {child_pk} FROM c{n}")  # noqa: S608
    return "WITH " + ", ".join(parts) + " " + " UNION ALL ".join(selects)
