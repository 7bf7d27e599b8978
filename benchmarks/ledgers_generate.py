"""Generate a messy key-project ledger of any size, shaped like the ones district offices exchange.

    python benchmarks/ledgers_generate.py --rows 100000 --out var/bench/projects-100k.xlsx [--csv]

The sheet has what real files have: a title row stating the period, a "单位：万元" row, a two-level merged
header ("2026年" over 计划投资 / 1-N月完成投资 / 完成率), category heading rows with subtotals
("一、产业发展类（N个）"),
numbering that restarts per category, 责任单位 merged down runs of rows, amounts typed as text with thousands
separators in some rows, completion rates as text ("45.2%"), dates as real dates, "2026年3月" or "2027.7",
"待定" where unknown, a 合计 row and signatures. It is written with XlsxWriter in constant-memory mode, so a
million rows need no more memory than ten.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

UNITS = [
    "区发改委",
    "区住建局",
    "区教育局",
    "区卫健委",
    "区城管局",
    "龙子湖街道",
    "丰产路街道",
    "金水湾街道",
    "铭功路街道",
    "解放路街道",
]
CATEGORIES = ["基础设施", "产业发展", "民生保障", "生态环保", "城市更新", "科技创新", "文化旅游"]
ROADS = ["金水", "中州大道", "龙湖", "文化路", "北三环", "农业路", "花园路", "嵩山路", "大学路", "京广路"]
KINDS = [
    "管网工程",
    "道路项目",
    "学校工程",
    "产业园工程",
    "商务中心项目",
    "物流基地工程",
    "安置房工程",
    "养老中心工程",
    "卫生院项目",
]
NATURE = ["新开工", "续建", "前期", "竣工"]
HEADER = [
    "序号",
    "项目名称",
    "项目代码",
    "项目类别",
    "建设性质",
    "责任单位",
    "总投资（亿元）",
    "计划投资",
    "完成投资",
    "完成率",
    "计划开工",
    "计划竣工",
    "形象进度",
    "存在问题",
]
PROBLEMS = ["征地拆迁未完成", "资金未到位", "手续办理滞后；施工图设计未完成", "管线迁改未完成"]


def projects(rows: int, seed: int = 2026) -> list[dict[str, object]]:
    rng = random.Random(seed)
    result = []
    for i in range(rows):
        plan = rng.randrange(500, 50000)
        done = rng.randrange(0, plan)
        result.append(
            {
                "name": f"{rng.choice(ROADS)}{rng.choice(KINDS)}{i:06d}",
                "code": f"2026-410103-{i:06d}",
                "category": CATEGORIES[i * len(CATEGORIES) // rows],
                "nature": rng.choice(NATURE),
                "unit": UNITS[(i // 5) % len(UNITS)],  # runs of five rows share a unit: merged down
                "total": Decimal(rng.randrange(1000, 900000)) / 10,  # 亿元, one decimal
                "plan": plan,
                "done": done,
                "start": dt.date(2026, rng.randrange(1, 13), rng.randrange(1, 28)),
                "finish": (2027 + rng.randrange(0, 3), rng.randrange(1, 13)),
            }
        )
    return result


def _start(day: dt.date, i: int) -> object:
    return day if i % 3 else f"{day.year}年{day.month}月"


def _finish(finish: tuple[int, int], i: int) -> str:
    return "待定" if i % 97 == 0 else f"{finish[0]}.{finish[1]}"


def write_xlsx(path: Path, rows: list[dict[str, object]], month: int = 9) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("重点项目进展")
    _header(ws, month)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    row = 4
    by_category: dict[str, list[dict[str, object]]] = {}
    for project in rows:
        by_category.setdefault(str(project["category"]), []).append(project)
    numerals = "一二三四五六七八九十"
    for n, (category, group) in enumerate(by_category.items()):
        subtotal = [sum(Decimal(str(p[k])) for p in group) for k in ("total", "plan", "done")]
        ws.merge_range(row, 0, row, 5, f"{numerals[n]}、{category}类（{len(group)}个）")
        for col, value in zip((6, 7, 8), subtotal, strict=True):
            ws.write_number(row, col, float(value))
        row += 1
        run_start = row
        for seq, p in enumerate(group, start=1):
            if seq > 1 and p["unit"] != group[seq - 2]["unit"]:
                _merge_down(ws, run_start, row - 1)
                run_start = row
            _project_row(ws, row, seq, p, show_unit=row == run_start, date_format=date_format)
            row += 1
        _merge_down(ws, run_start, row - 1)
    totals = [sum(Decimal(str(p[k])) for p in rows) for k in ("total", "plan", "done")]
    ws.merge_range(row, 0, row, 5, "合计")
    for col, value in zip((6, 7, 8), totals, strict=True):
        ws.write_number(row, col, float(value))
    ws.write(row + 2, 0, "填报人：")
    ws.write(row + 2, 6, "审核人：")
    book.close()


def _header(ws: Any, month: int) -> None:
    width = len(HEADER)
    ws.merge_range(0, 0, 0, width - 1, f"2026年区重点项目建设进展情况（1-{month}月）")
    ws.write(1, width - 1, "单位：万元")
    for col, text in enumerate(HEADER):
        if col not in (7, 8, 9):
            ws.write(2, col, text)
    ws.merge_range(2, 7, 2, 9, "2026年")
    for col in [c for c in range(width) if c not in (7, 8, 9)]:
        ws.merge.append([2, col, 3, col])  # merged down; constant-memory mode has written the upper cells
    ws.write(3, 7, "计划投资")
    ws.write(3, 8, f"1-{month}月完成投资")
    ws.write(3, 9, "完成率")


def _merge_down(ws: Any, first: int, last: int) -> None:
    """责任单位 merged over a run of rows (declared once its rows are written, as constant memory requires)."""
    if last > first:
        ws.merge.append([first, 5, last, 5])


def _project_row(ws: Any, row: int, seq: int, p: dict[str, object], *, show_unit: bool, date_format: Any) -> None:
    ws.write_number(row, 0, seq)
    for col, key in ((1, "name"), (2, "code"), (3, "category"), (4, "nature")):
        ws.write_string(row, col, str(p[key]))
    if show_unit:
        ws.write_string(row, 5, str(p["unit"]))
    ws.write_number(row, 6, float(p["total"]))  # type: ignore[arg-type]
    plan, done = int(p["plan"]), int(p["done"])  # type: ignore[call-overload]
    if row % 4 == 0:
        ws.write_string(row, 7, f"{plan:,}")  # typed as text, as some clerks do
    else:
        ws.write_number(row, 7, plan)
    ws.write_number(row, 8, done)
    ws.write_string(row, 9, f"{done * 100 / plan:.1f}%")
    start = _start(p["start"], row)  # type: ignore[arg-type]
    if isinstance(start, dt.date):
        ws.write_datetime(row, 10, dt.datetime.combine(start, dt.time()), date_format)
    else:
        ws.write_string(row, 10, start)
    ws.write_string(row, 11, _finish(p["finish"], row))  # type: ignore[arg-type]
    ws.write_string(row, 12, "正在进行土方施工" if row % 2 else "已完成主体结构")
    if row % 7 == 0:
        ws.write_string(row, 13, PROBLEMS[(row // 7) % len(PROBLEMS)])


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "序号",
                "项目名称",
                "项目代码",
                "项目类别",
                "建设性质",
                "责任单位",
                "总投资（亿元）",
                "计划投资（万元）",
                "完成投资（万元）",
            ]
        )
        for i, p in enumerate(rows, start=1):
            writer.writerow(
                [
                    i,
                    p["name"],
                    p["code"],
                    p["category"],
                    p["nature"],
                    p["unit"],
                    p["total"],
                    f"{p['plan']:,}",
                    p["done"],
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--csv", action="store_true", help="write CSV in GB18030 instead of .xlsx")
    options = parser.parse_args()
    options.out.parent.mkdir(parents=True, exist_ok=True)
    rows = projects(options.rows)
    (write_csv if options.csv else write_xlsx)(options.out, rows)
    print(f"{options.rows} projects written to {options.out} ({options.out.stat().st_size / 1024 / 1024:.1f} MB)")


if __name__ == "__main__":
    main()
