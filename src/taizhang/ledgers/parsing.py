"""From a sheet's cells to typed records, the way a clerk reads an office ledger.

:class:`SheetParser` finds the header (one or two rows, under a title and a "单位：万元" row, across merged
cells), matches it to a ledger's :class:`~taizhang.ledgers.columns.Sheet` through aliases, learns the money
unit, year and report month from the header and title, then walks the rows: blank rows vanish, title, note,
subtotal and total rows are recognised and skipped, category heading rows ("一、产业项目（45个）") set the
category of the rows below, values merged down a run of rows are filled in, and every other row becomes a
record whose cells are read by the column types. Nothing stops at the first problem: each one is collected with
its spreadsheet row number, the column's header as written in the file, the cell's value and the reason.
Subtotals and totals written in the sheet are checked against the rows and a difference is a warning.

The parser is a single forward pass over the rows, so a sheet of any length is read in bounded memory.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from taizhang.ledgers import values as v
from taizhang.ledgers.columns import IGNORED_HEADERS, Column, Ignore, Money, ReadContext, Sheet
from taizhang.ledgers.reading import CellRange, FileRefused, SheetData, Workbook

ERROR = "error"
WARNING = "warning"
HEADER_SCAN_ROWS = 30
_UNREAD = object()
_REMEMBERED = 50_000  # cells whose reading is remembered at most (then forgotten at once): bounded memory
_REMEMBERED_TYPES = frozenset({str, dt.datetime, dt.date, type(None)})


class RowKind:
    RECORD = "record"
    HEADING = "heading"
    SUBTOTAL = "subtotal"
    TOTAL = "total"
    NOTE = "note"


@dataclass
class Problem:
    """One thing wrong with the file: where (row as numbered in the spreadsheet, column header), what, why."""

    row: int | None
    column: str
    value: str
    message: str
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}

    def stored(self) -> dict[str, Any]:
        return {**self.as_dict(), "severity": self.severity}

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> Problem:
        return cls(
            row=data.get("row"),
            column=data.get("column", ""),
            value=data.get("value", ""),
            message=data.get("message", ""),
            severity=data.get("severity", ERROR),
        )


@dataclass
class MappedColumn:
    index: int  # 0-based column of the sheet
    column: Column
    header: str  # as written in the file
    unit: str | None = None  # money unit the header states


@dataclass
class Layout:
    """What the parser learned about the sheet above its records."""

    sheet: str
    header_first: int  # spreadsheet row numbers
    header_last: int
    columns: list[MappedColumn]
    title: str = ""
    unit: str | None = None
    year: int | None = None
    month: int | None = None
    unknown_headers: list[str] = field(default_factory=list)
    annotations: tuple[int, ...] = ()  # 0-based columns headed 问题: an annotated copy's notes, not data

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}" if self.year and self.month else ""

    def header_of(self, field_name: str) -> str:
        return next((m.header for m in self.columns if m.column.field == field_name), field_name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "header_rows": [self.header_first, self.header_last],
            "columns": {m.column.field: m.header for m in self.columns},
            "indexes": {m.header: m.index for m in self.columns},
            "title": self.title,
            "unit": self.unit or "",
            "period": self.period,
            "unknown_headers": self.unknown_headers,
        }


@dataclass
class ParsedRow:
    number: int
    kind: str
    values: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, Any] = field(default_factory=dict)  # field → the raw cell, for previews and reports
    category: str = ""
    text: str = ""  # what a non-record row says ("合计", "基础设施类（6个）")
    problems: list[Problem] = field(default_factory=list)

    @property
    def is_record(self) -> bool:
        return self.kind == RowKind.RECORD

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


# --- row patterns ---------------------------------------------------------------------------------------

_TOTAL = re.compile(r"^(?:全区|全市|全县|全镇|全部|总)?(?:合计|总计|共计)(?:[:(\d]|$)")
_SUBTOTAL = re.compile(r"^(?:小计|其中)(?:[:(]|$)")
_ERROR_VALUE = re.compile(r"^#(?:N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!)$")
_NOTE = re.compile(
    r"^(?:注\d*[:、.]|注$|说明[:：]|备注[:：]|填报|填表|审核|制表|联系人|联系电话|负责人[:：]|单位负责人|主要负责人|"
    r"分管领导[:：]|签字|签名|盖章|附件[:：\d]|数据来源|资料来源)"
)
_MAY_LEAD = re.compile(r"计|其中|小")  # in every total and subtotal word
_NOTE_STARTS = frozenset("注说备填审制联负单主分签盖附数资")
_HEADING_PREFIX = re.compile(
    r"^(?:[一二三四五六七八九十百]+[、.]|\d{1,2}[、](?!\d)|\([一二三四五六七八九十\d]+\)[、.]?)\s*"
)
_HEADING_COUNT = re.compile(r"\(\s*(?:共)?\s*(\d+)\s*(?:个|项|家|条|处|名|人)?(?:项目)?\s*\)\s*[:：]?$")


def heading_name(text: str) -> tuple[str, int | None, bool] | None:
    """ "一、产业项目（45个）" → ("产业项目", 45, strong); None when the text is not a category heading."""
    cleaned = v.clean_text(text)
    prefix = _HEADING_PREFIX.match(cleaned)
    name = cleaned[prefix.end() :] if prefix else cleaned
    count_match = _HEADING_COUNT.search(name)
    count = int(count_match.group(1)) if count_match else None
    if count_match:
        name = name[: count_match.start()]
    name = name.strip().rstrip(":：").strip()
    ends_in_class = name.endswith("类") and len(name) > 2
    if ends_in_class:
        name = name[:-1]
    if not name or not (prefix or count_match or ends_in_class):
        return None
    return name, count, bool(prefix or count_match)


# --- the parser -----------------------------------------------------------------------------------------


class NoHeader(Exception):
    """The sheet has no row naming the ledger's columns."""


