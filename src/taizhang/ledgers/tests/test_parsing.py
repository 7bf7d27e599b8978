"""Parsing sheets as a clerk reads them: the two samples exactly as expected, and messier variants alike."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from taizhang.issues.columns import ISSUES
from taizhang.ledgers.parsing import WARNING, RowKind, heading_name, open_sheet
from taizhang.ledgers.reading import open_workbook
from taizhang.ledgers.tests import variants
from taizhang.ledgers.tests.files import DATA, ISSUES_SAMPLE, PROJECTS_SAMPLE, csv_bytes, write, xlsx_bytes
from taizhang.projects.columns import PROJECTS


def parse(path, spec=PROJECTS, **kwargs):
    with open_workbook(path) as book:
        parser = open_sheet(book, spec, **kwargs)
        rows = list(parser.rows())
    return parser, rows


def records(rows):
    return [r for r in rows if r.is_record]


def as_expected(rows):
    return [
        {
            "name": r.values["name"],
            "category": r.values["category"],
            "unit": r.values["responsible_unit"],
            "total_wan": r.values["total_investment"],
            "plan_wan": r.values["planned_investment"],
            "done_wan": r.values["ytd_investment"],
        }
        for r in records(rows)
    ]


def expected_projects():
    return [
        {
            **p,
            "total_wan": Decimal(p["total_wan"]),
            "plan_wan": Decimal(p["plan_wan"]),
            "done_wan": Decimal(p["done_wan"]),
        }
        for p in variants.PROJECTS
    ]


# --- the samples ---------------------------------------------------------------------------------------------


def test_the_key_project_sample_parses_exactly_as_expected():
    parser, rows = parse(PROJECTS_SAMPLE)
    assert parser.layout.sheet == "重点项目进展"  # the notes sheet in front is passed over
    assert parser.layout.period == variants.EXPECTED["period"] == "2022-05"
    assert len(records(rows)) == variants.EXPECTED["count"] == 18
    assert as_expected(rows) == expected_projects()
    assert not any(r.problems for r in rows)
    assert not parser.problems  # the subtotals and the 合计 row agree with the rows


def test_the_sample_s_other_columns_are_read_too():
    _parser, rows = parse(PROJECTS_SAMPLE)
    first, fifth = records(rows)[0], records(rows)[4]
    assert first.values["planned_start"] == dt.date(2022, 1, 27)  # a real date
    assert first.values["planned_completion"] == dt.date(2023, 3, 1)  # "2023.3"
    assert fifth.values["planned_start"] == dt.date(2022, 4, 1)  # "2022年4月"
    assert first.values["rate"] == Decimal("0.34")  # "34.0%"
    assert first.values["nature"] == "continuing"  # 续建
    assert records(rows)[1].values["responsible_unit"] == "龙子湖街道"  # merged down from the row above
    assert records(rows)[3].values["planned_investment"] == Decimal(17986)  # "17,986"
    assert first.values["problems"] == ("征地拆迁未完成",) and records(rows)[1].values["problems"] == ()


def test_the_sample_s_other_rows_are_recognised_and_skipped():
    _parser, rows = parse(PROJECTS_SAMPLE)
    kinds = {r.number: (r.kind, r.text) for r in rows if not r.is_record}
    assert kinds[3] == (RowKind.HEADING, "基础设施类（6个）")
    assert kinds[24][0] == RowKind.TOTAL
    assert kinds[26][0] == RowKind.NOTE  # 填报人：… 联系电话：
    assert {r.category for r in records(rows)} == {"基础设施", "产业发展", "民生保障"}


def test_the_issue_sample_parses_its_40_issues_with_the_year_from_the_import():
    expected = json.loads((DATA / "issues-checklist-2021-09.expected.json").read_text())
    _parser, rows = parse(ISSUES_SAMPLE, ISSUES, period=(2021, 9))
    issues = records(rows)
    assert len(issues) == expected["count"] == 40
    assert not any(r.problems for r in rows)
    third = issues[2]
    assert third.values["found_on"] == dt.date(2021, 9, 16)  # "9月16日"
    assert third.values["deadline"] == ("workdays", 3)  # "3个工作日"
    assert issues[0].values["deadline"] == ("immediate", 0)  # "立即整改"
    assert issues[1].values["deadline"] == ("date", dt.date(2021, 9, 20))
    assert sum(1 for r in issues if r.values["closed"]) == 11


def test_without_a_year_the_issue_sample_names_every_day_it_cannot_date():
    _parser, rows = parse(ISSUES_SAMPLE, ISSUES)
    undated = [p for r in rows for p in r.problems]
    assert len(undated) == sum(1 for r in records(rows) if r.cells["found_on"].__class__ is str)
    assert all(p.column == "发现时间" and "no year" in p.message for p in undated)
    assert undated[0].row == 5 and undated[0].value == "9月16日"


def test_a_year_in_the_title_dates_month_and_day_cells(tmp_path):
    data = xlsx_bytes(
        [["2021年9月问题整改台账"], ["问题描述", "责任单位", "发现时间"], ["井盖缺失", "德化街街道", "9月6日"]]
    )
    _parser, rows = parse(write(tmp_path, "issues.xlsx", data), ISSUES)
    assert records(rows)[0].values["found_on"] == dt.date(2021, 9, 6)


# --- messier variants ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "builder"),
    [
        ("reordered.xlsx", variants.reordered),
        ("two-level.xlsx", variants.two_level),
        ("in-yi.xlsx", variants.in_yi),
        ("gb18030.csv", lambda: variants.csv_variant("gb18030")),
        ("utf8-bom.csv", lambda: variants.csv_variant("utf-8-sig")),
    ],
)
def test_messier_variants_give_the_same_projects(tmp_path, name, builder):
    parser, rows = parse(write(tmp_path, name, builder()))
    assert as_expected(rows) == expected_projects()
    assert not [p for r in rows for p in r.problems if p.is_error]
    assert not [p for p in parser.problems if p.is_error]


def test_the_xls_variant_gives_the_same_projects():
    parser, rows = parse(variants.XLS_VARIANT)
    assert as_expected(rows) == expected_projects()
    assert parser.layout.sheet == "进度表"


def test_a_two_level_header_under_a_title_and_a_unit_row(tmp_path):
    parser, _rows = parse(write(tmp_path, "two-level.xlsx", variants.two_level()))
    layout = parser.layout
    assert (layout.header_first, layout.header_last) == (3, 4)
    assert layout.unit == "万元"
    assert layout.period == "2022-05"  # year from the group header, month from "1—5月累计完成"
    assert layout.title == "2022年区重点项目建设进度表（1-5月）"
    assert layout.header_of("planned_investment") == "2022年年度计划"
    assert layout.header_of("name") == "项目 名称"  # the line break in the cell, shown as a space
    assert not parser.problems


def test_a_sheet_in_yi_yuan_is_converted_to_wan(tmp_path):
    parser, rows = parse(write(tmp_path, "in-yi.xlsx", variants.in_yi()))
    assert parser.layout.unit == "亿元"
    assert records(rows)[0].values["planned_investment"] == Decimal(23826)  # 2.3826 亿元


def test_the_period_given_wins_over_the_sheet(tmp_path):
    parser, _rows = parse(write(tmp_path, "two-level.xlsx", variants.two_level()), period=(2023, 2))
    assert parser.layout.period == "2023-02"


def test_every_problem_is_collected_with_row_header_and_value(tmp_path):
    data = xlsx_bytes(
        [
            ["重点项目表"],
            ["项目名称", "责任单位", "总投资（亿元）", "计划开工", "完成率"],
            ["甲项目", "甲街道", "十亿", "2021-13-01", "85.3%"],
            ["", "乙街道", 12, "2022.5", "abc"],
            ["丙项目", "", "#DIV/0!", "待定", "—"],
        ]
    )
    _parser, rows = parse(write(tmp_path, "bad.xlsx", data))
    found = {(p.row, p.column, p.value): p.message for r in rows for p in r.problems}
    assert set(found) == {
        (3, "总投资（亿元）", "十亿"),
        (3, "计划开工", "2021-13-01"),
        (4, "项目名称", ""),
        (4, "完成率", "abc"),
        (5, "责任单位", ""),
        (5, "总投资（亿元）", "#DIV/0!"),
    }
    assert "not a number" in found[(3, "总投资（亿元）", "十亿")]
    assert "required" in found[(4, "项目名称", "")]
    assert "spreadsheet error" in found[(5, "总投资（亿元）", "#DIV/0!")]


def test_cells_that_repeat_are_read_alike_with_their_problems_on_every_row(tmp_path):
    """Readings of repeated cells are remembered; a cell's warning or error is still given on every row."""
    data = xlsx_bytes(
        [
            ["重点项目表"],
            ["项目名称", "责任单位", "计划投资", "完成率", "计划开工"],
            *[[f"项目{i}", "甲街道", "12,500", "85", "2021年3月"] for i in range(3)],
            *[[f"坏项目{i}", "甲街道", "十亿", "85.3%", "2021-13-01"] for i in range(2)],
        ]
    )
    _parser, rows = parse(write(tmp_path, "repeats.xlsx", data))
    found = [(p.row, p.column, p.severity) for r in rows for p in r.problems]
    assert found == [
        (3, "完成率", WARNING),  # 85 read as 85%
        (4, "完成率", WARNING),
        (5, "完成率", WARNING),
        (6, "计划投资", "error"),
        (6, "计划开工", "error"),
        (7, "计划投资", "error"),
        (7, "计划开工", "error"),
    ]
    values = [(r.values["planned_investment"], r.values["rate"], r.values["planned_start"]) for r in records(rows)[:3]]
    assert values == [(Decimal(12500), Decimal("0.85"), dt.date(2021, 3, 1))] * 3
    assert [r.values.get("rate") for r in records(rows)[3:]] == [Decimal("0.853")] * 2


