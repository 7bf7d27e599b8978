"""Opening an uploaded spreadsheet safely: what it really is, whether it is safe to read, and its rows.

The file's first bytes decide its format, not its name: .xlsx (a zip), .xls (an OLE2 compound file) or text
(CSV in UTF-8, with or without BOM, or GB18030). Before anything is parsed, a file is refused with a clear
message when it is empty, too large, not a spreadsheet at all (a renamed Word file, an HTML page saved as
".xls"), password-protected, a zip bomb (checked from the zip's declared sizes, then enforced while reading),
or holds formulas whose values were never calculated.

Small .xlsx and .xls files are read whole with python-calamine (fast); large .xlsx files are streamed row by
row with openpyxl's read-only mode so memory stays bounded. Merged ranges come from calamine, or for streamed
files from one pass over the sheet's XML.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

from django.utils.translation import gettext as _

from taizhang.ledgers import conf

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
# A zip member this much smaller than what it expands to is not a spreadsheet part but a bomb.
MAX_RATIO = 200
RATIO_CHECK_ABOVE = 8 * 1024 * 1024


class FileRefused(Exception):
    """The file cannot be imported at all; the message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


CellRange = tuple[int, int, int, int]  # first row, first column, last row, last column; 0-based, inclusive


@dataclass
class SheetData:
    """One sheet: its rows from the first (row 1), cells from column A, blanks as ``None``."""

    name: str
    rows: Iterator[list[Any]]
    merges: list[CellRange] = field(default_factory=list)
    row_count: int | None = None  # an estimate, for progress
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) → "#DIV/0!", 0-based


