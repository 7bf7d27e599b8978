"""Time the spreadsheet engine on a messy project ledger: read, parse and validate every row; export back.

    python benchmarks/ledgers_bench.py --rows 100000 [--file var/bench/projects.xlsx]

Phase 1 measures the engine up to the database: opening and safety checks, header location, row
classification, typed values with every problem collected, subtotal checks (``parse``), and writing the same
rows back in office layout (``export``). The floor is a bare python-calamine read of the same sheet. Phase 2
adds matching against the projects table, the commit through the services, and django-import-export side by
side (it needs the projects model). Peak memory is the process's maximum resident size (``getrusage``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from itertools import groupby
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taizhang.settings")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def timed(label: str, results: dict[str, float], fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn(*args)
    results[label] = round(time.perf_counter() - start, 2)
    return value


def bare_read(path: Path) -> int:
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return len(book.get_sheet_by_index(0).to_python())


def parse(path: Path) -> tuple[list[dict[str, object]], int, str]:
    from taizhang.ledgers.parsing import open_sheet
    from taizhang.ledgers.reading import open_workbook
    from taizhang.ledgers.tests.specs import PROJECTS

    records, problems = [], 0
    with open_workbook(path) as book:
        parser = open_sheet(book, PROJECTS)
        for row in parser.rows():
            problems += len(row.problems)
            if row.is_record:
                records.append(row.values)
        problems += len(parser.problems)
        reader = type(book).__name__
    return records, problems, reader


def export(records: list[dict[str, object]], out: Path) -> int:
    from taizhang.ledgers import export as writer
    from taizhang.ledgers.tests.specs import PROJECTS

    groups = [
        writer.Group(label=str(category), records=lambda rows=list(rows): rows)
        for category, rows in groupby(records, key=lambda r: r.get("category"))
    ]
    title = writer.ExportTitle(title="重点项目进展情况", issuer="区督查室", year=2026, month=9)
    return writer.write_xlsx(out, PROJECTS, groups, title)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--file", type=Path, help="an existing ledger to read (default: generate one)")
    options = parser.parse_args()

    import django

    django.setup()
    import ledgers_generate

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="taizhang-bench-") as tmp:
        path = options.file or Path(tmp) / "projects.xlsx"
        if options.file is None:
            timed("generate_s", results, ledgers_generate.write_xlsx, path, ledgers_generate.projects(options.rows))
        results["file_mb"] = round(path.stat().st_size / 1024 / 1024, 1)
        timed("floor_calamine_read_s", results, bare_read, path)
        records, problems, reader = timed("parse_and_validate_s", results, parse, path)
        results["peak_mb_after_parse"] = round(peak_mb())
        written = timed("export_xlsx_s", results, export, records, Path(tmp) / "export.xlsx")
    report = {
        "rows": len(records),
        "problems": problems,
        "reader": reader,
        "exported": written,
        **results,
        "peak_mb": round(peak_mb()),
        "parse_vs_floor": round(results["parse_and_validate_s"] / max(results["floor_calamine_read_s"], 0.01), 1),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
