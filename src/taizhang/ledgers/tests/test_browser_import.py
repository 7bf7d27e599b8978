"""Importing as a new user would, in headless Chromium, against the real server and job worker.

``taizhang serve`` runs here as in production (gunicorn plus the ``db_worker`` background-job process) on a
throwaway SQLite file with the demo district, because a progress bar is only honest when the job really runs
in another process while the page polls. The clerk uploads a messy roster, reads the preview and its
errors, downloads the annotated copy, fixes it, uploads it again and imports it; then uploads a large roster
and watches the progress bar while the worker checks and imports it. The supervision office does the same
with the key-project sample ledger (``tests/data/key-projects-2022-05.xlsx``) carrying a typing error.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings

from taizhang.core.demo import DEMO_PASSWORD
from taizhang.core.testing.browser import chromium_page, login
from taizhang.ledgers.tests.files import PROJECTS_SAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

UNIT = "二七区城市管理局"
HEADER = ["序号", "姓名", "所在单位", "职务（岗位）", "联系电话"]


def roster(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["区城管局工作人员名册"])
    ws.merge_cells("A1:E1")
    ws.append(["", "", "", "", "填报日期：2026年5月"])
    ws.append(HEADER)
    for i, row in enumerate(rows, start=1):
        ws.append([i, *row])
    ws.append(["填报人：", "", "", "审核人：", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# What the key-project sample names and the demo district lacks: two sub-districts, three district leaders
# and two categories (the sample's 区住建局, 区发改委… are the demo's units by their short names).
SAMPLE_SETUP = """
from taizhang.core.audit import Source, audit_context
from taizhang.org import services as org
from taizhang.org.models import Unit, User
from taizhang.projects import services