class Workbook:
    format = ""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def sheet_names(self) -> list[str]:
        raise NotImplementedError

    def sheet(self, name: str) -> SheetData:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the reader holds open."""

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def open_workbook(path: Path) -> Workbook:
    """Open ``path`` for reading, or raise :class:`FileRefused` saying why it cannot be imported."""
    size = path.stat().st_size
    if size == 0:
        raise FileRefused(_("The file is empty."))
    if size > conf.max_upload_bytes():
        raise FileRefused(
            _("The file is %(size)s; files up to %(limit)s can be imported. Split it, or remove pictures.")
            % {"size": mb(size), "limit": mb(conf.max_upload_bytes())}
        )
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(ZIP_MAGIC):
        return _open_xlsx(path, size)
    if head.startswith(OLE2_MAGIC):
        return _open_ole2(path)
    return CsvWorkbook(path, head)


# --- .xlsx ----------------------------------------------------------------------------------------------


def _open_xlsx(path: Path, size: int) -> Workbook:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRefused(_("The file is damaged: it looks like an .xlsx workbook but cannot be opened.")) from exc
    with archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            raise FileRefused(_not_a_spreadsheet(names))
        _check_sizes(archive)
        parts = _sheet_parts(archive)
    if size > conf.stream_above_bytes():
        return StreamingXlsxWorkbook(path, parts)
    return CalamineWorkbook(path, parts)


def _not_a_spreadsheet(names: set[str]) -> str:
    if "word/document.xml" in names:
        return _("This is a Word document, not a spreadsheet. Save the table as an Excel workbook (.xlsx).")
    if any(n.startswith("ppt/") for n in names):
        return _("This is a PowerPoint file, not a spreadsheet.")
    if "content.xml" in names:
        return _("This is an OpenDocument file (.ods). Save it as an Excel workbook (.xlsx) and import that.")
    return _("This is a zip archive, not a spreadsheet.")


def _check_sizes(archive: zipfile.ZipFile) -> None:
    """Refuse a zip bomb from the declared sizes, before any part is decompressed."""
    limit = conf.max_uncompressed_bytes()
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECK_ABOVE and ratio > MAX_RATIO:
            raise FileRefused(
                _(
                    "The part %(part)s would expand %(ratio)s times, to %(size)s: "
                    "that is not how a spreadsheet is built, so the file is refused."
                )
                % {"part": info.filename, "ratio": int(ratio), "size": mb(info.file_size)}
            )
    if total > limit:
        raise FileRefused(
            _("The workbook would expand to %(size)s in memory; at most %(limit)s is allowed.")
            % {"size": mb(total), "limit": mb(limit)}
        )


@dataclass(frozen=True)
class SheetPart:
    name: str
    part: str  # path inside the zip, "xl/worksheets/sheet1.xml"


def _sheet_parts(archive: zipfile.ZipFile) -> list[SheetPart]:
    """Sheet names in workbook order with their XML parts (from workbook.xml and its relationships)."""
    workbook = _safe_xml(archive, "xl/workbook.xml")
    rels_name = "xl/_rels/workbook.xml.rels"
    targets: dict[str, str] = {}
    if rels_name in archive.namelist():
        for rel in _safe_xml(archive, rels_name).iter(f"{{{_PKG_REL_NS}}}Relationship"):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            targets[rel.get("Id", "")] = path
    parts = []
    for sheet in workbook.iter(f"{{{_MAIN_NS}}}sheet"):
        rel_id = sheet.get(f"{{{_REL_NS}}}id", "")
        parts.append(SheetPart(name=sheet.get("name", ""), part=targets.get(rel_id, "")))
    return parts


def _safe_xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    data = _read_capped(archive, name)
    if b"<!DOCTYPE" in data[:2048] or b"<!ENTITY" in data[:2048]:
        raise FileRefused(_("The workbook contains XML declarations a spreadsheet never has; it is refused."))
    try:
        return ElementTree.fromstring(data)  # noqa: S314  (no DTD, checked above; size capped)
    except ElementTree.ParseError as exc:
        raise FileRefused(_("The file is damaged: part %(part)s cannot be read.") % {"part": name}) from exc


def _read_capped(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        with archive.open(name) as member:
            return member.read(conf.max_uncompressed_bytes() + 1)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise FileRefused(_("The file is damaged: part %(part)s cannot be read.") % {"part": name}) from exc


@dataclass
class SheetScan:
    merges: list[CellRange] = field(default_factory=list)
    empty_formulas: list[str] = field(default_factory=list)  # "C5", …
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # cells showing "#DIV/0!" and the like


def scan_sheet_xml(path: Path, part: str) -> SheetScan:
    """One streaming pass over a sheet's XML: merged ranges, formula cells that hold no value, error cells.

    zipfile stops at the declared size and checks the CRC, so a part that lies about its size fails here
    instead of filling memory in a faster reader later.
    """
    scan = _quick_scan(path, part)
    if scan is not None:
        return scan
    scan = SheetScan()
    cell_tag, formula_tag, value_tag = (f"{{{_MAIN_NS}}}{t}" for t in ("c", "f", "v"))
    merge_tag = f"{{{_MAIN_NS}}}mergeCell"
    try:
        with zipfile.ZipFile(path) as archive, archive.open(part) as member:
            head = member.peek(2048)[:2048] if hasattr(member, "peek") else b""
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise FileRefused(_("The workbook contains XML declarations a spreadsheet never has; it is refused."))
            for _event, element in ElementTree.iterparse(member, events=("end",)):  # noqa: S314
                if element.tag == cell_tag:
                    value = element.find(value_tag)
                    if element.find(formula_tag) is not None and (value is None or not (value.text or "").strip()):
                        scan.empty_formulas.append(element.get("r", ""))
                    if element.get("t") == "e" and (where := _parse_range(element.get("r", ""))):
                        scan.errors[where[:2]] = value.text if value is not None and value.text else "#ERROR"
                    element.clear()
                elif element.tag == merge_tag:
                    if parsed := _parse_range(element.get("ref", "")):
                        scan.merges.append(parsed)
                elif element.tag == f"{{{_MAIN_NS}}}row":
                    element.clear()
    except (zipfile.BadZipFile, ElementTree.ParseError, EOFError, KeyError, OSError) as exc:
        raise FileRefused(
            _("The file is damaged or tampered with: the sheet cannot be read safely (%(error)s).") % {"error": exc}
        ) from exc
    return scan


_MERGE_REF = re.compile(rb'<mergeCell ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
_SUSPECT = (b"<f>", b"<f ", b'"e"', b"<!DOCTYPE", b"<!ENTITY")  # formulas, error cells, declarations


def _quick_scan(path: Path, part: str) -> SheetScan | None:
    """The sheet read as bytes: when it holds no formula, no error cell and no declaration (as data sheets
    mostly do) its merged ranges are all a scan needs, found without parsing the XML. None: parse it."""
    scan = SheetScan()
    tail = b""
    merge_cells: bytearray | None = None  # the <mergeCells> element, at the end of the sheet
    try:
        with zipfile.ZipFile(path) as archive, archive.open(part) as member:
            while chunk := member.read(1024 * 1024):
                window = tail + chunk
                if any(marker in window for marker in _SUSPECT):
                    return None
                if merge_cells is not None:
                    merge_cells += chunk
                elif (at := window.find(b"<mergeCells")) >= 0:
                    merge_cells = bytearray(window[at:])
                tail = window[-64:]
    except (zipfile.BadZipFile, EOFError, KeyError, OSError) as exc:
        raise FileRefused(
            _("The file is damaged or tampered with: the sheet cannot be read safely (%(error)s).") % {"error": exc}
        ) from exc
    for ref in _MERGE_REF.findall(bytes(merge_cells or b"")):
        if parsed := _parse_range(ref.decode()):
            scan.merges.append(parsed)
    return scan


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def _parse_range(ref: str) -> CellRange | None:
    first, _sep, last = ref.partition(":")
    a, b = _CELL_REF.match(first), _CELL_REF.match(last or first)
    if not a or not b:
        return None
    return (int(a.group(2)) - 1, _column_index(a.group(1)), int(b.group(2)) - 1, _column_index(b.group(1)))


def refuse_empty_formulas(cells: list[str], sheet: str) -> None:
    if cells:
        shown = "、".join(cells[:8]) + ("…" if len(cells) > 8 else "")
        raise FileRefused(
            _(
                "Sheet %(sheet)s has formulas with no calculated values (%(cells)s): the program that wrote the "
                "file did not calculate them. Open the file in Excel or WPS, save it, and import it again."
            )
            % {"sheet": sheet, "cells": shown}
        )


class _XlsxBase(Workbook):
    format = "xlsx"

    def __init__(self, path: Path, parts: list[SheetPart]) -> None:
        super().__init__(path)
        self.parts = parts

    @property
    def sheet_names(self) -> list[str]:
        return [p.name for p in self.parts]

    def _part(self, name: str) -> SheetPart:
        return next(p for p in self.parts if p.name == name)

    def _scan(self, name: str) -> SheetScan:
        scan = scan_sheet_xml(self.path, self._part(name).part)
        refuse_empty_formulas(scan.empty_formulas, name)
        return scan


class CalamineWorkbook(_XlsxBase):
    """Whole-sheet reading with python-calamine, for files below the streaming threshold."""

    def __init__(self, path: Path, parts: list[SheetPart]) -> None:
        super().__init__(path, parts)
        self._book: Any = None

    def book(self) -> Any:
        if self._book is None:
            self._book = _calamine_open(self.path)
        return self._book

    def sheet(self, name: str) -> SheetData:
        scan = self._scan(name)  # refuses unsafe parts and formulas without values; calamine gives the merges
        data = _calamine_sheet(self.book(), name)
        data.errors = scan.errors  # calamine reads error cells as blank
        return data

    def close(self) -> None:
        if self._book is not None:
            self._book.close()
            self._book = None


class StreamingXlsxWorkbook(_XlsxBase):
    """Row-by-row reading with openpyxl's read-only mode, for large files: memory stays bounded."""

    def __init__(self, path: Path, parts: list[SheetPart]) -> None:
        super().__init__(path, parts)
        self._book: Any = None

    def sheet(self, name: str) -> SheetData:
        import openpyxl

        scan = self._scan(name)
        if self._book is None:
            self._book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        worksheet = self._book[name]
        return SheetData(
            name=name,
            rows=_openpyxl_rows(worksheet),
            merges=scan.merges,
            row_count=worksheet.max_row,
            errors=scan.errors,
        )

    def close(self) -> None:
        if self._book is not None:
            self._book.close()
            self._book = None


