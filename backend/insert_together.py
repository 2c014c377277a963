"""Write a new row and the new rows that point at it together, in one statement on PostgreSQL.

Intake writes a case, its audit rows and its department's notifications for every message a
citizen sends. Through the ORM that is BEGIN, three INSERTs and COMMIT, five round trips, and
Django compiles each INSERT anew. On PostgreSQL `insert_together` sends one statement of
data-modifying CTEs instead (atomic on its own) whose SQL text is built once per model set and
reused. The values go through each field's own `pre_save` and `get_db_prep_save`, as `save()`
and `bulk_create()` do, and travel as one JSON document per table that PostgreSQL types by the
table's own row type (`json_populate_record[set]`), so what is stored is the same, and the
statement has a handful of parameters however many rows it writes (psycopg then reuses its
parsing of the statement, and quotes a few long strings instead of a hundred values).

The statement is prepared once per database session (PostgreSQL plans it once). An optional
condition (`only_if`) is checked in the same statement: nothing is written when it does not
hold (intake's hourly limit per writer costs no extra round trip). A condition's SQL holds no
literal `%`: its parameters are `%s`.

Elsewhere (SQLite) it is `save()` and `bulk_create()` in a transaction, after a SELECT of the
condition. Signals are not sent (`bulk_create` sends none either): use it only for models that
do not rely on them. `tests/backend/test_insert_together.py` compares both.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import uuid
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any, cast
from weakref import WeakKeyDictionary

from django.db import ProgrammingError, connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from psycopg.errors import InvalidSqlStatementName
from psycopg.types.json import Json, Jsonb

Condition = tuple[str, Sequence[Any]]  # SQL of a boolean expression, its parameters


def insert_together(
    parent: Model,
    children: Sequence[tuple[str, Sequence[Model]]],
    *,
    only_if: Condition | None = None,
) -> bool:
    """INSERT unsaved `parent`, then each group of unsaved children whose foreign key `name`
    points at it (e.g. `("case", events)`); sets every primary key, as `bulk_create` does.

    `only_if`: a condition in SQL (portable to every database in use) checked when writing;
    if it does not hold nothing is written and False is returned. True once written."""
    using = router.db_for_write(type(parent), instance=parent)
    connection = connections[using]
    groups = [(name, list(rows)) for name, rows in children if rows]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=using):
            if only_if is not None and not _holds(connection, only_if):
                return False
            parent.save(force_insert=True, using=using)
            for name, rows in groups:
                for row in rows:
                    setattr(row, name, parent)
                type(rows[0])._default_manager.using(using).bulk_create(rows)
        return True
    shape = (
        type(parent),
        tuple((type(rows[0]), name) for name, rows in groups),
        only_if[0] if only_if is not None else None,
    )
    sql = _statement(shape)
    params: list[Any] = [_document(parent, _columns(type(parent)), connection)]
    if only_if is not None:
        params += only_if[1]  # the condition is part of the parent's INSERT
    for name, rows in groups:
        fields = _columns(type(rows[0]), skip=name)
        for row in rows:
            setattr(row, name, parent)  # the object now; its id comes from the statement
        params.append(_documents(rows, fields, connection))
    try:
        ids = _write(connection, using, sql, params)
    except ProgrammingError as exc:
        if not isinstance(exc.__cause__, InvalidSqlStatementName):
            raise
        # The session lost its prepared statements (DEALLOCATE ALL, DISCARD ALL): again.
        _prepared.pop(connection.connection, None)
        ids = _write(connection, using, sql, params)
    if not ids:
        return False
    (parent.pk,) = ids[0]
    _saved(parent, using)
    for n, (name, rows) in enumerate(groups, start=1):
        # Keys come from a sequence in the order the rows were inserted, which is the order
        # of the JSON array.
        for row, pk in zip(rows, sorted(ids[n]), strict=True):
            setattr(row, _field(type(row), name).attname, parent.pk)
            row.pk = pk
            _saved(row, using)
    return True


def _holds(connection: BaseDatabaseWrapper, condition: Condition) -> bool:
    sql, params = condition
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT CASE WHEN {sql} THEN 1 ELSE 0 END", list(params))  # noqa: S608
        row = cursor.fetchone()
    return bool(row and row[0])


def _saved(obj: Model, using: str) -> None:
    obj._state.adding = False
    obj._state.db = using


def _write(
    connection: BaseDatabaseWrapper, using: str, sql: str, params: list[Any]
) -> dict[int, list[int]]:
    if connection.in_atomic_block:
        # Inside a transaction: a savepoint, so that a failure (say, a tracking number drawn
        # twice) leaves the caller's transaction usable for another try.
        with transaction.atomic(using=using):
            return _execute(connection, sql, params)
    return _execute(connection, sql, params)


# The statements each database session has prepared (by the session's psycopg connection).
_prepared: WeakKeyDictionary[Any, set[str]] = WeakKeyDictionary()


def _execute(connection: BaseDatabaseWrapper, sql: str, params: list[Any]) -> dict[int, list[int]]:
    """The new primary keys by group (0: the parent); empty if nothing was written.

    The statement is a prepared one (PREPARE once per session, then EXECUTE): PostgreSQL
    plans it once instead of for every message (the planning took about a third of its
    time)."""
    ids: dict[int, list[int]] = {}
    with connection.cursor() as cursor:
        name, numbered = _prepared_form(sql)
        done = _prepared.setdefault(connection.connection, set())
        if name not in done:
            cursor.execute(f"PREPARE {name} AS {numbered}")
            done.add(name)
        cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)
        for group, pk in cursor.fetchall():
            ids.setdefault(group, []).append(pk)
    return ids


@lru_cache(maxsize=64)
def _prepared_form(sql: str) -> tuple[str, str]:
    """A name for the statement and its text with numbered parameters ($1, $2, ...)."""
    name = "insert_together_" + hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:20]
    pieces = sql.split("%s")
    numbered = pieces[0] + "".join(f"${n}{piece}" for n, piece in enumerate(pieces[1:], 1))
    return name, numbered


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


def _row(obj: Model, fields: Sequence[Field], connection: BaseDatabaseWrapper) -> dict[Any, Any]:
    return {
        f.column: _json_value(f.get_db_prep_save(f.pre_save(obj, True), connection=connection))
        for f in fields
    }


def _document(obj: Model, fields: Sequence[Field], connection: BaseDatabaseWrapper) -> str:
    return json.dumps(_row(obj, fields, connection), ensure_ascii=False)


def _documents(
    rows: Sequence[Model], fields: Sequence[Field], connection: BaseDatabaseWrapper
) -> str:
    return json.dumps([_row(row, fields, connection) for row in rows], ensure_ascii=False)


def _json_value(value: Any) -> Any:
    """A database-ready value as JSON that PostgreSQL reads back into the column's type (a
    JSON string goes through the type's own input function)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value).replace("inf", "Infinity")
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Json | Jsonb):  # a JSONField's value, adapted with its encoder
        return json.loads((value.dumps or json.dumps)(value.obj))
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.timedelta):
        return f"{value.total_seconds()!r} seconds"
    raise TypeError(f"insert_together cannot send a {type(value).__name__} value")


