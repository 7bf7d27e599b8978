"""The key-project ledger in spreadsheets: the office's sample imports as expected through the services, twice
changes nothing, the bulk path leaves the ledger as the services do, and an export imports back unchanged."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from taizhang.core import clock
from taizhang.core.audit import Source
from taizhang.core.errors import TransitionNotAllowed
from taizhang.ledgers import export
from taizhang.ledgers.models import ImportStatus, Outcome
from taizhang.ledgers.tests.conftest import check, commit
from taizhang.ledgers.tests.files import PROJECTS_SAMPLE, write, xlsx_bytes
from taizhang.org import services as org_services
from taizhang.org.choices import UnitKind
from taizhang.projects import selectors, services
from taizhang.projects.choices import Light, ReportStatus
from taizhang.projects.columns import PROJECTS
from taizhang.projects.models import MonthlyReport, Project, ReportEvent, ReportProblem, YearPlan
from taizhang.projects.tests.conftest import at

EXPECTED = json.loads((PROJECTS_SAMPLE.parent / "key-projects-2022-05.expected.json").read_text())
SAMPLE_UNITS = ["龙子湖街道", "区住建局", "区发改委", "区教育局", "丰产路街道", "区卫健委"]
SAMPLE_LEADERS = ["周明", "郑强", "吴芳"]

pytestmark = pytest.mark.usefixtures("audit")


@pytest.fixture
def july_2022() -> Any:
    """2022-07-04: May's figures are in, the year is half gone."""
    with clock.travel(at(2022, 7, 4)) as moment:
        yield moment


@pytest.fixture
def district(world: Any, audit: Any) -> Any:
    """The units, district leaders and categories the sample names. 基础设施 is the world's 基础设施项目."""
    admin = world.admin
    for i, name in enumerate(SAMPLE_UNITS, start=1):
        kind = UnitKind.SUBDISTRICT if name.endswith("街道") else UnitKind.DEPARTMENT
        world.units[name] = org_services.unit_create(actor=admin, code=f"S{i:02d}", name=name, kind=kind)
    for name in SAMPLE_LEADERS:
        world.people[name] = org_services.person_create(
            actor=admin, name=name, title="副区长", unit=world.units["GOV"], is_leader=True
        )
    categories = world.data["project_categories"]
    categories["industry"] = services.category_create(actor=admin, code="industry", name="产业发展", sort_order=3)
    categories["livelihood"] = services.category_create(actor=admin, code="livelihood", name="民生保障", sort_order=4)
    return world


def sample_bytes() -> bytes:
    return PROJECTS_SAMPLE.read_bytes()


def ledger_state() -> list[dict[str, Any]]:
    """Each live project with its 2022 plan and May's approved report, as comparable plain values."""
    rows = []
    for project in Project.objects.live().select_related("category", "responsible_unit", "leader").order_by("pk"):
        plan = project.plans.live().filter(year=2022).first()
        report = MonthlyReport.objects.live().filter(project=project, year=2022, month=5, is_effective=True).first()
        rows.append(
            {
                "name": project.name,
                "category": project.category.name,
                "unit": project.responsible_unit.name,
                "leader": project.leader.name if project.leader else None,
                "total": project.total_investment,
                "start": project.planned_start,
                "finish": project.planned_completion,
                "scale": project.scale,
                "nature": plan.nature if plan else None,
                "plan": plan.planned_investment if plan else None,
                "plan_month": plan.reported_month if plan else None,
                "plan_ytd": plan.ytd_investment if plan else None,
                "plan_light": (plan.light, plan.light_reason) if plan else None,
                "done": report.ytd_investment if report else None,
                "status": report.status if report else None,
                "report_light": (report.light, report.light_reason) if report else None,
                "progress": report.progress if report else None,
                "problems": sorted(report.problems.live().values_list("text", flat=True)) if report else None,
                "events": list(report.events.values_list("action", "reason")) if report else None,
            }
        )
    return rows


