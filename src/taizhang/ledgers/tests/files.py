"""Spreadsheets built for tests: messy on purpose, the way offices make them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

DATA = Path(__file__).parent / "data"
PROJECTS_SAMPLE = DATA / "key-projects-2022-05.xlsx"
ISSUES_SAMPLE = DATA / "issues-checklist-2021-09.xlsx"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(
    rows: Sequence[Sequence[Any]],
    *,
    merges: Iterable[str] = (),
    sheet: str = "Sheet1",
    before: Sequence[tuple[str, Sequence[Sequence[Any]]]] = (),
) -> bytes:
    """A workbook whose sheet ``sheet`` holds ``rows`` (from A1) with ``merges`` ("A1:D1"); ``before`` adds
    sheets in front of it."""
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name, content in [*before, (sheet, rows)]:
        ws = book.create_sheet(name)
        for row in content:
            ws.append(list(row))
        if name == sheet:
            for ref in merges:
                ws.merge_cells(ref)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    for row in rows:
        writer.writerow(["" if c is None else c for c in row])
    return text.getvalue().encode(encoding)


def upload(data: bytes, name: str = "ledger.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX_TYPE if name.endswith(".xlsx") else "text/csv")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path
