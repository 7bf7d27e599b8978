"""The import pipeline: read → check every row → preview → commit, in chunks.

``analyse`` reads a batch's file, plans each row (new, changed, unchanged, skipped, with every problem) and
stores the plan on the batch chunk by chunk, reporting progress and honouring cancellation between chunks.
Nothing in the ledger is written. ``apply`` plans the file again inside one transaction and, row by row,
calls the ledger's services; if any row now fails, or the plan differs from the preview the user approved,
the transaction is rolled back and the batch is checked again. History for the imported records is written in
bulk with source ``import``.

Both run inline for small files and as background jobs (``tasks.py``) for large ones.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import shutil
import tempfile
import threading
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext as _

from taizhang.core.errors import TransitionNotAllowed
from taizhang.ledgers import bulk, conf, registry
from taizhang.ledgers import values as v
from taizhang.ledgers.adapters import ModelAdapter, copy_record
from taizhang.ledgers.models import ImportBatch, ImportRow, ImportStatus, Outcome
from taizhang.ledgers.parsing import ERROR, Layout, ParsedRow, Problem, SheetParser, open_sheet
from taizhang.ledgers.reading import FileRefused, open_workbook

logger = logging.getLogger(__name__)


@dataclass
class RowPlan:
    row: ParsedRow
    outcome: str
    obj: Any = None
    values: dict[str, Any] = field(default_factory=dict)
    key: Hashable = None
    changes: list[list[str]] = field(default_factory=list)  # [header, old, new]
    label: str = ""

    def stored(self, batch: ImportBatch, blank: ImportRow | None = None) -> ImportRow:
        """The row's outcome to store on ``batch``; ``blank`` is a row of the batch to copy (cheaper than
        building each row anew: see :func:`stored_rows`)."""
        problems = [p.stored() for p in self.row.problems]
        row = copy_record(blank) if blank is not None else ImportRow(batch=batch)
        row.number = self.row.number
        row.kind = self.row.kind
        row.outcome = self.outcome
        row.label = self.label[:200]
        row.object_id = getattr(self.obj, "pk", None)
        row.changes = self.changes
        row.problems = problems
        row.has_error = any(p["severity"] == ERROR for p in problems)
        return row

    def signature(self) -> str:
        return json.dumps([self.row.number, self.outcome, self.changes], ensure_ascii=False, default=str)


def stored_rows(plans: list[RowPlan], batch: ImportBatch) -> list[ImportRow]:
    """The outcome of each row of a chunk, to store on ``batch``."""
    blank = ImportRow(batch_id=batch.pk)
    return [plan.stored(batch, blank) for plan in plans]


@dataclass
class Summary:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: int = 0
    warnings: int = 0
    digest: Any = field(default_factory=hashlib.sha256)
    previewed: bool = True  # the digest of the plan is what an import compares with its preview

    def add(self, plans: list[RowPlan]) -> None:
        for plan in plans:
            self.rows_read += 1
            setattr(self, _COUNTER[plan.outcome], getattr(self, _COUNTER[plan.outcome]) + 1)
            self.count_problems(plan.row.problems)
            if self.previewed:
                self.digest.update(plan.signature().encode())

    def count_problems(self, problems: list[Problem]) -> None:
        for problem in problems:
            if problem.is_error:
                self.errors += 1
            else:
                self.warnings += 1

    def as_fields(self) -> dict[str, Any]:
        return {
            "rows_read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "errors": self.errors,
            "warnings": self.warnings,
            "plan_digest": self.digest.hexdigest(),
        }


_COUNTER: dict[str, str] = {
    Outcome.CREATE: "created",
    Outcome.UPDATE: "updated",
    Outcome.UNCHANGED: "unchanged",
    Outcome.SKIP: "skipped",
}


class Planner:
    """Decides what each row does: matches it to its record by natural key, computes changes, validates."""

    def __init__(self, adapter: ModelAdapter, layout: Layout) -> None:
        self.adapter = adapter
        self.layout = layout
        self.seen: dict[Hashable, int] = {}
        self.unique_seen: dict[tuple[str, Any], int] = {}
        self._columns = {c.field: c for c in adapter.sheet.columns}
        self._headers: dict[str, str] = {}
        self._shown: dict[Hashable, str] = {}
        self._unread = [c.field for c in adapter.sheet.imported_columns()]
        model = adapter.model
        self.unique_fields = [
            f.name
            for f in model._meta.concrete_fields
            if f.unique and not f.primary_key and any(c.field == f.name for c in adapter.sheet.imported_columns())
        ]

    def header(self, name: str) -> str:
        """The column's header as the file writes it (else as the spec does, else the field's label)."""
        found = self._headers.get(name)
        if found is None:
            mapped = next((m.header for m in self.layout.columns if m.column.field == name), None)
            column = self._column(name)
            found = mapped or (
                column.header_for(with_unit=False) if column is not None else self.adapter.field_label(name)
            )
            self._headers[name] = found
        return found

    def plan(self, rows: list[ParsedRow]) -> list[RowPlan]:
        resolved: list[tuple[ParsedRow, dict[str, Any] | None, Hashable]] = []
        for row in rows:
            if not row.is_record:
                resolved.append((row, None, None))
                continue
            values = self.adapter.resolve(row, self.header)
            resolved.append((row, values, self.adapter.key(values)))
        self.adapter.prefetch([key for _row, _values, key in resolved if key is not None])
        return [
            self._record(row, values, key) if values is not None else RowPlan(row, Outcome.SKIP, label=row.text)
            for row, values, key in resolved
        ]

    def _error(self, row: ParsedRow, name: str, message: str, severity: str = ERROR) -> None:
        shown = v.display(row.cells.get(name)) if name else ""
        row.problems.append(Problem(row.number, self.header(name) if name else "", shown, message, severity))

    def _report(self, row: ParsedRow, found: Sequence[tuple[str, ...]]) -> None:
        """Problems from ``adapter.validate``: (field, message) errors, or (field, message, severity)."""
        for problem in found:
            name, message = problem[0], problem[1]
            self._error(row, name, message, problem[2] if len(problem) > 2 else ERROR)

    def _record(self, row: ParsedRow, values: dict[str, Any], key: Hashable) -> RowPlan:
        adapter = self.adapter
        values = adapter.settle(row, values)
        obj = None
        if key is None and not row.has_errors:
            names = "、".join(dict.fromkeys(self.header(name) for fields in adapter.keys for name in fields))
            self._error(row, "", _("This row does not say which record it is: fill in %(names)s.") % {"names": names})
        elif key is not None and key in self.seen:
            self._error(
                row, "", _("This record is already on row %(row)s; a record may appear once.") % {"row": self.seen[key]}
            )
        elif key is not None:
            self.seen[key] = row.number
            try:
                obj = adapter.existing(key)
            except v.ValueProblem as problem:
                self._error(row, "", problem.message)
        data = adapter.model_values(values, obj)
        self._check_unique(row, data)
        label = adapter.describe(data, obj)
        if row.has_errors:
            return self._skip(row, data, obj, key, label)
        if obj is not None:
            changed = adapter.changes(obj, data)
            if not changed:
                return RowPlan(row, Outcome.UNCHANGED, obj=obj, values={}, key=key, label=label)
            data = {name: data[name] for name in changed}
        self._report(row, adapter.validate(data, obj))
        if row.has_errors:
            return RowPlan(row, Outcome.SKIP, obj=obj, values=data, key=key, label=label)
        changes = [
            [self.header(name), self.shown(name, adapter.current(obj, name)) if obj else "", self.shown(name, value)]
            for name, value in data.items()
        ]
        if obj is None:
            adapter.plan_created(key, data)
            return RowPlan(row, Outcome.CREATE, values=data, key=key, changes=changes, label=label)
        return RowPlan(row, Outcome.UPDATE, obj=obj, values=data, key=key, changes=changes, label=label)

    def _skip(self, row: ParsedRow, data: dict[str, Any], obj: Any, key: Hashable, label: str) -> RowPlan:
        """A row with errors: still check what could be read, so that one pass reports all its problems."""
        unread = [name for name in self._unread if name not in data]
        self._report(row, self.adapter.validate(data, obj, exclude=unread, permissions=False))
        return RowPlan(row, Outcome.SKIP, obj=obj, values=data, key=key, label=label)

    def _column(self, name: str) -> Any:
        return self._columns.get(name)

    def shown(self, name: str, value: Any) -> str:
        """``value`` of the field ``name`` as the preview shows it, each distinct value rendered once (a column's
        rendering depends on the value alone)."""
        if value is None or value == "":
            return ""
        # A record by its key (hashing a model instance is slow); an unsaved one has none.
        key = (name, type(value), value.pk if isinstance(value, models.Model) else value)
        try:
            found = self._shown.get(key) if key[2] is not None else None
        except TypeError:  # unhashable: rendered every time
            return _shown(self._column(name), value)
        if key[2] is None:
            return _shown(self._column(name), value)
        if found is None:
            if len(self._shown) >= 20_000:  # memory stays bounded when values do not repeat
                self._shown.clear()
            found = self._shown[key] = _shown(self._column(name), value)
        return found

    def _check_unique(self, row: ParsedRow, data: dict[str, Any]) -> None:
        for name in self.unique_fields:
            value = data.get(name)
            if value in (None, ""):
                continue
            marker = (name, v.squeeze(value))
            first = self.unique_seen.setdefault(marker, row.number)
            if first != row.number:
                self._error(row, name, _("Row %(row)s has the same value; it must be unique.") % {"row": first})


def _shown(column: Any, value: Any) -> str:
    if value is None or value == "":
        return ""
    rendered = column.type.render(value) if column is not None else value
    return v.display(rendered)


# --- running a batch -------------------------------------------------------------------------------------


class Cancelled(Exception):
    """The batch was cancelled while it ran."""


@contextlib.contextmanager
def local_copy(batch: ImportBatch) -> Iterator[Path]:
    """The batch's file as a local path (a temporary copy when the storage is not the local disk)."""
    try:
        yield Path(batch.file.path)
        return
    except NotImplementedError:
        pass
    with tempfile.NamedTemporaryFile(
        suffix=Path(batch.file.name or "").suffix
    ) as tmp:  # pragma: no cover - remote storage
        with batch.file.open("rb") as source:
            shutil.copyfileobj(source, tmp)
        tmp.flush()
        yield Path(tmp.name)


