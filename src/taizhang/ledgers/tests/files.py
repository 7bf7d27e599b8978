"""Spreadsheets built for tests: messy on purpose, the way offices make them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
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


def docx_bytes() -> bytes:
    """A Word document (which a clerk may rename to .xlsx)."""
    from docx import Document

    buffer = io.BytesIO()
    Document().save(buffer)
    return buffer.getvalue()


def zip_bomb(size: int) -> bytes:
    """A workbook whose shared strings expand to ``size`` bytes of one repeated string (tiny on disk)."""
    import zipfile

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx_bytes([["姓名"]]))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info))
        body = b"<si><t>a</t></si>" * (size // 17)
        target.writestr(
            "xl/sharedStrings.xml",
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + body + b"</sst>",
        )
    return out.getvalue()


@dataclass(frozen=True)
class BadInput:
    """A people roster that must be refused with ``message`` (English) and nothing written. ``on_form``: the
    upload form (or the API's validation) refuses it before a batch exists; ``blocked``: the file is read and
    checked, and the check's errors block the import; otherwise the batch is refused (status failed)."""

    id: str
    data: Callable[[], bytes]
    message: str
    fields: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    on_form: bool = False
    blocked: bool = False


ROSTER = [["姓名", "所在单位", "联系电话"], ["张三", "甲街道", "13800000001"]]

BAD_INPUTS = [
    BadInput("renamed-word-document", docx_bytes, "This is a Word document, not a spreadsheet"),
    BadInput("password-protected", (DATA / "password-protected.xlsx").read_bytes, "protected by a password"),
    BadInput("empty", lambda: b"", "The submitted file is empty", on_form=True),
    BadInput(
        "over-the-size-limit",
        lambda: csv_bytes([ROSTER[0], *[["张三", "甲街道", "13800000001"]] * 8000]),  # 0.2 MB
        "The file is 0.2 MB; files up to 0.1 MB can be imported",
        settings={"IMPORT_MAX_MB": 0.1},
        on_form=True,
    ),
    BadInput("zip-bomb", lambda: zip_bomb(20 * 1024 * 1024), "xl/sharedStrings.xml would expand"),
    BadInput(
        "formulas-without-values",
        lambda: xlsx_bytes([ROSTER[0], ["张三", "甲街道", "=1+1"], ["李四", "甲街道", "=C2*2"]]),
        "formulas with no calculated values (C2、C3)",
    ),
    BadInput("wrong-sheet", lambda: xlsx_bytes(ROSTER), "The workbook has no sheet named", fields={"sheet": "花名册"}),
    BadInput(
        "header-matches-nothing",
        lambda: xlsx_bytes([["天气"], ["晴"]]),
        "No sheet has a header row naming the columns of this ledger (such as 姓名、所在单位)",
    ),
    BadInput(
        "required-column-missing",
        lambda: xlsx_bytes([["所在单位", "联系电话", "职务"], ["甲街道", "13800000001", "科员"]]),
        "This required column is missing. Add a column headed 姓名",
        blocked=True,
    ),
]
