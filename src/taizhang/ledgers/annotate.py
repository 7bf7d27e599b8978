"""A copy of the uploaded sheet with a "问题" column added: the clerk fixes the file where they know it.

Every row with a problem gets the problems in the new column (errors first), the row's 问题 cell is red for
errors and yellow for warnings, and the cells at fault are tinted the same way. Problems about the whole sheet
go into the 问题 cell of the header row. An .xlsx of ordinary size is copied with its formatting (openpyxl);
large files, .xls and CSV are rewritten with their values (an .xls becomes .xlsx, a CSV stays CSV).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path
from typing import Any

from taizhang.ledgers import conf
from taizhang.ledgers.importing import local_copy, problems_of
from taizhang.ledgers.models import ImportBatch
from taizhang.ledgers.parsing import ERROR, Problem
from taizhang.ledgers.reading import open_workbook

PROBLEM_HEADER = "问题"
RED = "FFC7CE"
YELLOW = "FFEB9C"


def _by_row(batch: ImportBatch) -> tuple[dict[int, list[Problem]], list[Problem]]:
    header_row = int((batch.layout.get("header_rows") or [1, 1])[-1])
    rows: dict[int, list[Problem]] = defaultdict(list)
    sheet_level: list[Problem] = []
    for problem in problems_of(batch):
        if problem.row is None or problem.row == header_row:
            sheet_level.append(problem)
        else:
            rows[problem.row].append(problem)
    return rows, sheet_level


def _text(problems: list[Problem]) -> str:
    ordered = sorted(problems, key=lambda p: p.severity != ERROR)
    parts = []
    for p in ordered:
        where = f"{p.column}：" if p.column else ""
        mark = "" if p.is_error else "（提示）"
        parts.append(f"{mark}{where}{p.message}")
    return "；".join(parts)


def annotated_copy(batch: ImportBatch) -> tuple[bytes, str, str]:
    """(content, file name, content type) of the annotated copy of ``batch``'s file."""
    rows, sheet_level = _by_row(batch)
    header_row = int((batch.layout.get("header_rows") or [1, 1])[-1])
    stem = Path(batch.filename).stem or "import"
    with local_copy(batch) as path, open_workbook(path) as workbook:
        sheet_name = batch.layout.get("sheet") or workbook.sheet_names[0]
        if workbook.format == "csv":
            data = _csv(workbook, sheet_name, rows, sheet_level, header_row)
            return data, f"{stem}-{PROBLEM_HEADER}.csv", "text/csv; charset=utf-8"
        if workbook.format == "xlsx" and path.stat().st_size <= conf.stream_above_bytes():
            indexes = batch.layout.get("indexes", {})
            data = _styled_copy(
                path, sheet_name, rows=rows, sheet_level=sheet_level, header_row=header_row, indexes=indexes
            )
        else:
            data = _value_copy(workbook, sheet_name, rows, sheet_level, header_row)
    return data, f"{stem}-{PROBLEM_HEADER}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _styled_copy(
    path: Path,
    sheet_name: str,
    *,
    rows: dict[int, list[Problem]],
    sheet_level: list[Problem],
    header_row: int,
    indexes: dict[str, int],
) -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = openpyxl.load_workbook(path)
    ws = book[sheet_name]
    col = ws.max_column + 1
    fills = {ERROR: PatternFill("solid", fgColor=RED), "warning": PatternFill("solid", fgColor=YELLOW)}
    head = ws.cell(
        row=header_row,
        column=col,
        value=PROBLEM_HEADER if not sheet_level else f"{PROBLEM_HEADER}：{_text(sheet_level)}",
    )
    head.font = Font(bold=True)
    head.alignment = Alignment(wrap_text=True, vertical="center")
    for number, problems in rows.items():
        worst = ERROR if any(p.is_error for p in problems) else "warning"
        cell = ws.cell(row=number, column=col, value=_text(problems))
        cell.fill = fills[worst]
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        for problem in problems:
            index = indexes.get(problem.column)
            if index is not None:
                ws.cell(row=number, column=index + 1).fill = fills[ERROR if problem.is_error else "warning"]
    ws.column_dimensions[get_column_letter(col)].width = 60
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _value_copy(
    workbook: Any, sheet_name: str, rows: dict[int, list[Problem]], sheet_level: list[Problem], header_row: int
) -> bytes:
    import xlsxwriter

    from taizhang.ledgers.export import _write_cell

    data = workbook.sheet(sheet_name)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    ws = book.add_worksheet(sheet_name[:31])
    red = book.add_format({"bg_color": f"#{RED}", "text_wrap": True})
    yellow = book.add_format({"bg_color": f"#{YELLOW}", "text_wrap": True})
    bold = book.add_format({"bold": True, "text_wrap": True})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    column: int | None = None
    for index, row in enumerate(data.rows):
        if column is None:
            column = max(len(row), 1)  # readers pad every row to the sheet's width
        for c, value in enumerate(row):
            _write_cell(ws, index, c, value, date if hasattr(value, "year") else None)
        number = index + 1
        if number == header_row:
            label = PROBLEM_HEADER if not sheet_level else f"{PROBLEM_HEADER}：{_text(sheet_level)}"
            ws.write_string(index, column, label, bold)
        elif number in rows:
            problems = rows[number]
            ws.write_string(index, column, _text(problems), red if any(p.is_error for p in problems) else yellow)
    book.close()
    return buffer.getvalue()


def _csv(
    workbook: Any, sheet_name: str, rows: dict[int, list[Problem]], sheet_level: list[Problem], header_row: int
) -> bytes:
    data = workbook.sheet(sheet_name)
    text = io.StringIO()
    writer = csv.writer(text, dialect=workbook.dialect)
    for index, row in enumerate(data.rows):
        number = index + 1
        cells = ["" if c is None else c for c in row]
        if number == header_row:
            cells.append(PROBLEM_HEADER if not sheet_level else f"{PROBLEM_HEADER}：{_text(sheet_level)}")
        elif number in rows:
            cells.append(_text(rows[number]))
        writer.writerow(cells)
    return "\ufeff".encode() + text.getvalue().encode("utf-8")