def test_the_sample_imports_exactly_as_expected_through_the_services(district, july_2022):
    supervisor = district.users["supervisor"]
    batch = check(supervisor, sample_bytes(), kind="projects", name="key-projects-2022-05.xlsx")
    assert batch.status == ImportStatus.READY, batch.message
    assert batch.period == EXPECTED["period"] == "2022-05"
    assert (batch.created, batch.errors) == (EXPECTED["count"], 0)
    assert not Project.objects.exists()  # the check writes nothing
    batch = commit(batch, supervisor)
    assert batch.status == ImportStatus.COMMITTED, batch.message
    state = ledger_state()
    assert [
        {
            "name": r["name"],
            "category": r["category"].removesuffix("项目"),
            "unit": r["unit"],
            "total_wan": r["total"],
            "plan_wan": r["plan"],
            "done_wan": r["done"],
        }
        for r in state
    ] == [
        {
            **p,
            "total_wan": Decimal(p["total_wan"]),
            "plan_wan": Decimal(p["plan_wan"]),
            "done_wan": Decimal(p["done_wan"]),
        }
        for p in EXPECTED["projects"]
    ]
    first = state[0]
    assert first["leader"] == "周明" and first["nature"] == "continuing" and first["scale"] == "建设学校及配套工程"
    assert (first["start"], first["finish"]) == (dt.date(2022, 1, 27), dt.date(2023, 3, 1))
    assert first["problems"] == ["征地拆迁未完成"] and first["progress"] == "正在进行土方施工"
    # The office's ledger is the reviewed figure: saved, submitted and approved in the importer's name.
    reason = f"import #{batch.pk}: key-projects-2022-05.xlsx"
    assert {r["status"] for r in state} == {ReportStatus.APPROVED}
    assert first["events"] == [("submit", reason), ("approve", reason)]
    assert first["plan_month"] == 5 and first["plan_ytd"] == Decimal(8101)
    assert first["plan_light"][0] == Light.GREEN  # 34.0% done with 41.7% of the year elapsed: 7.7 points behind
    assert "7.7 points behind" in first["plan_light"][1] or "7.7" in first["plan_light"][1]
    history = Project.history.filter(name="金水管网工程")
    assert set(history.values_list("history_user", "history_source", "history_change_reason")) == {
        (supervisor.pk, Source.IMPORT, reason)
    }


def test_importing_the_sample_twice_changes_nothing_the_second_time(district, july_2022):
    supervisor = district.users["supervisor"]
    commit(check(supervisor, sample_bytes(), kind="projects"), supervisor)
    before = ledger_state()
    counts = [m.history.count() for m in (Project, YearPlan, MonthlyReport, ReportProblem)]
    events = ReportEvent.objects.count()
    second = check(supervisor, sample_bytes(), kind="projects")
    assert (second.created, second.updated, second.unchanged, second.errors) == (0, 0, 18, 0)
    second = commit(second, supervisor)
    assert second.status == ImportStatus.COMMITTED
    assert ledger_state() == before
    assert [m.history.count() for m in (Project, YearPlan, MonthlyReport, ReportProblem)] == counts
    assert ReportEvent.objects.count() == events