YOUNG_COLLECTION_EVERY = 10_000  # allocations between collections of the youngest generation while importing


class _Collector:
    """The garbage collector's settings while imports run in the process (see :func:`fewer_collections`)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0
        self.threshold: tuple[int, int, int] = gc.get_threshold()

    def enter(self) -> None:
        with self.lock:
            if self.users == 0:
                self.threshold = gc.get_threshold()
                gc.freeze()
                young, older, oldest = self.threshold
                gc.set_threshold(max(young, YOUNG_COLLECTION_EVERY), older, oldest)
            self.users += 1

    def leave(self) -> None:
        with self.lock:
            self.users -= 1
            if self.users == 0:
                gc.set_threshold(*self.threshold)
                gc.unfreeze()


_COLLECTOR = _Collector()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Python's cyclic garbage collector runs every 700 allocations and, every hundred runs, scans every object
    the process holds: Django's models and forms, the app's modules, half a million objects, again and again
    while an import allocates millions (a fifth of a large import's time). Inside this context the objects
    alive before it are frozen out of those scans (``gc.freeze``) and the youngest generation is collected
    every ``YOUNG_COLLECTION_EVERY`` allocations; garbage is still collected, memory stays bounded. Restored
    when the last import running in the process leaves."""
    _COLLECTOR.enter()
    try:
        yield
    finally:
        _COLLECTOR.leave()


