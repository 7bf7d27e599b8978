"""The command line, stable for scripts: exit codes, the JSON contract, dry runs, export, bulletins."""

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from taizhang.ledgers.models import ImportBatch, ImportStatus
from taizhang.ledgers.tests.files import write, xlsx_bytes
from taizhang.org.models import Person

GOOD = xlsx_bytes([["姓名", "所在单位", "联系电话"], ["张三", "甲街道", "13800000001"]])
BAD = xlsx_bytes([["姓名", "所在单位", "联系电话"], ["张三", "丙街道", "123"], ["李四", "甲街道", ""]])


JSON_KEYS = {"rows_read", "created", "updated", "unchanged", "skipped", "errors", "warnings", "batch", "committed"}


def run(*args):
    """Run ``taizhang ledger …`` in-process; returns (exit status, stdout)."""
    status, out, _message = run_with_message(*args)
    return status, out


def run_with_message(*args):
    """Run a command in-process; returns (exit status, stdout, the error's message or "")."""
    from io import StringIO

    out = StringIO()
    try:
        call_command(*args, stdout=out, stderr=StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), ""


def test_import_with_json_prints_the_contract_and_exits_0(world, head_a, tmp_path):
    path = write(tmp_path, "roster.xlsx", GOOD)
    status, out = run("ledger", "import", "people", str(path), "--as", "head_a", "--json")
    result = json.loads(out)
    assert status == 0
    assert set(result) == JSON_KEYS  # the keys, and "batch" and "committed" (docs/ledgers.md)
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
    assert status == 1 and result["committed"] is False and set(result) == JSON_KEYS
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


# --- the acting user: --as, else $TAIZHANG_AS, else the only active superuser ------------------------------


def test_without_as_the_environment_names_the_acting_user(world, head_a, tmp_path, monkeypatch):
    monkeypatch.setenv("TAIZHANG_AS", "head_a")
    path = write(tmp_path, "roster.xlsx", GOOD)
    status, out = run("ledger", "import", "people", str(path), "--json")
    assert status == 0 and json.loads(out)["committed"] is True
    batch = ImportBatch.objects.get()
    assert (batch.history.first().history_user, batch.history.first().history_source) == (head_a, "command")
    person = Person.objects.get(name="张三").history.first()
    assert (person.history_user, person.history_source) == (head_a, "import")


def test_as_wins_over_the_environment(world, head_a, tmp_path, monkeypatch):
    monkeypatch.setenv("TAIZHANG_AS", "nobody")
    out = tmp_path / "people.csv"
    status, _text = run("ledger", "export", "people", "--out", str(out), "--as", "head_a")
    assert status == 0 and "A人员" in out.read_text(encoding="utf-8-sig")


def test_without_as_or_environment_the_only_superuser_acts(world, tmp_path, monkeypatch):
    monkeypatch.delenv("TAIZHANG_AS", raising=False)
    path = write(tmp_path, "roster.xlsx", GOOD)
    status, out = run("ledger", "import", "people", str(path), "--unit", "UA", "--json")
    assert status == 0 and json.loads(out)["created"] == 1
    history = ImportBatch.objects.get().history.first()
    assert (history.history_user, history.history_source) == (world.admin, "command")
    out_file = tmp_path / "notice.docx"
    status, _text = run("bulletin", "areas", "--period", "2026-05", "--out", str(out_file))
    assert status == 0 and out_file.read_bytes().startswith(b"PK")


def test_an_unknown_user_in_the_environment_is_a_usage_error(world, tmp_path, monkeypatch):
    monkeypatch.setenv("TAIZHANG_AS", "nobody")
    status, _out, message = run_with_message("ledger", "export", "units", "--out", str(tmp_path / "u.csv"))
    assert status == 2 and "TAIZHANG_AS" in message and "nobody" in message
    assert not (tmp_path / "u.csv").exists()