def _openpyxl_rows(worksheet: Any) -> Iterator[list[Any]]:
    for row in worksheet.iter_rows(values_only=True):
        yield [None if cell == "" else cell for cell in row]


def _calamine_open(path: Path) -> Any:
    import python_calamine

    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError as exc:
        raise FileRefused(_password_message()) from exc
    except Exception as exc:  # calamine raises its own family for every kind of damage
        raise FileRefused(_("The file is damaged and cannot be read (%(error)s).") % {"error": exc}) from exc


def _calamine_sheet(book: Any, name: str) -> SheetData:
    try:
        sheet = book.get_sheet_by_name(name)
        merges = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or [])]
    except Exception as exc:
        raise FileRefused(_("Sheet %(sheet)s cannot be read (%(error)s).") % {"sheet": name, "error": exc}) from exc
    end = sheet.end
    return SheetData(name=name, rows=_calamine_rows(sheet), merges=merges, row_count=end[0] + 1 if end else 0)


def _calamine_rows(sheet: Any) -> Iterator[list[Any]]:
    """Rows from row 1 and column A. calamine keeps the sheet in compact native memory and makes the Python
    values of one row at a time; its rows start at the sheet's first used column, so they are padded."""
    start = sheet.start
    pad = [None] * (start[1] if start else 0)
    for row in sheet.iter_rows():
        yield [*pad, *(None if cell == "" else cell for cell in row)]