def test_the_bulk_path_leaves_the_ledger_as_the_services_do(district, july_2022, settings):
    supervisor = district.users["supervisor"]
    commit(check(supervisor, sample_bytes(), kind="projects"), supervisor)
    by_services = ledger_state()
    reports = [r.pk for r in MonthlyReport.objects.all()]
    YearPlan.objects.update(voided_at=clock.now())  # out of the way: the same ledger is imported again, anew
    Project.objects.update(voided_at=clock.now())
    settings.TAIZHANG = {**settings.TAIZHANG, "IMPORT_BULK_ABOVE_ROWS": 0}
    batch = commit(check(supervisor, sample_bytes(), kind="projects", name="big.xlsx"), supervisor)
    assert batch.status == ImportStatus.COMMITTED, batch.message
    in_bulk = ledger_state()
    reason = f"import #{batch.pk}: big.xlsx"
    for row in by_services:
        row["events"] = [(action, reason) for action, _reason in row["events"]]
    assert in_bulk == by_services
    new = MonthlyReport.objects.exclude(pk__in=reports)
    assert {(r.submitted_by, r.reviewed_by, r.is_latest, r.revision) for r in new} == {
        (supervisor, supervisor, True, 1)
    }
    for model, count in ((Project, 18), (YearPlan, 18), (MonthlyReport, 18), (ReportProblem, 6)):
        rows = model.history.filter(history_change_reason=reason)
        assert rows.count() == count, model
        assert set(rows.values_list("history_source", "history_user")) == {(Source.IMPORT, supervisor.pk)}
        # Each history row holds the record as written, every field history keeps.
        names = [f.attname for f in model.history.model.tracked_fields]
        records = {r["id"]: r for r in model.objects.filter(pk__in=rows.values("id")).values(*names)}
        assert {r["id"]: r for r in rows.values(*names)} == records, model


def exported(user: Any, period: tuple[int, int] | None = (2022, 5), fmt: str = "xlsx") -> bytes:
    queryset = selectors.plan_list(user).order_by("project__code", "pk")
    chosen = PROJECTS.export_period(user, queryset, period, {})
    queryset = PROJECTS.export_queryset(user, queryset, chosen)
    title = export.export_title(PROJECTS, user, chosen)
    if fmt == "csv":
        buffer = io.BytesIO()
        export.write_csv(buffer, PROJECTS, queryset.iterator(chunk_size=100), title.year, title.month)
        return buffer.getvalue()
    return export.xlsx_bytes(PROJECTS, export.groups_of(PROJECTS, queryset), title)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_imports_back_with_no_change(district, july_2022, fmt):
    supervisor = district.users["supervisor"]
    commit(check(supervisor, sample_bytes(), kind="projects"), supervisor)
    before = ledger_state()
    data = exported(supervisor, fmt=fmt)
    again = check(supervisor, data, kind="projects", name=f"export.{fmt}")
    assert again.status == ImportStatus.READY, again.message
    assert (again.rows_read - again.skipped, again.unchanged, again.errors, again.warnings) == (18, 18, 0, 0)
    commit(again, supervisor)
    assert ledger_state() == before


def test_the_export_reads_each_plan_s_row_as_its_record_gives_it(district, july_2022):
    """``export_rows`` (tuples from the database) gives for every plan what ``Column.value_of`` reads from the
    plan's model instance: a corrected month (a second revision, its problems replaced), a plan with no report
    for the month, a plan with no planned investment, leaders and blanks."""
    supervisor = district.users["supervisor"]
    commit(check(supervisor, sample_bytes(), kind="projects"), supervisor)
    wb = openpyxl.load_workbook(PROJECTS_SAMPLE)
    wb["重点项目进展"]["J4"] = 9000
    wb["重点项目进展"]["O4"] = "资金未到位；设计变更"
    buffer = io.BytesIO()
    wb.save(buffer)
    commit(check(supervisor, buffer.getvalue(), kind="projects", name="corrected.xlsx"), supervisor)
    admin = district.admin
    project = services.project_create(
        actor=admin,
        name="没有月报的项目",
        category=district.data["project_categories"]["industry"],
        responsible_unit=district.units["区发改委"],
        total_investment=Decimal(100),
    )
    services.plan_create(actor=admin, project=project, year=2022, planned_investment=Decimal(0))
    queryset = PROJECTS.export_queryset(supervisor, selectors.plan_list(supervisor).order_by("pk"), (2022, 5))
    columns = PROJECTS.exported_columns()
    by_records = [[c.type.render(c.value_of(plan)) for c in columns] for plan in queryset]
    by_rows = [
        [c.type.render(value) for c, value in zip(columns, row, strict=True)] for row in PROJECTS.export_rows(queryset)
    ]
    assert by_rows == by_records  # references are read by name, records by instance: what is written is the same
    assert len(by_records) == 19

    def picked(row: list[Any], *fields: str) -> list[Any]:
        return [row[columns.index(PROJECTS.column(name))] for name in fields]

    no_report = next(r for r in by_records if r[0] == "没有月报的项目")
    assert picked(no_report, "ytd_investment", "rate", "light", "progress", "problems") == [None] * 5
    corrected = next(r for r in by_records if r[0] == "金水管网工程")
    assert picked(corrected, "ytd_investment", "problems") == [9000.0, "资金未到位；设计变更"]


