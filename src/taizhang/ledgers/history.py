"""History written in bulk for imports.

An import commits through the ledgers' own services, so the records pass exactly the rules the forms apply.
Those services save one record at a time, and django-simple-history would add one history row per save. Inside
:func:`bulk_history` the per-save rows are held back: each save of a history-tracked model is captured as it
was saved (a copy of the instance at that moment, created or changed), and :meth:`Recorder.flush` writes them
in bulk — same content as ``bulk_history_create`` would write, same order, one ``INSERT`` per model and kind —
with the acting user, source ``import`` and the batch as the reason. A save that already opted out of history stays out.

Records a bulk path writes without ``save()`` (:meth:`Recorder.written_in_bulk`) get their history rows copied by
the database from the rows just written (``INSERT … SELECT``, one statement per model and kind and up to
``COPY_BATCH`` records): the same columns, the rows as they stand in the table when the recorder flushes.
"""

from __future__ import annotations

import contextvars
import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db.models.signals import post_save, pre_save

from taizhang.core.audit import Source

_active: contextvars.ContextVar[Recorder | None] = contextvars.ContextVar("taizhang_bulk_history", default=None)
_MARK = "_taizhang_bulk_history"


COPY_BATCH = 500  # records whose history rows one INSERT … SELECT copies (keys as parameters)
_EXTRA_COLUMNS = ("history_date", "history_user_id", "history_change_reason", "history_type", "history_source")


@dataclass
class Recorder:
    user: Any
    reason: str
    source: str = Source.IMPORT
    # (model, created, copied from the table?, the instance as saved or the primary key written in bulk)
    pending: list[tuple[Any, bool, bool, Any]] = field(default_factory=list)
    written: int = 0

    def saved(self, model: Any, instance: Any, created: bool) -> None:
        self.pending.append((model, created, False, copy.copy(instance)))

    def written_in_bulk(self, model: Any, instances: list[Any], created: bool) -> None:
        """Records a bulk path wrote without ``save()`` (so without signals): history like any other save,
        copied from the table when the recorder flushes (flush before they change again)."""
        self.pending += [(model, created, True, instance.pk) for instance in instances]

    def flush(self) -> int:
        """Write the captured history rows; returns how many."""
        count = 0
        group: list[Any] = []
        key: tuple[Any, bool, bool] | None = None
        for model, created, copied, item in [*self.pending, (None, False, False, None)]:
            if key is not None and (model, created, copied) != key:
                write = self._copy if key[2] else self._write
                count += write(key[0], group, created=key[1])
                group = []
            key = (model, created, copied) if model is not None else None
            group.append(item)
        self.pending = []
        self.written += count
        return count

    def _extra(self, history: Any, created: bool) -> list[Any]:
        """The values of the history columns that say when, who, why, how and from where."""
        from django.db import connection
        from django.utils import timezone

        date_field = history._meta.get_field("history_date")
        return [
            date_field.get_db_prep_save(timezone.now(), connection),
            getattr(self.user, "pk", None),
            self.reason,
            "+" if created else "~",
            str(self.source),
        ]

    def _copy(self, model: Any, keys: list[Any], *, created: bool) -> int:
        """The history rows of records written in bulk, copied by the database from the rows as they stand:
        ``INSERT INTO history (fields…, history_…) SELECT fields…, %s… FROM table WHERE pk IN (…)``."""
        from django.db import connection

        quote = connection.ops.quote_name
        history = getattr(model, model._meta.simple_history_manager_attribute).model
        tracked = list(history.tracked_fields)  # the model's own fields that history keeps
        columns = [quote(history._meta.get_field(f.name).column) for f in tracked] + [quote(c) for c in _EXTRA_COLUMNS]
        sources = [quote(f.column) for f in tracked] + ["%s"] * len(_EXTRA_COLUMNS)
        pk = quote(model._meta.pk.column)
        extra = self._extra(history, created)
        with connection.cursor() as cursor:
            for start in range(0, len(keys), COPY_BATCH):
                batch = keys[start : start + COPY_BATCH]
                cursor.execute(
                    f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
                    f"SELECT {', '.join(sources)} FROM {quote(model._meta.db_table)} "
                    f"WHERE {pk} IN ({', '.join(['%s'] * len(batch))}) ORDER BY {pk}",
                    [*extra, *batch],
                )
        return len(keys)

    def _write(self, model: Any, instances: list[Any], *, created: bool) -> int:
        """One INSERT of ``instances``' history rows: what ``bulk_history_create`` writes, without building a
        model instance per row (a large import writes hundreds of thousands)."""
        from taizhang.ledgers.bulk import converter, insert_rows

        history = getattr(model, model._meta.simple_history_manager_attribute).model
        tracked = [history._meta.get_field(f.name) for f in history.tracked_fields]
        converters = [(f.attname, converter(f)) for f in tracked]
        extra_columns = list(_EXTRA_COLUMNS)
        extra = self._extra(history, created)
        rows = []
        for instance in instances:
            values = []
            for name, prepare in converters:
                value = getattr(instance, name)
                if prepare is not None and value is not None:
                    value = prepare(value)
                values.append(value)
            rows.append([*values, *extra])
        insert_rows(history, [f.column for f in tracked] + extra_columns, rows)
        return len(rows)


@contextmanager
def bulk_history(*, user: Any, reason: str) -> Iterator[Recorder]:
    """Hold back per-save history rows of every tracked model; flush them in bulk (also on leaving)."""
    recorder = Recorder(user=user, reason=reason[:500])
    token = _active.set(recorder)
    try:
        yield recorder
        recorder.flush()
    finally:
        _active.reset(token)


def current_recorder() -> Recorder | None:
    """The recorder of the import running in this context, if any."""
    return _active.get()


def _tracked(sender: Any) -> bool:
    return bool(getattr(sender._meta, "simple_history_manager_attribute", None))


def _before_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if _active.get() is None or raw or not _tracked(sender) or hasattr(instance, "skip_history_when_saving"):
        return
    instance.skip_history_when_saving = True  # simple-history's own post_save then writes nothing
    setattr(instance, _MARK, True)


def _after_save(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    if not getattr(instance, _MARK, False):
        return
    delattr(instance, _MARK)
    del instance.skip_history_when_saving
    recorder = _active.get()
    if recorder is not None:
        recorder.saved(sender, instance, created)


def connect_signals() -> None:
    # Connected after simple-history's own receivers (which are connected when each model class is built),
    # so ours run second on post_save and find the flag still set.
    pre_save.connect(_before_save, dispatch_uid="taizhang_bulk_history_pre")
    post_save.connect(_after_save, dispatch_uid="taizhang_bulk_history_post")