admin = User.objects.get(username="admin")
with audit_context(admin, Source.COMMAND):
    for code, name in (("LZH", "龙子湖街道"), ("FCL", "丰产路街道")):
        org.unit_create(actor=admin, code=code, name=name, kind="subdistrict")
    government = Unit.objects.get(name="二七区人民政府办公室")
    for name in ("周明", "郑强", "吴芳"):
        org.person_create(actor=admin, name=name, title="副区长", unit=government, is_leader=True)
    services.category_create(actor=admin, code="industry-dev", name="产业发展", sort_order=6)
    services.category_create(actor=admin, code="livelihood-sec", name="民生保障", sort_order=7)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The demo district served by ``taizhang serve`` with its job worker; jobs for files above 8 KB."""
    var = tmp_path_factory.mktemp("var")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REDIS_URL")}
    env.update(
        {
            "TAIZHANG_VAR": str(var),
            "TAIZHANG_NODE_MODULES": str(settings.NODE_MODULES),
            "TAIZHANG_IMPORT_BACKGROUND_ABOVE_KB": "8",
            "TAIZHANG_IMPORT_CHUNK_ROWS": "40",
            "TAIZHANG_WORKERS": "1",
        }
    )
    command = [sys.executable, "-m", "taizhang"]
    subprocess.run([*command, "migrate", "--noinput", "-v0"], env=env, check=True, timeout=300)
    subprocess.run([*command, "demo", "--quiet-logins"], env=env, check=True, timeout=900, capture_output=True)
    subprocess.run([*command, "shell", "-c", SAMPLE_SETUP], env=env, check=True, timeout=120, capture_output=True)
    port = free_port()
    log = (var / "serve.log").open("w")
    process = subprocess.Popen([*command, "serve", "--bind", f"127.0.0.1:{port}"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/login/", timeout=2)  # noqa: S310  (our own local server)
            break
        except OSError:
            time.sleep(0.5)
    else:  # pragma: no cover - the server did not start
        process.terminate()
        pytest.fail((var / "serve.log").read_text())
    yield base
    process.terminate()
    process.wait(timeout=30)
    log.close()


def upload(page, path: Path, kind: str = "") -> None:
    page.goto("/ledgers/imports/new/")
    if kind:
        page.select_option("select[name=kind]", kind, force=True)  # under its Tom Select
    page.set_input_files("input[type=file]", str(path))
    page.click("[data-testid=upload]")
    page.wait_for_url("**/ledgers/imports/*/")


def test_a_clerk_fixes_a_messy_roster_and_imports_it(server, tmp_path):
    messy = tmp_path / "城管局名册.xlsx"
    messy.write_bytes(
        roster(
            [
                ["高建华", UNIT, "市容科科长", "13937100012"],
                ["罗志勇", "城管执法大队", "队员", "13937100015"],  # no such unit
                ["秦雪梅", UNIT, "环卫科科员", "1393710001"],  # ten digits
                ["高建华", UNIT, "市容科科长", "13937100012"],  # the same person twice
            ]
        )
    )
    with chromium_page(server) as page:
        login(page, "head_cgj", DEMO_PASSWORD)
        upload(page, messy)
        assert page.locator("[data-testid=count-errors]").inner_text() == "3"
        problems = page.locator("[data-testid=problem]")
        assert problems.count() == 3
        assert "城管执法大队" in problems.nth(0).inner_text()
        assert "1393710001" in problems.nth(1).inner_text()
        assert page.locator("[data-testid=commit]").count() == 0  # errors block the import
        with page.expect_download() as download:
            page.click("[data-testid=annotated]")
        annotated = tmp_path / download.value.suggested_filename
        download.value.save_as(annotated)

        book = openpyxl.load_workbook(annotated)
        ws = book.active
        assert ws["F3"].value == "问题"
        assert "所在单位" in ws["F5"].value
        assert "联系电话" in ws["F6"].value
        assert "第 4 行" in ws["F7"].value  # the clerk reads Chinese
        ws["C5"] = UNIT  # the clerk fixes the file where the problems are written
        ws["E6"] = "13937100013"
        ws.delete_rows(7)
        fixed = tmp_path / "城管局名册（改）.xlsx"
        book.save(fixed)

        upload(page, fixed)
        assert page.locator("[data-testid=count-errors]").inner_text() == "0"
        assert page.locator("[data-testid=count-warnings]").inner_text() == "0"  # the 问题 column is known
        assert page.locator("[data-testid=count-created]").inner_text() == "3"
        page.click("[data-testid=commit]")
        page.wait_for_load_state()
        assert "bg-green" in page.locator("[data-testid=status]").get_attribute("class")  # imported
        page.goto("/org/people/?q=秦雪梅")
        assert "13937100013" in page.locator("[data-testid=ledger-table]").inner_text()


def test_a_large_roster_shows_its_progress_while_the_worker_checks_and_imports_it(server, tmp_path):
    large = tmp_path / "临聘人员名册.xlsx"
    # Large enough that checking and importing each outlast several of the page's one-second polls even on an
    # idle machine (1,200 rows were done between two polls there).
    large.write_bytes(roster([[f"临聘人员{i:04d}", UNIT, "协管员", ""] for i in range(1, 4001)]))
    with chromium_page(server) as page:
        login(page, "head_cgj", DEMO_PASSWORD)
        upload(page, large)
        assert page.locator("[data-testid=progress]").is_visible()  # the bar itself is 0 px wide at 0%
        seen = watch(page)
        page.wait_for_selector("[data-testid=count-created]", timeout=120_000)  # reloaded by itself when done
        assert page.locator("[data-testid=count-created]").inner_text() == "4000"
        page.click("[data-testid=commit]")
        page.wait_for_load_state()
        seen += watch(page)
        page.wait_for_function(
            "document.querySelector('[data-testid=status]')?.className.includes('bg-green')", timeout=180_000
        )
        assert any(0 < value < 100 for value in seen), f"no progress seen between 0 and 100: {seen}"
        assert page.locator("[data-testid=count-created]").inner_text() == "4000"


def watch(page) -> list[int]:
    """Sample the progress bar until the page stops showing it; the values it showed."""
    values: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            value = page.evaluate(
                "document.querySelector('[data-testid=progress-bar]')?.getAttribute('aria-valuenow') ?? null"
            )
        except Exception:  # the page is reloading
            value = None
        if value is None:
            if values:
                return values
        else:
            values.append(int(value))
        page.wait_for_timeout(250)
    return values


def test_the_office_fixes_a_typing_error_in_the_key_project_ledger_and_imports_it(server, tmp_path):
    book = openpyxl.load_workbook(PROJECTS_SAMPLE)
    ws = book["重点项目进展"]
    assert (ws["B4"].value, ws["J2"].value, ws["J4"].value) == ("金水管网工程", "1-5月完成投资（万元）", 8101)
    ws["J4"] = "八千一百"  # typed in words: not an amount
    messy = tmp_path / "重点项目进展（1-5月）.xlsx"
    book.save(messy)
    with chromium_page(server) as page:
        login(page, "supervisor", DEMO_PASSWORD)
        upload(page, messy, kind="projects")
        assert page.locator("[data-testid=count-errors]").inner_text() == "1"
        errors = page.locator("[data-testid=problem].table-danger")  # warnings too: the heading's subtotal
        assert errors.count() == 1
        problem = errors.nth(0).inner_text()
        assert "八千一百" in problem and "1-5月完成投资" in problem, problem
        assert page.locator("[data-testid=commit]").count() == 0  # the error blocks the import
        with page.expect_download() as download:
            page.click("[data-testid=annotated]")
        annotated = tmp_path / download.value.suggested_filename
        download.value.save_as(annotated)

        book = openpyxl.load_workbook(annotated)
        assert book.sheetnames == ["填报说明", "重点项目进展"]  # the original workbook, notes sheet and all
        ws = book["重点项目进展"]
        column = next(c.column_letter for c in ws[2] if c.value == "问题")  # added after the last column
        assert column == "P"
        assert "1-5月完成投资" in ws["P4"].value and ws["P5"].value is None
        ws["J4"] = 8101  # the office corrects the cell the 问题 column points at
        fixed = tmp_path / "重点项目进展（1-5月，改）.xlsx"
        book.save(fixed)

        upload(page, fixed, kind="projects")
        assert page.locator("[data-testid=count-errors]").inner_text() == "0", page.locator(
            "[data-testid=problems]"
        ).inner_text()
        assert page.locator("[data-testid=count-created]").inner_text() == "18"
        page.click("[data-testid=commit]")
        page.wait_for_load_state()
        page.wait_for_function(
            "document.querySelector('[data-testid=status]')?.className.includes('bg-green')", timeout=120_000
        )
        page.goto("/projects/?year=2022&q=金水管网工程")
        table = page.locator("[data-testid=ledger-table]").inner_text()
        assert "金水管网工程" in table and "龙子湖街道" in table
        expected = json.loads(PROJECTS_SAMPLE.with_suffix(".expected.json").read_text(encoding="utf-8"))
        page.goto("/projects/?year=2022")
        table = page.locator("[data-testid=ledger-table]").inner_text()
        assert all(project["name"] in table for project in expected["projects"]), table