def test_the_export_is_in_office_layout_with_the_period_s_figures(district, july_2022):
    supervisor = district.users["supervisor"]
    commit(check(supervisor, sample_bytes(), kind="projects"), supervisor)
    sheet = openpyxl.load_workbook(io.BytesIO(exported(supervisor))).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0].endswith("重点项目进展情况（2022年1-5月）")
    assert rows[2][rows[2].index("2022年")] == "2022年" and "1-5月完成投资（万元）" in rows[3]
    headings = [r[0] for r in rows if isinstance(r[0], str) and "、" in r[0]]
    assert headings == ["一、基础设施项目（6个）", "二、产业发展（7个）", "三、民生保障（5个）"]
    total = next(r for r in rows if r[0] == "合计")
    done = rows[3].index("1-5月完成投资（万元）")
    assert Decimal(str(total[done])) == Decimal(187937)  # the sample's 合计
    first = next(r for r in rows if r[1] == "金水管网工程")
    assert first[rows[2].index("亮灯情况")] == "绿灯" and first[rows[2].index("存在问题")] == "征地拆迁未完成"


def test_a_correction_of_an_approved_month_is_a_new_revision_approved_by_the_import(district, july_2022):
    supervisor = district.users["supervisor"]
    commit(check(supervisor, sample_bytes(), kind="projects"), supervisor)
    wb = openpyxl.load_workbook(PROJECTS_SAMPLE)
    ws = wb["重点项目进展"]
    ws["J4"] = 9000  # 金水管网工程: 8,101 → 9,000
    ws["O5"] = "资金未到位；设计变更"
    buffer = io.BytesIO()
    wb.save(buffer)
    batch = check(supervisor, buffer.getvalue(), kind="projects", name="corrected.xlsx")
    assert (batch.updated, batch.unchanged, batch.errors) == (2, 16, 0)
    changes = {r.label: r.changes for r in batch.rows.filter(outcome=Outcome.UPDATE)}
    assert changes["金水管网工程"] == [["1-5月完成投资（万元）", "8101", "9000"]]
    assert changes["中州大道管网工程"] == [["存在问题", "", "资金未到位；设计变更"]]
    commit(batch, supervisor)
    project = Project.objects.get(name="金水管网工程")
    revisions = list(
        project.reports.order_by("revision").values_list("revision", "status", "is_effective", "ytd_investment")
    )
    assert revisions == [
        (1, ReportStatus.APPROVED, False, Decimal(8101)),
        (2, ReportStatus.APPROVED, True, Decimal(9000)),
    ]
    assert project.plans.get().ytd_investment == Decimal(9000)
    other = Project.objects.get(name="中州大道管网工程").reports.get(is_latest=True)
    assert sorted(other.problems.live().values_list("text", flat=True)) == ["设计变更", "资金未到位"]
    assert list(other.events.values_list("action", flat=True)) == ["correct", "submit", "approve"]


def test_a_report_submitted_by_the_unit_is_returned_then_approved_with_the_file_s_figures(district, july_2022):
    supervisor = district.users["supervisor"]
    commit(check(supervisor, sample_bytes(), kind="projects"), supervisor)
    project = Project.objects.get(name="龙湖道路项目")
    saved = services.report_save(actor=district.admin, project=project, year=2022, month=6, ytd_investment=30000)
    services.report_transition(actor=district.admin, report=saved.report, action="submit")
    rows = [
        ["2022年重点项目进展（1-6月）"],
        ["项目名称", "责任单位", "1-6月完成投资（万元）"],
        ["龙湖道路项目", "龙子湖街道", 31000],
    ]
    batch = commit(check(supervisor, xlsx_bytes(rows), kind="projects"), supervisor)
    assert batch.status == ImportStatus.COMMITTED and batch.updated == 1
    report = project.reports.get(month=6)
    assert (report.status, report.ytd_investment, report.revision) == (ReportStatus.APPROVED, Decimal(31000), 1)
    assert [a for a, _r in report.events.values_list("action", "reason")] == ["submit", "return", "submit", "approve"]