def _q(name: str | None) -> str:
    """A quoted SQL name, as PostgreSQL's `quote_name`."""
    return f'"{name}"'


def _field(model: type[Model], name: str) -> Field:
    return cast(Field, model._meta.get_field(name))


@lru_cache(maxsize=64)
def _statement(shape: tuple[type[Model], tuple[tuple[type[Model], str], ...], str | None]) -> str:
    """The SQL for a parent model, its child groups (model, link) and a condition. Only names
    from the models' metadata and the caller's condition go into the text (S608 below); every
    value is a parameter: the parent's row as a JSON object, the condition's parameters, then
    each group's rows as a JSON array."""
    parent, groups, condition = shape

    def columns(fields: Sequence[Field], prefix: str = "") -> str:
        return ", ".join(prefix + _q(f.column) for f in fields)

    meta = parent._meta
    table = _q(meta.db_table)
    pk = _q(meta.pk.column)
    fields = _columns(parent)
    where = f" WHERE {condition}" if condition else ""
    parts = [
        f"p AS (INSERT INTO {table} ({columns(fields)}) "  # noqa: S608
        f"SELECT {columns(fields)} FROM json_populate_record(NULL::{table}, %s::json){where} "
        f"RETURNING {pk})"
    ]
    selects = [f"SELECT 0 AS g, {pk} AS id FROM p"]  # noqa: S608
    for n, (model, name) in enumerate(groups, start=1):
        child_fields = _columns(model, skip=name)
        child_table = _q(model._meta.db_table)
        link = _q(_field(model, name).column)
        child_pk = _q(model._meta.pk.column)
        parts.append(
            f"c{n} AS (INSERT INTO {child_table} ({link}, {columns(child_fields)}) "  # noqa: S608
            f"SELECT p.{pk}, {columns(child_fields, 'r.')} FROM p, "
            f"json_populate_recordset(NULL::{child_table}, %s::json) AS r "
            f"RETURNING {child_pk})"
        )
        selects.append(f"SELECT {n}, {child_pk} FROM c{n}")  # noqa: S608
    return "WITH " + ", ".join(parts) + " " + " UNION ALL ".join(selects)