class SheetParser:
    """Parse one sheet against a ledger's spec. Call :meth:`locate` first, then iterate :meth:`rows`."""

    def __init__(self, data: SheetData, spec: Sheet, *, period: tuple[int, int] | None = None) -> None:
        self.data = data
        self.spec = spec
        self.given_period = period
        self.problems: list[Problem] = []  # about the sheet, or found after a row was handed out
        self._mapped_at: dict[int, MappedColumn] = {}
        self._column_readers: list[tuple[MappedColumn, ReadContext]] = []
        self._reading: tuple[ParsedRow, str, Any] = (ParsedRow(0, RowKind.NOTE), "", None)
        self.layout: Layout | None = None
        self._buffer: list[list[Any]] = []
        self._index = spec.header_index()
        self._ignored = spec.ignored_names()
        self._read: dict[tuple[int, type, Any], Any] = {}  # (column, type, cell) → value read without a warning

    # --- the header ------------------------------------------------------------------------------------

    def locate(self) -> Layout:
        """Find the header; raise :class:`NoHeader` when no row of the first ones names the columns."""
        for row in self.data.rows:
            self._buffer.append(row)
            if len(self._buffer) >= HEADER_SCAN_ROWS:
                break
        grid = _filled(self._buffer, self.data.merges)
        best: tuple[tuple[int, int, int, int], int, int, dict[int, tuple[Column | None, str, v.HeaderText]]] | None
        best = None
        for first in range(len(grid)):
            for last in (first, first + 1):
                if last >= len(grid):
                    continue
                matched = self._match(grid, first, last)
                found = {c.field for c, _h, _t in matched.values() if c is not None}
                required = sum(1 for c in self.spec.required_columns() if c.field in found)
                score = (required, len(found), -(last - first), -first)
                if found and (best is None or score > best[0]):
                    best = (score, first, last, matched)
        if best is None:
            raise NoHeader
        _score, first, last, matched = best
        if first == last > 0 and self._merged_with_row_above(last):
            first = last - 1  # a two-level header whose merged cells also fill the lower row
            matched = self._match(grid, first, last)
        self.layout = self._layout(grid, first, last, matched)
        return self.layout

    def _merged_with_row_above(self, row: int) -> bool:
        return any(first < row <= last for first, _c, last, _c2 in self.data.merges)

    def _match(
        self, grid: list[list[Any]], first: int, last: int
    ) -> dict[int, tuple[Column | None, str, v.HeaderText]]:
        """Columns of rows ``first``..``last`` (one or two header rows) matched to the spec; None = ignored."""
        width = max(len(grid[first]), len(grid[last]))
        matched: dict[int, tuple[Column | None, str, v.HeaderText]] = {}
        for col in range(width):
            upper = v.plain(_cell(grid[first], col))
            lower = v.plain(_cell(grid[last], col)) if last != first else upper
            if not upper and not lower:
                continue
            if upper == lower or not lower:
                candidates = [upper]
            elif not upper:
                candidates = [lower]
            else:
                candidates = [upper + lower, lower]
            shown = candidates[0]
            for text in candidates:
                parts = v.header_text(text)
                if parts.base in self._index:
                    matched[col] = (self._index[parts.base], shown, parts)
                    break
                if parts.base in IGNORED_HEADERS or parts.base in self._ignored:
                    matched[col] = (None, shown, parts)
                    break
            else:
                matched.setdefault(-1 - col, (None, shown, v.HeaderText(base="")))  # unknown, kept for the report
        return matched

    def _layout(
        self,
        grid: list[list[Any]],
        first: int,
        last: int,
        matched: dict[int, tuple[Column | None, str, v.HeaderText]],
    ) -> Layout:
        columns: list[MappedColumn] = []
        unknown: list[str] = []
        seen: dict[str, MappedColumn] = {}
        header_years, header_months = [], []
        annotations = tuple(
            col for col, (column, _s, parts) in matched.items() if column is None and parts.base == "问题"
        )
        for col, (column, shown, parts) in sorted(matched.items(), key=lambda kv: abs(kv[0])):
            if col < 0:
                if shown:
                    unknown.append(shown)
                continue
            if parts.year:
                header_years.append(parts.year)
            if parts.month:
                header_months.append(parts.month)
            if column is None:
                continue
            if column.field in seen:
                self.problems.append(
                    Problem(
                        None,
                        shown,
                        "",
                        _("This column appears twice; the first one (column %(letter)s) is read.")
                        % {"letter": column_letter(seen[column.field].index)},
                        WARNING,
                    )
                )
                continue
            mapped = MappedColumn(index=col, column=column, header=shown, unit=parts.unit)
            seen[column.field] = mapped
            columns.append(mapped)
        above = [v.plain(c) for row in grid[:first] for c in row if not v.is_blank(c)]
        title = next((t for t in above if v.unit_in_text(t) is None), "")
        unit_lines = [t for t in [*above, *unknown] if v.unit_in_text(t) is not None]
        unknown = [t for t in unknown if t not in unit_lines]
        unit = v.unit_in_text(unit_lines[0]) if unit_lines else None
        title_year, title_month = v.period_in_text(" ".join(above))
        year, month = self.given_period or (None, None)
        year = year or (max(header_years) if header_years else None) or title_year
        month = month or (max(header_months) if header_months else None) or title_month
        layout = Layout(
            sheet=self.data.name,
            header_first=first + 1,
            header_last=last + 1,
            columns=columns,
            title=title,
            unit=unit,
            year=year,
            month=month,
            unknown_headers=unknown,
            annotations=annotations,
        )
        self._report_columns(layout)
        return layout

    def _report_columns(self, layout: Layout) -> None:
        present = {m.column.field for m in layout.columns}
        for column in self.spec.required_columns():
            if column.field not in present and column.field != self.spec.category:  # headings may give it
                names = "、".join([column.header_for(with_unit=False), *column.aliases[:3]])
                self.problems.append(
                    Problem(
                        layout.header_last,
                        column.header_for(with_unit=False),
                        "",
                        _("This required column is missing. Add a column headed %(names)s.") % {"names": names},
                    )
                )
        if layout.unknown_headers:
            self.problems.append(
                Problem(
                    layout.header_last,
                    "、".join(layout.unknown_headers),
                    "",
                    _("These columns are not part of this ledger and were not imported."),
                    WARNING,
                )
            )

    # --- the rows --------------------------------------------------------------------------------------

    def rows(self) -> Iterator[ParsedRow]:
        """Every non-blank row below the header, classified; records carry their typed values."""
        layout = self.layout
        assert layout is not None, "call locate() first"
        starts: dict[int, list[CellRange]] = {}
        for merge in self.data.merges:
            first_row, _c, last_row, _c2 = merge
            if last_row > first_row >= layout.header_last:
                starts.setdefault(first_row, []).append(merge)
        pending: dict[int, tuple[Any, int]] = {}  # column → (value merged down, last row of the range)
        self._mapped_at = {m.index: m for m in layout.columns}
        self._column_readers = self._readers()
        tracker = _Totals(self, layout)
        category = ""
        index = -1
        for index, raw in enumerate(self._all_rows()):
            row = raw  # readers give each row as a fresh list
            for col, (value, last) in list(pending.items()):
                if index > last:
                    del pending[col]
                elif col < len(row) and v.is_blank(row[col]):
                    row[col] = value
                elif col >= len(row):
                    row.extend([None] * (col + 1 - len(row)))
                    row[col] = value
            for _first_row, first_col, last_row, _last_col in starts.get(index, []):
                pending[first_col] = (_cell(row, first_col), last_row)
            if index < layout.header_last:
                continue
            parsed = self._classify(index + 1, row, category)
            if parsed is None:
                continue
            if parsed.kind == RowKind.HEADING:
                category = parsed.category
            tracker.see(parsed, row)
            yield parsed
        tracker.finish(index + 1)

    def _all_rows(self) -> Iterator[list[Any]]:
        """The sheet's rows from the first, without the 问题 an annotated copy wrote (also on heading, subtotal
        and total rows, which must still read as such)."""
        buffered, self._buffer = self._buffer, []
        annotations = self.layout.annotations if self.layout is not None else ()
        for row in itertools.chain(buffered, self.data.rows):
            for col in annotations:
                if col < len(row):
                    row[col] = None
            yield row

    def _classify(self, number: int, row: list[Any], category: str) -> ParsedRow | None:
        nonblank = 0
        texts: list[tuple[int, str]] = []  # (column, text) of the text cells
        for c, value in enumerate(row):
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            nonblank += 1
            if isinstance(value, str):
                texts.append((c, value))
        if not nonblank:
            return None
        # Most rows are records: only text that could open a total, subtotal or note row is normalised and tested.
        lead = [v.squeeze(t) for _c, t in texts[:2] if _MAY_LEAD.search(t) or t.lstrip()[:1] in _NOTE_STARTS]
        if any(_TOTAL.match(t) for t in lead):
            return ParsedRow(number, RowKind.TOTAL, text=v.plain(texts[0][1]) if texts else "", category=category)
        if any(_SUBTOTAL.match(t) for t in lead):
            return ParsedRow(number, RowKind.SUBTOTAL, text=v.plain(texts[0][1]), category=category)
        signature_line = len(texts) == nonblank and all(t.rstrip().endswith((":", "：")) for _c, t in texts)
        if signature_line or any(_NOTE.match(t) for t in lead):
            return ParsedRow(number, RowKind.NOTE, text=" ".join(v.plain(t) for _c, t in texts), category=category)
        if len(texts) == 1:
            col, text = texts[0][0], v.plain(texts[0][1])
            in_column = self._mapped_at.get(col)
            heading = heading_name(text)
            if heading is not None and (heading[2] or in_column is None or not in_column.column.required):
                return ParsedRow(number, RowKind.HEADING, text=text, category=heading[0])
            if in_column is None or isinstance(in_column.column.type, Ignore):
                note = ParsedRow(number, RowKind.NOTE, text=text, category=category)
                note.problems.append(
                    Problem(number, "", text, _("Only this text is on the row; it was taken for a note."), WARNING)
                )
                return note
        return self._record(number, row, category)

    def _readers(self) -> list[tuple[MappedColumn, ReadContext]]:
        """Each read column with its context, made once per sheet; warnings go to the row being read."""
        layout = self.layout
        assert layout is not None
        return [
            (m, ReadContext(year=layout.year, month=layout.month, unit=m.unit or layout.unit or v.WAN, warn=self._warn))
            for m in layout.columns
            if not isinstance(m.column.type, Ignore)
        ]

    def _warn(self, message: str) -> None:
        row, header, raw = self._reading
        row.problems.append(Problem(row.number, header, v.display(raw), message, WARNING))

    def _record(self, number: int, row: list[Any], category: str) -> ParsedRow:
        parsed = ParsedRow(number, RowKind.RECORD, category=category)
        errors = self.data.errors
        width = len(row)
        read = self._read
        for mapped, ctx in self._column_readers:
            column = mapped.column
            raw = row[mapped.index] if mapped.index < width else None
            parsed.cells[column.field] = raw
            error = errors.get((number - 1, mapped.index)) if errors else None
            if error or (isinstance(raw, str) and raw.startswith("#") and _ERROR_VALUE.match(raw.strip())):
                message = _("The cell shows a spreadsheet error instead of a value.")
                parsed.problems.append(Problem(number, mapped.header, str(error or raw), message))
                continue
            # A column's reading depends on the cell alone (the context is the sheet's): a value read without
            # a word of warning is remembered, so cells that repeat (units, categories, dates) are read once.
            # Not numbers: amounts seldom repeat, and 0.0 and -0.0 are equal keys with different readings.
            key = (mapped.index, type(raw), raw) if type(raw) in _REMEMBERED_TYPES else None
            value = read.get(key, _UNREAD) if key is not None else _UNREAD
            if value is _UNREAD:
                self._reading = (parsed, mapped.header, raw)
                warned = len(parsed.problems)
                try:
                    value = column.type.parse(raw, ctx)
                except v.ValueProblem as problem:
                    parsed.problems.append(Problem(number, mapped.header, v.display(raw), problem.message))
                    continue
                if key is not None and len(parsed.problems) == warned:
                    if len(read) >= _REMEMBERED:
                        read.clear()
                    read[key] = value
            if column.required and (value is None or value == ""):
                message = _("This column is required; the cell is empty.")
                parsed.problems.append(Problem(number, mapped.header, v.display(raw), message))
                continue
            parsed.values[column.field] = value
        self._apply_category(parsed, category)
        return parsed

    def _apply_category(self, parsed: ParsedRow, category: str) -> None:
        name = self.spec.category
        if not name or parsed.values.get(name) not in (None, ""):
            return
        column = self.spec.column(name)
        if not category:
            in_file = any(m.column.field == name for m in self.layout.columns) if self.layout else False
            if column.required and not in_file:
                parsed.problems.append(
                    Problem(
                        parsed.number,
                        column.header_for(with_unit=False),
                        "",
                        _("This row has no %(header)s: add the column, or a heading row above it.")
                        % {"header": column.header_for(with_unit=False)},
                    )
                )
            return
        try:
            parsed.values[name] = column.type.parse(category, ReadContext())
        except v.ValueProblem as problem:
            parsed.problems.append(
                Problem(parsed.number, column.header_for(with_unit=False), category, problem.message)
            )