def test_every_problem_of_a_messy_file_is_reported_and_nothing_is_written(district, july_2022):
    supervisor = district.users["supervisor"]
    rows = [
        ["2022年重点项目进展（1-5月）"],
        [
            "项目名称",
            "项目类别",
            "责任单位",
            "责任领导",
            "总投资（万元）",
            "计划投资",
            "1-5月完成投资",
            "计划开工",
            "计划竣工",
        ],
        ["甲项目", "文化旅游", "龙子湖街道", "", 1000, 100, 50, "", ""],
        ["乙项目", "产业发展", "不存在街道", "", 1000, 100, 50, "", ""],
        ["丙项目", "产业发展", "区发改委", "district人员", 1000, 100, 50, "", ""],
        ["丁项目", "产业发展", "区发改委", "", "", "", 50, "2022.6", "2022.3"],
        ["戊项目", "产业发展", "区发改委", "", 1000, 100, -5, "", ""],
    ]
    batch = check(supervisor, xlsx_bytes(rows), kind="projects")
    problems = {(p["row"], p["column"]) for r in batch.rows.all() for p in r.problems if p["severity"] == "error"}
    assert problems >= {
        (3, "项目类别"),
        (4, "责任单位"),
        (6, "总投资（万元）"),
        (6, "计划投资"),
        (6, "计划竣工"),
    }
    assert batch.errors >= 5 and batch.created == 0
    messages = {p["column"]: p["message"] for r in batch.rows.all() for p in r.problems}
    assert "产业发展" in messages["项目类别"] and "民生保障" in messages["项目类别"]  # the categories are listed
    with pytest.raises(TransitionNotAllowed):  # a file with errors cannot be imported
        commit(batch, supervisor)
    assert not Project.objects.exists()


def test_a_sheet_without_a_period_is_refused_with_a_clear_message(district, july_2022):
    rows = [["项目名称", "责任单位", "计划投资", "累计完成投资"], ["甲项目", "龙子湖街道", 100, 50]]
    batch = check(district.users["supervisor"], xlsx_bytes(rows), kind="projects")
    assert batch.errors == 3  # the sheet's period, and the new project's category and total investment
    assert "which year" in batch.problems[0]["message"] and batch.problems[0]["column"] == "计划投资、累计完成投资"
    with_period = check(district.users["supervisor"], xlsx_bytes(rows), kind="projects", period="2022-05")
    assert {p["column"] for r in with_period.rows.all() for p in r.problems} == {"项目类别", "总投资"}  # a new one


def test_a_unit_may_not_import_the_projects_ledger(district, july_2022):
    from taizhang.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        check(district.users["reporter_a"], sample_bytes(), kind="projects")


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def test_the_command_line_imports_exports_and_keeps_its_contract(district, july_2022, tmp_path: Path):
    path = write(tmp_path, "sample.xlsx", sample_bytes())
    status, out = run("ledger", "import", "projects", str(path), "--as", "supervisor", "--json", "--dry-run")
    result = json.loads(out)
    assert status == 0 and result["created"] == 18 and result["committed"] is False
    assert not Project.objects.exists()
    status, out = run("ledger", "import", "projects", str(path), "--as", "supervisor", "--json")
    assert status == 0 and json.loads(out)["committed"] is True
    status, out = run("ledger", "import", "projects", str(path), "--as", "supervisor", "--json", "--period", "2022-05")
    assert status == 0 and json.loads(out)["unchanged"] == 18
    out_file = tmp_path / "out.xlsx"
    status, out = run(
        "ledger",
        "export",
        "projects",
        "--out",
        str(out_file),
        "--as",
        "supervisor",
        "--period",
        "2022-05",
        "--filter",
        f"unit={district.units['区教育局'].pk}",
    )
    assert status == 0 and out.startswith("6 rows")
    names = [r[1] for r in openpyxl.load_workbook(out_file).active.iter_rows(min_row=5, values_only=True) if r[1]]
    assert "农业路商务中心项目" in names and "金水管网工程" not in names
    status, _out = run(
        "ledger", "export", "projects", "--out", str(out_file), "--as", "supervisor", "--filter", "colour=red"
    )
    assert status == 2
    bad = write(tmp_path, "bad.xlsx", xlsx_bytes([["2022年（1-5月）"], ["项目名称", "责任单位"], ["甲", "无此单位"]]))
    status, out = run("ledger", "import", "projects", str(bad), "--as", "supervisor", "--json")
    assert status == 1 and json.loads(out)["errors"][0]["column"] == "责任单位"


