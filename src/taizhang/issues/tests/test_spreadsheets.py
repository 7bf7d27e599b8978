"""The issue ledger in spreadsheets: the civilized-city check sample registers its 40 issues through the issue
services, importing it twice changes nothing, an export imports back unchanged, and the list exports."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from taizhang.core import clock
from taizhang.core.audit import Source
from taizhang.issues import selectors
from taizhang.issues import services as issue_services
from taizhang.issues.choices import Status
from taizhang.issues.columns import ISSUES, TimeLimit
from taizhang.issues.models import Issue
from taizhang.issues.tests.conftest import at
from taizhang.ledgers import export
from taizhang.ledgers.columns import ReadContext
from taizhang.ledgers.models import ImportStatus, Outcome
from taizhang.ledgers.tests.conftest import check, commit
from taizhang.ledgers.tests.files import ISSUES_SAMPLE, write, xlsx_bytes
from taizhang.org import services as org_services
from taizhang.org.choices import UnitKind

EXPECTED = json.loads((ISSUES_SAMPLE.parent / "issues-checklist-2021-09.expected.json").read_text())
STREETS = ["大学路街道", "德化街街道", "建中街街道", "淮河路街道", "五里堡街道"]

pytestmark = pytest.mark.usefixtures("audit")


@pytest.fixture
def after_the_check() -> Any:
    """Wednesday 2021-09-22, 10:00: the first workday after the Mid-Autumn holiday (19–21 September)."""
    with clock.travel(at(2021, 9, 22, 10)) as moment:
        yield moment


@pytest.fixture
def streets(world: Any, audit: Any) -> Any:
    """The sub-districts, sources and categories the sample names (市容环境 and two sources are the world's)."""
    admin = world.admin
    for i, name in enumerate(STREETS, start=1):
        world.units[name] = org_services.unit_create(
            actor=admin, code=f"J{i:02d}", name=name, kind=UnitKind.SUBDISTRICT
        )
    world.data["sources"]["check"] = issue_services.source_create(
        actor=admin, code="check", name="实地测评", auto_dispatch=True
    )
    for code, name in (("ad", "公益宣传"), ("traffic", "交通秩序"), ("infra", "基础设施")):
        world.data["categories"][code] = issue_services.category_create(
            actor=admin, code=code, name=name, time_limit=5, yellow_lead=1
        )
    return world


def sample() -> bytes:
    return ISSUES_SAMPLE.read_bytes()


def state() -> list[tuple[Any, ...]]:
    return list(
        Issue.objects.live()
        .order_by("number")
        .values_list(
            "number",
            "description",
            "address",
            "found_at",
            "category__name",
            "source__name",
            "responsible_unit__name",
            "deadline",
            "status",
            "version",
        )
    )


def test_the_sample_registers_its_40_issues_through_the_services(streets, after_the_check):
    supervisor = streets.users["supervisor"]
    batch = check(supervisor, sample(), kind="issues", name="checklist.xlsx", period="2021-09")
    assert batch.status == ImportStatus.READY, batch.message
    assert (batch.created, batch.errors) == (EXPECTED["count"], 0) == (40, 0)
    warnings = [p for r in batch.rows.all() for p in r.problems]
    closing = [p for p in warnings if p["column"] == "是否销号"]
    assert len(closing) == 11  # registered open: closing takes the verification
    batch = commit(batch, supervisor)
    assert batch.status == ImportStatus.COMMITTED, batch.message
    issues = list(Issue.objects.live().order_by("pk"))
    assert len(issues) == 40
    first, second, third = issues[:3]
    assert (first.description, first.address, first.responsible_unit.name) == (
        "公益广告破损褪色",
        "政通路与嵩山路交叉口向北50米",
        "大学路街道",
    )
    assert (first.category.name, first.source.name) == ("公益宣传", "12345热线")
    assert timezone.localtime(first.found_at).date() == dt.date(2021, 9, 15)
    assert timezone.localtime(third.found_at).date() == dt.date(2021, 9, 16)  # "9月16日", the year of the period
    # 立即整改: today's close; a date: that date; 3个工作日: three workdays on the statutory calendar.
    assert timezone.localtime(first.deadline).date() == dt.date(2021, 9, 22)
    assert timezone.localtime(second.deadline).date() == dt.date(2021, 9, 22)  # 2021-09-20 had passed
    assert timezone.localtime(third.deadline).date() == dt.date(2021, 9, 26)  # 23, 24, 26 (a make-up Sunday)
    assert first.status == Status.REGISTERED and third.status == Status.DISPATCHED  # the hotline waits for dispatch
    assert first.override_reason == f"import #{batch.pk}: checklist.xlsx"
    history = Issue.history.filter(history_type="+")
    assert set(history.values_list("history_source", "history_user")) == {(Source.IMPORT, supervisor.pk)}


def test_importing_the_sample_twice_changes_nothing(streets, after_the_check):
    supervisor = streets.users["supervisor"]
    commit(check(supervisor, sample(), kind="issues", period="2021-09"), supervisor)
    before, history = state(), Issue.history.count()
    second = check(supervisor, sample(), kind="issues", period="2021-09")
    assert (second.created, second.updated, second.unchanged, second.errors) == (0, 0, 40, 0)
    commit(second, supervisor)
    assert state() == before and Issue.history.count() == history


def exported(user: Any, fmt: str = "xlsx", **filters: Any) -> bytes:
    queryset = selectors.issue_list(user).filter(**filters).order_by("-registered_at", "pk")
    title = export.export_title(ISSUES, user, None)
    if fmt == "csv":
        buffer = io.BytesIO()
        export.write_csv(buffer, ISSUES, queryset.iterator(chunk_size=100))
        return buffer.getvalue()
    return export.xlsx_bytes(ISSUES, export.groups_of(ISSUES, queryset), title)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_imports_back_with_no_change(streets, after_the_check, fmt):
    supervisor = streets.users["supervisor"]
    commit(check(supervisor, sample(), kind="issues", period="2021-09"), supervisor)
    before = state()
    again = check(supervisor, exported(supervisor, fmt), kind="issues", name=f"export.{fmt}")
    assert again.status == ImportStatus.READY, again.message
    assert (again.rows_read - again.skipped, again.unchanged, again.errors, again.warnings) == (40, 40, 0, 0)
    commit(again, supervisor)
    assert state() == before


def test_the_export_groups_by_category_with_the_ledger_s_numbers(streets, after_the_check):
    supervisor = streets.users["supervisor"]
    commit(check(supervisor, sample(), kind="issues", period="2021-09"), supervisor)
    rows = list(openpyxl.load_workbook(io.BytesIO(exported(supervisor))).active.iter_rows(values_only=True))
    assert rows[0][0].endswith("问题整改台账（截至2021年9月22日）")
    headings = sorted(r[0] for r in rows[3:] if isinstance(r[0], str) and "、" in r[0])
    assert {h.split("、")[1] for h in headings} == {
        "市容环境（15个）",
        "公益宣传（11个）",
        "交通秩序（8个）",
        "基础设施（6个）",
    }
    numbers = {r[1] for r in rows[3:] if isinstance(r[1], str) and r[1].startswith("2021-")}
    assert numbers == set(Issue.objects.values_list("number", flat=True))


def test_a_changed_row_corrects_the_issue_and_workflow_fields_are_only_reported(streets, after_the_check):
    supervisor = streets.users["supervisor"]
    commit(check(supervisor, sample(), kind="issues", period="2021-09"), supervisor)
    issue = Issue.objects.live().order_by("pk").first()
    rows = [
        ["问题编号", "问题描述", "具体位置", "责任单位", "是否销号"],
        [issue.number, "公益广告破损褪色，已脱落", issue.address, "五里堡街道", "是"],
    ]
    batch = check(supervisor, xlsx_bytes(rows), kind="issues")
    row = batch.rows.get()
    assert row.outcome == Outcome.UPDATE
    assert row.changes == [["问题描述", "公益广告破损褪色", "公益广告破损褪色，已脱落"]]
    assert [(p["column"], p["severity"]) for p in row.problems] == [("责任单位", "warning"), ("是否销号", "warning")]
    commit(batch, supervisor)
    issue.refresh_from_db()
    assert issue.description == "公益广告破损褪色，已脱落" and issue.responsible_unit.name == "大学路街道"
    assert issue.events.filter(action="update").exists()


def test_bad_rows_are_all_reported_and_nothing_is_registered(streets, after_the_check):
    rows = [
        ["问题编号", "问题来源", "问题类别", "问题描述", "具体位置", "发现时间", "责任单位"],
        ["", "日常巡查", "绿化养护", "树木倒伏", "大学路", "2021-09-20", "大学路街道"],
        ["2021-999999", "日常巡查", "市容环境", "垃圾", "大学路", "2021-09-20", "大学路街道"],
        ["", "日常巡查", "市容环境", "垃圾", "大学路", "2021-09-30", "大学路街道"],
        ["", "邮件", "市容环境", "垃圾", "京广路", "2021-09-20", "无名街道"],
    ]
    batch = check(streets.users["supervisor"], xlsx_bytes(rows), kind="issues")
    errors = sorted((p["row"], p["column"]) for r in batch.rows.all() for p in r.problems if p["severity"] == "error")
    assert errors == sorted([(2, "问题类别"), (3, "问题编号"), (4, "发现时间"), (5, "问题来源"), (5, "责任单位")])
    message = next(p["message"] for r in batch.rows.all() for p in r.problems if p["column"] == "问题类别")
    assert "公益宣传" in message  # the categories in use are listed
    assert batch.created == 0 and not Issue.objects.exists()


def test_a_reporter_may_not_import_the_issue_ledger(streets, after_the_check):
    from taizhang.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        check(streets.users["reporter_a"], sample(), kind="issues")


def test_time_limits_read_as_offices_write_them():
    limit = TimeLimit()
    ctx = ReadContext(year=2021)
    assert limit.parse("立即整改", ctx) == ("immediate", 0)
    assert limit.parse("3个工作日内", ctx) == ("workdays", 3)
    assert limit.parse("5天", ctx) == ("days", 5)
    assert limit.parse("9月30日", ctx) == ("date", dt.date(2021, 9, 30))
    assert limit.parse("待定", ctx) is None
    assert [limit.render(x) for x in (("immediate", 0), ("workdays", 3), ("days", 5))] == [
        "立即整改",
        "3个工作日",
        "5天",
    ]


def test_the_issue_list_exports_its_filtered_rows(streets, after_the_check, as_supervisor):
    supervisor = streets.users["supervisor"]
    commit(check(supervisor, sample(), kind="issues", period="2021-09"), supervisor)
    unit = streets.units["建中街街道"]
    page = as_supervisor.get("/issues/", {"unit": unit.pk})
    assert b"export=xlsx" in page.content
    response = as_supervisor.get("/issues/", {"unit": unit.pk, "export": "xlsx"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    units = {r[7] for r in book.active.iter_rows(min_row=4, values_only=True) if r[1] and str(r[1]).startswith("2021")}
    assert units == {"建中街街道"}
    csv = as_supervisor.get("/issues/", {"unit": unit.pk, "export": "csv"})
    lines = b"".join(csv.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("问题编号,问题来源") and len(lines) == 1 + 5


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def test_the_command_line_imports_and_exports_issues(streets, after_the_check, tmp_path: Path):
    path = write(tmp_path, "checklist.xlsx", sample())
    status, out = run("ledger", "import", "issues", str(path), "--as", "supervisor", "--json")
    result = json.loads(out)
    assert status == 1 and result["committed"] is False  # "9月16日": no year without --period
    assert {e["column"] for e in result["errors"]} == {"发现时间"}
    status, out = run("ledger", "import", "issues", str(path), "--as", "supervisor", "--json", "--period", "2021-09")
    result = json.loads(out)
    assert status == 0 and result["created"] == 40 and result["committed"] is True
    assert set(result) == {
        "rows_read",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "errors",
        "warnings",
        "batch",
        "committed",
    }
    out_file = tmp_path / "issues.csv"
    status, out = run(
        "ledger", "export", "issues", "--out", str(out_file), "--as", "supervisor", "--filter", "status=dispatched"
    )
    dispatched = Issue.objects.filter(status=Status.DISPATCHED).count()
    assert status == 0 and out.startswith(f"{dispatched} rows") and 0 < dispatched < 40
    status, _out = run("ledger", "import", "issues", str(path), "--as", "reporter_a", "--json")
    assert status == 1


def test_a_row_that_cannot_be_told_apart_names_the_columns_that_would(streets, after_the_check):
    rows = [["问题来源", "问题类别", "问题描述", "责任单位"], ["日常巡查", "市容环境", "垃圾", "大学路街道"]]
    batch = check(streets.users["supervisor"], xlsx_bytes(rows), kind="issues")
    problem = batch.rows.get().problems[0]
    assert problem["severity"] == "error" and "问题编号、问题描述、具体位置、发现时间" in problem["message"]