class _Totals:
    """Compares subtotals and totals written in the sheet with the sum of its records (warnings)."""

    def __init__(self, parser: SheetParser, layout: Layout) -> None:
        self.parser = parser
        self.layout = layout
        self.columns = [m for m in layout.columns if m.column.total and m.column.type.numeric]
        self.group: dict[str, Any] | None = None
        self.grand: dict[str, Decimal] = {}
        self.records = 0

    def _stated(self, row: list[Any]) -> dict[str, Decimal]:
        stated = {}
        for mapped in self.columns:
            ctx = ReadContext(year=self.layout.year, unit=mapped.unit or self.layout.unit or v.WAN)
            try:
                value = mapped.column.type.parse(_cell(row, mapped.index), ctx)
            except v.ValueProblem:
                continue
            if value is not None:
                stated[mapped.column.field] = Decimal(value)
        return stated

    def see(self, parsed: ParsedRow, row: list[Any]) -> None:
        if parsed.kind == RowKind.HEADING:
            self._close_group(parsed.number - 1)
            count = heading_name(parsed.text)
            self.group = {
                "row": parsed.number,
                "name": parsed.category,
                "count": count[1] if count else None,
                "stated": self._stated(row),
                "sums": {},
                "records": 0,
            }
        elif parsed.kind == RowKind.RECORD:
            self.records += 1
            for mapped in self.columns:
                value = parsed.values.get(mapped.column.field)
                if value is not None:
                    key = mapped.column.field
                    self.grand[key] = self.grand.get(key, Decimal(0)) + Decimal(value)
                    if self.group is not None:
                        self.group["sums"][key] = self.group["sums"].get(key, Decimal(0)) + Decimal(value)
            if self.group is not None:
                self.group["records"] += 1
        elif parsed.kind == RowKind.SUBTOTAL and self.group is not None:
            self._compare(parsed.number, self._stated(row), self.group["sums"], self.group["records"])
        elif parsed.kind == RowKind.TOTAL:
            self._close_group(parsed.number - 1)
            self._compare(parsed.number, self._stated(row), self.grand, self.records)

    def finish(self, last_row: int) -> None:
        self._close_group(last_row)

    def _close_group(self, last_row: int) -> None:
        group, self.group = self.group, None
        if group is None:
            return
        if group["count"] is not None and group["count"] != group["records"]:
            self.parser.problems.append(
                Problem(
                    group["row"],
                    "",
                    group["name"],
                    _("The heading counts %(stated)s records but %(found)s rows follow it.")
                    % {"stated": group["count"], "found": group["records"]},
                    WARNING,
                )
            )
        self._compare(group["row"], group["stated"], group["sums"], group["records"])

    def _compare(self, row: int, stated: dict[str, Decimal], sums: dict[str, Decimal], records: int) -> None:
        for mapped in self.columns:
            key = mapped.column.field
            if key not in stated:
                continue
            total = sums.get(key, Decimal(0))
            tolerance = max(abs(stated[key]) * Decimal("0.0005"), Decimal("0.01"))
            if abs(stated[key] - total) > tolerance:
                unit = " 万元" if isinstance(mapped.column.type, Money) else ""
                self.parser.problems.append(
                    Problem(
                        row,
                        mapped.header,
                        f"{stated[key].normalize():f}{unit}",
                        _("The sheet states %(stated)s, but the %(count)s rows it covers add up to %(sum)s.")
                        % {
                            "stated": f"{stated[key].normalize():f}{unit}",
                            "count": records,
                            "sum": f"{total.normalize():f}{unit}",
                        },
                        WARNING,
                    )
                )