def period_of(batch: ImportBatch) -> tuple[int, int] | None:
    return v.parse_period(batch.period) if batch.period else None


@contextlib.contextmanager
def open_parser(batch: ImportBatch) -> Iterator[SheetParser]:
    spec = registry.get(batch.kind).sheet
    with local_copy(batch) as path, open_workbook(path) as workbook:
        yield open_sheet(workbook, spec, sheet=batch.sheet, period=period_of(batch))


def chunks(parser: SheetParser, size: int) -> Iterator[list[ParsedRow]]:
    chunk: list[ParsedRow] = []
    for row in parser.rows():
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def plans(parser: SheetParser, adapter: ModelAdapter) -> Iterator[list[RowPlan]]:
    assert parser.layout is not None
    parser.problems += adapter.start(parser.layout)
    planner = Planner(adapter, parser.layout)
    for chunk in chunks(parser, conf.chunk_rows()):
        yield planner.plan(chunk)


def estimate_rows(parser: SheetParser) -> int:
    total = parser.data.row_count or 0
    header = parser.layout.header_last if parser.layout else 0
    return max(total - header, 0)


def analyse(batch: ImportBatch, user: Any) -> ImportBatch:
    """Check every row of ``batch`` and store the plan; the batch ends checked, refused or cancelled."""
    from taizhang.ledgers import services

    try:
        services.import_batch_start(actor=user, batch=batch)
        with fewer_collections(), open_parser(batch) as parser:
            services.import_batch_progress(actor=user, batch=batch, done=0, total=estimate_rows(parser))
            adapter = registry.get(batch.kind).adapter(user, reason=batch_reason(batch))
            summary = Summary()
            done = 0
            for chunk in plans(parser, adapter):
                done += len(chunk)
                services.import_batch_record(actor=user, batch=batch, rows=stored_rows(chunk, batch), done=done)
                summary.add(chunk)
            assert parser.layout is not None
            sheet_problems = parser.problems
            summary.count_problems(sheet_problems)
            services.import_batch_checked(
                actor=user,
                batch=batch,
                summary=summary.as_fields(),
                layout=parser.layout.as_dict(),
                problems=[p.stored() for p in sheet_problems],
            )
    except FileRefused as refused:
        _refuse(batch, user, refused.message)
    except (Cancelled, TransitionNotAllowed):
        pass  # cancelled while it ran
    except Exception:
        logger.exception("checking import batch %s failed", batch.pk)
        _refuse(batch, user, _("Checking this file failed unexpectedly; nothing was imported. The error was logged."))
    batch.refresh_from_db()
    return batch