# --- the bulletin ----------------------------------------------------------------------------------------------


@pytest.fixture
def may_ledger(district, july_2022):
    """The sample imported with 金水管网工程 far behind (100 万元 of 23,826: red), three projects in the
    city-upgrading programme."""
    supervisor = district.users["supervisor"]
    wb = openpyxl.load_workbook(PROJECTS_SAMPLE)
    wb["重点项目进展"]["J4"] = 100
    buffer = io.BytesIO()
    wb.save(buffer)
    batch = commit(check(supervisor, buffer.getvalue(), kind="projects"), supervisor)
    assert batch.status == ImportStatus.COMMITTED, batch.message
    programme = district.data["programme"]
    roads = programme.categories.get(code="roads")
    for name in ("金水管网工程", "龙湖道路项目", "文化路道路工程"):
        project = Project.objects.get(name=name)
        services.project_change(actor=district.admin, project=project, values={"programmes": [(programme, roads)]})
    return district


def bulletin_text(user: Any, year: int = 2022, month: int = 5) -> tuple[Any, str]:
    from docx import Document

    from taizhang.ledgers import bulletins

    document = Document(io.BytesIO(bulletins.get("projects").build(user, year, month).to_bytes()))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += ["|".join(cell.text for cell in row.cells) for row in table.rows]
    return document, "\n".join(parts)


def _yi(wan: Decimal) -> str:
    return f"{(wan / 10000).quantize(Decimal('0.01'))}"


def test_the_bulletin_states_the_figures_of_the_summary(may_ledger):
    from taizhang.projects import rules

    supervisor = may_ledger.users["supervisor"]
    document, text = bulletin_text(supervisor)
    paragraphs = [p.text for p in document.paragraphs if p.text]
    assert paragraphs[2] == "关于2022年1—5月全区重点项目建设进展情况的通报"
    # Computed here from the ledger itself, then checked against the summary the pages show.
    plans = YearPlan.objects.live().filter(year=2022)
    planned = sum(p.planned_investment for p in plans)
    done = sum(
        MonthlyReport.objects.filter(year=2022, month=5, is_effective=True).values_list("ytd_investment", flat=True)
    )
    assert done == Decimal(187937 - 8101 + 100)
    rate = rules.pct(done * 100 / planned)
    gap = rules.pct(done * 100 / planned - Decimal(5) * 100 / 12)
    summary = selectors.summary(supervisor, 2022, 5)
    assert (summary.total.ytd, summary.total.rate, summary.gap) == (done, rate, gap)
    assert gap > 0
    assert f"1—5月，全区18个重点项目累计完成投资{_yi(done)}亿元，占年度计划的{rate}%，超序时进度{gap}个百分点。" in text
    # The programme's own sentence, from its three projects.
    upgrading = next(r for r in summary.by_programme if r.label == "百城建设提质工程")
    assert upgrading.count == 3
    p_gap = rules.pct(upgrading.ytd * 100 / upgrading.planned - Decimal(5) * 100 / 12)
    word = "超" if p_gap > 0 else "滞后"
    assert (
        f"其中，百城建设提质工程3个项目累计完成投资{_yi(upgrading.ytd)}亿元，占年度计划的{upgrading.rate}%，"
        f"{word}序时进度{abs(p_gap)}个百分点。"
    ) in text
    # The ranking table: units by completion rate, as the summary ranks them.
    ranking = document.tables[1]
    assert [row.cells[1].text for row in ranking.rows[1:]] == [r.label for r in summary.by_unit]
    assert [row.cells[5].text for row in ranking.rows[1:]] == [f"{r.rate}%" for r in summary.by_unit]
    # The red-light project with its problem.
    assert "亮红灯项目1个" in text
    assert (
        "1. 金水管网工程（责任单位：龙子湖街道），1—5月完成投资100.00万元，完成率0.4%。存在问题：征地拆迁未完成。"
        in text
    )