def _cell(row: list[Any], col: int) -> Any:
    return row[col] if 0 <= col < len(row) else None


def _filled(rows: list[list[Any]], merges: list[CellRange]) -> list[list[Any]]:
    """A copy of the top rows with every merged range filled with its value (for reading headers)."""
    grid = [list(r) for r in rows]
    for first_row, first_col, last_row, last_col in merges:
        if first_row >= len(grid):
            continue
        value = _cell(grid[first_row], first_col)
        for r in range(first_row, min(last_row, len(grid) - 1) + 1):
            if len(grid[r]) <= last_col:
                grid[r].extend([None] * (last_col + 1 - len(grid[r])))
            for c in range(first_col, last_col + 1):
                if v.is_blank(grid[r][c]):
                    grid[r][c] = value
    return grid


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- choosing the sheet ---------------------------------------------------------------------------------


def open_sheet(
    workbook: Workbook, spec: Sheet, *, sheet: str = "", period: tuple[int, int] | None = None
) -> SheetParser:
    """The parser of the sheet to import: the one named, or the first whose header fits the ledger."""
    names = workbook.sheet_names
    if sheet:
        if sheet not in names:
            raise FileRefused(
                _("The workbook has no sheet named “%(sheet)s”. Its sheets: %(names)s.")
                % {"sheet": sheet, "names": "、".join(names)}
            )
        candidates = [sheet]
    else:
        candidates = names
    best: SheetParser | None = None
    for name in candidates:
        parser = SheetParser(workbook.sheet(name), spec, period=period)
        try:
            parser.locate()
        except NoHeader:
            continue
        if not any(p.is_error for p in parser.problems):
            return parser
        if best is None:
            best = parser
    if best is not None:
        return best
    expected = "、".join(c.header_for(with_unit=False) for c in spec.required_columns()[:4])
    if sheet:
        raise FileRefused(
            _(
                "Sheet “%(sheet)s” has no header row naming the columns of this ledger (such as %(expected)s). "
                "The workbook's sheets: %(names)s."
            )
            % {"sheet": sheet, "expected": expected, "names": "、".join(names)}
        )
    raise FileRefused(
        _(
            "No sheet has a header row naming the columns of this ledger (such as %(expected)s) in its first "
            "%(rows)s rows."
        )
        % {"expected": expected, "rows": HEADER_SCAN_ROWS}
    )