def _refuse(batch: ImportBatch, user: Any, message: str) -> None:
    from taizhang.ledgers import services

    with contextlib.suppress(TransitionNotAllowed):  # cancelled meanwhile
        services.import_batch_refuse(actor=user, batch=batch, message=message)


def apply(batch: ImportBatch, actor: Any) -> Summary:
    """Inside the caller's transaction: plan the file again and write every row through the services; the
    per-row outcome replaces the preview's rows chunk by chunk.

    Raises :class:`PlanChanged` when a row fails or the plan is not the one previewed, :class:`Cancelled` when
    the batch is cancelled meanwhile: the caller's transaction then rolls everything back.
    """
    summary, first, _sheet = _write_all(batch, actor, at_once=False)
    if summary.errors:
        raise PlanChanged(
            _("Row %(row)s no longer passes the check (%(message)s).")
            % {"row": first["row"], "message": first["message"]}
            if first and first.get("row")
            else _("The file no longer passes the check.")
        )
    if summary.digest.hexdigest() != batch.plan_digest:
        raise PlanChanged(_("The ledger changed since this file was checked."))
    return summary


class HasErrors(Exception):
    """Checking and importing in one pass met a row with errors: nothing may be written."""


def apply_at_once(batch: ImportBatch, actor: Any) -> tuple[Summary, SheetParser]:
    """Inside the caller's transaction: check and write every row in one pass, for callers that want no
    preview (the command line without ``--dry-run``). Raises :class:`HasErrors` at the first chunk with an
    error, before writing it: the caller rolls back and checks the file the usual way, which reports every
    problem. Half the work of a check followed by an import, for the same outcome."""
    summary, _first, parser = _write_all(batch, actor, at_once=True)
    return summary, parser


def _write_all(batch: ImportBatch, actor: Any, *, at_once: bool) -> tuple[Summary, dict[str, Any] | None, SheetParser]:
    """Plan and write chunk by chunk, storing each chunk's per-row outcome as it goes (memory stays bounded);
    returns the counts, the first error met (if any) and the parser."""
    from taizhang.ledgers.history import bulk_history

    reason = batch_reason(batch)
    adapter = registry.get(batch.kind).adapter(actor, reason=reason)
    summary = Summary(previewed=not at_once)  # imported at once: no preview to compare with
    first: dict[str, Any] | None = None
    done = 0
    ImportRow.objects.filter(
        batch=batch
    ).delete()  # the preview's rows (the caller's transaction keeps them on failure)
    with fewer_collections(), open_parser(batch) as parser:
        total = estimate_rows(parser)
        in_bulk = adapter.supports_bulk and max(total, batch.rows_read) > conf.bulk_above_rows()
        with bulk_history(user=actor, reason=reason) as recorder:
            for chunk in plans(parser, adapter):
                if cancel_requested(batch.pk):
                    raise Cancelled
                if at_once and (any(p.is_error for p in parser.problems) or any(p.row.has_errors for p in chunk)):
                    raise HasErrors
                if in_bulk:
                    _write_bulk(chunk, adapter, actor)
                else:
                    for plan in chunk:
                        _write(plan, adapter, actor)
                recorder.flush()
                summary.add(chunk)
                rows = stored_rows(chunk, batch)
                bulk.insert(ImportRow, rows)
                if first is None:
                    first = next((p for row in rows for p in row.problems if p["severity"] == ERROR), None)
                done += len(chunk)
                report_progress(batch.pk, done, total)
        summary.count_problems(parser.problems)
    if at_once and summary.errors:
        raise HasErrors
    return summary, first, parser


