"""Writing many rows fast, for the bulk paths of imports: one ``executemany`` per table.

Django's ``bulk_create`` compiles every value of every row through the field machinery; for a 100,000-row
ledger that is millions of calls. :func:`insert` prepares each column once (which conversion its values
need, if any), fills ``auto_now`` timestamps as ``save()`` would (one moment per statement), gives the rows
their primary keys up front when the caller needs them (to point children at their parents), and hands the
driver one ``executemany``.

Primary keys are allocated inside the caller's transaction: on PostgreSQL from the table's sequence
(``nextval``, safe with concurrent writers), on SQLite after the largest key the table has used (the
transaction holds SQLite's write lock, so no other writer can take them). Other databases fall back to
``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Any, cast

from django.db import connection, models

# Columns whose Python values the database drivers take as they are.
_PLAIN = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
    }
)


def converter(field: models.Field) -> Callable[[Any], Any] | None:
    """How a column's non-null Python values become what the driver takes: None when they go as they are.
    The same results as ``field.get_db_prep_save``, without its per-value detours for the common types."""
    kind = field.get_internal_type()
    if kind in _PLAIN:
        return None
    ops = connection.ops
    if kind == "DecimalField":
        return lambda value: value if type(value) is Decimal else field.get_db_prep_save(value, connection)
    if kind == "DateTimeField":
        return _remembered(ops.adapt_datetimefield_value)
    if kind == "DateField":
        return ops.adapt_datefield_value
    return lambda value: field.get_db_prep_save(value, connection)


def _remembered(adapt: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``adapt`` remembering its last results: a bulk write stamps thousands of rows with the same few moments
    (created, submitted, approved), and SQLite's adaptation (to local time, then to text) is costly."""
    seen: dict[Any, Any] = {}

    def adapted(value: Any) -> Any:
        found = seen.get(value)
        if found is None:
            if len(seen) >= 256:
                seen.clear()
            found = seen[value] = adapt(value)
        return found

    return adapted


def _allocate(model: type[models.Model], count: int) -> list[int] | None:
    """``count`` fresh primary keys of ``model``'s table, or None where the database gives none up front."""
    table, column = model._meta.db_table, str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(column)}), 0) FROM {quoted}")  # noqa: S608
            largest = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            used = cursor.fetchone()
            start = max(largest, used[0] if used else 0) + 1
            return list(range(start, start + count))
    return None


def insert(model: type[models.Model], objs: Sequence[models.Model], *, keys: bool = False) -> None:
    """Insert ``objs`` (unsaved instances of ``model``) in one statement per table. With ``keys`` each gets
    its primary key, so that other rows can point at it. No signals are sent: history is the caller's."""
    if not objs:
        return
    assert connection.in_atomic_block, "bulk inserts run inside the import's transaction"
    ids = _allocate(model, len(objs)) if keys else None
    if keys and ids is None:  # pragma: no cover - neither PostgreSQL nor SQLite
        model._default_manager.bulk_create(list(objs))
        return
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if not (f is pk and ids is None)]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    if ids is not None:
        for obj, key in zip(objs, ids, strict=True):
            obj.pk = key
    # One moment for the whole statement, as a database's now() would give (and repeated values convert once).
    moments = [(field.attname, field.pre_save(objs[0], add=True)) for field in stamped]
    link, alias = _parent_linker(model), connection.alias
    for obj in objs:
        link(obj)  # parents saved above: their keys
        for name, moment in moments:
            setattr(obj, name, moment)
        obj._state.adding = False
        obj._state.db = alias
    values = attrgetter(*(f.attname for f in fields))
    converting = [(i, convert) for i, f in enumerate(fields) if (convert := converter(f)) is not None]
    rows = []
    for obj in objs:
        row = list(values(obj)) if len(fields) > 1 else [values(obj)]
        for i, convert in converting:
            if row[i] is not None:
                row[i] = convert(row[i])
        rows.append(row)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def _parent_linker(model: type[models.Model]) -> Callable[[models.Model], None]:
    """``_prepare_related_fields_for_save`` for many rows of ``model``: for each relation whose parent instance
    is cached on the row, refuse an unsaved parent, take its key, and forget it if the keys differ. Rows that
    name their parents by key (``project_id``) have nothing cached and are passed over at once."""
    if model._meta.private_fields:  # pragma: no cover - generic relations: Django's own check, row by row
        return lambda obj: cast(Any, obj)._prepare_related_fields_for_save(operation_name="insert")
    relations: list[Any] = [f for f in model._meta.concrete_fields if f.is_relation]

    def link(obj: models.Model) -> None:
        if not obj._state.fields_cache:
            return
        for field in relations:
            parent = field.get_cached_value(obj, default=None) if field.is_cached(obj) else None
            if not parent:
                continue
            if not parent._is_pk_set():
                if not field.remote_field.multiple:
                    field.remote_field.delete_cached_value(parent)
                raise ValueError(
                    f"insert() prohibited to prevent data loss due to unsaved related object '{field.name}'."
                )
            if getattr(obj, field.attname) in field.empty_values:
                setattr(obj, field.name, parent)
            if getattr(parent, field.target_field.attname) != getattr(obj, field.attname):
                field.delete_cached_value(obj)

    return link


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert prepared rows (values in the order of ``columns``, already as the database takes them)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(rows))  # noqa: S608
