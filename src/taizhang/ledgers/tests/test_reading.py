"""Opening files: what they really are, and every kind of bad file refused with a clear message."""

import io
import struct
import zipfile

import pytest

from taizhang.ledgers.parsing import open_sheet
from taizhang.ledgers.reading import (
    CsvWorkbook,
    FileRefused,
    StreamingXlsxWorkbook,
    XlsWorkbook,
    open_workbook,
    sniff_extension,
)
from taizhang.ledgers.tests import variants
from taizhang.ledgers.tests.files import PROJECTS_SAMPLE, csv_bytes, docx_bytes, write, xlsx_bytes, zip_bomb
from taizhang.projects.columns import PROJECTS


def read_all(path):
    with open_workbook(path) as book:
        for name in book.sheet_names:
            book.sheet(name)


def refused(path, match):
    with pytest.raises(FileRefused, match=match) as exc:
        read_all(path)
    return exc.value.message


def test_the_format_comes_from_the_bytes_not_the_name(tmp_path):
    assert sniff_extension(write(tmp_path, "a.csv", xlsx_bytes([["x"]]))) == ".xlsx"
    assert isinstance(open_workbook(write(tmp_path, "b.xlsx", csv_bytes([["姓名"]]))), CsvWorkbook)
    assert isinstance(open_workbook(variants.XLS_VARIANT), XlsWorkbook)
    assert sniff_extension(variants.XLS_VARIANT) == ".xls"


def test_an_empty_file(tmp_path):
    refused(write(tmp_path, "empty.xlsx", b""), "empty")
    refused(write(tmp_path, "blank.csv", b"\n \n"), "empty")


def test_a_word_document_renamed(tmp_path):
    refused(write(tmp_path, "ledger.xlsx", docx_bytes()), "Word document")


def test_a_picture_renamed(tmp_path):
    refused(write(tmp_path, "ledger.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)), "binary")


def test_a_web_page_saved_as_xls(tmp_path):
    refused(write(tmp_path, "ledger.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>"), "web page")


def test_some_other_zip(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    refused(write(tmp_path, "ledger.xlsx", buffer.getvalue()), "zip archive")


def test_a_damaged_xlsx(tmp_path):
    refused(write(tmp_path, "ledger.xlsx", xlsx_bytes([["x"]])[:300]), "damaged")


def test_a_password_protected_workbook():
    message = refused(variants.ENCRYPTED, "password")
    assert "Remove the password" in message


def test_a_file_over_the_size_limit(tmp_path, settings):
    settings.TAIZHANG = {**settings.TAIZHANG, "IMPORT_MAX_MB": 0.001}
    message = refused(write(tmp_path, "big.xlsx", xlsx_bytes([["x" * 2000]])), "files up to")
    assert "MB" in message


def bomb(tmp_path, size):
    return write(tmp_path, "bomb.xlsx", zip_bomb(size))


def test_a_zip_bomb_is_refused_from_its_declared_sizes(tmp_path):
    path = bomb(tmp_path, 20 * 1024 * 1024)
    assert path.stat().st_size < 200 * 1024  # tiny on disk
    message = refused(path, "expand")
    assert "sharedStrings" in message


def test_a_workbook_expanding_beyond_the_limit(tmp_path, settings):
    settings.TAIZHANG = {**settings.TAIZHANG, "IMPORT_MAX_UNCOMPRESSED_MB": 1}
    refused(bomb(tmp_path, 2 * 1024 * 1024), "expand to")


def test_a_sheet_that_lies_about_its_size_is_caught_while_reading(tmp_path):
    data = bytearray(xlsx_bytes([["姓名", "所在单位"], *[["张三", "甲街道"]] * 200]))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    patched = 0
    # Claim an uncompressed size of 10 bytes in the local header and in the central directory.
    struct.pack_into("<I", data, info.header_offset + 22, 10)
    for offset in [i for i in range(len(data)) if data.startswith(b"PK\x01\x02", i)]:
        name_length = struct.unpack_from("<H", data, offset + 28)[0]
        if data[offset + 46 : offset + 46 + name_length] == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, offset + 24, 10)
            patched += 1
    assert patched == 1
    refused(write(tmp_path, "liar.xlsx", bytes(data)), "damaged or tampered")


def test_formulas_without_calculated_values(tmp_path):
    data = xlsx_bytes([["项目名称", "责任单位", "总投资"], ["甲项目", "甲街道", "=1+1"], ["乙项目", "乙街道", "=B2*2"]])
    message = refused(write(tmp_path, "formulas.xlsx", data), "formulas with no calculated values")
    assert "C2" in message and "C3" in message


def test_the_wrong_sheet_and_a_header_that_matches_nothing():
    with open_workbook(PROJECTS_SAMPLE) as book, pytest.raises(FileRefused, match="填报说明") as exc:
        open_sheet(book, PROJECTS, sheet="填报说明")
    assert "重点项目进展" in exc.value.message  # the sheets it does have are named
    with open_workbook(PROJECTS_SAMPLE) as book, pytest.raises(FileRefused, match="no sheet named"):
        open_sheet(book, PROJECTS, sheet="Sheet9")


def test_a_sheet_of_something_else_entirely(tmp_path):
    path = write(tmp_path, "other.xlsx", xlsx_bytes([["日期", "天气"], ["2026-05-01", "晴"]]))
    with open_workbook(path) as book, pytest.raises(FileRefused, match="No sheet has a header row"):
        open_sheet(book, PROJECTS)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path, encoding):
    path = write(
        tmp_path, "ledger.csv", csv_bytes([["项目名称", "责任单位"], ["金水管网工程", "龙子湖街道"]], encoding=encoding)
    )
    with open_workbook(path) as book:
        rows = list(book.sheet(book.sheet_names[0]).rows)
    assert rows[1] == ["金水管网工程", "龙子湖街道"]


def test_tab_separated_text(tmp_path):
    path = write(tmp_path, "ledger.txt", csv_bytes([["项目名称", "责任单位"], ["甲", "乙"]], delimiter="\t"))
    with open_workbook(path) as book:
        assert list(book.sheet(book.sheet_names[0]).rows)[1] == ["甲", "乙"]


def test_text_in_neither_utf8_nor_gb18030(tmp_path):
    refused(
        write(tmp_path, "ledger.csv", "项目名称,单位\n".encode("utf-16-le")[2:] + b"\xff\xfe\x81"), "binary|neither"
    )


def test_large_workbooks_are_streamed_with_the_same_result(tmp_path, settings):
    path = write(tmp_path, "two-level.xlsx", variants.two_level())
    with open_workbook(path) as book:
        whole = open_sheet(book, PROJECTS)
        whole_rows = [(r.number, r.kind, r.values) for r in whole.rows()]
    settings.TAIZHANG = {**settings.TAIZHANG, "IMPORT_STREAM_ABOVE_MB": 0}
    with open_workbook(path) as book:
        assert isinstance(book, StreamingXlsxWorkbook)
        streamed = open_sheet(book, PROJECTS)
        assert [(r.number, r.kind, r.values) for r in streamed.rows()] == whole_rows
