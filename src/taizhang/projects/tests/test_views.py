"""The key-project pages as their users meet them: scope, the ledger, the project, reporting row by row, review,
campaigns, the battle map and the summary; bad input answered in the page, naming the field."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from taizhang.core import clock
from taizhang.core.audit import Source, audit_context
from taizhang.issues.sample_photos import photo
from taizhang.projects import selectors, services
from taizhang.projects.models import (
    ApprovalProcedure,
    Campaign,
    Milestone,
    MonthlyReport,
    Project,
    ReportPhoto,
    StageChange,
    YearPlan,
)
from taizhang.projects.tests.conftest import at
from taizhang.projects.tests.world import make_project_in
from taizhang.projects.widgets import NamedSelect

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}


def text(response) -> str:
    return response.content.decode()


def table(response) -> str:
    return table_of(text(response))


def table_of(page: str) -> str:
    start = page.index('data-testid="ledger-table"')
    return page[start : page.index("</table>", start)]


def totals_of(page: str) -> list[str]:
    row = page[page.index('data-testid="totals-row"') :]
    return [cell.strip() for cell in re.findall(r"<td[^>]*>([^<]*)</td>", row[: row.index("</tr>")])]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def report(world, project, month, ytd, *, approve=True, **values):
    saved = services.report_save(
        actor=world.users["reporter_a" if project.responsible_unit == world.unit_a else "reporter_b"],
        project=project,
        year=2026,
        month=month,
        ytd_investment=D(ytd),
        **values,
    ).report
    if approve:
        services.report_transition(
            actor=world.users["reporter_a"] if project.responsible_unit == world.unit_a else world.users["reporter_b"],
            report=saved,
            action="submit",
        )
        services.report_transition(actor=world.users["supervisor"], report=saved, action="approve")
    return saved


@pytest.fixture
def reported(world, project_a, project_b):
    """January–May approved for both projects: A on time (500 of 1,200 by May), B far behind (100)."""
    for month in range(1, 6):
        report(world, project_a, month, 100 * month)
        report(world, project_b, month, 20 * month)
    return project_a, project_b


def row_post(client, plan, month, ytd, version=0, **values):
    data = {"month": month, "ytd_investment": ytd, "expected_version": version, "progress": "", "problems": ""}
    data.update(values)
    return client.post(f"/projects/reporting/{plan.pk}/", data, **HTMX)


# --- scope -----------------------------------------------------------------------------------------------


def test_the_ledger_shows_only_projects_in_scope(as_reporter_a, as_supervisor, as_outsider, reported):
    mine = table(as_reporter_a.get("/projects/"))
    assert "甲项目" in mine and "乙项目" not in mine
    everything = table(as_supervisor.get("/projects/"))
    assert "甲项目" in everything and "乙项目" in everything
    nothing = table(as_outsider.get("/projects/"))
    assert "项目" not in nothing and "Nothing here yet" in nothing


def test_another_units_records_are_not_found(world, reported, as_reporter_b, as_outsider):
    project_a = reported[0]
    plan = project_a.plans.get()
    may = MonthlyReport.objects.get(project=project_a, month=5)
    milestone = services.milestone_create(
        actor=world.admin, project=project_a, name="节点", planned_on=dt.date(2026, 9, 1)
    )
    june = report(world, project_a, 6, 550, approve=False)  # the others' posts below would make it 600
    shot = services.photo_add(actor=world.admin, report=june, upload=photo("a.jpg"))
    for client in (as_reporter_b, as_outsider):
        for url in (
            f"/projects/{project_a.pk}/",
            f"/projects/{project_a.pk}/history/",
            f"/projects/{project_a.pk}/edit/",
            f"/projects/plans/{plan.pk}/edit/",
            f"/projects/reporting/{plan.pk}/",
            f"/projects/reports/{may.pk}/",
            f"/projects/milestones/{milestone.pk}/edit/",
            f"/projects/photos/{shot.pk}/",
        ):
            assert client.get(url).status_code == 404, url
        assert row_post(client, plan, 6, "600").status_code == 404
        assert client.post(f"/projects/reports/{may.pk}/act/correct/", {"reason": "x"}).status_code == 404
        assert client.post(f"/projects/milestones/{milestone.pk}/done/").status_code == 404
    assert MonthlyReport.objects.get(project=project_a, month=6).ytd_investment == D(550)
    assert MonthlyReport.objects.filter(project=project_a, month=5).count() == 1


def test_an_outsider_sees_empty_pages(as_outsider, reported):
    assert "You report for no unit" in text(as_outsider.get("/projects/reporting/"))
    summary = text(as_outsider.get("/projects/summary/"))
    assert 'data-total="count">0<' in summary
    assert 'data-testid="gantt-row"' not in text(as_outsider.get("/projects/gantt/"))
    assert as_outsider.get("/projects/review/").status_code == 403
    assert "Nothing here yet" in text(as_outsider.get("/projects/campaigns/"))
    assert 'data-testid="card-projects"' not in text(as_outsider.get("/"))


def test_campaigns_are_seen_through_their_projects(world, audit, reported, as_reporter_a, as_reporter_b):
    project_a, project_b = reported
    both = services.campaign_create(
        actor=world.admin, name="集中开工", kind="starting", date=dt.date(2026, 3, 1), projects=[project_a, project_b]
    )
    only_b = services.campaign_create(
        actor=world.admin, name="乙集中签约", kind="signing", date=dt.date(2026, 4, 1), projects=[project_b]
    )
    listing = table(as_reporter_a.get("/projects/campaigns/"))
    assert "集中开工" in listing and "乙集中签约" not in listing
    detail = text(as_reporter_a.get(f"/projects/campaigns/{both.pk}/"))
    assert "甲项目" in detail and "乙项目" not in detail and 'data-testid="campaign-count">1<' in detail
    assert as_reporter_a.get(f"/projects/campaigns/{only_b.pk}/").status_code == 404
    assert as_reporter_b.get(f"/projects/campaigns/{only_b.pk}/").status_code == 200


# --- the ledger ------------------------------------------------------------------------------------------


def test_the_ledger_shows_lights_totals_and_links(as_supervisor, reported):
    project_a, project_b = reported
    page = table(as_supervisor.get("/projects/"))
    plan_b = project_b.plans.get()
    assert plan_b.light == "red"
    assert f'title="{plan_b.light_reason}" data-light="red"' in page.replace("&#x27;", "'")
    assert f'href="/projects/{project_a.pk}/?year=2026"' in page
    assert totals_of(page)[-4:] == ["20,000", "2,400", "600", "25.0%"]  # total, planned, completed: 600 of 2,400


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"light": "red"}, {"乙项目"}),
        ({"light": "green"}, {"甲项目"}),
        ({"q": "jia"}, {"甲项目"}),
        ({"q": "乙"}, {"乙项目"}),
        ({"stage": "signed"}, set()),
        ({"importance": "district"}, {"甲项目", "乙项目"}),
        ({"nature": "continuing"}, {"甲项目", "乙项目"}),
        ({"year": "2025"}, set()),
        ({"unit": "not-a-unit"}, {"甲项目", "乙项目"}),  # a bad filter is ignored, not a 500
    ],
)
def test_the_ledger_filters(as_supervisor, reported, params, expected):
    response = as_supervisor.get("/projects/", params)
    assert response.status_code == 200
    assert set(re.findall(r"[甲乙]项目", table(response))) == expected


def test_the_totals_follow_the_filters(world, as_supervisor, reported):
    page = table(as_supervisor.get("/projects/", {"unit": world.unit_b.pk}))
    assert totals_of(page)[-4:] == ["10,000", "1,200", "100", "8.3%"]


def test_the_ledger_filters_by_category_programme_and_leader(world, audit, as_supervisor, in_july):
    programme = world.data["programme"]
    make_project_in(
        world,
        world.unit_a,
        "路",
        category=world.data["project_categories"]["infrastructure"],
        programmes=[(programme, programme.categories.get(code="roads"))],
    )
    make_project_in(world, world.unit_b, "园")
    roads = {"category": world.data["project_categories"]["infrastructure"].pk}
    assert set(re.findall(r"[路园]项目", table(as_supervisor.get("/projects/", roads)))) == {"路项目"}
    by_programme = table(as_supervisor.get("/projects/", {"programme": programme.pk}))
    assert set(re.findall(r"[路园]项目", by_programme)) == {"路项目"}


def test_the_ledger_sorts_and_remembers_the_chosen_columns(as_supervisor, reported):
    ascending = table(as_supervisor.get("/projects/", {"sort": "completion"}))
    assert ascending.index("乙项目") < ascending.index("甲项目")
    descending = table(as_supervisor.get("/projects/", {"sort": "-completion"}))
    assert descending.index("甲项目") < descending.index("乙项目")
    assert as_supervisor.post("/projects/", {"columns": ["light", "ytd_investment"]}).status_code == 302
    page = table(as_supervisor.get("/projects/"))
    assert "completed this year" in page and "planned this year" not in page
    assert "甲项目" in page  # the linked columns always stay


def test_the_ledger_pages_in_order_with_the_count_and_totals_of_every_page(world, audit, as_supervisor, in_july):
    industrial, roads = (
        world.data["project_categories"]["industrial"],
        world.data["project_categories"]["infrastructure"],
    )
    for i in range(52):  # codes P00..P51; the infrastructure ones sort after every industrial one
        make_project_in(world, world.unit_a, f"批{i:02d}", code=f"P{i:02d}", category=roads if i % 2 else industrial)
    codes = [f"P{i:02d}" for i in range(0, 52, 2)] + [f"P{i:02d}" for i in range(1, 52, 2)]
    first, second = (text(as_supervisor.get("/projects/", {"page": n})) for n in (1, 2))
    assert re.findall(r">(P\d\d)</a>", table_of(first)) == codes[:50]
    assert re.findall(r">(P\d\d)</a>", table_of(second)) == codes[50:]
    assert "52 records" in first and "1 / 2" in first and "2 / 2" in second
    assert totals_of(first)[-4:] == totals_of(second)[-4:] == ["520,000", "62,400", "0", "0.0%"]
    assert re.findall(r">(P\d\d)</a>", table(as_supervisor.get("/projects/", {"page": 9}))) == codes[50:]  # last page
    sorted_by_code = table(as_supervisor.get("/projects/", {"sort": "-project.code", "page": 2}))
    assert re.findall(r">(P\d\d)</a>", sorted_by_code) == ["P01", "P00"]


def test_the_ledger_offers_the_years_of_the_live_plans(world, as_supervisor, as_reporter_a, reported):
    project_a, project_b = reported
    services.plan_create(actor=world.admin, project=project_a, year=2025, planned_investment=1)
    services.plan_create(actor=world.admin, project=project_b, year=2024, planned_investment=1)
    withdrawn = services.plan_create(actor=world.admin, project=project_b, year=2027, planned_investment=1)
    services.plan_void(actor=world.admin, plan=withdrawn, reason="未列入")
    assert selectors.plan_years(world.users["supervisor"]) == [2026, 2025, 2024]  # the district's, by index
    assert selectors.plan_years(world.users["reporter_a"]) == [2026, 2025]  # a unit's own
    page = text(as_supervisor.get("/projects/"))
    select = page[page.index('name="year"') : page.index("</select>", page.index('name="year"'))]
    assert re.findall(r'<option value="(\d+)"( selected)?>', select) == [
        ("2026", " selected"),
        ("2025", ""),
        ("2024", ""),
    ]


def test_the_filter_lists_name_their_choices(world, as_supervisor, reported):
    page = text(as_supervisor.get("/projects/", {"unit": world.unit_a.pk}))
    units = page[page.index('name="unit"') : page.index("</select>", page.index('name="unit"'))]
    assert f'<option value="{world.unit_a.pk}" selected>甲街道</option>' in units and ">甲一社区<" in units
    assert '<option value="">---------</option>' in units
    leader = services_person(world)
    leaders = text(as_supervisor.get("/projects/", {"leader": leader.pk}))
    assert f'<option value="{leader.pk}" selected>王&lt;区&gt;长（副区长）</option>' in leaders  # escaped


def services_person(world):
    from taizhang.org import services as org_services

    return org_services.person_create(
        actor=world.admin, name="王<区>长", title="副区长", unit=world.units["GOV"], is_leader=True
    )


def test_a_named_select_over_plain_choices_renders_them_as_given():
    html = NamedSelect(choices=[("", "—"), ("a", "<甲>")]).render("kind", "a")
    assert (
        html == '<select name="kind"><option value="">—</option><option value="a" selected>&lt;甲&gt;</option></select>'
    )


def test_the_ledger_answers_htmx_with_the_table_only(as_supervisor, reported):
    page = text(as_supervisor.get("/projects/", {"light": "red"}, **HTMX))
    assert "<html" not in page and "乙项目" in page and "甲项目" not in page


# --- the project -----------------------------------------------------------------------------------------


def test_the_project_page_shows_figures_chart_milestones_and_reports(world, as_reporter_a, reported):
    project_a = reported[0]
    services.milestone_create(actor=world.admin, project=project_a, name="开工", planned_on=dt.date(2026, 2, 1))
    services.milestone_create(actor=world.admin, project=project_a, name="封顶", planned_on=dt.date(2026, 7, 10))
    services.milestone_create(
        actor=world.admin, project=project_a, name="基础", planned_on=dt.date(2026, 3, 1), done_on=dt.date(2026, 3, 1)
    )
    report(world, project_a, 6, 650, approve=False)
    page = text(as_reporter_a.get(f"/projects/{project_a.pk}/"))
    figure = dict(re.findall(r'data-figure="(\w+)">([^<]+)<', page))
    assert figure == {
        "total": "10,000",
        "before": "0",
        "planned": "1,200",
        "ytd": "500",
        "rate": "41.7%",
        "gap": "0.0",
        "cumulative": "500",
    }
    assert "time elapsed 41.7%" in page and "of the total 5.0%" in page and "this month 100" in page
    chart = json.loads(re.search(r'id="project-chart-data" type="application/json">(.*?)</script>', page).group(1))
    assert chart["months"] == [str(m) for m in range(1, 13)]
    assert chart["approved"] == [100.0, 200.0, 300.0, 400.0, 500.0] + [None] * 7
    assert chart["pending"] == [None] * 5 + [650.0] + [None] * 6
    assert chart["plan"] == [1200.0] * 12
    assert chart["elapsed"] == [100.0 * m for m in range(1, 13)]  # the plan by time elapsed: 1,200 × month ÷ 12
    statuses = re.findall(r'data-testid="milestone" data-status="(\w+)"', page)
    assert statuses == ["overdue", "done", "due_soon"]
    assert page.count('data-testid="report-row"') == 6
    assert 'data-testid="history-tab"' in page and 'data-testid="instructions"' in page
    assert as_reporter_a.get(f"/projects/{project_a.pk}/history/").status_code == 200


def test_a_supervisor_creates_edits_and_voids_a_project(world, as_supervisor, audit, in_july):
    industrial = world.data["project_categories"]["industrial"]
    programme = world.data["programme"]
    roads = programme.categories.get(code="roads")
    data = {
        "code": "GC-1",
        "name": "新建道路",
        "category": industrial.pk,
        "importance": "city",
        "stage": "signed",
        "stage_since": "2026-06-01",
        "responsible_unit": world.unit_a.pk,
        "cooperating_units": [world.unit_b.pk],
        "total_investment": "12,500",
        "planned_start": "2026-08-01",
        "programmes": [f"c{roads.pk}"],
    }
    response = as_supervisor.post("/projects/new/", data)
    assert response.status_code == 302
    project = Project.objects.get(code="GC-1")
    assert project.total_investment == D(12500) and project.stage == "signed"
    assert list(project.cooperating_units.all()) == [world.unit_b]
    assert project.programme_links.get().category == roads
    assert StageChange.objects.filter(project=project, stage="signed").exists()
    form = text(as_supervisor.get(f"/projects/{project.pk}/edit/"))
    assert 'name="stage"' not in form and f'value="c{roads.pk}" selected' in form
    edit = dict(data, name="新建道路一期", version=project.version)
    del edit["stage"], edit["stage_since"]
    assert as_supervisor.post(f"/projects/{project.pk}/edit/", edit).status_code == 302
    stale = as_supervisor.post(f"/projects/{project.pk}/edit/", dict(edit, name="又改"))
    assert stale.status_code == 409 and "changed by someone else" in text(stale)
    assert Project.objects.get(pk=project.pk).name == "新建道路一期"
    assert as_supervisor.post(f"/projects/{project.pk}/void/", {"reason": "重复录入"}).status_code == 302
    assert Project.objects.get(pk=project.pk).is_void


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"total_investment": "-5"}, "total_investment", "cannot be negative"),
        ({"total_investment": "很多"}, "total_investment", "Enter a number"),
        ({"planned_completion": "2025-01-01"}, "planned_completion", "before the planned start"),
        ({"programmes": ["c999999"]}, "programmes", "Select a valid choice"),
    ],
)
@pytest.mark.usefixtures("audit", "in_july")
def test_bad_project_input_is_answered_on_its_field(world, as_supervisor, changes, field, message):
    data = {
        "name": "坏数据",
        "category": world.data["project_categories"]["industrial"].pk,
        "importance": "district",
        "stage": "preparatory",
        "responsible_unit": world.unit_a.pk,
        "total_investment": "100",
        "planned_start": "2026-08-01",
        **changes,
    }
    response = as_supervisor.post("/projects/new/", data)
    assert response.status_code == 400
    errors = re.findall(rf'data-testid="field-error-{field}">([^<]+)<', text(response))
    assert errors and message in errors[0].replace("&#x27;", "'")
    assert not Project.objects.filter(name="坏数据").exists()


def test_reporters_may_not_change_the_ledger(world, as_reporter_a, reported):
    project_a = reported[0]
    assert as_reporter_a.get("/projects/new/").status_code == 403
    assert as_reporter_a.get(f"/projects/{project_a.pk}/edit/").status_code == 403
    assert as_reporter_a.post(f"/projects/{project_a.pk}/void/", {"reason": "x"}).status_code == 403
    assert as_reporter_a.get(f"/projects/{project_a.pk}/plans/new/").status_code == 403
    assert as_reporter_a.get(f"/projects/{project_a.pk}/stage/").status_code == 403
    assert not Project.objects.get(pk=project_a.pk).is_void


def test_plans_are_added_edited_and_voided(world, as_supervisor, project_a):
    response = as_supervisor.post(
        f"/projects/{project_a.pk}/plans/new/",
        {"year": "2027", "nature": "continuing", "planned_investment": "3,000", "completed_before": "0"},
    )
    assert response.status_code == 302 and response["Location"] == f"/projects/{project_a.pk}/?year=2027"
    plan = YearPlan.objects.get(project=project_a, year=2027)
    twice = as_supervisor.post(
        f"/projects/{project_a.pk}/plans/new/", {"year": "2027", "nature": "new", "planned_investment": "1"}
    )
    assert twice.status_code == 400 and "already has a plan for this year" in text(twice)
    negative = as_supervisor.post(
        f"/projects/plans/{plan.pk}/edit/",
        {"nature": "new", "planned_investment": "-3", "completed_before": "0", "version": plan.version},
    )
    assert negative.status_code == 400 and 'data-testid="field-error-planned_investment"' in text(negative)
    ok = as_supervisor.post(
        f"/projects/plans/{plan.pk}/edit/",
        {"nature": "new", "planned_investment": "2500", "completed_before": "10", "version": plan.version},
    )
    assert ok.status_code == 302
    assert YearPlan.objects.get(pk=plan.pk).planned_investment == D(2500)
    assert as_supervisor.post(f"/projects/plans/{plan.pk}/void/", {"reason": "撤销"}).status_code == 302
    assert YearPlan.objects.get(pk=plan.pk).is_void


def test_milestones_are_planned_done_scheduled_backwards_and_voided(world, as_reporter_a, project_a):
    bad = as_reporter_a.post(
        f"/projects/{project_a.pk}/milestones/new/", {"name": "太早", "planned_on": "2025-12-01", "sort_order": 0}
    )
    assert bad.status_code == 400
    assert "before the project&#x27;s start" in text(bad) and 'data-testid="field-error-planned_on"' in text(bad)
    made = as_reporter_a.post(
        f"/projects/{project_a.pk}/milestones/new/", {"name": "封顶", "planned_on": "2026-07-01", "sort_order": 1}
    )
    assert made.status_code == 302 and made["Location"].endswith("#milestones")
    milestone = Milestone.objects.get(name="封顶")
    assert YearPlan.objects.get(project=project_a).light == "red"  # overdue since 2026-07-01
    future = as_reporter_a.post(f"/projects/milestones/{milestone.pk}/done/", {"done_on": "2026-08-01"})
    assert future.status_code == 302
    assert Milestone.objects.get(pk=milestone.pk).done_on is None
    assert as_reporter_a.post(f"/projects/milestones/{milestone.pk}/done/").status_code == 302
    assert Milestone.objects.get(pk=milestone.pk).done_on == dt.date(2026, 7, 3)
    assert YearPlan.objects.get(project=project_a).light != "red"
    with audit_context(world.admin, Source.SYSTEM):
        template = services.template_create(actor=world.admin, name="倒排", steps=[("立项", 200), ("开工", 100)])
    early = as_reporter_a.post(
        f"/projects/{project_a.pk}/milestones/schedule/", {"template": template.pk, "target": "2026-03-01"}
    )
    assert early.status_code == 400 and 'data-testid="field-error-target"' in text(early)
    scheduled = as_reporter_a.post(
        f"/projects/{project_a.pk}/milestones/schedule/", {"template": template.pk, "target": "2026-12-31"}
    )
    assert scheduled.status_code == 302
    assert set(Milestone.objects.filter(project=project_a).values_list("name", "planned_on")) >= {
        ("立项", dt.date(2026, 6, 14)),
        ("开工", dt.date(2026, 9, 22)),
    }
    version = Milestone.objects.get(pk=milestone.pk).version
    edit = as_reporter_a.post(
        f"/projects/milestones/{milestone.pk}/edit/",
        {"name": "封顶", "planned_on": "2026-07-02", "done_on": "2026-07-03", "sort_order": 1, "version": version},
    )
    assert edit.status_code == 302 and Milestone.objects.get(pk=milestone.pk).planned_on == dt.date(2026, 7, 2)
    stale = as_reporter_a.post(
        f"/projects/milestones/{milestone.pk}/edit/",
        {"name": "封顶", "planned_on": "2026-07-05", "sort_order": 1, "version": version},
    )
    assert stale.status_code == 409 and "changed by someone else" in text(stale)
    assert as_reporter_a.post(f"/projects/milestones/{milestone.pk}/void/", {"reason": "取消"}).status_code == 302
    assert Milestone.objects.get(pk=milestone.pk).is_void


def test_stages_and_procedures(world, as_supervisor, project_a):
    future = as_supervisor.post(f"/projects/{project_a.pk}/stage/", {"stage": "completed", "date": "2026-12-01"})
    assert future.status_code == 400 and "cannot be dated in the future" in text(future)
    done = as_supervisor.post(f"/projects/{project_a.pk}/stage/", {"stage": "completed", "date": "2026-07-01"})
    assert done.status_code == 302
    project = Project.objects.get(pk=project_a.pk)
    assert project.stage == "completed" and project.actual_completion == dt.date(2026, 7, 1)
    assert "completed" in text(as_supervisor.get(f"/projects/{project_a.pk}/")).lower()
    missing_date = as_supervisor.post(
        f"/projects/{project_a.pk}/procedures/new/", {"name": "施工许可", "status": "obtained"}
    )
    assert missing_date.status_code == 400 and 'data-testid="field-error-date"' in text(missing_date)
    made = as_supervisor.post(
        f"/projects/{project_a.pk}/procedures/new/", {"name": "施工许可", "status": "in_progress"}
    )
    assert made.status_code == 302
    procedure = ApprovalProcedure.objects.get(project=project_a)
    edited = as_supervisor.post(
        f"/projects/procedures/{procedure.pk}/edit/",
        {"name": "施工许可", "status": "obtained", "date": "2026-07-01", "permit_number": "X1", "version": 1},
    )
    assert edited.status_code == 302 and ApprovalProcedure.objects.get(pk=procedure.pk).permit_number == "X1"
    page = text(as_supervisor.get(f"/projects/{project_a.pk}/"))
    assert f'href="/projects/procedures/{procedure.pk}/void/" class="btn btn-sm btn-ghost-danger"' in page
    assert as_supervisor.get(f"/projects/procedures/{procedure.pk}/void/").status_code == 200
    no_reason = as_supervisor.post(f"/projects/procedures/{procedure.pk}/void/", {"reason": ""})
    assert no_reason.status_code == 400 and not ApprovalProcedure.objects.get(pk=procedure.pk).is_void
    voided = as_supervisor.post(f"/projects/procedures/{procedure.pk}/void/", {"reason": "录入重复"})
    assert voided.status_code == 302 and voided["Location"] == f"/projects/{project_a.pk}/#procedures"
    assert ApprovalProcedure.objects.get(pk=procedure.pk).void_reason == "录入重复"
    assert "施工许可" not in text(as_supervisor.get(f"/projects/{project_a.pk}/")).split('id="procedures"')[1]


def test_a_reporter_sees_procedures_but_may_not_void_them(world, as_reporter_a, project_a):
    procedure = services.procedure_create(actor=world.admin, project=project_a, name="用地预审")
    page = text(as_reporter_a.get(f"/projects/{project_a.pk}/"))
    assert "用地预审" in page and 'data-testid="procedure-void"' not in page
    assert as_reporter_a.post(f"/projects/procedures/{procedure.pk}/void/", {"reason": "x"}).status_code == 403
    assert not ApprovalProcedure.objects.get(pk=procedure.pk).is_void


# --- reporting -------------------------------------------------------------------------------------------


def test_the_reporting_page_lists_the_units_projects_for_last_month(world, as_reporter_a, reported):
    page = text(as_reporter_a.get("/projects/reporting/"))
    assert "2026-06" in page and "甲项目" in page and "乙项目" not in page
    assert page.count('data-testid="row"') == 1 and 'name="ytd_investment"' in page
    assert 'data-testid="previous">500<' in page
    assert "Due by 2026-07-05" in page
    may = text(as_reporter_a.get("/projects/reporting/", {"month": "2026-05"}))
    assert "Approved" in may and 'name="ytd_investment"' not in may  # frozen: shown, not editable
    assert category_headers(may) == [("产业项目 ", "· 1 project")]


def test_the_office_chooses_the_unit_it_reports_for(world, as_supervisor, reported):
    page = text(as_supervisor.get("/projects/reporting/", {"unit": world.unit_b.pk, "month": "2026-06"}))
    select = re.search(
        r'<select class="form-select" id="reporting-unit" name="unit" onchange="this.form.submit\(\)">(.*?)</select>',
        page,
    ).group(1)
    assert f'<option value="{world.unit_b.pk}" selected>乙街道</option>' in select and ">甲街道</option>" in select
    assert "乙项目" in page and "甲项目" not in page
    first = text(as_supervisor.get("/projects/reporting/"))  # no unit chosen: the first, in the units' order
    assert "甲项目" in first and "乙项目" not in first
    assert as_supervisor.get("/projects/reporting/", {"unit": "abc"}).status_code == 404


def category_headers(page: str) -> list[tuple[str, str]]:
    return re.findall(r'data-testid="category"><th[^>]*>([^<]+)<span[^>]*>([^<]+)<', page)


def test_the_reporting_page_groups_the_projects_by_category(world, as_reporter_a, reported):
    roads = world.data["project_categories"]["infrastructure"]
    for marker in ("路一", "路二"):
        make_project_in(world, world.unit_a, marker, category=roads)
    page = text(as_reporter_a.get("/projects/reporting/"))
    assert category_headers(page) == [
        ("产业项目 ", "· 1 project · 1 to fill or correct"),
        ("基础设施项目 ", "· 2 projects · 2 to fill or correct"),
    ]
    assert re.findall(r'data-testid="row" data-plan="\d+" data-code="([^-]+)', page) == ["甲", "路一", "路二"]
    assert f'href="#category-{roads.pk}"' in page


def test_the_reporting_page_refuses_odd_months_and_other_units(world, as_reporter_a, reported):
    future = text(as_reporter_a.get("/projects/reporting/", {"month": "2026-09"}))
    assert "Month: 2026-09 is in the future" in future and "2026-06" in future
    garbage = text(as_reporter_a.get("/projects/reporting/", {"month": "June"}))
    assert "Month: “June” is not a month" in garbage
    assert as_reporter_a.get("/projects/reporting/", {"unit": world.unit_b.pk}).status_code == 404


def test_a_row_saves_and_submits_on_its_own(world, as_reporter_a, reported):
    plan = reported[0].plans.get()
    saved = row_post(as_reporter_a, plan, 6, "1,000", progress="主体完工", problems="资金缺口\n\n征迁滞后 ")
    assert saved.status_code == 200
    row = text(saved)
    assert row.lstrip().startswith("<tr") and "<html" not in row
    assert 'data-testid="saved"' in row and "Draft" in row
    assert 'data-testid="increment">500<' in row and 'data-testid="rate">83.3%<' in row
    june = MonthlyReport.objects.get(project=reported[0], month=6)
    assert june.ytd_investment == D(1000) and june.progress == "主体完工"
    assert list(june.problems.live().values_list("text", flat=True)) == ["资金缺口", "征迁滞后"]
    assert f'name="expected_version" value="{june.version}"' in row
    submitted = row_post(as_reporter_a, plan, 6, "1000", version=june.version, progress="主体完工", action="submit")
    assert submitted.status_code == 200 and "Submitted" in text(submitted)
    assert MonthlyReport.objects.get(pk=june.pk).status == "submitted"
    assert 'name="ytd_investment"' not in text(submitted)


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        ((6, "-10", {}), "ytd_investment", "Year-to-date investment: An amount cannot be negative."),
        ((6, "abc", {}), "ytd_investment", "Year-to-date investment: “abc” is not a number."),
        ((6, "", {}), "ytd_investment", "Year-to-date investment: Enter the investment completed this year so far"),
        ((6, "400", {}), "ytd_investment", "is lower than last month&#x27;s 500"),
        ((8, "800", {}), "month", "Month: 2026-08 is in the future"),
        (("13", "800", {}), "month", "Month: choose a month from 1 to 12."),
        ((6, "800", {"progress": "x" * 2001}), "progress", "Physical progress: At most 2,000 characters."),
        ((6, "800", {"problems": "y" * 501}), "problems", "Problems: Each problem is one line"),
    ],
)
def test_bad_row_input_is_shown_in_the_row_naming_the_field(as_reporter_a, reported, posted, field, message):
    month, ytd, extra = posted
    plan = reported[0].plans.get()
    response = row_post(as_reporter_a, plan, month, ytd, **extra)
    assert response.status_code == 400
    errors = re.findall(rf'data-testid="error-{field}">([^<]+)<', text(response))
    assert errors and message in errors[0], errors
    assert not MonthlyReport.objects.filter(project=reported[0], month__gt=5).exists()
    if ytd:
        assert f'value="{ytd}"' in text(response)  # what was typed stays in the row


def test_a_lower_figure_passes_with_a_reason_for_the_correction(world, as_reporter_a, reported):
    plan = reported[0].plans.get()
    refused = text(row_post(as_reporter_a, plan, 6, "450"))
    assert 'data-testid="correction-reason"' in refused
    accepted = row_post(as_reporter_a, plan, 6, "450", correction_reason="5月多报了50万元")
    assert accepted.status_code == 200
    assert MonthlyReport.objects.get(project=reported[0], month=6).correction_reason == "5月多报了50万元"


def test_a_warning_is_shown_but_the_row_is_saved(world, as_reporter_a, reported):
    plan = reported[0].plans.get()
    response = row_post(as_reporter_a, plan, 6, "12000")
    assert response.status_code == 200 and 'data-testid="warning"' in text(response)
    assert "above the total investment" in text(response)
    assert MonthlyReport.objects.get(project=reported[0], month=6).ytd_investment == D(12000)


def test_two_people_saving_the_same_row_the_second_gets_a_conflict(world, head_a, reported):
    plan = reported[0].plans.get()
    first, second = client_for(world.users["reporter_a"]), client_for(head_a)
    assert row_post(first, plan, 6, "700", version=0).status_code == 200
    clash = row_post(second, plan, 6, "750", version=0)
    assert clash.status_code == 409
    message = re.findall(r'data-testid="error-ytd_investment">([^<]+)<', text(clash))[0]
    assert "Year-to-date investment: someone else saved" in message and "700" in message
    assert 'value="750"' in text(clash)  # the second person's entry is kept in the row
    june = MonthlyReport.objects.get(project=reported[0], month=6)
    assert june.ytd_investment == D(700)  # nothing of the first is lost
    assert f'name="expected_version" value="{june.version}"' in text(clash)
    assert row_post(second, plan, 6, "750", version=june.version).status_code == 200


def test_a_frozen_month_cannot_be_edited_from_a_stale_row(world, as_reporter_a, reported):
    plan = reported[0].plans.get()
    may = MonthlyReport.objects.get(project=reported[0], month=5)
    response = row_post(as_reporter_a, plan, 5, "520", version=may.version)
    assert response.status_code == 400
    errors = re.findall(r'data-testid="error-row">([^<]+)<', text(response))
    assert errors == [
        "Year-to-date investment: The report for 2026-05 is approved and frozen; open a correction to change it."
    ]
    assert MonthlyReport.objects.get(pk=may.pk).ytd_investment == D(500)


def test_a_leader_sees_a_row_but_may_not_save_it(world, as_leader, reported):
    plan = reported[0].plans.get()
    shown = as_leader.get(f"/projects/reporting/{plan.pk}/", {"month": 5})
    assert shown.status_code == 200 and 'name="ytd_investment"' not in text(shown)
    refused = row_post(as_leader, plan, 6, "600")
    assert refused.status_code == 403 and 'data-testid="error-row"' in text(refused)
    assert not MonthlyReport.objects.filter(project=reported[0], month=6).exists()


# --- review ----------------------------------------------------------------------------------------------


def test_return_with_a_reason_resubmit_approve(world, as_reporter_a, as_supervisor, reported):
    project_a = reported[0]
    plan = project_a.plans.get()
    row_post(as_reporter_a, plan, 6, "900", progress="主体施工", problems="资金缺口", action="submit")
    june = MonthlyReport.objects.get(project=project_a, month=6)
    queue = text(as_supervisor.get("/projects/review/"))
    assert f'data-report="{june.pk}"' in queue
    row = queue[queue.index(f'data-report="{june.pk}"') :]
    assert 'data-field="ytd">900<' in row and 'data-field="increment">400' in row and "75.0%" in row
    assert "资金缺口" in row and "主体施工" in row
    assert as_reporter_a.get("/projects/review/").status_code == 403

    no_reason = as_supervisor.post(f"/projects/reports/{june.pk}/act/return/", {"reason": " "}, follow=True)
    assert "Reason: Give a reason." in text(no_reason)
    assert MonthlyReport.objects.get(pk=june.pk).status == "submitted"
    returned = as_supervisor.post(
        f"/projects/reports/{june.pk}/act/return/", {"reason": "形象进度过于笼统", "next": "/projects/review/"}
    )
    assert returned.status_code == 302 and returned["Location"] == "/projects/review/"
    page = text(as_reporter_a.get("/projects/reporting/"))
    assert 'data-testid="return-reason"' in page and "形象进度过于笼统" in page
    version = MonthlyReport.objects.get(pk=june.pk).version
    resubmitted = row_post(as_reporter_a, plan, 6, "900", version=version, progress="主体施工至5层", action="submit")
    assert resubmitted.status_code == 200
    assert as_supervisor.post(f"/projects/reports/{june.pk}/act/approve/").status_code == 302
    june = MonthlyReport.objects.get(pk=june.pk)
    assert june.status == "approved" and june.is_effective and june.light == "green"
    plan = YearPlan.objects.get(pk=plan.pk)
    assert plan.ytd_investment == D(900) and plan.reported_month == 6
    ledger = table(as_supervisor.get("/projects/", {"light": "green"}))
    assert "甲项目" in ledger and ">900<" in ledger
    assert "queue-empty" in text(as_supervisor.get("/projects/review/"))


def test_a_correction_of_an_approved_month(world, as_reporter_a, reported):
    may = MonthlyReport.objects.get(project=reported[0], month=5)
    page = text(as_reporter_a.get(f"/projects/reports/{may.pk}/"))
    assert 'data-testid="action-correct"' in page and 'data-testid="action-approve"' not in page
    assert 'data-action="approve"' in page  # the steps it went through
    refused = as_reporter_a.post(f"/projects/reports/{may.pk}/act/correct/", {"reason": ""}, follow=True)
    assert "Reason: Give a reason." in text(refused)
    response = as_reporter_a.post(f"/projects/reports/{may.pk}/act/correct/", {"reason": "数据录入错误"})
    assert response.status_code == 302 and "/projects/reporting/?unit=" in response["Location"]
    assert "month=2026-05" in response["Location"]
    revision = MonthlyReport.objects.get(project=reported[0], month=5, revision=2)
    assert revision.status == "draft" and revision.correction_reason == "数据录入错误"
    row = text(as_reporter_a.get(response["Location"]))
    assert 'name="ytd_investment"' in row and 'data-testid="correction-reason"' in row


def test_an_unknown_action_is_not_found(as_supervisor, reported):
    may = MonthlyReport.objects.get(project=reported[0], month=5)
    assert as_supervisor.post(f"/projects/reports/{may.pk}/act/delete/").status_code == 404
    assert as_supervisor.get(f"/projects/reports/{may.pk}/act/approve/").status_code == 405


def test_photos_of_a_report(world, as_reporter_a, as_reporter_b, as_supervisor, reported):
    june = report(world, reported[0], 6, 600, approve=False)
    upload = photo("site.jpg", taken_at=at(2026, 6, 30), longitude=113.6, latitude=34.7)
    response = as_reporter_a.post(f"/projects/reports/{june.pk}/photos/", {"photo": upload, "caption": "东侧"})
    assert response.status_code == 302
    shot = ReportPhoto.objects.get(report=june)
    page = text(as_reporter_a.get(f"/projects/reports/{june.pk}/"))
    assert f"/projects/photos/{shot.pk}/" in page and "东侧" in page and 'data-testid="photo-form"' in page
    served = as_reporter_a.get(f"/projects/photos/{shot.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert as_reporter_b.get(f"/projects/photos/{shot.pk}/").status_code == 404
    text_file = SimpleUploadedFile("notes.jpg", b"not a picture", content_type="image/jpeg")
    not_a_photo = as_reporter_a.post(f"/projects/reports/{june.pk}/photos/", {"photo": text_file}, follow=True)
    assert "Photo:" in text(not_a_photo)
    assert ReportPhoto.objects.filter(report=june).count() == 1
    no_reason = as_reporter_a.post(f"/projects/photos/{shot.pk}/void/", {"reason": ""}, follow=True)
    assert "Reason:" in text(no_reason) and not ReportPhoto.objects.get(pk=shot.pk).is_void
    assert as_reporter_a.post(f"/projects/photos/{shot.pk}/void/", {"reason": "拍错了"}).status_code == 302
    assert ReportPhoto.objects.get(pk=shot.pk).is_void

    # An approved month is frozen: its photos stay as they were approved; the page says to open a correction.
    kept = services.photo_add(actor=world.users["reporter_a"], report=june, upload=photo("kept.jpg"))
    services.report_transition(actor=world.users["reporter_a"], report=june, action="submit")
    services.report_transition(actor=world.users["supervisor"], report=june, action="approve")
    page = text(as_reporter_a.get(f"/projects/reports/{june.pk}/"))
    assert 'data-testid="photo-form"' not in page and "open a correction" in page
    assert f"/projects/photos/{kept.pk}/void/" not in page
    refused = as_reporter_a.post(
        f"/projects/reports/{june.pk}/photos/", {"photo": photo("late.jpg"), "caption": "补拍"}, follow=True
    )
    assert "Photo: The report for 2026-06 is approved and frozen; open a correction" in text(refused)
    withdrawn = as_supervisor.post(f"/projects/photos/{kept.pk}/void/", {"reason": "不要了"}, follow=True)
    assert "Photo: The report for 2026-06 is approved and frozen" in text(withdrawn)
    assert list(ReportPhoto.objects.live().filter(report=june)) == [kept]


# --- campaigns, battle map, summary, card --------------------------------------------------------------------


def test_a_supervisor_creates_and_edits_a_campaign(world, as_supervisor, reported):
    project_a, project_b = reported
    response = as_supervisor.post(
        "/projects/campaigns/new/",
        {"name": "三个一批·集中签约", "kind": "signing", "date": "2026-06-18", "projects": [project_a.pk]},
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(name="三个一批·集中签约")
    edited = as_supervisor.post(
        f"/projects/campaigns/{campaign.pk}/edit/",
        {
            "name": "三个一批·集中签约",
            "kind": "signing",
            "date": "2026-06-18",
            "projects": [project_a.pk, project_b.pk],
            "version": campaign.version,
        },
    )
    assert edited.status_code == 302 and edited["Location"] == f"/projects/campaigns/{campaign.pk}/"
    assert set(campaign.projects.all()) == {project_a, project_b}
    bad = as_supervisor.post("/projects/campaigns/new/", {"name": "无日期", "kind": "signing", "date": "明天"})
    assert bad.status_code == 400 and 'data-testid="field-error-date"' in text(bad)


def test_the_battle_map(world, as_supervisor, reported):
    project_a, project_b = reported
    services.milestone_create(
        actor=world.admin, project=project_a, name="已完成", planned_on=dt.date(2026, 3, 1), done_on=dt.date(2026, 3, 1)
    )
    services.milestone_create(actor=world.admin, project=project_a, name="快到期", planned_on=dt.date(2026, 7, 10))
    services.milestone_create(actor=world.admin, project=project_b, name="已超期", planned_on=dt.date(2026, 6, 1))
    services.milestone_create(actor=world.admin, project=project_b, name="明年", planned_on=dt.date(2027, 6, 1))
    page = text(as_supervisor.get("/projects/gantt/"))
    assert page.count('data-testid="gantt-row"') == 2
    assert set(re.findall(r'data-testid="milestone-marker" data-status="(\w+)"', page)) == {
        "done",
        "due_soon",
        "overdue",
    }
    assert "+1 in another year" in page and "gantt-print.css" in page and 'media="print"' in page
    assert 'class="tz-gantt-today" style="left: 50.' in page  # 3 July: half the year
    only_b = text(as_supervisor.get("/projects/gantt/", {"unit": world.unit_b.pk}))
    assert only_b.count('data-testid="gantt-row"') == 1 and "乙项目" in only_b
    led = text(as_supervisor.get("/projects/gantt/", {"leader": "999999", "category": "x"}))
    assert led.count('data-testid="gantt-row"') == 2  # a bad filter is ignored
    leader = services_person(world)
    roads = world.data["project_categories"]["infrastructure"]
    services.project_change(actor=world.admin, project=project_a, values={"leader": leader})
    services.project_change(actor=world.admin, project=project_b, values={"category": roads})
    by_leader = text(as_supervisor.get("/projects/gantt/", {"leader": leader.pk}))
    assert gantt_projects(by_leader) == ["甲项目"]
    by_category = text(as_supervisor.get("/projects/gantt/", {"category": roads.pk}))
    assert gantt_projects(by_category) == ["乙项目"]
    both = text(as_supervisor.get("/projects/gantt/", {"category": roads.pk, "leader": leader.pk}))
    assert gantt_projects(both) == []
    css = (Path(settings.PACKAGE_DIR) / "web" / "static" / "projects" / "gantt-print.css").read_text()
    assert "@page { size: A3 landscape" in css


def test_the_summary_opens_on_the_latest_month_approved_for_half_the_projects(world, as_supervisor, reported):
    project_a, project_b = reported
    supervisor = world.users["supervisor"]
    third = make_project_in(world, world.unit_a, "丙")
    assert selectors.summary_month(supervisor, 2025) == 0  # nothing approved
    for month in range(1, 6):
        report(world, third, month, 50 * month)
    report(world, project_a, 6, 600)  # June approved for one project of three: still being reviewed
    assert selectors.summary_month(supervisor, 2026) == 5
    assert "January to month 5" in text(as_supervisor.get("/projects/summary/"))
    report(world, project_b, 6, 120)  # two of three: June is the month to show
    assert selectors.summary_month(supervisor, 2026) == 6
    assert "January to month 6" in text(as_supervisor.get("/projects/summary/"))


def gantt_projects(page: str) -> list[str]:
    """The projects the battle map shows, in order."""
    return [re.search(r"[甲乙]项目", row).group(0) for row in page.split('data-testid="gantt-row"')[1:]]


def test_the_summary(world, as_supervisor, reported):
    page = text(as_supervisor.get("/projects/summary/"))
    totals = dict(re.findall(r'data-total="(\w+)">([^<]+)<', page))
    assert totals["count"] == "2" and totals["total"] == "20,000" and totals["planned"] == "2,400"
    assert totals["ytd"] == "600" and totals["rate"] == "25.0%" and totals["red"] == "1"
    assert totals["start_rate"] == "100.0%"
    assert "January to month 5" in page and 'id="summary-charts"' in page
    assert "Time elapsed 41.7%" in page
    april = dict(
        re.findall(r'data-total="(\w+)">([^<]+)<', text(as_supervisor.get("/projects/summary/", {"month": 4})))
    )
    assert april["ytd"] == "480" and april["rate"] == "20.0%"
    bad = text(as_supervisor.get("/projects/summary/", {"month": "13", "year": "abc"}))
    assert "Month: choose a month from 1 to 12." in bad and "Year: “abc” is not a year." in bad
    by_unit = page[page.index('data-testid="summary-unit"') :]
    assert by_unit.index("甲街道") < by_unit.index("乙街道")  # ranked by completion rate


def summary_rows(page: str, table_id: str) -> dict[str, dict[str, str]]:
    """The rows of one summary table: key -> label and figures (the total row under the key "")."""
    start = page.index(f'data-testid="summary-{table_id}"')
    body = page[start : page.index("</table>", start)]
    rows = {}
    for key, row in re.findall(r'data-testid="summary-row" data-key="(\d*)"[^>]*>(.*?)</tr>', body, re.S):
        cells = dict(re.findall(r'data-field="(\w+)">([^<]*)<', row))
        cells["label"] = re.sub(r"<[^>]+>|└", "", row.split("</td>")[0]).strip()
        cells["open"] = "open-unit" in row
        rows[key] = cells
    return rows


def test_the_summary_shows_top_units_and_opens_them_one_level_at_a_time(world, audit, as_supervisor, reported):
    unit_a, unit_b, community = world.unit_a, world.unit_b, world.units["A1"]
    make_project_in(world, community, "社")
    top = summary_rows(text(as_supervisor.get("/projects/summary/")), "unit")
    assert set(top) == {str(unit_a.pk), str(unit_b.pk), ""}
    a = top[str(unit_a.pk)]
    assert (a["label"], a["count"], a["planned"], a["ytd"], a["open"]) == ("甲街道", "2", "2,400", "500", True)
    assert (top[str(unit_b.pk)]["count"], top[str(unit_b.pk)]["open"]) == ("1", False)
    assert top[""]["count"] == "3"

    page = text(as_supervisor.get("/projects/summary/", {"year": 2026, "unit": unit_a.pk}))
    opened = summary_rows(page, "unit")
    assert {k: (v["label"], v["count"], v["open"]) for k, v in opened.items()} == {
        str(unit_a.pk): ("甲街道 itself", "1", False),
        str(community.pk): ("甲一社区", "1", False),
        "": ("Total", "2", False),
    }
    assert "By unit: 甲街道 and its sub-units" in page
    assert '<a href="?year=2026#unit" data-testid="unit-up">' in page
    assert summary_rows(page, "category")[""]["count"] == "3"  # the rest of the summary stays the district's
    community_page = text(as_supervisor.get("/projects/summary/", {"unit": community.pk}))
    assert f'href="?year=2026&amp;unit={unit_a.pk}#unit"' in community_page  # up to its parent

    # A community's reporter sees its project rolled up to the sub-district, named though it has none itself.
    from taizhang.org import services as org_services

    user = org_services.user_create(actor=world.admin, username="reporter_a1", password="walk-the-scope-2026")
    org_services.membership_create(actor=world.admin, user=user, unit=community, role="reporter")
    client = client_for(user)
    own = summary_rows(text(client.get("/projects/summary/")), "unit")
    assert {k: (v["label"], v["count"], v["open"]) for k, v in own.items()} == {
        str(unit_a.pk): ("甲街道", "1", True),
        "": ("Total", "1", False),
    }

    for bad in ("abc", "999999"):
        page = text(as_supervisor.get("/projects/summary/", {"unit": bad}))
        assert f"Unit: “{bad}” is not a unit; showing the top units." in page
        assert set(summary_rows(page, "unit")) == set(top)


def test_the_unit_chart_shows_the_best_and_the_worst_of_many_units():
    from taizhang.projects.selectors import SummaryRow
    from taizhang.projects.views import _ends

    rows = [SummaryRow(i, str(i)) for i in range(25)]
    assert [r.key for r in _ends(rows)] == [*range(10), *range(15, 25)]
    assert _ends(rows[:20]) == rows[:20]


def test_the_home_card(world, as_reporter_a, as_supervisor, reported):
    page = text(as_reporter_a.get("/"))
    assert 'data-testid="card-projects"' in page and 'data-testid="card-projects-red">0<' in page
    assert "Reports for 2026-06: 0 submitted and 0 approved of 1." in page
    office = text(as_supervisor.get("/"))
    assert 'data-testid="card-projects-red">1<' in office and 'data-testid="card-projects-review">0<' in office


def test_the_menu(as_reporter_a, as_supervisor, as_leader):
    reporter = text(as_reporter_a.get("/projects/"))
    assert 'href="/projects/reporting/"' in reporter and 'href="/projects/review/"' not in reporter
    office = text(as_supervisor.get("/projects/"))
    assert 'href="/projects/review/"' in office and 'href="/projects/summary/"' in office
    assert 'href="/projects/reporting/"' not in text(as_leader.get("/projects/"))


def test_pages_answer_in_chinese(world, reported):
    client = Client()
    client.force_login(world.users["supervisor"])
    with clock.travel(at(2026, 7, 3)):
        for url in ("/projects/", "/projects/summary/", "/projects/gantt/", "/projects/review/", "/projects/lateness/"):
            assert client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200
        lateness = text(client.get("/projects/lateness/", {"month": 5}, HTTP_ACCEPT_LANGUAGE="zh-hans"))
        assert "迟报漏报情况" in lateness


def test_late_and_missing_reports_are_listed_per_unit(world, project_a, project_b, as_supervisor, as_reporter_b):
    """May 2026 was due on 5 June: unit A sent nothing (missing), unit B sent its report on 10 June (late)."""
    with clock.travel(at(2026, 6, 10)), audit_context(world.admin, Source.SYSTEM):
        report = services.report_save(
            actor=world.users["reporter_b"], project=project_b, year=2026, month=5, ytd_investment=D(400)
        ).report
        services.report_transition(actor=world.users["reporter_b"], report=report, action="submit")
    page = text(as_supervisor.get("/projects/lateness/", {"year": 2026, "month": 5}))
    assert "2026-06-05" in page and "1 missing, 1 late" in page
    rows = re.findall(r'data-testid="lateness-row" data-unit="(\w+)"', page)
    assert rows == [world.unit_a.code, world.unit_b.code]  # in the units' order
    assert project_a.name in page and project_b.name in page and "2026-06-10" in page
    assert 'data-testid="review-queue"' in page
    # A unit sees its own lateness only, and no way to the office's review queue.
    own = text(as_reporter_b.get("/projects/lateness/", {"year": 2026, "month": 5}))
    assert project_b.name in own and project_a.name not in own
    assert 'data-testid="review-queue"' not in own and 'href="/projects/review/"' not in own
    # Only the first revision decides: a correction submitted after the due day does not make the month late.
    reporter_a, supervisor = world.users["reporter_a"], world.users["supervisor"]
    with clock.travel(at(2026, 6, 3)), audit_context(world.admin, Source.SYSTEM):
        on_time = services.report_save(
            actor=reporter_a, project=project_a, year=2026, month=5, ytd_investment=D(300)
        ).report
        services.report_transition(actor=reporter_a, report=on_time, action="submit")
        services.report_transition(actor=supervisor, report=on_time, action="approve")
    with clock.travel(at(2026, 6, 12)), audit_context(world.admin, Source.SYSTEM):
        correction = services.report_transition(actor=reporter_a, report=on_time, action="correct", reason="补报")
        services.report_transition(actor=reporter_a, report=correction, action="submit")
    late = selectors.late_and_missing(supervisor, 2026, 5)
    assert [(e.unit, e.missing, [r.pk for r in e.late]) for e in late] == [(world.unit_b, [], [report.pk])]
    # Before the due day nothing is missing yet; bad parameters fall back to last month.
    june = text(as_supervisor.get("/projects/lateness/", {"year": "twenty", "month": "13"}))
    assert "2026-07-05" in june and "Every report of this month came in on time." in june
