"""Export a ledger in the layout offices print, and as plain CSV.

The .xlsx follows the office layout: a title row stating the period, a row naming the issuing unit and the
money unit, one or two header rows (a group such as "2022年" over 计划投资 / 1-5月完成投资 / 完成率), category
groups each opened by a heading row "一、基础设施（6个）" that carries the group's subtotals, a 合计 row, frozen
panes below the header, landscape A4 or A3 print set-up with the header rows repeated on every page, and
column widths that fit Chinese text. It is written by XlsxWriter in constant-memory mode: rows stream to disk
as they are produced, so an export of any length holds only one row in memory.

The same column spec reads the file back: an export imports with no change.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, cast

from django.conf import settings
from django.db import models
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from taizhang.core import clock
from taizhang.ledgers import values as v
from taizhang.ledgers.columns import Choice, Column, Sheet, Text, _text_width

CHINESE_NUMERALS = "一二三四五六七八九十"
FONT = "宋体"  # what Chinese Excel and WPS use by default; LibreOffice maps it to a CJK serif


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 23 → 二十三 (heading numbers; beyond 99 Arabic digits)."""
    if n <= 10:
        return CHINESE_NUMERALS[n - 1]
    if n < 20:
        return "十" + CHINESE_NUMERALS[n - 11]
    if n < 100:
        tens, ones = divmod(n, 10)
        return CHINESE_NUMERALS[tens - 1] + "十" + (CHINESE_NUMERALS[ones - 1] if ones else "")
    return str(n)


@dataclass
class Group:
    """A category of the export and the records in it (an iterable that can be walked twice)."""

    label: str
    records: Callable[[], Iterable[Any]]
    # When the database can count and sum a group (``Sheet.export_totals``): (count, sums in 万元) without
    # walking its records, and the first records to size the columns by (as ``rows`` gives them, if given).
    totals: Callable[[], tuple[int, dict[str, Decimal]]] | None = None
    sample: Callable[[], Iterable[Any]] | None = None
    # When the sheet gives them (``Sheet.export_rows``): the records as rows of the exported columns' values,
    # in column order, before rendering — what the export writes, without a model instance per record.
    rows: Callable[[], Iterable[Sequence[Any]]] | None = None


@dataclass
class ExportTitle:
    title: str
    issuer: str = ""
    as_of: dt.date = field(default_factory=timezone.localdate)
    year: int | None = None
    month: int | None = None

    def period_text(self, periodic: bool) -> str:
        if periodic and self.year and self.month:
            months = f"1-{self.month}月" if self.month > 1 else "1月"
            return f"（{self.year}年{months}）"
        return f"（截至{self.as_of.year}年{self.as_of.month}月{self.as_of.day}日）"


def _total_columns(sheet: Sheet) -> list[Column]:
    return [c for c in sheet.exported_columns() if c.total and c.type.numeric]


def _values_of(columns: list[Column], records: Iterable[Any]) -> Iterator[list[Any]]:
    """Records as rows of the columns' values (before rendering), in column order."""
    for record in records:
        yield [column.value_of(record) for column in columns]


@dataclass
class _GroupFigures:
    count: int = 0
    sums: dict[str, Decimal] = field(default_factory=dict)


def _figures(sheet: Sheet, rows: Iterable[Sequence[Any]], widths: dict[str, float], sample: int = 300) -> _GroupFigures:
    """Count a group, sum its total columns (in 万元 as stored) and widen columns for its first rows (``rows``:
    the exported columns' values, in column order)."""
    figures = _GroupFigures()
    columns = sheet.exported_columns()
    totals = [(i, c) for i, c in enumerate(columns) if c.total and c.type.numeric]
    for values in rows:
        figures.count += 1
        for i, column in totals:
            if values[i] is not None:
                figures.sums[column.field] = figures.sums.get(column.field, Decimal(0)) + Decimal(values[i])
        if figures.count <= sample:
            for column, raw in zip(columns, values, strict=True):
                value = column.type.render(raw)
                if value is not None and not isinstance(value, int | float):
                    widths[column.field] = max(widths.get(column.field, 0), _text_width(v.display(value)))
    return figures


def write_xlsx(
    target: str | os.PathLike[str] | IO[bytes], sheet: Sheet, groups: list[Group], title: ExportTitle
) -> int:
    """Write ``groups`` of records in office layout; returns the number of records written."""
    return _OfficeSheet(sheet, groups, title).write(target)


