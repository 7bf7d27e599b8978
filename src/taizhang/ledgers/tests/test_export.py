"""Export in office layout (read back with openpyxl), CSV, and export → import round trips."""

import datetime as dt
import io
from decimal import Decimal
from itertools import groupby

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter

from taizhang.ledgers import export
from taizhang.ledgers.models import ImportStatus
from taizhang.ledgers.parsing import RowKind, open_sheet
from taizhang.ledgers.reading import open_workbook
from taizhang.ledgers.tests import variants
from taizhang.ledgers.tests.conftest import check, commit
from taizhang.ledgers.tests.files import write
from taizhang.org.models import Person
from taizhang.projects.columns import PROJECTS

TITLE = export.ExportTitle(
    title="示范区重点项目进展情况", issuer="区督查室", as_of=dt.date(2022, 6, 3), year=2022, month=5
)


def project_records():
    records = []
    for p in variants.PROJECTS:
        records.append(
            {
                "name": p["name"],
                "category": p["category"],
                "responsible_unit": p["unit"],
                "total_investment": Decimal(p["total_wan"]),
                "planned_investment": Decimal(p["plan_wan"]),
                "ytd_investment": Decimal(p["done_wan"]),
                "rate": (Decimal(p["done_wan"]) / Decimal(p["plan_wan"])).quantize(Decimal("0.001")),
                "planned_start": dt.date(2022, 3, 1),
                "nature": "continuing",
            }
        )
    return records


def project_groups():
    return [
        export.Group(label=category, records=lambda rows=list(rows): rows)
        for category, rows in groupby(project_records(), key=lambda r: r["category"])
    ]


@pytest.fixture
def workbook():
    book = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(PROJECTS, project_groups(), TITLE)))
    return book[PROJECTS.title]


def letter(sheet, header):
    """The column whose upper (row 3) or lower (row 4) header is ``header``."""
    for row in (3, 4):
        for cell in sheet[row]:
            if cell.value == header:
                return cell.column_letter
    raise AssertionError(header)


def test_the_title_states_the_period_and_spans_the_table(workbook):
    last = get_column_letter(len(PROJECTS.exported_columns()) + 1)
    assert workbook["A1"].value == "示范区重点项目进展情况（2022年1-5月）"
    assert f"A1:{last}1" in {str(r) for r in workbook.merged_cells.ranges}
    assert workbook["A1"].font.b and workbook["A1"].font.sz == 16


def test_the_unit_row_names_the_issuer_and_the_money_unit(workbook):
    assert workbook["A2"].value == "制表单位：区督查室"
    assert "单位：万元" in [c.value for c in workbook[2]]


def test_two_level_headers_group_the_year_s_columns(workbook):
    merged = {str(r) for r in workbook.merged_cells.ranges}
    assert workbook["A3"].value == "序号" and "A3:A4" in merged
    assert workbook["B3"].value == "项目名称" and "B3:B4" in merged
    assert letter(workbook, "总投资（亿元）")
    year = letter(workbook, "2022年")
    plan, done, rate = (letter(workbook, h) for h in ("计划投资（万元）", "1-5月完成投资（万元）", "完成率"))
    assert year == plan and f"{plan}3:{rate}3" in merged
    assert [column_index_from_string(c) for c in (plan, done, rate)] == list(
        range(column_index_from_string(plan), column_index_from_string(plan) + 3)
    )


def test_category_groups_carry_their_subtotals_and_the_table_its_totals(workbook):
    total, plan, done = (letter(workbook, h) for h in ("总投资（亿元）", "计划投资（万元）", "1-5月完成投资（万元）"))
    assert workbook["A5"].value == "一、基础设施（6个）"
    assert workbook[f"{total}5"].value == pytest.approx(274.1)  # 亿元
    assert workbook[f"{plan}5"].value == 161033
    assert workbook["A6"].value == 1 and workbook["B6"].value == "金水管网工程"
    assert workbook["A12"].value == "二、产业发展（7个）"
    assert workbook["A13"].value == 1  # 序号 restarts in each category
    last = workbook.max_row
    assert workbook.cell(last, 1).value == "合计"
    assert workbook[f"{total}{last}"].value == pytest.approx(674)
    assert workbook[f"{plan}{last}"].value == 388459 and workbook[f"{done}{last}"].value == 187937


def test_numbers_dates_and_percentages_are_real_cells_with_formats(workbook):
    total, rate, start, nature = (letter(workbook, h) for h in ("总投资（亿元）", "完成率", "计划开工", "建设性质"))
    assert workbook[f"{total}6"].value == pytest.approx(74.7) and workbook[f"{total}6"].number_format == "#,##0.00##"
    assert workbook[f"{rate}6"].value == pytest.approx(0.34) and workbook[f"{rate}6"].number_format == "0.0%"
    assert workbook[f"{start}6"].value == dt.datetime(2022, 3, 1)
    assert workbook[f"{start}6"].number_format == "yyyy-mm-dd"
    assert workbook[f"{nature}6"].value == "续建"