@pytest.mark.parametrize("superusers", [0, 2])
def test_no_superuser_or_several_without_as_is_a_usage_error(world, audit, tmp_path, monkeypatch, superusers):
    from taizhang.core.testing.personas import PASSWORD
    from taizhang.org import services as org
    from taizhang.org.models import User

    monkeypatch.delenv("TAIZHANG_AS", raising=False)
    if superusers == 0:
        User.objects.filter(pk=world.admin.pk).update(is_active=False)  # a deactivated login does not count
    else:
        org.user_create(actor=world.admin, username="second_admin", password=PASSWORD, is_superuser=True)
    path = write(tmp_path, "roster.xlsx", GOOD)
    for args in (
        ("ledger", "import", "people", str(path), "--json"),
        ("ledger", "export", "people", "--out", str(tmp_path / "p.xlsx")),
        ("bulletin", "areas", "--period", "2026-05", "--out", str(tmp_path / "n.docx")),
    ):
        status, _out, message = run_with_message(*args)
        assert status == 2 and "pass --as" in message, args
        assert ("no active superuser" if superusers == 0 else "more than one active superuser") in message
    assert not ImportBatch.objects.exists() and not Person.objects.filter(name="张三").exists()
    assert not (tmp_path / "p.xlsx").exists() and not (tmp_path / "n.docx").exists()


# The same choices through the installed ``taizhang`` entry point, for its exit codes: a database of its own.

_MAKE_USER = """
from taizhang.core.audit import Source, audit_context
from taizhang.org import services
with audit_context(None, Source.SYSTEM):
    services.user_create(actor=None, username={name!r}, password="Entry-point-2026!", is_superuser={su})
"""


def _entry_point() -> list[str]:
    script = Path(sys.executable).with_name("taizhang")
    return [str(script)] if script.exists() else [sys.executable, "-m", "taizhang"]


@pytest.fixture(scope="module")
def entry_env(tmp_path_factory):
    """A migrated SQLite database of its own for the ``taizhang`` process (the tests' database is not shared)."""
    folder = tmp_path_factory.mktemp("entry")
    env = {k: v for k, v in os.environ.items() if k != "TAIZHANG_AS"}
    env |= {"DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}", "DJANGO_SETTINGS_MODULE": "taizhang.settings"}
    subprocess.run([*_entry_point(), "migrate", "--no-input", "-v", "0"], env=env, check=True, timeout=600)
    return env, folder


def _taizhang(env, *args):
    return subprocess.run([*_entry_point(), *args], env=env, capture_output=True, text=True, timeout=300)


def test_the_entry_point_chooses_the_acting_user_or_exits_2(entry_env):
    env, folder = entry_env
    out = str(folder / "units.csv")
    export = ("ledger", "export", "units", "--out", out)

    done = _taizhang(env, *export)  # nobody to act as
    assert done.returncode == 2 and "pass --as" in done.stderr and "no active superuser" in done.stderr

    assert _taizhang(env, "shell", "-c", _MAKE_USER.format(name="clerk", su=False)).returncode == 0
    done = _taizhang({**env, "TAIZHANG_AS": "clerk"}, *export)
    assert done.returncode == 0 and "rows written" in done.stdout, done.stderr
    done = _taizhang({**env, "TAIZHANG_AS": "ghost"}, *export)
    assert done.returncode == 2 and "TAIZHANG_AS: no active user named 'ghost'" in done.stderr

    assert _taizhang(env, "shell", "-c", _MAKE_USER.format(name="root_admin", su=True)).returncode == 0
    done = _taizhang(env, *export)  # the only superuser
    assert done.returncode == 0 and "rows written" in done.stdout, done.stderr

    assert _taizhang(env, "shell", "-c", _MAKE_USER.format(name="other_admin", su=True)).returncode == 0
    done = _taizhang(env, *export)
    assert done.returncode == 2 and "more than one active superuser" in done.stderr
    done = _taizhang(env, *export, "--as", "other_admin")
    assert done.returncode == 0, done.stderr