class _OfficeSheet:
    """One export in office layout, written top to bottom (constant-memory mode allows nothing else)."""

    def __init__(self, sheet: Sheet, groups: list[Group], title: ExportTitle) -> None:
        self.sheet = sheet
        self.groups = groups
        self.title = title
        self.columns = sheet.exported_columns()
        self.two_levels = any(c.group for c in self.columns)
        self.lead = 1 if sheet.numbered else 0  # the 序号 column
        self.width = self.lead + len(self.columns)
        self.first_header = 2
        self.last_header = self.first_header + (1 if self.two_levels else 0)
        totals = _total_columns(sheet)
        self.totals = totals
        self.first_total = min((self.lead + self.columns.index(c) for c in totals), default=self.width)
        self.sampled: dict[str, float] = {}
        self.figures = [self._group_figures(group) for group in groups]
        self.grand = _GroupFigures(count=sum(f.count for f in self.figures))
        for figure in self.figures:
            for key, amount in figure.sums.items():
                self.grand.sums[key] = self.grand.sums.get(key, Decimal(0)) + amount

    def _rows(self, group: Group) -> Iterable[Sequence[Any]]:
        """The group's records as rows of the exported columns' values."""
        return group.rows() if group.rows is not None else _values_of(self.columns, group.records())

    def _group_figures(self, group: Group) -> _GroupFigures:
        """Count, sums and column widths of a group: from the database when it can say, else by walking it."""
        if group.totals is None:
            return _figures(self.sheet, self._rows(group), self.sampled)
        count, sums = group.totals()
        sample: Iterable[Any] = group.sample() if group.sample is not None else ()
        _figures(self.sheet, sample if group.rows is not None else _values_of(self.columns, sample), self.sampled)
        return _GroupFigures(count=count, sums={k: Decimal(v) for k, v in sums.items() if v is not None})

    def write(self, target: str | os.PathLike[str] | IO[bytes]) -> int:
        import xlsxwriter

        options = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
        book = xlsxwriter.Workbook(target, {**options, "strings_to_urls": False})
        # A fixed creation time keeps the same export byte-for-byte the same within a day.
        book.set_properties({"title": self.title.title, "created": dt.datetime.combine(self.title.as_of, dt.time())})
        self.fmt = _Formats(book, self.columns)
        ws = book.add_worksheet(self.sheet.title[:31])
        self.widths(ws)
        self.top(ws)
        self.headers(ws)
        row = self.records(ws, self.last_header + 1)
        total_text = "合计" if self.totals else f"合计（{self.grand.count}{self.sheet.count_word}）"
        self.summary(ws, row, total_text, self.grand, self.fmt.total)
        self.print_setup(ws)
        book.close()
        return self.grand.count

    def widths(self, ws: Any) -> None:
        """Column widths first: in constant-memory mode they must precede the rows."""
        if self.lead:
            ws.set_column(0, 0, 6)
        for i, column in enumerate(self.columns, start=self.lead):
            header = _text_width(column.header_for(self.title.year, self.title.month)) / (
                1.7 if self.two_levels else 1.2
            )
            widest = max(column.type.width, self.sampled.get(column.field, 0) + 1, header, 6)
            ws.set_column(i, i, min(column.width or widest, 48))

    def top(self, ws: Any) -> None:
        """The title row with the period, and the unit row: who made the table, and the money unit."""
        ws.set_row(0, 32)
        text = f"{self.title.title}{self.title.period_text(self.sheet.periodic)}"
        ws.merge_range(0, 0, 0, max(self.width - 1, 1), text, self.fmt.title)
        money = [c for c in self.columns if c.type.kind == "money"]
        unit_text = "单位：万元" if any(c.type.header_suffix() == "（万元）" for c in money) else ""
        issuer = f"制表单位：{self.title.issuer}" if self.title.issuer else ""
        split = max(self.width // 2, 1)
        _header(ws, (1, 0, 1, split - 1), issuer, self.fmt.unit_left)
        _header(ws, (1, split, 1, max(self.width - 1, split)), unit_text, self.fmt.unit_right)

    def headers(self, ws: Any) -> None:
        """One header row, or two when columns share a group ("2022年" over 计划投资 / 完成投资 / 完成率).

        Constant-memory mode writes each row once, top to bottom: the upper row is written in full first;
        then the columns without a group are merged down over both rows and the lower row gets the sub-headers.
        """
        first, last, year, month = self.first_header, self.last_header, self.title.year, self.title.month
        for r in range(first, last + 1):
            ws.set_row(r, 24 if self.two_levels else 36)
        spans = self._spans()
        for col, span, column in spans:
            text = column.group_for(year, month) if column and column.group else self._label(column, year, month)
            _header(ws, (first, col, first, col + span - 1), text, self.fmt.header)
        if self.two_levels:
            for col, span, column in spans:
                if column is None or not column.group:
                    # merge_range() refuses a range whose first row is already written out, as the upper row
                    # now is; the range goes on XlsxWriter's list of merges, the lower cell is a formatted blank.
                    ws.merge.append([first, col, last, col])
                    ws.write_blank(last, col, None, self.fmt.header)
                    continue
                for j in range(span):
                    sub = self.columns[col - self.lead + j]
                    ws.write_string(last, col + j, sub.header_for(year, month), self.fmt.header)
        ws.freeze_panes(last + 1, self.lead + 1)
        ws.repeat_rows(first, last)

    def _spans(self) -> list[tuple[int, int, Column | None]]:
        """(first column, width, column) of each upper header cell; None is the 序号 column."""
        spans: list[tuple[int, int, Column | None]] = [(0, 1, None)] if self.lead else []
        i = 0
        while i < len(self.columns):
            column = self.columns[i]
            span = 1
            while column.group and i + span < len(self.columns) and self.columns[i + span].group == column.group:
                span += 1
            spans.append((self.lead + i, span, column))
            i += span
        return spans

    @staticmethod
    def _label(column: Column | None, year: int | None, month: int | None) -> str:
        return "序号" if column is None else column.header_for(year, month)

    def records(self, ws: Any, row: int) -> int:
        """Each group under its heading row "一、基础设施（6个）" (with its subtotals); 序号 restarts per group."""
        for number, (group, figure) in enumerate(zip(self.groups, self.figures, strict=True), start=1):
            if group.label:
                text = f"{chinese_number(number)}、{group.label}（{figure.count}{self.sheet.count_word}）"
                row = self.summary(ws, row, text, figure, self.fmt.heading)
            row = self._write_rows(ws, row, self._rows(group))
        return row

    def _write_rows(self, ws: Any, row: int, rows: Iterable[Sequence[Any]]) -> int:
        """The records of a group, 序号 from 1: each value rendered by its column and written with the cheapest
        XlsxWriter call for its type (text and numbers directly, the rest through :func:`_write_cell`)."""
        # Text renders as itself (or None when empty): its values are written without the call.
        cells = [
            (i, None if type(column.type) is Text else column.type.render, self.fmt.for_column(column))
            for i, column in enumerate(self.columns, start=self.lead)
        ]
        write_string, write_number, write_blank = ws.write_string, ws.write_number, ws.write_blank
        seq_format, midnight = self.fmt.seq, dt.time()
        for seq, values in enumerate(rows, start=1):
            if self.lead:
                write_number(row, 0, seq, seq_format)
            for (col, render, cell_format), raw in zip(cells, values):  # noqa: B905 - one value per column
                value = (raw or None) if render is None else render(raw)
                kind = type(value)
                if kind is str:
                    if value:
                        write_string(row, col, value, cell_format)
                    else:
                        write_blank(row, col, None, cell_format)
                elif kind is float:
                    write_number(row, col, value, cell_format)
                elif value is None:
                    write_blank(row, col, None, cell_format)
                elif kind is dt.date:
                    ws.write_datetime(row, col, dt.datetime.combine(value, midnight), cell_format)
                else:
                    _write_cell(ws, row, col, value, cell_format)
            row += 1
        return row

    def summary(self, ws: Any, row: int, text: str, figures: _GroupFigures, cell_format: Any) -> int:
        """A heading or the 合计 row: the label over the leading columns, sums under the total columns."""
        label_end = max(self.first_total - 1, 0)
        _header(ws, (row, 0, row, label_end), text, cell_format.label)
        for i, column in enumerate(self.columns, start=self.lead):
            if i > label_end:
                value = figures.sums.get(column.field) if column.total else None
                rendered = column.type.render(value) if value is not None else None
                _write_cell(ws, row, i, rendered, cell_format.number(column))
        return row + 1

    def print_setup(self, ws: Any) -> None:
        """Landscape, A3 when the table is wide, one page wide, header rows repeated, page numbers."""
        ws.set_landscape()
        wide = sum(c.export_width() for c in self.columns) > 160 or len(self.columns) > 12
        ws.set_paper(8 if wide else 9)  # 8 = A3, 9 = A4
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer("&C第 &P 页，共 &N 页")


def _header(ws: Any, area: tuple[int, int, int, int], text: str, cell_format: Any) -> None:
    """Write ``text`` over ``area`` (first row, first column, last row, last column), merged when it spans."""
    r1, c1, r2, c2 = area
    if (r1, c1) == (r2, c2):
        ws.write_string(r1, c1, text, cell_format)
    else:
        ws.merge_range(r1, c1, r2, c2, text, cell_format)


def _write_cell(ws: Any, row: int, col: int, value: Any, cell_format: Any) -> None:
    if value is None or value == "":
        ws.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", cell_format)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(row, col, float(value), cell_format)
    elif isinstance(value, dt.datetime):
        ws.write_datetime(row, col, value.replace(tzinfo=None), cell_format)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), cell_format)
    else:
        ws.write_string(row, col, str(value), cell_format)