def test_a_unit_s_bulletin_covers_only_its_own_projects(may_ledger):
    _document, text = bulletin_text(may_ledger.users["reporter_a"])
    assert "金水管网工程" not in text and "龙子湖街道" not in text
    assert "2022年全区尚未安排重点项目年度计划" in text


def test_the_bulletin_command_writes_the_docx(may_ledger, tmp_path: Path):
    from docx import Document

    out = tmp_path / "bulletin.docx"
    status, _out = run("bulletin", "projects", "--period", "2022-05", "--out", str(out), "--as", "supervisor")
    assert status == 0 and out.exists()
    assert any("金水管网工程" in p.text for p in Document(str(out)).paragraphs)
    status, _text = run("bulletin", "projects", "--period", "2022-13", "--out", str(out), "--as", "supervisor")
    assert status == 2


@pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdftotext")),
    reason="needs LibreOffice and poppler: apt-get install libreoffice-writer-nogui poppler-utils",
)
def test_libreoffice_renders_the_bulletin_with_its_chinese_figures(may_ledger, tmp_path: Path):
    from taizhang.ledgers import bulletins

    source = tmp_path / "bulletin.docx"
    bulletins.get("projects").build(may_ledger.users["supervisor"], 2022, 5).save(str(source))
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = subprocess.run(["pdftotext", str(tmp_path / "bulletin.pdf"), "-"], capture_output=True, text=True, check=True)
    flat = "".join(pdf.stdout.split())
    summary = selectors.summary(may_ledger.users["supervisor"], 2022, 5)
    assert "关于2022年1—5月全区重点项目建设进展情况的通报" in flat
    assert f"累计完成投资{_yi(summary.total.ytd)}亿元，占年度计划的{summary.total.rate}%" in flat
    assert "金水管网工程" in flat and "征地拆迁未完成" in flat