def test_a_required_column_missing_is_reported_once(tmp_path):
    parser, rows = parse(write(tmp_path, "no-unit.xlsx", xlsx_bytes([["项目名称", "总投资"], ["甲项目", 1]])))
    missing = [p for p in parser.problems if p.is_error]
    assert len(missing) == 1 and missing[0].column == "责任单位" and "required column is missing" in missing[0].message
    assert not any(r.problems for r in rows)


def test_unknown_and_duplicated_columns_are_warnings(tmp_path):
    data = xlsx_bytes([["项目名称", "责任单位", "联系人", "项目名称"], ["甲项目", "甲街道", "张三", "又一个名字"]])
    parser, rows = parse(write(tmp_path, "dup.xlsx", data))
    assert all(p.severity == WARNING for p in parser.problems)
    messages = " ".join(p.column + p.message for p in parser.problems)
    assert "联系人" in messages and "appears twice" in messages
    assert records(rows)[0].values["name"] == "甲项目"


def test_headers_with_full_width_characters_spaces_and_line_breaks(tmp_path):
    data = xlsx_bytes([["项 目\n名 称", "责任单位（牵头）", "总投资\n（亿元）"], ["甲项目", "甲街道", 1.5]])
    parser, rows = parse(write(tmp_path, "spaces.xlsx", data))
    assert {m.column.field for m in parser.layout.columns} == {"name", "total_investment"}
    assert records(rows)[0].values["total_investment"] == Decimal(15000)


