"""The key-project API: scoped reads for the five personas, writes through the services, the report workflow
as endpoints, conflicts, bad input naming its field, photos, campaigns, configuration and the summaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from taizhang.core import clock
from taizhang.issues.sample_photos import photo
from taizhang.projects import services
from taizhang.projects.models import Milestone, MonthlyReport, Project, YearPlan
from taizhang.projects.tests.conftest import at
from taizhang.projects.tests.world import make_project_in

PERSONAS = ("reporter_a", "reporter_b", "supervisor", "leader", "outsider")


@pytest.fixture
def api(world):
    def client_for(user):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(user if not isinstance(user, str) else world.users[user])
        return client

    return client_for


def error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code, body
    return body


def ids(response):
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row["id"] for row in rows}


def save(client, project, month, ytd, **extra):
    payload = {"project": project.pk, "year": 2026, "month": month, "ytd_investment": str(ytd), **extra}
    return client.post("/api/project-reports/", payload, format="json")


def approved(world, project, month, ytd):
    """A report of ``project`` for ``month`` taken through submit and approve by the services."""
    report = services.report_save(
        actor=world.admin, project=project, year=2026, month=month, ytd_investment=Decimal(ytd)
    ).report
    report = services.report_transition(actor=world.admin, report=report, action="submit")
    return services.report_transition(actor=world.admin, report=report, action="approve")


# --- scope ----------------------------------------------------------------------------------------------


def test_every_list_is_scoped_for_every_persona(api, world, project_a, project_b):
    milestone_a = services.milestone_create(
        actor=world.admin, project=project_a, name="甲节点", planned_on=dt.date(2026, 9, 1)
    )
    milestone_b = services.milestone_create(
        actor=world.admin, project=project_b, name="乙节点", planned_on=dt.date(2026, 9, 1)
    )
    report_a = services.report_save(
        actor=world.admin, project=project_a, year=2026, month=6, ytd_investment=Decimal(100)
    ).report
    report_b = services.report_save(
        actor=world.admin, project=project_b, year=2026, month=6, ytd_investment=Decimal(100)
    ).report
    plan_a, plan_b = project_a.plans.get(), project_b.plans.get()
    expected = {
        "reporter_a": ({project_a.pk}, {plan_a.pk}, {report_a.pk}, {milestone_a.pk}),
        "reporter_b": ({project_b.pk}, {plan_b.pk}, {report_b.pk}, {milestone_b.pk}),
        "supervisor": (
            {project_a.pk, project_b.pk},
            {plan_a.pk, plan_b.pk},
            {report_a.pk, report_b.pk},
            {milestone_a.pk, milestone_b.pk},
        ),
        "leader": (
            {project_a.pk, project_b.pk},
            {plan_a.pk, plan_b.pk},
            {report_a.pk, report_b.pk},
            {milestone_a.pk, milestone_b.pk},
        ),
        "outsider": (set(), set(), set(), set()),
    }
    for persona in PERSONAS:
        client = api(persona)
        projects, plans, reports, milestones = expected[persona]
        assert ids(client.get("/api/projects/")) == projects, persona
        assert ids(client.get("/api/project-plans/")) == plans, persona
        assert ids(client.get("/api/project-reports/")) == reports, persona
        assert ids(client.get("/api/project-milestones/")) == milestones, persona
    for persona, mine, theirs in (("reporter_a", project_a, project_b), ("reporter_b", project_b, project_a)):
        client = api(persona)
        assert client.get(f"/api/projects/{mine.pk}/").status_code == 200
        error(client.get(f"/api/projects/{theirs.pk}/"), 404, "not_found")
    for url in (
        f"/api/projects/{project_b.pk}/",
        f"/api/projects/{project_b.pk}/milestones/",
        f"/api/project-plans/{plan_b.pk}/",
        f"/api/project-reports/{report_b.pk}/",
        f"/api/project-reports/{report_b.pk}/photos/",
        f"/api/project-milestones/{milestone_b.pk}/",
    ):
        error(api("reporter_a").get(url), 404, "not_found")
        error(api("outsider").get(url), 404, "not_found")
        assert api("leader").get(url).status_code == 200, url
    # Out of scope stays 404 for every write, never 403, and nothing changes.
    reporter = api("reporter_a")
    error(reporter.patch(f"/api/projects/{project_b.pk}/", {"name": "改"}, format="json"), 404, "not_found")
    error(reporter.post(f"/api/projects/{project_b.pk}/void/", {"reason": "x"}, format="json"), 404, "not_found")
    error(reporter.post(f"/api/project-reports/{report_b.pk}/submit/", {}, format="json"), 404, "not_found")
    error(reporter.post(f"/api/project-milestones/{milestone_b.pk}/done/", {}, format="json"), 404, "not_found")
    error(save(reporter, project_b, 6, 200), 400, "invalid")  # a project it cannot see does not exist
    assert Project.objects.get(pk=project_b.pk).name == "乙项目"
    assert MonthlyReport.objects.get(pk=report_b.pk).status == "draft"


def test_a_cooperating_unit_sees_the_project_with_its_units_and_programmes(api, world, project_a, project_b):
    programme = world.data["programme"]
    roads = programme.categories.get(code="roads")
    response = api("supervisor").patch(
        f"/api/projects/{project_b.pk}/",
        {"cooperating_units": [world.unit_a.pk], "programmes": [{"programme": programme.pk, "category": roads.pk}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = api("reporter_a").get(f"/api/projects/{project_b.pk}/").json()
    assert body["cooperating_units"] == [{"id": world.unit_a.pk, "name": "甲街道"}]
    assert body["programmes"] == [
        {"programme": {"id": programme.pk, "name": "百城建设提质工程"}, "category": {"id": roads.pk, "name": "道路"}}
    ]
    assert ids(api("reporter_a").get("/api/projects/")) == {project_a.pk, project_b.pk}
    assert ids(api("reporter_a").get("/api/projects/", {"programme": programme.pk})) == {project_b.pk}


def test_filters_are_the_ledger_pages(api, world, project_a, project_b):
    office = api("supervisor")
    assert ids(office.get("/api/projects/", {"unit": world.unit_a.pk})) == {project_a.pk}
    assert ids(office.get("/api/projects/", {"q": "乙"})) == {project_b.pk}
    assert ids(office.get("/api/project-plans/", {"year": 2026, "unit": world.unit_b.pk})) == {project_b.plans.get().pk}
    body = error(api("reporter_a").get("/api/projects/", {"unit": world.unit_b.pk}), 400, "invalid")
    assert "unit" in body["fields"]
    body = error(office.get("/api/project-plans/", {"light": "purple"}), 400, "invalid")
    assert "light" in body["fields"]


# --- projects -------------------------------------------------------------------------------------------


def project_payload(world, **values):
    return {
        "name": "接口项目",
        "code": "API-1",
        "category": world.data["project_categories"]["infrastructure"].pk,
        "responsible_unit": world.unit_a.pk,
        "total_investment": "5000",
        "planned_start": "2026-03-01",
        "stage": "preparatory",
        **values,
    }


def test_the_office_adds_changes_and_voids_projects(api, world, in_july, project_a):
    office = api("supervisor")
    response = office.post("/api/projects/", project_payload(world, cooperating_units=[world.unit_b.pk]), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["responsible_unit"]["name"] == "甲街道" and body["total_investment"] == "5000.0000"
    assert body["cooperating_units"] == [{"id": world.unit_b.pk, "name": "乙街道"}]
    assert body["category"]["name"] == "基础设施项目" and body["stages"] == []
    pk = body["id"]
    assert Project.objects.get(pk=pk).history.first().history_source == "api"
    error(
        api("reporter_a").post("/api/projects/", project_payload(world, code="API-2"), format="json"),
        403,
        "permission_denied",
    )
    error(
        api("leader").post("/api/projects/", project_payload(world, code="API-3"), format="json"),
        403,
        "permission_denied",
    )

    response = office.patch(f"/api/projects/{pk}/", {"name": "接口项目二", "version": body["version"]}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "接口项目二"
    # A stale version: 409, nothing changed.
    error(
        office.patch(f"/api/projects/{pk}/", {"name": "晚了", "version": body["version"]}, format="json"),
        409,
        "conflict",
    )
    assert Project.objects.get(pk=pk).name == "接口项目二"
    body = error(office.patch(f"/api/projects/{pk}/", {"stage": "completed"}, format="json"), 400, "invalid")
    assert "stage" in body["fields"]

    error(
        api("reporter_a").post(f"/api/projects/{pk}/void/", {"reason": "重复"}, format="json"), 403, "permission_denied"
    )
    body = error(office.post(f"/api/projects/{pk}/void/", {}, format="json"), 400, "invalid")
    assert "reason" in body["fields"]
    assert office.post(f"/api/projects/{pk}/void/", {"reason": "重复录入"}, format="json").status_code == 204
    error(office.get(f"/api/projects/{pk}/"), 404, "not_found")
    assert ids(office.get("/api/projects/")) == {project_a.pk}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"total_investment": "-5"}, "total_investment"),
        ({"total_investment": "很多"}, "total_investment"),
        ({"planned_completion": "2026-01-01"}, "planned_completion"),
        ({"category": 99999}, "category"),
        ({"responsible_unit": None}, "responsible_unit"),
        ({"longitude": "113.6"}, "latitude"),
        ({"stage": "dreaming"}, "stage"),
    ],
)
def test_bad_project_input_names_the_field(api, world, in_july, values, field):
    body = error(
        api("supervisor").post("/api/projects/", project_payload(world, **values), format="json"), 400, "invalid"
    )
    assert field in body["fields"], body
    assert not Project.objects.filter(code="API-1").exists()


def test_stage_changes_are_dated(api, world, project_a):
    office = api("supervisor")
    response = office.post(
        f"/api/projects/{project_a.pk}/stage/", {"stage": "completed", "date": "2026-07-01"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["stage"] == "completed" and body["actual_completion"] == "2026-07-01"
    assert [s["stage"] for s in body["stages"]][-1] == "completed"
    body = error(
        office.post(
            f"/api/projects/{project_a.pk}/stage/", {"stage": "in_operation", "date": "2026-08-01"}, format="json"
        ),
        400,
        "invalid",
    )
    assert "date" in body["fields"]
    error(
        api("reporter_a").post(
            f"/api/projects/{project_a.pk}/stage/", {"stage": "signed", "date": "2026-07-02"}, format="json"
        ),
        403,
        "permission_denied",
    )


def test_milestones_and_reverse_scheduling(api, world, project_a):
    reporter = api("reporter_a")
    url = f"/api/projects/{project_a.pk}/milestones/"
    response = reporter.post(url, {"name": "主体封顶", "planned_on": "2026-07-10"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "due_soon" and response.json()["project"]["id"] == project_a.pk
    body = error(reporter.post(url, {"name": "太早", "planned_on": "2025-12-01"}, format="json"), 400, "invalid")
    assert "planned_on" in body["fields"] and "before the project's start" in body["fields"]["planned_on"][0]
    assert [m["name"] for m in reporter.get(url).json()] == ["主体封顶"]

    office = api("supervisor")
    steps = [
        {"name": "立项", "days_before": 120},
        {"name": "施工许可", "days_before": 30},
        {"name": "开工", "days_before": 0},
    ]
    error(
        reporter.post("/api/project-templates/", {"name": "标准", "steps": steps}, format="json"),
        403,
        "permission_denied",
    )
    body = error(office.post("/api/project-templates/", {"name": "空", "steps": []}, format="json"), 400, "invalid")
    assert "steps" in body["fields"]
    response = office.post("/api/project-templates/", {"name": "标准", "steps": steps}, format="json")
    assert response.status_code == 201 and [s["days_before"] for s in response.json()["steps"]] == [120, 30, 0]
    template = response.json()["id"]
    assert [t["name"] for t in reporter.get("/api/project-templates/").json()] == ["标准"]

    schedule = f"/api/projects/{project_a.pk}/schedule/"
    body = error(reporter.post(schedule, {"template": template, "target": "2026-03-01"}, format="json"), 400, "invalid")
    assert "target" in body["fields"] and "2026-05-10" in body["fields"]["target"][0]
    assert Milestone.objects.filter(project=project_a).count() == 1  # all or nothing
    response = reporter.post(schedule, {"template": template, "target": "2026-12-31"}, format="json")
    assert response.status_code == 201, response.content
    assert [(m["name"], m["planned_on"]) for m in response.json()] == [
        ("立项", "2026-09-02"),
        ("施工许可", "2026-12-01"),
        ("开工", "2026-12-31"),
    ]
    assert len(reporter.get(url).json()) == 4


def test_milestone_endpoints_change_finish_and_void(api, world, project_a, project_b):
    milestone = services.milestone_create(
        actor=world.admin, project=project_a, name="完成征地", planned_on=dt.date(2026, 6, 20)
    )
    reporter = api("reporter_a")
    url = f"/api/project-milestones/{milestone.pk}/"
    body = reporter.get(url).json()
    assert body["status"] == "overdue"
    assert api("supervisor").get(f"/api/project-plans/{project_a.plans.get().pk}/").json()["light"] == "red"
    response = reporter.patch(url, {"note": "已协调", "version": body["version"]}, format="json")
    assert response.status_code == 200 and response.json()["note"] == "已协调"
    error(reporter.patch(url, {"note": "旧", "version": body["version"]}, format="json"), 409, "conflict")
    body = error(reporter.post(f"{url}done/", {"done_on": "2026-07-20"}, format="json"), 400, "invalid")
    assert "done_on" in body["fields"]
    response = reporter.post(f"{url}done/", {}, format="json")
    assert response.json()["done_on"] == "2026-07-03" and response.json()["status"] == "done"
    assert api("supervisor").get(f"/api/project-plans/{project_a.plans.get().pk}/").json()["light"] == "none"
    error(api("reporter_b").post(f"{url}void/", {"reason": "x"}, format="json"), 404, "not_found")
    assert reporter.post(f"{url}void/", {"reason": "录错"}, format="json").status_code == 204
    assert ids(api("supervisor").get("/api/project-milestones/", {"project": project_a.pk})) == set()
    error(reporter.post("/api/project-milestones/", {"name": "x"}, format="json"), 405, "method_not_allowed")


def test_approval_procedures_are_recorded_changed_and_voided(api, world, project_a, project_b):
    office, reporter, url = api("supervisor"), api("reporter_a"), "/api/project-procedures/"
    payload = {"project": project_a.pk, "name": "施工许可", "status": "in_progress"}
    error(reporter.post(url, payload, format="json"), 403, "permission_denied")
    body = error(office.post(url, {**payload, "status": "obtained"}, format="json"), 400, "invalid")
    assert "date" in body["fields"]
    body = error(office.post(url, {**payload, "project": 999999}, format="json"), 400, "invalid")
    assert "project" in body["fields"]
    response = office.post(url, payload, format="json")
    assert response.status_code == 201, response.content
    made = response.json()
    assert (made["project"]["id"], made["name"], made["status"], made["version"]) == (
        project_a.pk,
        "施工许可",
        "in_progress",
        1,
    )
    detail = f"{url}{made['id']}/"
    assert [p["id"] for p in reporter.get(f"/api/projects/{project_a.pk}/").json()["procedures"]] == [made["id"]]
    assert ids(reporter.get(url)) == {made["id"]} and ids(api("reporter_b").get(url)) == set()
    assert ids(office.get(url, {"project": project_b.pk})) == set()
    error(api("reporter_b").get(detail), 404, "not_found")

    changes = {"status": "obtained", "date": "2026-07-01", "permit_number": "410102202607010", "version": 1}
    error(reporter.patch(detail, changes, format="json"), 403, "permission_denied")
    response = office.patch(detail, changes, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["permit_number"], response.json()["version"]) == (
        "obtained",
        "410102202607010",
        2,
    )
    error(office.patch(detail, {"permit_number": "旧", "version": 1}, format="json"), 409, "conflict")
    body = error(office.patch(detail, {"date": None, "version": 2}, format="json"), 400, "invalid")
    assert "date" in body["fields"]  # obtained without a date

    assert "reason" in error(office.post(f"{detail}void/", {}, format="json"), 400, "invalid")["fields"]
    error(reporter.post(f"{detail}void/", {"reason": "录错"}, format="json"), 403, "permission_denied")
    assert office.post(f"{detail}void/", {"reason": "录错"}, format="json").status_code == 204
    assert ids(office.get(url)) == set() and office.get(f"/api/projects/{project_a.pk}/").json()["procedures"] == []
    error(office.get(detail), 404, "not_found")


# --- year plans -----------------------------------------------------------------------------------------


def test_plans_through_the_api(api, world, project_a):
    office = api("supervisor")
    payload = {"project": project_a.pk, "year": 2027, "planned_investment": "2000", "nature": "continuing"}
    error(api("reporter_a").post("/api/project-plans/", payload, format="json"), 403, "permission_denied")
    response = office.post("/api/project-plans/", payload, format="json")
    assert response.status_code == 201, response.content
    plan = response.json()
    assert plan["planned_investment"] == "2000.0000" and plan["light"] == "none" and plan["completion_rate"] is None
    body = error(office.post("/api/project-plans/", payload, format="json"), 400, "invalid")
    assert "already has a plan" in body["message"]
    body = error(
        office.post("/api/project-plans/", {**payload, "year": 2028, "planned_investment": "-1"}, format="json"),
        400,
        "invalid",
    )
    assert "planned_investment" in body["fields"]
    response = office.patch(
        f"/api/project-plans/{plan['id']}/", {"planned_investment": "2500", "version": plan["version"]}, format="json"
    )
    assert response.json()["planned_investment"] == "2500.0000"
    error(
        office.patch(
            f"/api/project-plans/{plan['id']}/", {"planned_investment": "1", "version": plan["version"]}, format="json"
        ),
        409,
        "conflict",
    )
    assert YearPlan.objects.get(pk=plan["id"]).planned_investment == Decimal(2500)
    assert ids(office.get("/api/project-plans/", {"year": 2027})) == {plan["id"]}


# --- monthly reports ------------------------------------------------------------------------------------


def test_the_monthly_round_trip_through_the_api(api, world, project_a, project_b):
    reporter, office = api("reporter_a"), api("supervisor")
    plan_url = f"/api/project-plans/{project_a.plans.get().pk}/"
    assert office.get(plan_url).json()["light"] == "none"

    response = save(reporter, project_a, 6, 300, progress="主体施工", problems=["征地未完成"])
    assert response.status_code == 201, response.content
    report = response.json()
    assert (report["status"], report["revision"], report["warnings"], report["created"]) == ("draft", 1, [], True)
    assert report["problems"] == ["征地未完成"] and report["allowed_actions"] == ["submit"]
    assert report["completion_rate"] == "25.0" and report["elapsed"] == "50.0" and report["gap"] == "-25.0"
    url = f"/api/project-reports/{report['id']}/"

    response = reporter.post(f"{url}submit/", {"version": report["version"]}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert [r["id"] for r in office.get("/api/project-reports/queue/").json()["results"]] == [report["id"]]
    body = error(reporter.post(f"{url}approve/", {}, format="json"), 409, "transition_not_allowed")
    assert body["fields"]["allowed"] == []
    body = error(office.post(f"{url}return/", {}, format="json"), 400, "invalid")
    assert "reason" in body["fields"]
    response = office.post(f"{url}return/", {"reason": "投资额与进度不符"}, format="json")
    assert response.json()["status"] == "returned" and response.json()["return_reason"] == "投资额与进度不符"

    current = reporter.get(url).json()
    assert current["allowed_actions"] == ["submit"]
    response = reporter.patch(url, {"ytd_investment": "600", "version": current["version"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["ytd_investment"] == "600.0000" and response.json()["created"] is False
    assert response.json()["progress"] == "主体施工"  # what the change left out stays
    reporter.post(f"{url}submit/", {}, format="json")
    response = office.post(f"{url}approve/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert response.json()["is_effective"] and response.json()["light"] == "green"

    plan = office.get(plan_url).json()
    assert (plan["reported_month"], plan["ytd_investment"]) == (6, "600.0000")
    assert (plan["completion_rate"], plan["elapsed"], plan["gap"], plan["light"]) == ("50.0", "50.0", "0.0", "green")
    assert plan["light_reason"].startswith("Green: by month 6, 50.0% of the annual plan is done")
    assert ids(office.get("/api/project-plans/", {"year": 2026, "light": "green"})) == {plan["id"]}
    summary = office.get("/api/project-summary/", {"year": 2026}).json()
    assert (summary["month"], summary["total"]["ytd"], summary["total"]["rate"]) == (6, "600.0000", "25.0")
    events = reporter.get(url).json()["events"]
    assert [e["action"] for e in events] == ["submit", "return", "submit", "approve"]
    assert events[1]["reason"] == "投资额与进度不符" and events[1]["actor"] == "supervisor"

    # The approved month is frozen; a correction is a new revision that needs approval.
    frozen = reporter.get(url).json()
    body = error(
        reporter.patch(url, {"ytd_investment": "650", "version": frozen["version"]}, format="json"), 400, "invalid"
    )
    assert "frozen" in body["fields"]["ytd_investment"][0]
    body = error(reporter.post(f"{url}correct/", {}, format="json"), 400, "invalid")
    assert "reason" in body["fields"]
    response = reporter.post(f"{url}correct/", {"reason": "漏报一笔"}, format="json")
    assert response.status_code == 201, response.content
    revision = response.json()
    assert (revision["revision"], revision["status"], revision["correction_reason"]) == (2, "draft", "漏报一笔")
    body = error(
        reporter.patch(url, {"ytd_investment": "650", "version": frozen["version"]}, format="json"), 400, "invalid"
    )
    assert "revision" in body["fields"]
    assert office.get(plan_url).json()["ytd_investment"] == "600.0000"  # until the correction is approved


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"ytd_investment": "-1"}, "ytd_investment"),
        ({"ytd_investment": "abc"}, "ytd_investment"),
        ({"ytd_investment": None}, "ytd_investment"),
        ({"month": 8}, "month"),
        ({"month": 13}, "month"),
        ({"month": "六月"}, "month"),
        ({"year": 2025}, "year"),
    ],
)
def test_bad_report_input_names_the_field(api, world, project_a, values, field):
    payload = {"project": project_a.pk, "year": 2026, "month": 6, "ytd_investment": "100", **values}
    body = error(api("reporter_a").post("/api/project-reports/", payload, format="json"), 400, "invalid")
    assert field in body["fields"], body
    assert not MonthlyReport.objects.exists()


def test_a_falling_year_to_date_figure_needs_a_correction_reason(api, world, project_a):
    approved(world, project_a, 5, 500)
    reporter = api("reporter_a")
    body = error(save(reporter, project_a, 6, 400), 400, "invalid")
    assert "lower than last month's 500" in body["fields"]["ytd_investment"][0]
    response = save(reporter, project_a, 6, 400, correction_reason="五月多报，已核减")
    assert response.status_code == 201 and response.json()["previous_ytd"] == "500.0000"
    assert response.json()["monthly_increment"] == "-100.0000"


def test_figures_above_the_total_are_saved_with_a_warning(api, world, project_a):
    response = save(api("reporter_a"), project_a, 6, 12000)
    assert response.status_code == 201
    assert response.json()["warnings"] == [
        "Completed before this year plus this year's figure (12000 万元) is above the total investment (10000 万元)."
    ]


def test_two_people_saving_the_same_report_the_second_gets_a_conflict(api, world, project_a, head_a):
    first, second = api("reporter_a"), api(head_a)
    report = save(first, project_a, 6, 300).json()
    url = f"/api/project-reports/{report['id']}/"
    seen_by_second = second.get(url).json()
    assert first.patch(url, {"ytd_investment": "350", "version": report["version"]}, format="json").status_code == 200
    body = error(
        second.patch(url, {"ytd_investment": "999", "version": seen_by_second["version"]}, format="json"),
        409,
        "conflict",
    )
    assert "changed by someone else" in body["message"]
    error(save(second, project_a, 6, 999, version=seen_by_second["version"]), 409, "conflict")
    error(second.post(f"{url}submit/", {"version": seen_by_second["version"]}, format="json"), 409, "conflict")
    stored = MonthlyReport.objects.get(pk=report["id"])
    assert (stored.ytd_investment, stored.status) == (Decimal(350), "draft")  # nothing of the first is lost


def test_a_change_to_a_report_must_say_which_version_it_read(api, world, project_a):
    reporter = api("reporter_a")
    report = save(reporter, project_a, 6, 300).json()
    url = f"/api/project-reports/{report['id']}/"
    body = error(reporter.patch(url, {"ytd_investment": "999"}, format="json"), 400, "invalid")
    assert list(body["fields"]) == ["version"] and "version of the report you read" in body["fields"]["version"][0]
    for wrong in (None, "二"):
        body = error(reporter.patch(url, {"ytd_investment": "999", "version": wrong}, format="json"), 400, "invalid")
        assert list(body["fields"]) == ["version"]
    error(
        reporter.patch(url, {"ytd_investment": "999", "version": report["version"] + 1}, format="json"), 409, "conflict"
    )
    # Saving the month again without a version would replace the report unseen: refused, naming the field.
    body = error(save(reporter, project_a, 6, 999), 409, "conflict")
    assert "send its version" in body["fields"]["version"][0]
    assert MonthlyReport.objects.get(pk=report["id"]).ytd_investment == Decimal(300)  # nothing was overwritten
    response = save(reporter, project_a, 6, 350, version=report["version"])
    assert response.status_code == 200 and response.json()["ytd_investment"] == "350.0000"
    response = reporter.patch(url, {"progress": "主体完工", "version": response.json()["version"]}, format="json")
    assert response.status_code == 200 and response.json()["progress"] == "主体完工"


def test_a_site_photo_is_uploaded_and_served_only_in_scope(api, world, project_a):
    report = save(api("reporter_a"), project_a, 6, 300).json()
    url = f"/api/project-reports/{report['id']}/photos/"
    upload = photo("工地.jpg", taken_at=at(2026, 6, 28), longitude=113.6, latitude=34.7)
    response = api("reporter_a").post(url, {"photo": upload, "caption": "六月底"}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["original_name"], body["caption"], body["uploaded_by"]) == ("工地.jpg", "六月底", "reporter_a")
    assert body["taken_at"].startswith("2026-06-28") and body["width"] == 320
    assert [p["id"] for p in api("supervisor").get(url).json()] == [body["id"]]
    assert [p["id"] for p in api("reporter_a").get(f"/api/project-reports/{report['id']}/").json()["photos"]] == [
        body["id"]
    ]
    file = api("leader").get(body["url"])
    assert file.status_code == 200 and file["Content-Type"] == "image/jpeg"
    assert file.getvalue()[:2] == b"\xff\xd8"
    error(api("reporter_b").get(body["url"]), 404, "not_found")
    error(api("reporter_b").get(f"/api/project-photos/{body['id']}/"), 404, "not_found")
    bad = api("reporter_a").post(url, {"photo": photo("x.jpg").__class__("x.jpg", b"not an image")}, format="multipart")
    assert "photo" in error(bad, 400, "invalid")["fields"]
    error(
        api("reporter_b").post(f"/api/project-photos/{body['id']}/void/", {"reason": "x"}, format="json"),
        404,
        "not_found",
    )
    assert (
        api("reporter_a").post(f"/api/project-photos/{body['id']}/void/", {"reason": "拍错"}, format="json").status_code
        == 204
    )
    assert api("reporter_a").get(url).json() == []

    # Submitted, the report's photos are what the office reviews: no more uploads or withdrawals.
    kept = api("reporter_a").post(url, {"photo": photo("留.jpg")}, format="multipart").json()
    api("reporter_a").post(f"/api/project-reports/{report['id']}/submit/", {}, format="json")
    late = api("reporter_a").post(url, {"photo": photo("晚.jpg")}, format="multipart")
    assert "under review" in error(late, 400, "invalid")["fields"]["photo"][0]
    void = api("reporter_a").post(f"/api/project-photos/{kept['id']}/void/", {"reason": "x"}, format="json")
    assert "under review" in error(void, 400, "invalid")["fields"]["photo"][0]
    assert [p["id"] for p in api("reporter_a").get(url).json()] == [kept["id"]]


# --- campaigns ------------------------------------------------------------------------------------------


def test_campaigns_show_each_persona_only_its_projects(api, world, project_a, project_b):
    office = api("supervisor")
    payload = {
        "name": "三季度集中开工",
        "kind": "starting",
        "date": "2026-07-01",
        "projects": [project_a.pk, project_b.pk],
    }
    body = error(api("reporter_a").post("/api/project-campaigns/", payload, format="json"), 400, "invalid")
    assert "projects" in body["fields"]  # project B does not exist for unit A
    own = {**payload, "projects": [project_a.pk]}
    error(api("reporter_a").post("/api/project-campaigns/", own, format="json"), 403, "permission_denied")
    response = office.post("/api/project-campaigns/", payload, format="json")
    assert response.status_code == 201, response.content
    both = response.json()
    only_b = office.post(
        "/api/project-campaigns/",
        {**payload, "name": "乙签约", "kind": "signing", "projects": [project_b.pk]},
        format="json",
    ).json()
    assert ids(office.get("/api/project-campaigns/")) == {both["id"], only_b["id"]}
    assert ids(api("leader").get("/api/project-campaigns/", {"kind": "signing"})) == {only_b["id"]}
    mine = api("reporter_a").get("/api/project-campaigns/").json()["results"]
    assert [(c["id"], [p["id"] for p in c["projects"]]) for c in mine] == [(both["id"], [project_a.pk])]
    error(api("reporter_a").get(f"/api/project-campaigns/{only_b['id']}/"), 404, "not_found")
    assert ids(api("reporter_b").get("/api/project-campaigns/")) == {both["id"], only_b["id"]}
    assert ids(api("outsider").get("/api/project-campaigns/")) == set()
    body = error(office.post("/api/project-campaigns/", {**payload, "kind": "party"}, format="json"), 400, "invalid")
    assert "kind" in body["fields"]
    response = office.patch(
        f"/api/project-campaigns/{both['id']}/", {"projects": [project_a.pk], "version": both["version"]}, format="json"
    )
    assert [p["id"] for p in response.json()["projects"]] == [project_a.pk]
    assert ids(api("reporter_b").get("/api/project-campaigns/")) == {only_b["id"]}
    assert (
        office.post(f"/api/project-campaigns/{only_b['id']}/void/", {"reason": "取消"}, format="json").status_code
        == 204
    )
    assert ids(office.get("/api/project-campaigns/")) == {both["id"]}


# --- configuration --------------------------------------------------------------------------------------


def test_configuration_lists_and_thresholds(api, world, project_a):
    reporter, office = api("reporter_a"), api("supervisor")
    assert [c["code"] for c in reporter.get("/api/project-categories/").json()] == ["industrial", "infrastructure"]
    programmes = reporter.get("/api/project-programmes/").json()
    assert [(p["code"], [c["name"] for c in p["categories"]]) for p in programmes] == [("upgrading", ["道路", "游园"])]
    assert api("outsider").get("/api/project-categories/").status_code == 200
    assert APIClient().get("/api/project-categories/").status_code in (401, 403)

    approved(world, project_a, 6, 300)  # 25% of plan at 50% elapsed: 25 points behind is yellow by default
    plan_url = f"/api/project-plans/{project_a.plans.get().pk}/"
    assert office.get(plan_url).json()["light"] == "yellow"
    payload = {"effective_from": "2026-07-01", "yellow_above": "5", "red_above": "20", "note": "从严"}
    error(reporter.post("/api/project-thresholds/", payload, format="json"), 403, "permission_denied")
    body = error(office.post("/api/project-thresholds/", {**payload, "red_above": "4"}, format="json"), 400, "invalid")
    assert "red_above" in body["fields"]
    body = error(
        office.post("/api/project-thresholds/", {**payload, "yellow_above": "abc"}, format="json"), 400, "invalid"
    )
    assert "yellow_above" in body["fields"]
    response = office.post("/api/project-thresholds/", payload, format="json")
    assert response.status_code == 201, response.content
    assert [t["effective_from"] for t in reporter.get("/api/project-thresholds/").json()] == ["2026-07-01"]
    plan = office.get(plan_url).json()
    assert plan["light"] == "red" and "more than 20.0 points behind is red" in plan["light_reason"]


# --- summary, reporting sheet, lateness -----------------------------------------------------------------


def test_the_summary_json(api, world, project_a, project_b):
    make_project_in(
        world,
        world.unit_b,
        "丙",
        category=world.data["project_categories"]["infrastructure"],
        stage="preparatory",
        total_investment=Decimal("3000.5"),
        planned_investment=Decimal(800),
    )
    approved(world, project_a, 6, 300)
    approved(world, project_b, 6, "900.25")
    office = api("supervisor")
    summary = office.get("/api/project-summary/", {"year": 2026}).json()
    assert (summary["year"], summary["month"], summary["elapsed"]) == (2026, 6, "50.0")
    total = summary["total"]
    assert (total["count"], total["total_investment"], total["planned"], total["ytd"]) == (
        3,
        "23000.5000",
        "3200.0000",
        "1200.2500",
    )
    assert (total["rate"], total["to_start"], total["started"], total["start_rate"], total["red"]) == (
        "37.5",
        3,
        2,
        "66.7",
        0,
    )
    assert summary["gap"] == "-12.5"
    by_category = {row["label"]: row for row in summary["by_category"]}
    assert by_category["产业项目"]["count"] == 2 and by_category["产业项目"]["rate"] == "50.0"
    assert by_category["基础设施项目"]["ytd"] == "0.0000" and by_category["基础设施项目"]["rate"] == "0.0"
    assert [(row["label"], row["rate"]) for row in summary["by_unit"]] == [("乙街道", "45.0"), ("甲街道", "25.0")]
    assert {row["key"]: row["count"] for row in summary["by_stage"]} == {"preparatory": 1, "under_construction": 2}
    assert summary["by_programme"] == [] and summary["by_programme_category"] == []

    mine = api("reporter_a").get("/api/project-summary/", {"year": 2026, "month": 6}).json()
    assert (mine["total"]["count"], mine["total"]["ytd"], mine["total"]["rate"]) == (1, "300.0000", "25.0")
    assert api("outsider").get("/api/project-summary/", {"year": 2026}).json()["total"]["count"] == 0
    earlier = office.get("/api/project-summary/", {"year": 2026, "month": 5}).json()
    assert earlier["total"]["ytd"] == "0.0000" and earlier["total"]["count"] == 3
    for bad in ({"month": 13}, {"month": "六"}, {"year": 1900}):
        body = error(office.get("/api/project-summary/", bad), 400, "invalid")
        assert set(body["fields"]) == set(bad)


def test_the_summary_by_programme(api, world, project_a, project_b):
    programme = world.data["programme"]
    parks = programme.categories.get(code="parks")
    services.project_change(actor=world.admin, project=project_a, values={"programmes": [(programme, parks)]})
    approved(world, project_a, 6, 600)
    summary = api("leader").get("/api/project-summary/").json()
    assert summary["year"] == 2026 and summary["month"] == 6
    assert [(r["label"], r["count"], r["rate"]) for r in summary["by_programme"]] == [("百城建设提质工程", 1, "50.0")]
    assert summary["by_programme_category"] == [
        {
            "programme": programme.pk,
            "label": "百城建设提质工程",
            "rows": [
                {
                    "key": str(parks.pk),
                    "label": "游园",
                    "count": 1,
                    "total_investment": "10000.0000",
                    "planned": "1200.0000",
                    "ytd": "600.0000",
                    "rate": "50.0",
                    "to_start": 1,
                    "started": 1,
                    "start_rate": "100.0",
                    "red": 0,
                }
            ],
        }
    ]


def test_the_reporting_sheet(api, world, project_a, project_b):
    reporter = api("reporter_a")
    rows = reporter.get("/api/project-reporting/").json()  # defaults: its unit, this year, last month
    assert [(r["project"]["id"], r["report"], r["editable"], r["previous_ytd"]) for r in rows] == [
        (project_a.pk, None, True, None)
    ]
    approved(world, project_a, 5, 200)
    save(reporter, project_a, 6, 320, problems=["资金未到位"])
    row = reporter.get("/api/project-reporting/", {"year": 2026, "month": 6}).json()[0]
    assert row["previous_ytd"] == "200.0000" and row["planned_investment"] == "1200.0000"
    assert (row["report"]["ytd_investment"], row["report"]["status"], row["problems"]) == (
        "320.0000",
        "draft",
        ["资金未到位"],
    )
    body = error(reporter.get("/api/project-reporting/", {"unit": world.unit_b.pk}), 400, "invalid")
    assert "unit" in body["fields"]
    assert [
        r["project"]["id"] for r in api("supervisor").get("/api/project-reporting/", {"unit": world.unit_b.pk}).json()
    ] == [project_b.pk]
    body = error(api("outsider").get("/api/project-reporting/"), 400, "invalid")
    assert "unit" in body["fields"]
    rows = api("reporter_a").get("/api/project-reporting/", {"month": 5}).json()
    assert rows[0]["editable"] is False and rows[0]["report"]["status"] == "approved"


def test_late_and_missing_reports(api, world, project_a, project_b):
    assert api("supervisor").get("/api/project-late/", {"year": 2026, "month": 6}).json() == []  # due on the 5th
    with clock.travel(at(2026, 7, 8)):
        late = services.report_save(
            actor=world.admin, project=project_b, year=2026, month=6, ytd_investment=Decimal(100)
        ).report
        services.report_transition(actor=world.admin, report=late, action="submit")
        rows = {r["unit"]["name"]: r for r in api("supervisor").get("/api/project-late/").json()}
        assert {name: (r["expected"], len(r["missing"]), len(r["late"])) for name, r in rows.items()} == {
            "甲街道": (1, 1, 0),
            "乙街道": (1, 0, 1),
        }
        assert rows["甲街道"]["missing"][0]["project"]["id"] == project_a.pk
        assert rows["乙街道"]["late"][0]["report"] == late.pk
        assert rows["乙街道"]["late"][0]["submitted_at"].startswith("2026-07-08")
        mine = api("reporter_a").get("/api/project-late/", {"year": 2026, "month": 6}).json()
        assert [r["unit"]["name"] for r in mine] == ["甲街道"]
        assert api("outsider").get("/api/project-late/").json() == []


# --- authentication and schema --------------------------------------------------------------------------


def test_token_and_session_authentication(world, project_a):
    token = Token.objects.create(user=world.users["reporter_a"])
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(
        "/api/project-reports/",
        {"project": project_a.pk, "year": 2026, "month": 6, "ytd_investment": "120"},
        format="json",
    )
    assert response.status_code == 201, response.content
    row = MonthlyReport.objects.get(pk=response.json()["id"]).history.get()
    assert (row.history_user, row.history_source) == (world.users["reporter_a"], "api")
    browser = Client()
    browser.force_login(world.users["reporter_b"])
    assert browser.get("/api/projects/").json()["count"] == 0
    assert APIClient().get("/api/projects/").status_code == 401


def test_the_schema_documents_the_endpoints(world):
    client = Client()
    client.force_login(world.users["reporter_a"])
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/projects/{id}/stage/",
        "/api/projects/{id}/schedule/",
        "/api/project-reports/{id}/return/",
        "/api/project-reports/{id}/photos/",
        "/api/project-summary/",
        "/api/project-reporting/",
        "/api/project-late/",
        "/api/project-templates/",
        "/api/project-procedures/{id}/void/",
    ):
        assert path in schema, path
    assert "ReportStatusEnum" in schema and "ProjectLightEnum" in schema


def test_lists_cost_the_same_queries_for_two_rows_or_ten(api, world, project_a, project_b):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    urls = (
        "/api/projects/",
        "/api/project-plans/",
        "/api/project-reports/",
        "/api/project-milestones/",
        "/api/project-campaigns/",
        "/api/project-procedures/",
        "/api/project-reporting/?unit={unit}&month=6",
        "/api/project-late/?month=6",
    )

    def add_rows(n):
        for i in range(n):
            project = make_project_in(world, world.unit_a, f"批{n}-{i}", cooperating_units=[world.unit_b])
            services.report_save(
                actor=world.admin, project=project, year=2026, month=6, ytd_investment=Decimal(10), problems=["问题"]
            )
            services.milestone_create(actor=world.admin, project=project, name="节点", planned_on=dt.date(2026, 9, 1))
            services.procedure_create(actor=world.admin, project=project, name="施工许可")
            services.campaign_create(
                actor=world.admin, name=f"活动{n}-{i}", kind="starting", date=dt.date(2026, 6, 1), projects=[project]
            )

    def counts():
        client = api("supervisor")
        out = {}
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url.format(unit=world.unit_a.pk)).status_code == 200
            out[url] = len(queries)
        return out

    add_rows(2)
    counts()  # the first request also reads the user's memberships
    few = counts()
    add_rows(8)
    assert counts() == few