def _password_message() -> str:
    return _("The file is protected by a password. Remove the password in Excel or WPS, save, and import again.")


# --- .xls and encrypted workbooks (OLE2) ----------------------------------------------------------------


def _open_ole2(path: Path) -> Workbook:
    with path.open("rb") as handle:
        # An encrypted .xlsx is an OLE2 file holding an "EncryptedPackage" stream; its name is in the directory.
        directory = handle.read(512 * 1024)
    if "EncryptedPackage".encode("utf-16-le") in directory or "EncryptionInfo".encode("utf-16-le") in directory:
        raise FileRefused(_password_message())
    if "Workbook".encode("utf-16-le") not in directory and "Book".encode("utf-16-le") not in directory:
        raise FileRefused(
            _("This is an older Office file but not an Excel workbook (a .doc, perhaps). Import a spreadsheet.")
        )
    return XlsWorkbook(path)


class XlsWorkbook(Workbook):
    """The old .xls format, read with python-calamine."""

    format = "xls"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.book = _calamine_open(path)

    @property
    def sheet_names(self) -> list[str]:
        return list(self.book.sheet_names)

    def sheet(self, name: str) -> SheetData:
        return _calamine_sheet(self.book, name)

    def close(self) -> None:
        self.book.close()


# --- CSV ------------------------------------------------------------------------------------------------


class CsvWorkbook(Workbook):
    """A CSV file as a one-sheet workbook: UTF-8 (with or without BOM) or GB18030, delimiter sniffed."""

    format = "csv"

    def __init__(self, path: Path, head: bytes) -> None:
        super().__init__(path)
        if b"\x00" in head:
            raise FileRefused(_("This is not a spreadsheet or a CSV file (it holds binary data)."))
        lowered = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
        if lowered.startswith((b"<html", b"<!doctype", b"<table", b"<?xml")) or b"<html" in lowered[:512]:
            raise FileRefused(
                _(
                    "This is a web page or XML saved with a spreadsheet's name, not a real workbook. "
                    "Open it in Excel or WPS, save it as .xlsx, and import that."
                )
            )
        self.encoding = _csv_encoding(path)
        with path.open("r", encoding=self.encoding, newline="") as handle:
            sample = handle.read(16 * 1024)
        if not sample.strip():
            raise FileRefused(_("The file is empty."))
        try:
            self.dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;|")
        except csv.Error:
            self.dialect = csv.excel

    @property
    def sheet_names(self) -> list[str]:
        return [self.path.stem or "CSV"]

    def sheet(self, name: str) -> SheetData:
        with self.path.open("r", encoding=self.encoding, newline="") as handle:
            line_count = sum(1 for _ in handle)
        return SheetData(name=name, rows=self._rows(), row_count=line_count)

    def _rows(self) -> Iterator[list[Any]]:
        with self.path.open("r", encoding=self.encoding, newline="") as handle:
            try:
                for row in csv.reader(handle, self.dialect):
                    yield [cell if cell.strip() else None for cell in row]
            except csv.Error as exc:
                raise FileRefused(_("The CSV file is malformed: %(error)s.") % {"error": exc}) from exc


def _csv_encoding(path: Path) -> str:
    """UTF-8 when every byte decodes as UTF-8 (a BOM is dropped), else GB18030 (what Chinese Excel writes)."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(1024 * 1024):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileRefused(_("The text of this file is neither UTF-8 nor GB18030; save it as .xlsx or UTF-8 CSV."))


def sniff_extension(path: Path) -> str:
    """The extension that matches what the file really is (for naming copies of it)."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC):
        return ".xlsx"
    if head.startswith(OLE2_MAGIC):
        return ".xls"
    return ".csv"