def test_subtotals_and_totals_that_do_not_add_up_are_warnings(tmp_path):
    rows, merges = variants.two_level_rows()
    rows[4][3] = 999.0  # the first heading's 总投资 subtotal
    rows[-4][4] = 1.0  # the 合计 row's 年度计划
    parser, parsed = parse(write(tmp_path, "sums.xlsx", xlsx_bytes(rows, merges=merges)))
    warnings = {(p.row, p.column): p.message for p in parser.problems}
    assert "add up to 2741000" in warnings[(5, "总投资")]
    assert (len(rows) - 3, "2022年年度计划") in warnings
    assert len(records(parsed)) == 18


def test_a_heading_whose_count_is_wrong_is_a_warning(tmp_path):
    data = xlsx_bytes([["项目名称", "责任单位"], ["一、产业项目（3个）"], ["甲", "甲街道"], ["乙", "乙街道"]])
    parser, rows = parse(write(tmp_path, "count.xlsx", data))
    assert any("counts 3 records but 2 rows" in p.message for p in parser.problems)
    assert [r.category for r in records(rows)] == ["产业项目", "产业项目"]
    assert [r.values["category"] for r in records(rows)] == ["产业项目", "产业项目"]


def test_a_lone_text_row_is_a_note_with_a_warning(tmp_path):
    data = xlsx_bytes([["序号", "项目名称", "责任单位"], [1, "甲", "甲街道"], ["以下项目为新增"], [2, "乙", "乙街道"]])
    _parser, rows = parse(write(tmp_path, "note.xlsx", data))
    note = next(r for r in rows if r.kind == RowKind.NOTE)
    assert note.number == 3 and note.problems[0].severity == WARNING
    assert len(records(rows)) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一、产业项目（45个）", ("产业项目", 45, True)),
        ("基础设施类（6个）", ("基础设施", 6, True)),
        ("（二）生态环保类", ("生态环保", None, True)),
        ("3、民生项目", ("民生项目", None, True)),
        ("城建类", ("城建", None, False)),
        ("金水管网工程", None),
        ("2021.3", None),
    ],
)
def test_category_headings(text, expected):
    assert heading_name(text) == expected


def test_a_csv_with_text_numbers_and_a_bom(tmp_path):
    data = csv_bytes([["项目名称", "责任单位", "计划投资"], ["甲项目", "甲街道", "12,500"]], encoding="utf-8-sig")
    _parser, rows = parse(write(tmp_path, "a.csv", data))
    assert records(rows)[0].values == {
        "name": "甲项目",
        "responsible_unit": "甲街道",
        "planned_investment": Decimal(12500),
    }


def test_an_annotated_copy_reads_as_the_original_though_its_problems_sit_on_heading_and_total_rows(tmp_path):
    """The annotated copy writes a subtotal warning on a heading row and one on the 合计 row: the 问题 column is
    not data, so the heading still sets the category and the totals still read as totals."""
    import openpyxl

    book = openpyxl.load_workbook(PROJECTS_SAMPLE)
    ws = book["重点项目进展"]
    ws.cell(2, ws.max_column + 1, "问题")
    for row in range(3, ws.max_row + 1):
        ws.cell(row, 16, "表中填报为 94815 万元，但所含 6 行合计为 86714 万元。")  # on every kind of row
    path = tmp_path / "annotated.xlsx"
    book.save(path)
    parser, rows = parse(path)
    _original, original_rows = parse(PROJECTS_SAMPLE)
    assert [(r.number, r.kind, r.category) for r in rows] == [(r.number, r.kind, r.category) for r in original_rows]
    assert as_expected(rows) == expected_projects()
    assert not any(p.is_error for r in rows for p in r.problems)
    assert "问题" not in parser.layout.unknown_headers
