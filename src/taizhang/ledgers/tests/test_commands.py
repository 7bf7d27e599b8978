"""The command line, stable for scripts: exit codes, the JSON contract, dry runs, export, bulletins."""

import json
import subprocess
import sys

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from taizhang.ledgers.models import ImportBatch, ImportStatus
from taizhang.ledgers.tests.files import write, xlsx_bytes
from taizhang.org.models import Person

GOOD = xlsx_bytes([["姓名", "所在单位", "联系电话"], ["张三", "甲街道", "13800000001"]])
BAD = xlsx_bytes([["姓名", "所在单位", "联系电话"], ["张三", "丙街道", "123"], ["李四", "甲街道", ""]])


def run(*args):
    """Run ``taizhang ledger …`` in-process; returns (exit status, stdout)."""
    from io import StringIO

    out = StringIO()
    try:
        call_command(*args, stdout=out, stderr=StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def test_import_with_json_prints_the_contract_and_exits_0(world, head_a, tmp_path):
    path = write(tmp_path, "roster.xlsx", GOOD)
    status, out = run("ledger", "import", "people", str(path), "--as", "head_a", "--json")
    result = json.loads(out)
    assert status == 0
    assert {k: result[k] for k in ("rows_read", "created", "updated", "unchanged", "skipped")} == {
        "rows_read": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
    }
    assert result["errors"] == [] and result["warnings"] == [] and result["committed"] is True
    assert Person.objects.get(name="张三").history.first().history_source == "import"
    assert ImportBatch.objects.get(pk=result["batch"]).history.first().history_source == "command"


def test_errors_exit_1_and_nothing_is_imported(world, head_a, tmp_path):
    path = write(tmp_path, "roster.xlsx", BAD)
    status, out = run("ledger", "import", "people", str(path), "--as", "head_a", "--json")
    result = json.loads(out)
    assert status == 1 and result["committed"] is False
    assert [(e["row"], e["column"], e["value"]) for e in result["errors"]] == [
        (2, "所在单位", "丙街道"),
        (2, "联系电话", "123"),
    ]
    assert set(result["errors"][0]) == {"row", "column", "value", "message"}
    assert not Person.objects.filter(name="李四").exists()


def test_a_dry_run_checks_and_imports_nothing(world, head_a, tmp_path):
    path = write(tmp_path, "roster.xlsx", GOOD)
    status, out = run("ledger", "import", "people", str(path), "--as", "head_a", "--dry-run")
    assert status == 0 and "nothing was imported" in out
    assert not Person.objects.filter(name="张三").exists()
    assert ImportBatch.objects.get().status == ImportStatus.READY  # it can still be imported from the page


def test_a_refused_file_exits_1_with_the_reason(world, head_a, tmp_path):
    path = write(tmp_path, "roster.xlsx", b"\x00binary")
    status, out = run("ledger", "import", "people", str(path), "--as", "head_a", "--json")
    assert status == 1 and "binary" in json.loads(out)["errors"][0]["message"]
    path = write(tmp_path, "units.xlsx", GOOD)
    status, out = run("ledger", "import", "units", str(path), "--as", "head_a", "--json")
    assert status == 1 and json.loads(out)["batch"] is None  # not allowed: nothing stored at all


@pytest.mark.parametrize(
    "args",
    [
        ("ledger", "import", "weather", "x.xlsx", "--as", "head_a"),
        ("ledger", "import", "people", "/no/such/file.xlsx", "--as", "head_a"),
        ("ledger", "import", "people", "{file}"),
        ("ledger", "import", "people", "{file}", "--as", "nobody"),
        ("ledger", "import", "people", "{file}", "--as", "head_a", "--period", "May"),
        ("ledger", "import", "people", "{file}", "--as", "head_a", "--unit", "ZZZ"),
        ("ledger", "export", "people", "--out", "{dir}/x.pdf", "--as", "head_a"),
        ("ledger", "export", "people", "--out", "{dir}/x.xlsx", "--as", "head_a", "--filter", "colour=red"),
        ("ledger", "export", "people", "--out", "{dir}/x.xlsx", "--as", "head_a", "--filter", "unit=abc"),
        ("ledger", "export", "people", "--out", "{dir}/x.xlsx", "--as", "head_a", "--filter", "unit"),
        ("bulletin", "weather", "--period", "2026-05", "--out", "{dir}/x.docx", "--as", "head_a"),
        ("bulletin", "areas", "--period", "2026-05", "--out", "{dir}/x.pdf", "--as", "head_a"),
        ("bulletin", "areas", "--period", "2026-05", "--out", "{dir}/x.docx", "--as", "outsider"),
    ],
)
def test_usage_errors_exit_2(world, head_a, tmp_path, args):
    path = write(tmp_path, "roster.xlsx", GOOD)
    args = [a.format(file=path, dir=tmp_path) for a in args]
    status, _out = run(*args)
    assert status == 2


def test_argument_errors_exit_2_from_the_real_command():
    result = subprocess.run(
        [sys.executable, "-m", "taizhang", "ledger", "import"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2 and "usage" in result.stderr


def test_export_follows_the_filters_and_the_user_s_scope(world, head_a, tmp_path):
    out = tmp_path / "people.xlsx"
    status, text = run("ledger", "export", "people", "--out", str(out), "--as", "head_a")
    assert status == 0 and "rows written" in text
    names = {c.value for c in openpyxl.load_workbook(out).active["B"] if c.value}
    assert "A人员" in names and "B人员" not in names
    out = tmp_path / "b.xlsx"
    run("ledger", "export", "people", "--out", str(out), "--as", "supervisor", "--filter", f"unit={world.unit_b.pk}")
    names = {c.value for c in openpyxl.load_workbook(out).active["B"] if c.value}
    assert "B人员" in names and "A人员" not in names
    out = tmp_path / "units.csv"
    status, _text = run("ledger", "export", "units", "--out", str(out), "--as", "supervisor", "--search", "jjd")
    assert status == 0 and "甲街道" in out.read_text(encoding="utf-8-sig")


def test_export_then_import_by_command_changes_nothing(world, head_a, tmp_path):
    out = tmp_path / "people.xlsx"
    run("ledger", "export", "people", "--out", str(out), "--as", "head_a", "--period", "2026-05")
    status, text = run("ledger", "import", "people", str(out), "--as", "head_a", "--json")
    result = json.loads(text)
    assert status == 0 and result["created"] == result["updated"] == 0 and result["unchanged"] == 2


def test_bulletin_writes_a_word_document(world, tmp_path):
    out = tmp_path / "notice.docx"
    status, _text = run("bulletin", "areas", "--period", "2026-05", "--out", str(out), "--as", "supervisor")
    assert status == 0 and out.read_bytes().startswith(b"PK")


def test_the_plain_report_lists_the_problems(world, head_a, tmp_path):
    path = write(tmp_path, "roster.xlsx", BAD)
    status, out = run("ledger", "import", "people", str(path), "--as", "head_a")
    assert status == 1
    assert "error: row 2 [所在单位] “丙街道”" in out and "1 new" in out