def test_frozen_panes_print_set_up_and_widths(workbook):
    assert workbook.freeze_panes == "C5"
    assert workbook.page_setup.orientation == "landscape"
    assert workbook.page_setup.paperSize in ("8", 8)  # A3: a wide table
    assert workbook.print_title_rows == "$3:$4"
    assert workbook.page_setup.fitToWidth in (None, 1) and workbook.page_setup.fitToHeight == 0  # one page wide
    assert workbook.sheet_properties.pageSetUpPr.fitToPage
    assert workbook.column_dimensions["B"].width >= 16  # long Chinese names fit
    assert workbook.column_dimensions["A"].width < workbook.column_dimensions["B"].width


def test_an_export_parses_back_to_the_same_records(tmp_path):
    path = write(tmp_path, "export.xlsx", export.xlsx_bytes(PROJECTS, project_groups(), TITLE))
    with open_workbook(path) as book:
        parser = open_sheet(book, PROJECTS)
        rows = list(parser.rows())
    records = [r.values for r in rows if r.is_record]
    expected = project_records()
    assert len(records) == len(expected) == 18
    for got, want in zip(records, expected, strict=True):
        assert {k: got[k] for k in want} == want
    assert parser.layout.period == "2022-05"
    assert not parser.problems  # the subtotals written agree with the rows
    assert not [p for r in rows for p in r.problems]
    assert [r.kind for r in rows if not r.is_record] == [RowKind.HEADING] * 3 + [RowKind.TOTAL]


def test_a_csv_export_parses_back_to_the_same_records(tmp_path):
    buffer = io.BytesIO()
    export.write_csv(buffer, PROJECTS, project_records(), 2022, 5)
    assert buffer.getvalue().startswith("\ufeff".encode())
    path = write(tmp_path, "export.csv", buffer.getvalue())
    with open_workbook(path) as book:
        rows = [r.values for r in open_sheet(book, PROJECTS).rows() if r.is_record]
    for got, want in zip(rows, project_records(), strict=True):
        assert {k: got[k] for k in want} == want


def test_csv_guards_text_that_looks_like_a_formula_and_reads_it_back():
    assert export.csv_text("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert PROJECTS.column("name").type.parse("'=HYPERLINK(1)", None) == "=HYPERLINK(1)"


def test_chinese_heading_numbers():
    assert [export.chinese_number(n) for n in (1, 10, 11, 20, 23, 100)] == ["一", "十", "十一", "二十", "二十三", "100"]


# --- list pages ------------------------------------------------------------------------------------------------


def download(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_list_page_with_a_spreadsheet_offers_export_and_others_do_not(as_supervisor, world):
    assert 'data-testid="export-xlsx"' in as_supervisor.get("/org/people/").content.decode()
    assert 'data-testid="export"' not in as_supervisor.get("/org/memberships/").content.decode()


def test_the_export_links_follow_the_filters_on_htmx_updates(as_supervisor, world):
    page = as_supervisor.get("/org/people/", {"unit": world.unit_b.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-swap-oob="true"' in page
    assert f"unit={world.unit_b.pk}&amp;export=xlsx" in page


def test_the_export_keeps_the_list_s_filters_and_scope(as_reporter_a, as_supervisor, world, tmp_path):
    mine = openpyxl.load_workbook(io.BytesIO(download(as_reporter_a, "/org/people/", export="xlsx"))).active
    names = {c.value for c in mine["B"] if c.value}
    assert {"A人员", "A1人员"} <= names and "B人员" not in names
    only_b = openpyxl.load_workbook(
        io.BytesIO(download(as_supervisor, "/org/people/", export="xlsx", unit=world.unit_b.pk))
    ).active
    assert {c.value for c in only_b["B"] if c.value} >= {"B人员"}
    assert "A人员" not in {c.value for c in only_b["B"]}


@pytest.mark.parametrize(("url", "kind"), [("/org/units/", "units"), ("/org/people/", "people")])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.usefixtures("audit")
def test_export_then_import_leaves_the_ledger_unchanged(as_supervisor, world, url, kind, fmt):
    from taizhang.org import services as org

    org.person_create(
        actor=world.admin, name="往返", unit=world.unit_b, title="科长", phone="13800000007", is_leader=True
    )
    data = download(as_supervisor, url, export=fmt)
    before = Person.history.count()
    batch = check(world.admin, data, kind=kind, name=f"{kind}.{fmt}", unit=world.units["SUP"])
    assert batch.status == ImportStatus.READY, batch.message
    assert batch.errors == 0 and batch.warnings == 0, batch.problems
    assert (batch.created, batch.updated) == (0, 0)
    assert batch.unchanged >= 4
    assert commit(batch, world.admin).status == ImportStatus.COMMITTED
    assert Person.history.count() == before


def test_the_same_export_is_the_same_file_within_a_day(as_supervisor, world):
    assert download(as_supervisor, "/org/units/", export="xlsx") == download(
        as_supervisor, "/org/units/", export="xlsx"
    )


def test_a_blank_template_has_the_headers_and_nothing_else(as_reporter_a, world):
    sheet = openpyxl.load_workbook(io.BytesIO(download(as_reporter_a, "/ledgers/templates/people.xlsx"))).active
    assert [c.value for c in sheet[3]] == ["序号", "姓名", "所在单位", "职务", "联系电话", "是否区领导", "排序"]
    assert sheet.cell(4, 1).value == "合计（0人）"
    assert as_reporter_a.get("/ledgers/templates/nothing.xlsx").status_code == 404