class _SummaryFormats:
    def __init__(self, book: Any, columns: list[Column], base: dict[str, Any]) -> None:
        self.label = book.add_format({**base, "align": "left"})
        self._numbers = {
            c.field: book.add_format({**base, "align": "right", "num_format": c.type.number_format or "General"})
            for c in columns
        }

    def number(self, column: Column) -> Any:
        return self._numbers[column.field]


class _Formats:
    def __init__(self, book: Any, columns: list[Column]) -> None:
        font = {"font_name": FONT, "font_size": 10}
        cell = {**font, "border": 1, "valign": "vcenter"}
        self.title = book.add_format(
            {"font_name": FONT, "font_size": 16, "bold": True, "align": "center", "valign": "vcenter"}
        )
        self.unit_left = book.add_format({**font, "align": "left", "valign": "vcenter"})
        self.unit_right = book.add_format({**font, "align": "right", "valign": "vcenter"})
        self.header = book.add_format(
            {**cell, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#EDEDED"}
        )
        self.seq = book.add_format({**cell, "align": "center"})
        self.heading = _SummaryFormats(book, columns, {**cell, "bold": True, "bg_color": "#F5F5F5"})
        self.total = _SummaryFormats(book, columns, {**cell, "bold": True, "bg_color": "#E6E6E6"})
        self._columns = {}
        for column in columns:
            spec: dict[str, Any] = dict(cell)
            if column.type.number_format:
                spec["num_format"] = column.type.number_format
            if column.type.numeric:
                spec["align"] = "right"
            elif column.type.kind in {"date", "month", "bool", "choice"} or isinstance(column.type, Choice):
                spec["align"] = "center"
            else:
                spec["text_wrap"] = True
            self._columns[column.field] = book.add_format(spec)

    def for_column(self, column: Column) -> Any:
        return self._columns[column.field]


# --- CSV -------------------------------------------------------------------------------------------------


def csv_header(sheet: Sheet, year: int | None, month: int | None) -> list[str]:
    return [f"{c.group_for(year, month)}{c.header_for(year, month)}" for c in sheet.exported_columns()]


def csv_text(value: Any) -> str:
    """A cell for CSV: numbers plain and exact, dates ISO, text guarded against formula injection."""
    if value is None:
        return ""
    if isinstance(value, float):
        return v.display(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(v.FORMULA_START) else text


def csv_rows(sheet: Sheet, records: Iterable[Any], year: int | None, month: int | None) -> Iterator[list[str]]:
    columns = sheet.exported_columns()
    yield csv_header(sheet, year, month)
    for record in records:
        row = []
        for column in columns:
            value = column.value_of(record)
            if column.type.kind == "money" and value is not None:
                unit = getattr(column.type, "unit", v.WAN)
                row.append(f"{v.from_wan(Decimal(value), unit).normalize():f}")
            else:
                row.append(csv_text(column.type.render(value)))
        yield row


class _Echo:
    def write(self, value: str) -> str:
        return value


def stream_csv(rows: Iterable[list[str]]) -> Iterator[bytes]:
    """UTF-8 with a BOM, so that Excel opens Chinese text correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    for row in rows:
        yield writer.writerow(row).encode("utf-8")


def write_csv(
    target: IO[bytes], sheet: Sheet, records: Iterable[Any], year: int | None = None, month: int | None = None
) -> None:
    for chunk in stream_csv(csv_rows(sheet, records, year, month)):
        target.write(chunk)


# --- exporting a list page ---------------------------------------------------------------------------------


def groups_of(sheet: Sheet, queryset: models.QuerySet[Any]) -> list[Group]:
    """The queryset split by the sheet's category, groups in the order the category's choices are declared
    (or the related records' own order); each group streams its records."""
    if not sheet.category:
        return [_group(sheet, "", queryset)]
    column = sheet.column(sheet.category)
    path = sheet.export_category or sheet.category
    field_obj = _field_at(queryset.model, path)
    present = set(queryset.order_by().values_list(path, flat=True).distinct())
    ordered: list[tuple[Any, str]] = []
    if isinstance(field_obj, models.ForeignKey):
        related_model = cast(Any, field_obj.related_model)
        related = related_model._default_manager.filter(pk__in=[p for p in present if p is not None])
        ordered = [(obj.pk, column.type.render(obj)) for obj in related]
    elif isinstance(column.type, Choice):
        ordered = [(code, column.type.render(code)) for code, _label in column.type.choices if code in present]
    ordered += [(value, str(value or "")) for value in sorted(present - {k for k, _ in ordered}, key=str)]
    return [_group(sheet, label or _("(none)"), queryset.filter(**{path: value})) for value, label in ordered]


def _group(sheet: Sheet, label: str, queryset: models.QuerySet[Any]) -> Group:
    group = Group(label=label, records=lambda: queryset.iterator(chunk_size=2000))
    gives_rows = type(sheet).export_rows is not Sheet.export_rows
    if gives_rows:
        group.rows = lambda: sheet.export_rows(queryset)
    if type(sheet).export_totals is not Sheet.export_totals:
        group.totals = lambda: cast(tuple[int, dict[str, Decimal]], sheet.export_totals(queryset))
        group.sample = (lambda: sheet.export_rows(queryset[:300])) if gives_rows else (lambda: queryset[:300])
    return group


def _field_at(model: type[models.Model], path: str) -> Any:
    """The field a lookup path ("project__category") ends on."""
    field_obj: Any = None
    for part in path.split("__"):
        field_obj = model._meta.get_field(part)
        if field_obj.is_relation and field_obj.related_model is not None:
            model = cast(Any, field_obj.related_model)
    return field_obj


def export_title(sheet: Sheet, user: Any, period: tuple[int, int] | None) -> ExportTitle:
    from taizhang.core.scoping import scope_for

    district = str(settings.TAIZHANG.get("DISTRICT_NAME", ""))
    issuer = ""
    if user is not None and getattr(user, "is_authenticated", False):
        membership = user.memberships.live().filter(is_active=True).select_related("unit").order_by("pk").first()
        issuer = membership.unit.name if membership else ("" if scope_for(user).is_empty else district)
    today = timezone.localtime(clock.now()).date()  # the ledgers' clock (demo and tests stand on known days)
    year, month = period or (today.year, today.month)
    return ExportTitle(title=f"{district}{sheet.title}", issuer=issuer, as_of=today, year=year, month=month)


def export_filename(sheet: Sheet, title: ExportTitle, suffix: str) -> str:
    stamp = (
        f"{title.year}-{title.month:02d}" if sheet.periodic and title.year and title.month else f"{title.as_of:%Y%m%d}"
    )
    return f"{sheet.title}-{stamp}.{suffix}"


def list_export_response(sheet: Sheet, *, view: Any, queryset: models.QuerySet[Any], fmt: str) -> HttpResponseBase:
    """The download a list page's Export button gives: its filtered, sorted rows in ``fmt``."""
    period = None
    if raw := view.request.GET.get("period", ""):
        try:
            period = v.parse_period(raw)
        except v.ValueProblem:
            period = None
    user = view.request.user
    period = sheet.export_period(user, queryset, period, view.request.GET)
    queryset = sheet.export_queryset(user, queryset, period)
    title = export_title(sheet, user, period)
    if fmt == "csv":
        response = StreamingHttpResponse(
            stream_csv(csv_rows(sheet, queryset.iterator(chunk_size=2000), title.year, title.month)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = _disposition(export_filename(sheet, title, "csv"))
        return response
    handle = export_to_tempfile(sheet, groups_of(sheet, queryset), title)
    return FileResponse(handle, as_attachment=True, filename=export_filename(sheet, title, "xlsx"))


def export_to_tempfile(sheet: Sheet, groups: list[Group], title: ExportTitle) -> IO[bytes]:
    """Write the export to a temporary file and return it open for reading; the file is gone once closed."""
    fd, name = tempfile.mkstemp(suffix=".xlsx", prefix="taizhang-export-")
    os.close(fd)
    try:
        write_xlsx(name, sheet, groups, title)
        handle = Path(name).open("rb")  # noqa: SIM115  (FileResponse closes it)
    finally:
        Path(name).unlink(missing_ok=True)  # the open handle keeps the data readable until it is closed
    return handle


def _disposition(filename: str) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "ignore").decode() or "export.csv"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def xlsx_bytes(sheet: Sheet, groups: list[Group], title: ExportTitle) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, sheet, groups, title)
    return buffer.getvalue()