def batch_reason(batch: ImportBatch) -> str:
    """What history rows and workflow events of an import say: "import #12: 重点项目.xlsx"."""
    return _("import #%(batch)s: %(file)s") % {"batch": batch.pk, "file": batch.filename}


def _write_bulk(chunk: list[RowPlan], adapter: ModelAdapter, actor: Any) -> None:
    from taizhang.core.errors import DomainError

    writes = [plan for plan in chunk if plan.outcome in (Outcome.CREATE, Outcome.UPDATE)]
    if not writes:
        return
    try:
        adapter.write_bulk(actor=actor, plans=writes)
    except DomainError as error:
        raise PlanChanged(
            _("Rows %(first)s to %(last)s could not be imported: %(message)s")
            % {"first": writes[0].row.number, "last": writes[-1].row.number, "message": error.message}
        ) from error


def _write(plan: RowPlan, adapter: ModelAdapter, actor: Any) -> None:
    from taizhang.core.errors import DomainError

    if plan.outcome not in (Outcome.CREATE, Outcome.UPDATE):
        return
    values = adapter.materialise(plan.values)
    try:
        if plan.outcome == Outcome.CREATE:
            plan.obj = adapter.create(actor=actor, values=values)
            adapter.created[plan.key] = plan.obj
        else:
            adapter.update(actor=actor, obj=plan.obj, values=values, expected_version=plan.obj.version)
    except DomainError as error:
        raise PlanChanged(
            _("Row %(row)s could not be imported: %(message)s") % {"row": plan.row.number, "message": error.message}
        ) from error


class PlanChanged(Exception):
    """Committing found something the preview did not show: nothing is written and the file is checked again."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- progress and cancellation across processes ----------------------------------------------------------
# While a commit runs, its transaction holds the writes (and on SQLite the whole database): progress and
# cancellation travel through the shared cache instead of the batch row.


def _progress_key(batch_id: int) -> str:
    return f"ledgers:import:{batch_id}:progress"


def _cancel_key(batch_id: int) -> str:
    return f"ledgers:import:{batch_id}:cancel"


def report_progress(batch_id: int, done: int, total: int) -> None:
    cache.set(_progress_key(batch_id), (done, total), 3600)


def cached_progress(batch_id: int) -> tuple[int, int] | None:
    value = cache.get(_progress_key(batch_id))
    return (int(value[0]), int(value[1])) if value else None


def progress(batch: ImportBatch) -> tuple[int, int, int]:
    """(rows done, rows in all, percent) of a running batch: from the batch while it is checked, from the
    cache while it is imported (its transaction keeps the batch row's updates invisible until the end)."""
    done, total = batch.progress_done, batch.progress_total
    if batch.status == ImportStatus.COMMITTING:
        done, total = cached_progress(batch.pk) or (0, batch.rows_read)
    percent = min(100, int(done * 100 / total)) if total else 0
    return done, total, percent


def request_cancel(batch_id: int) -> None:
    cache.set(_cancel_key(batch_id), True, 3600)


def cancel_requested(batch_id: int) -> bool:
    return bool(cache.get(_cancel_key(batch_id)))


def clear_signals(batch_id: int) -> None:
    cache.delete_many([_progress_key(batch_id), _cancel_key(batch_id)])


def problems_of(batch: ImportBatch) -> list[Problem]:
    """Every problem of a batch, sheet-level first, then by row."""
    result = [Problem.from_stored(p) for p in batch.problems]
    for problems in batch.rows.filter(problems__isnull=False).exclude(problems=[]).values_list("problems", flat=True):
        result += [Problem.from_stored(p) for p in problems]
    return sorted(result, key=lambda p: (p.row or 0, p.severity != ERROR, p.column))
