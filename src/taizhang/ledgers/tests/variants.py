"""Messier variants of the key-project sample, arranged the ways other offices arrange the same ledger.

Each variant holds the same 18 projects as ``key-projects-2022-05.expected.json``, so each must import to
exactly the same records: columns reordered, a two-level merged header under a title and a "单位：万元" row,
amounts in 亿元 for the whole sheet, responsible units merged down runs of rows, Chinese-numbered category
headings with subtotals, a 合计 row and signatures, CSV in GB18030 or UTF-8 with BOM, and the old .xls format
(``data/key-projects-variant.xls``, converted from the two-level variant by LibreOffice; see
``make_fixtures``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from itertools import groupby
from typing import Any

from taizhang.ledgers.tests.files import DATA, csv_bytes, xlsx_bytes

EXPECTED = json.loads((DATA / "key-projects-2022-05.expected.json").read_text())
PROJECTS: list[dict[str, Any]] = EXPECTED["projects"]


def _money(text: str, divisor: int = 1) -> Any:
    value = Decimal(text) / divisor
    return float(value) if value != value.to_integral_value() else int(value)


def reordered() -> bytes:
    """No title, one header row, columns in another order, amounts as text with separators, no categories rows."""
    rows: list[list[Any]] = [
        ["项目名称", "责任单位", "年度计划投资（万元）", "项目类别", "总投资（万元）", "累计完成投资（万元）"]
    ]
    for p in PROJECTS:
        rows.append(
            [p["name"], p["unit"], f"{Decimal(p['plan_wan']):,}", p["category"], _money(p["total_wan"]), p["done_wan"]]
        )
    return xlsx_bytes(rows, sheet="项目")


def two_level_rows(divisor: int = 1, unit: str = "万元") -> tuple[list[list[Any]], list[str]]:
    """Title, unit row, two-level header; headings "一、…（N个）" with subtotals; units merged down; 合计."""
    rows: list[list[Any]] = [
        ["2022年区重点项目建设进度表（1-5月）", None, None, None, None, None, None],
        [None, None, None, None, None, None, f"单位：{unit}"],
        ["序号", "项目\n名称", "责任\n单位", "总投资", "2022年", None, None],
        [None, None, None, None, "年度计划", "1—5月累计完成", "完成率"],
    ]
    merges = ["A1:G1", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:G3"]
    numerals = "一二三"
    for n, (category, grouped) in enumerate(groupby(PROJECTS, key=lambda p: p["category"])):
        group = list(grouped)
        subtotal = [sum(Decimal(p[k]) for p in group) / divisor for k in ("total_wan", "plan_wan", "done_wan")]
        rows.append([f"{numerals[n]}、{category}类（{len(group)}个）", None, None, *[float(x) for x in subtotal], None])
        merges.append(f"A{len(rows)}:C{len(rows)}")
        for seq, (unit_name, same_unit) in enumerate(groupby(group, key=lambda p: p["unit"])):
            run = list(same_unit)
            start = len(rows) + 1
            for i, p in enumerate(run):
                rate = f"{Decimal(p['done_wan']) * 100 / Decimal(p['plan_wan']):.1f}%"
                rows.append(
                    [
                        seq + i + 1,
                        p["name"],
                        unit_name if i == 0 else None,
                        _money(p["total_wan"], divisor),
                        _money(p["plan_wan"], divisor),
                        _money(p["done_wan"], divisor),
                        rate,
                    ]
                )
            if len(run) > 1:
                merges.append(f"C{start}:C{start + len(run) - 1}")
    totals = [sum(Decimal(p[k]) for p in PROJECTS) / divisor for k in ("total_wan", "plan_wan", "done_wan")]
    rows.append(["合  计", None, None, *[float(x) for x in totals], None])
    rows.append([None] * 7)
    rows.append(["注：1.完成率=累计完成/年度计划。", None, None, None, None, None, None])
    rows.append(["填报单位（盖章）：", None, None, "审核人：", None, "填报人：", None])
    return rows, merges


def two_level() -> bytes:
    rows, merges = two_level_rows()
    return xlsx_bytes(rows, merges=merges, sheet="进度表", before=[("说明", [["本表由各单位每月5日前报送"]])])


def in_yi() -> bytes:
    """The whole sheet in 亿元, stated once in the unit row."""
    rows, merges = two_level_rows(divisor=10000, unit="亿元")
    return xlsx_bytes(rows, merges=merges, sheet="进度表")


def csv_variant(encoding: str) -> bytes:
    rows: list[list[Any]] = [
        ["序号", "项目名称", "项目类别", "责任单位", "总投资（亿元）", "计划投资（万元）", "完成投资（万元）"]
    ]
    for i, p in enumerate(PROJECTS, start=1):
        rows.append(
            [
                i,
                p["name"],
                p["category"],
                p["unit"],
                f"{Decimal(p['total_wan']) / 10000}",
                p["plan_wan"],
                f"{int(p['done_wan']):,}",
            ]
        )
    return csv_bytes(rows, encoding=encoding)


XLS_VARIANT = DATA / "key-projects-variant.xls"
ENCRYPTED = DATA / "password-protected.xlsx"  # password "taizhang"; made with msoffcrypto-tool


def make_fixtures() -> None:  # pragma: no cover - run by hand to regenerate the binary fixtures
    """Regenerate ``key-projects-variant.xls`` (needs LibreOffice Calc)."""
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "key-projects-variant.xlsx"
        source.write_bytes(two_level())
        subprocess.run(["soffice", "--headless", "--convert-to", "xls", "--outdir", tmp, str(source)], check=True)
        XLS_VARIANT.write_bytes((Path(tmp) / "key-projects-variant.xls").read_bytes())