def test_the_ledger_page_exports_its_filtered_year_and_the_file_imports_back(district, july_2022, as_supervisor):
    supervisor = district.users["supervisor"]
    commit(check(supervisor, sample_bytes(), kind="projects"), supervisor)
    before = ledger_state()
    unit = district.units["区教育局"]
    page = as_supervisor.get("/projects/", {"year": 2022, "unit": unit.pk})
    assert page.status_code == 200 and b"export=xlsx" in page.content
    response = as_supervisor.get("/projects/", {"year": 2022, "unit": unit.pk, "export": "xlsx"})
    data = b"".join(response.streaming_content)
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0][0].endswith("（2022年1-5月）")  # the latest month with approved figures
    names = [r[1] for r in rows[4:] if isinstance(r[0], int)]
    assert len(names) == 6 and "农业路商务中心工程" in names
    again = commit(check(supervisor, data, kind="projects", name="page.xlsx"), supervisor)
    assert (again.unchanged, again.errors, again.warnings) == (6, 0, 0)
    assert ledger_state() == before
    csv = as_supervisor.get("/projects/", {"year": 2022, "export": "csv"})
    lines = b"".join(csv.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 19 and "2022年1-5月完成投资（万元）" in lines[0]


def test_the_command_line_exports_the_period_s_year(district, july_2022, tmp_path: Path):
    supervisor = district.users["supervisor"]
    commit(check(supervisor, sample_bytes(), kind="projects"), supervisor)
    out_file = tmp_path / "2022.csv"
    with clock.travel(at(2026, 7, 3)):  # years later: the list opens on 2022, the only year with plans
        status, out = run(
            "ledger", "export", "projects", "--out", str(out_file), "--as", "supervisor", "--period", "2022-05"
        )
    assert status == 0 and out.startswith("18 rows")
    header = out_file.read_text(encoding="utf-8-sig").splitlines()[0]
    assert "2022年1-5月完成投资（万元）" in header


def test_checking_and_importing_in_one_pass_gives_the_same_ledger(district, july_2022):
    from taizhang.ledgers import services as ledger_services
    from taizhang.ledgers.tests.files import upload

    supervisor = district.users["supervisor"]
    commit(check(supervisor, sample_bytes(), kind="projects"), supervisor)
    two_passes = ledger_state()
    YearPlan.objects.update(voided_at=clock.now())
    Project.objects.update(voided_at=clock.now())
    batch = ledger_services.import_batch_create(
        actor=supervisor, kind="projects", upload=upload(sample_bytes(), "once.xlsx"), run="caller"
    )
    batch = ledger_services.run_at_once(batch, supervisor)
    assert (batch.status, batch.created, batch.rows.count()) == (ImportStatus.COMMITTED, 18, batch.rows_read)
    one_pass = ledger_state()
    for row in two_passes:
        row["events"] = [(action, f"import #{batch.pk}: once.xlsx") for action, _reason in row["events"]]
    assert one_pass == two_passes
    # A file with an error: nothing written, and the batch checked as usual with every problem listed.
    bad = xlsx_bytes(
        [
            ["2022年（1-5月）"],
            ["项目名称", "责任单位", "总投资（万元）"],
            ["新项目", "龙子湖街道", 5],
            ["又一个", "无此单位", 5],
        ]
    )
    batch = ledger_services.import_batch_create(
        actor=supervisor, kind="projects", upload=upload(bad, "bad.xlsx"), run="caller"
    )
    batch = ledger_services.run_at_once(batch, supervisor)
    assert batch.status == ImportStatus.READY and batch.errors == 2  # a new project without a category; an unknown unit
    assert not Project.objects.filter(name="新项目").exists()


@pytest.mark.parametrize("kind", ["projects", "issues"])
def test_the_blank_template_reads_back_without_a_problem(district, july_2022, as_supervisor, kind):
    response = as_supervisor.get(f"/ledgers/templates/{kind}.xlsx")
    assert response.status_code == 200
    batch = check(district.users["supervisor"], b"".join(response.streaming_content), kind=kind, name="blank.xlsx")
    assert batch.status == ImportStatus.READY and (batch.errors, batch.created) == (0, 0)


def test_a_new_code_is_given_to_the_project_of_that_name_and_unit_that_has_none(district, july_2022):
    supervisor = district.users["supervisor"]
    unit = district.units["区发改委"]
    category = district.data["project_categories"]["industry"]
    uncoded = services.project_create(
        actor=district.admin, name="龙湖安置房工程", category=category, responsible_unit=unit, total_investment=430000
    )
    coded = services.project_create(
        actor=district.admin, name="另一项目", code="C-1", category=category, responsible_unit=unit, total_investment=1
    )
    rows = [
        ["项目名称", "项目代码", "责任单位", "总投资（万元）"],
        ["龙湖安置房工程", "2022-001", "区发改委", 430000],
        ["另一项目", "", "区发改委", 2],  # no code in the row: by name and unit; the code stays
    ]
    batch = commit(check(supervisor, xlsx_bytes(rows), kind="projects"), supervisor)
    assert (batch.created, batch.updated) == (0, 2)
    uncoded.refresh_from_db()
    coded.refresh_from_db()
    assert uncoded.code == "2022-001" and (coded.code, coded.total_investment) == ("C-1", Decimal(2))
