"""Every write of the key-project ledger, through its service: what it guarantees and what it refuses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from taizhang.core import clock
from taizhang.core.audit import Source, audit_context
from taizhang.core.errors import Conflict, PermissionDenied, TransitionNotAllowed, ValidationFailed
from taizhang.core.services import void
from taizhang.core.testing.audit_probe import history_probe, services_of
from taizhang.issues import services as issue_services
from taizhang.issues.sample_photos import photo
from taizhang.projects import services, workflow
from taizhang.projects.choices import Light, ReportStatus, Stage
from taizhang.projects.models import (
    LightThreshold,
    Milestone,
    MilestoneTemplate,
    MonthlyReport,
    ProjectProgramme,
    StageChange,
    YearPlan,
)
from taizhang.projects.tests.conftest import at
from taizhang.projects.tests.world import make_project_in

D = Decimal


def office(world):
    return world.users["supervisor"]


def reporter(world):
    return world.users["reporter_a"]


def save(world, project, month, ytd, actor=None, **values):
    return services.report_save(
        actor=actor or reporter(world), project=project, year=2026, month=month, ytd_investment=ytd, **values
    )


def approve(world, project, month, ytd, **values):
    report = save(world, project, month, ytd, **values).report
    services.report_transition(actor=reporter(world), report=report, action="submit")
    return services.report_transition(actor=office(world), report=report, action="approve")


def plan_of(project) -> YearPlan:
    return YearPlan.objects.live().get(project=project, year=2026)


def categories(world):
    return world.data["project_categories"]


# --- configuration -------------------------------------------------------------------------------------


def test_the_office_keeps_the_categories(world, audit):
    category = services.category_create(actor=office(world), code="ecology", name="生态项目", sort_order=3)
    assert (category.code, category.sort_order, category.is_active) == ("ecology", 3, True)
    changed = services.category_change(
        actor=office(world), category=category, values={"name": "生态环保项目", "is_active": False}
    )
    assert changed == ["name", "is_active"] and category.history.count() == 2
    assert services.category_change(actor=office(world), category=category, values={"name": "生态环保项目"}) == []
    with pytest.raises(ValidationFailed) as unknown:
        services.category_change(actor=office(world), category=category, values={"programme": 1})
    assert list(unknown.value.fields) == ["programme"]
    with pytest.raises(ValidationFailed) as twice:
        services.category_create(actor=office(world), code="ecology", name="另一个")
    assert "code" in twice.value.fields
    with pytest.raises(PermissionDenied):
        services.category_create(actor=reporter(world), code="x", name="填报员的类别")


def test_a_programme_comes_with_its_own_categories_in_order(world, audit):
    programme = services.programme_create(
        actor=office(world),
        code="rural",
        name="乡村振兴",
        description="三年行动",
        categories=[("housing", "农房改造"), ("water", "饮水安全")],
    )
    assert [(c.code, c.sort_order) for c in programme.categories.order_by("sort_order")] == [
        ("housing", 1),
        ("water", 2),
    ]
    changed = services.programme_change(
        actor=office(world), programme=programme, values={"name": "乡村振兴三年行动", "sort_order": 2}
    )
    assert changed == ["name", "sort_order"] and programme.history.count() == 2
    with pytest.raises(ValidationFailed) as unknown:
        services.programme_change(actor=office(world), programme=programme, values={"categories": []})
    assert list(unknown.value.fields) == ["categories"]
    with pytest.raises(Conflict):
        services.programme_change(actor=office(world), programme=programme, values={"name": "x"}, expected_version=1)
    extra = services.programme_category_create(actor=office(world), programme=programme, code="roads", name="道路")
    assert extra.programme == programme and programme.categories.count() == 3
    with pytest.raises(ValidationFailed):  # a code is unique within its programme
        services.programme_category_create(actor=office(world), programme=programme, code="roads", name="又是道路")
    with pytest.raises(PermissionDenied):
        services.programme_create(actor=reporter(world), code="mine", name="我的计划")


def test_thresholds_are_checked_and_voiding_them_restores_the_lights(world, project_a):
    approve(world, project_a, 6, "360")  # 20 points behind: yellow by the default thresholds
    with pytest.raises(ValidationFailed) as inverted:
        services.threshold_create(
            actor=office(world), effective_from=dt.date(2026, 7, 1), yellow_above=D(20), red_above=D(20)
        )
    assert "red_above" in inverted.value.fields
    strict = services.threshold_create(
        actor=office(world), effective_from=dt.date(2026, 7, 1), yellow_above=D(5), red_above=D(15), note="从严"
    )
    assert plan_of(project_a).light == Light.RED  # in force today: the light changes at once
    with pytest.raises(ValidationFailed):  # one set of thresholds per date
        services.threshold_create(actor=office(world), effective_from=dt.date(2026, 7, 1))
    services.threshold_void(actor=office(world), threshold=strict, reason="录入错误")
    assert strict.is_void and plan_of(project_a).light == Light.YELLOW
    with pytest.raises(PermissionDenied):
        services.threshold_create(actor=reporter(world), effective_from=dt.date(2026, 9, 1))
    assert LightThreshold.objects.live().count() == 0


def test_a_template_keeps_its_steps_in_order_and_needs_one(world, audit):
    template = services.template_create(
        actor=office(world), name="产业项目倒排", steps=[("立项", 180), ("施工许可", 60), ("开工", 0)]
    )
    assert [(s.name, s.days_before, s.sort_order) for s in template.steps.order_by("sort_order")] == [
        ("立项", 180, 1),
        ("施工许可", 60, 2),
        ("开工", 0, 3),
    ]
    with pytest.raises(ValidationFailed) as empty:
        services.template_create(actor=office(world), name="空模板", steps=[])
    assert "steps" in empty.value.fields
    assert not MilestoneTemplate.objects.filter(name="空模板").exists()


# --- projects ------------------------------------------------------------------------------------------


def test_a_project_is_created_with_its_units_programmes_and_first_stage(world, audit, in_july):
    programme = world.data["programme"]
    roads = programme.categories.get(code="roads")
    project = services.project_create(
        actor=office(world),
        name="滨河路改造",
        code="BH-1",
        category=categories(world)["infrastructure"],
        responsible_unit=world.unit_a,
        total_investment="12,500",
        cooperating_units=[world.unit_a, world.unit_b],  # the responsible unit does not cooperate with itself
        programmes=[(programme, roads)],
        stage=Stage.SIGNED,
        stage_since=dt.date(2026, 3, 1),
        leader=None,
    )
    assert project.total_investment == D("12500")
    assert list(project.cooperating_units.all()) == [world.unit_b]
    assert list(ProjectProgramme.objects.filter(project=project).values_list("programme", "category")) == [
        (programme.pk, roads.pk)
    ]
    assert list(project.stages.values_list("stage", "date")) == [(Stage.SIGNED, dt.date(2026, 3, 1))]
    with pytest.raises(ValidationFailed) as same_code:
        services.project_create(
            actor=office(world),
            name="另一个",
            code="BH-1",
            category=categories(world)["industrial"],
            responsible_unit=world.unit_b,
            total_investment=1,
        )
    assert "Another project already has this code." in str(same_code.value)
    without_stage_date = make_project_in(world, world.unit_b, "无日期")
    assert not without_stage_date.stages.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [("一千万", "is not a number"), ("-5", "cannot be negative"), (12.5, "Give an amount"), (None, "Give an amount")],
)
def test_a_project_needs_a_total_investment_that_is_an_amount(world, audit, amount, message):
    with pytest.raises(ValidationFailed) as refused:
        services.project_create(
            actor=office(world),
            name="坏数字",
            category=categories(world)["industrial"],
            responsible_unit=world.unit_a,
            total_investment=amount,
        )
    assert message in refused.value.fields["total_investment"][0]


def test_project_create_refuses_fields_it_does_not_know(world, audit):
    with pytest.raises(ValidationFailed) as refused:
        services.project_create(
            actor=office(world),
            name="多余字段",
            category=categories(world)["industrial"],
            responsible_unit=world.unit_a,
            total_investment=1,
            colour="red",
        )
    assert list(refused.value.fields) == ["colour"]


def test_project_change_sets_units_and_programmes_only_when_they_change(world, project_a):
    programme = world.data["programme"]
    roads, parks = programme.categories.get(code="roads"), programme.categories.get(code="parks")
    other = services.programme_create(actor=office(world), code="green", name="绿化", categories=[("trees", "植树")])
    change = services.project_change
    assert change(actor=office(world), project=project_a, values={"name": "甲项目（一期）", "owner": "甲公司"}) == [
        "name",
        "owner",
    ]
    assert change(actor=office(world), project=project_a, values={"cooperating_units": [world.unit_b]}) == [
        "cooperating_units"
    ]
    assert change(actor=office(world), project=project_a, values={"cooperating_units": [world.unit_b]}) == []
    assert change(
        actor=office(world), project=project_a, values={"programmes": [(programme, roads), (other, None)]}
    ) == ["programmes"]
    assert (
        change(actor=office(world), project=project_a, values={"programmes": [(programme, roads), (other, None)]}) == []
    )
    trees = other.categories.get()
    both = [(programme, roads), (other, trees)]
    assert change(actor=office(world), project=project_a, values={"programmes": both}) == ["programmes"]
    assert ProjectProgramme.objects.get(project=project_a, programme=other).category == trees
    assert change(actor=office(world), project=project_a, values={"programmes": [(programme, parks)]}) == ["programmes"]
    assert list(ProjectProgramme.objects.filter(project=project_a).values_list("programme", "category")) == [
        (programme.pk, parks.pk)
    ]
    with pytest.raises(ValidationFailed) as wrong:
        change(actor=office(world), project=project_a, values={"programmes": [(other, roads)]})
    assert "category" in wrong.value.fields
    assert change(actor=office(world), project=project_a, values={"total_investment": "20,000.5"}) == [
        "total_investment"
    ]
    project_a.refresh_from_db()
    assert project_a.total_investment == D("20000.5") and project_a.name == "甲项目（一期）"


def test_project_change_refuses_the_stage_and_bad_amounts(world, project_a):
    for values in ({"stage": Stage.COMPLETED}, {"stage_since": dt.date(2026, 7, 1)}):
        with pytest.raises(ValidationFailed) as refused:
            services.project_change(actor=office(world), project=project_a, values=values)
        assert list(refused.value.fields) == list(values)
    with pytest.raises(ValidationFailed) as negative:
        services.project_change(actor=office(world), project=project_a, values={"total_investment": "-1"})
    assert "cannot be negative" in negative.value.fields["total_investment"][0]
    with pytest.raises(PermissionDenied):
        services.project_change(actor=reporter(world), project=project_a, values={"name": "改名"})
    project_a.refresh_from_db()
    assert project_a.total_investment == D(10000)


def test_the_start_cannot_move_past_a_milestone(world, project_a):
    services.milestone_create(actor=office(world), project=project_a, name="土地摘牌", planned_on=dt.date(2026, 3, 1))
    with pytest.raises(ValidationFailed) as planned:
        services.project_change(actor=office(world), project=project_a, values={"planned_start": dt.date(2026, 4, 1)})
    assert "“土地摘牌” (2026-03-01) would lie before the start 2026-04-01" in planned.value.fields["planned_start"][0]
    project_a.refresh_from_db()
    assert project_a.planned_start == dt.date(2026, 1, 10)  # nothing kept
    # A late actual start keeps the plan: milestones are planned from the planned start, so they stay valid.
    assert services.project_change(
        actor=office(world), project=project_a, values={"actual_start": dt.date(2026, 5, 1)}
    ) == ["actual_start"]
    moved = services.project_change(
        actor=office(world), project=project_a, values={"planned_start": dt.date(2026, 2, 1)}
    )
    assert moved == ["planned_start"]
    # With no planned start the actual one counts: dropping the plan would leave the milestone before it.
    with pytest.raises(ValidationFailed) as actual:
        services.project_change(actor=office(world), project=project_a, values={"planned_start": None})
    assert "actual_start" in actual.value.fields


def test_voiding_a_project_voids_its_plans(world, project_a):
    services.project_void(actor=office(world), project=project_a, reason="项目取消")
    assert project_a.is_void and not project_a.plans.live().exists()
    assert project_a.plans.get().void_reason == "项目取消"
    with pytest.raises(ValidationFailed) as no_reason:
        services.project_void(actor=office(world), project=make_project_in(world, world.unit_b, "乙"), reason=" ")
    assert "reason" in no_reason.value.fields


def test_a_stage_change_is_dated_and_fills_the_actual_dates(world, project_a):
    project = make_project_in(world, world.unit_a, "签约", stage=Stage.SIGNED, planned_start=None)
    with pytest.raises(ValidationFailed) as unknown:
        services.project_stage(actor=office(world), project=project, stage="flying", date=dt.date(2026, 5, 1))
    assert "flying" in unknown.value.fields["stage"][0]
    with pytest.raises(ValidationFailed) as future:
        services.project_stage(actor=office(world), project=project, stage=Stage.STARTED, date=dt.date(2026, 7, 4))
    assert "future" in future.value.fields["date"][0]
    change = services.project_stage(
        actor=office(world), project=project, stage=Stage.STARTED, date=dt.date(2026, 5, 1), note="集中开工"
    )
    project.refresh_from_db()
    assert (change.stage, change.note) == (Stage.STARTED, "集中开工")
    may_first = dt.date(2026, 5, 1)
    assert (project.stage, project.stage_since, project.actual_start) == (Stage.STARTED, may_first, may_first)
    assert project.actual_completion is None
    with pytest.raises(ValidationFailed) as earlier:
        services.project_stage(actor=office(world), project=project, stage=Stage.COMPLETED, date=dt.date(2026, 4, 1))
    assert "2026-05-01" in earlier.value.fields["date"][0]
    services.project_stage(actor=office(world), project=project, stage=Stage.COMPLETED, date=dt.date(2026, 7, 3))
    project.refresh_from_db()
    assert (project.actual_start, project.actual_completion) == (dt.date(2026, 5, 1), dt.date(2026, 7, 3))
    services.project_stage(actor=office(world), project=project, stage=Stage.IN_OPERATION, date=dt.date(2026, 7, 3))
    project.refresh_from_db()
    assert project.stage == Stage.IN_OPERATION and project.actual_completion == dt.date(2026, 7, 3)
    assert project.stages.count() == 3
    with pytest.raises(PermissionDenied):
        services.project_stage(actor=reporter(world), project=project, stage=Stage.STARTED, date=dt.date(2026, 7, 3))


def test_approval_procedures_are_recorded_and_an_obtained_one_needs_its_date(world, project_a):
    procedure = services.procedure_create(
        actor=office(world), project=project_a, name="施工许可", status="in_progress", permit_number=""
    )
    with pytest.raises(ValidationFailed) as undated:
        services.procedure_change(actor=office(world), procedure=procedure, values={"status": "obtained"})
    assert "date" in undated.value.fields
    procedure.refresh_from_db()  # a refused change leaves the instance as it tried it; the row is unchanged
    assert (procedure.status, procedure.version) == ("in_progress", 1)
    changed = services.procedure_change(
        actor=office(world),
        procedure=procedure,
        values={"status": "obtained", "date": dt.date(2026, 6, 1), "permit_number": "410102202606010101"},
        expected_version=procedure.version,
    )
    assert changed == ["status", "date", "permit_number"]
    with pytest.raises(ValidationFailed):
        services.procedure_create(actor=office(world), project=project_a, name="用地", colour="red")
    with pytest.raises(PermissionDenied):
        services.procedure_create(actor=reporter(world), project=project_a, name="环评")


def test_a_procedure_is_voided_with_a_reason_and_a_voided_projects_stay_as_they_were(world, project_a):
    sup = office(world)
    wrong, kept = (services.procedure_create(actor=sup, project=project_a, name=n) for n in ("错录", "立项"))
    with pytest.raises(PermissionDenied):
        services.procedure_void(actor=reporter(world), procedure=wrong, reason="录错")
    with pytest.raises(ValidationFailed) as no_reason:
        services.procedure_void(actor=sup, procedure=wrong, reason=" ")
    assert "reason" in no_reason.value.fields
    assert services.procedure_void(actor=sup, procedure=wrong, reason="录错").void_reason == "录错"
    assert list(project_a.procedures.live()) == [kept]
    services.project_void(actor=sup, project=project_a, reason="项目取消")
    for attempt in (
        lambda: services.procedure_create(actor=sup, project=project_a, name="用地"),
        lambda: services.procedure_change(actor=sup, procedure=kept, values={"permit_number": "1"}),
        lambda: services.procedure_void(actor=sup, procedure=kept, reason="r"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            attempt()
        assert refused.value.fields["project"] == ["The project is voided; its records no longer change."]
    kept.refresh_from_db()
    assert (kept.permit_number, kept.is_void) == ("", False)


# --- year plans ----------------------------------------------------------------------------------------


def test_plans_are_created_changed_and_voided(world, project_a):
    with pytest.raises(ValidationFailed) as twice:
        services.plan_create(actor=office(world), project=project_a, year=2026, planned_investment=100)
    assert "This project already has a plan for this year." in str(twice.value)
    with pytest.raises(ValidationFailed) as bad:
        services.plan_create(
            actor=office(world), project=project_a, year=2027, planned_investment="x", completed_before="-1"
        )
    assert set(bad.value.fields) == {"planned_investment", "completed_before"}
    next_year = services.plan_create(
        actor=office(world), project=project_a, year=2027, planned_investment="3,000", completed_before="1500"
    )
    assert (next_year.planned_investment, next_year.completed_before) == (D(3000), D(1500))
    assert next_year.light == Light.NONE and "no monthly report" in next_year.light_reason
    assert services.plan_change(actor=office(world), plan=next_year, values={"progress_goal": "主体完工"}) == [
        "progress_goal"
    ]
    with pytest.raises(ValidationFailed) as negative:
        services.plan_change(actor=office(world), plan=next_year, values={"completed_before": -3})
    assert "completed_before" in negative.value.fields
    services.plan_void(actor=office(world), plan=next_year, reason="计划调整")
    assert next_year.is_void
    with pytest.raises(PermissionDenied):
        services.plan_change(actor=reporter(world), plan=plan_of(project_a), values={"planned_investment": 1})


def test_changing_the_planned_investment_refreshes_the_light(world, project_a):
    approve(world, project_a, 6, "360")  # 30% of 1,200: yellow
    plan = plan_of(project_a)
    assert plan.light == Light.YELLOW
    changed = services.plan_change(
        actor=office(world), plan=plan, values={"planned_investment": "800"}, expected_version=plan.version
    )
    assert changed == ["planned_investment"]
    plan.refresh_from_db()
    assert plan.light == Light.GREEN and "45.0%" in plan.light_reason  # 360 of 800
    services.plan_change(actor=office(world), plan=plan, values={"planned_investment": 0})
    plan.refresh_from_db()
    assert plan.light == Light.NONE and "no planned investment" in plan.light_reason


def test_refreshing_an_unchanged_plan_writes_nothing(world, project_a):
    plan = plan_of(project_a)
    version, rows = plan.version, plan.history.count()
    assert services.refresh_plan(plan) is False
    assert plan.history.count() == rows and plan.version == version


# --- monthly reports -----------------------------------------------------------------------------------


def test_report_save_creates_then_updates_the_working_report(world, project_a):
    first = save(world, project_a, 6, "300", progress="基础施工", problems=["征地未完成", " ", "资金未到位"])
    assert first.created and first.warnings == [] and first.report.status == ReportStatus.DRAFT
    report = first.report
    assert (report.plan, report.ytd_investment, report.progress) == (plan_of(project_a), D(300), "基础施工")
    assert sorted(report.problems.live().values_list("text", flat=True)) == ["征地未完成", "资金未到位"]
    kept = report.problems.get(text="资金未到位")
    second = save(world, project_a, 6, "10,200", problems=["资金未到位", "管线迁改", "管线迁改"])
    assert not second.created and second.report.pk == report.pk
    assert second.warnings == [
        "Completed before this year plus this year's figure (10200 万元) is above the total investment (10000 万元)."
    ]
    assert sorted(report.problems.live().values_list("text", flat=True)) == ["管线迁改", "资金未到位"]
    assert report.problems.live().get(text="资金未到位").pk == kept.pk  # an unchanged problem is the same record
    assert report.problems.voided().get().void_reason == "Removed from the report"
    save(world, project_a, 6, "400", progress="")  # problems not given: left as they are
    report.refresh_from_db()
    assert report.ytd_investment == D(400) and report.progress == "" and report.problems.live().count() == 2
    assert plan_of(project_a).ytd_investment == D(0)  # a draft does not count


def test_a_report_needs_a_plan_for_its_year_and_a_month_of_the_year(world, project_a):
    with pytest.raises(ValidationFailed) as no_plan:
        services.report_save(actor=reporter(world), project=project_a, year=2025, month=6, ytd_investment=1)
    assert "no plan for 2025" in no_plan.value.fields["year"][0]
    for month in (0, 13):
        with pytest.raises(ValidationFailed) as out_of_range:
            save(world, project_a, month, "1")
        assert out_of_range.value.fields["month"] == ["The month must be 1 to 12."]
    assert not MonthlyReport.objects.exists()


def test_a_report_under_review_or_frozen_cannot_be_saved(world, project_a):
    report = save(world, project_a, 6, "300").report
    services.report_transition(actor=reporter(world), report=report, action="submit")
    with pytest.raises(ValidationFailed) as under_review:
        save(world, project_a, 6, "320")
    assert "2026-06 is under review" in under_review.value.fields["ytd_investment"][0]
    services.report_transition(actor=office(world), report=report, action="approve")
    report.refresh_from_db()
    with pytest.raises(ValidationFailed) as frozen:
        save(world, project_a, 6, "320", expected_version=report.version)
    assert "2026-06 is approved and frozen" in frozen.value.fields["ytd_investment"][0]
    with pytest.raises(Conflict):  # someone approved it since the page was opened
        save(world, project_a, 6, "320", expected_version=report.version - 1)


def test_expected_version_on_a_new_report_means_someone_created_it_meanwhile(world, project_a):
    with pytest.raises(Conflict):
        save(world, project_a, 6, "300", expected_version=2)
    assert not MonthlyReport.objects.exists()
    assert save(world, project_a, 6, "300", expected_version=0).created


def test_a_correction_reason_given_once_is_kept_for_later_saves(world, project_a):
    approve(world, project_a, 5, "300")
    with pytest.raises(ValidationFailed):
        save(world, project_a, 6, "250")
    report = save(world, project_a, 6, "250", correction_reason="5月多报50万元").report
    assert report.correction_reason == "5月多报50万元"
    save(world, project_a, 6, "260")  # no reason given this time: the stored one still applies
    report.refresh_from_db()
    assert (report.ytd_investment, report.correction_reason) == (D(260), "5月多报50万元")
    with pytest.raises(ValidationFailed):  # clearing the reason brings the check back
        save(world, project_a, 6, "260", correction_reason="")
    save(world, project_a, 6, "270", correction_reason="5月多报30万元")
    report.refresh_from_db()
    assert (report.ytd_investment, report.correction_reason) == (D(270), "5月多报30万元")


def test_previous_ytd_prefers_last_months_approved_figure(world, project_a):
    assert services.previous_ytd(project_a, 2026, 1) is None
    assert services.previous_ytd(project_a, 2026, 6) is None
    may = approve(world, project_a, 5, "300")
    correction = services.report_transition(actor=reporter(world), report=may, action="correct", reason="补报")
    save(world, project_a, 5, "350")
    assert services.previous_ytd(project_a, 2026, 6) == D(300)  # the correction is not approved yet
    void(may, actor=office(world), reason="测试")
    assert services.previous_ytd(project_a, 2026, 6) == D(350)
    assert correction.is_latest


def test_submit_checks_the_figures_again(world, project_a):
    june = save(world, project_a, 6, "300").report
    save(world, project_a, 5, "400")  # May entered later, higher than June
    with pytest.raises(ValidationFailed) as falling:
        services.report_transition(actor=reporter(world), report=june, action="submit")
    assert "lower than last month's 400" in falling.value.fields["ytd_investment"][0]
    june.refresh_from_db()
    assert june.status == ReportStatus.DRAFT and not june.events.exists()


def test_returning_needs_a_reason_and_resubmitting_clears_it(world, project_a):
    report = save(world, project_a, 6, "300").report
    services.report_transition(actor=reporter(world), report=report, action="submit")
    report = services.report_transition(actor=office(world), report=report, action="return", reason="  附件不全 ")
    assert (report.status, report.return_reason, report.reviewed_by) == (
        ReportStatus.RETURNED,
        "附件不全",
        office(world),
    )
    report = services.report_transition(actor=reporter(world), report=report, action="submit")
    assert report.status == ReportStatus.SUBMITTED and report.return_reason == ""
    events = list(report.events.values_list("action", "from_status", "to_status", "reason", "actor"))
    assert events == [
        ("submit", "draft", "submitted", "", reporter(world).pk),
        ("return", "submitted", "returned", "附件不全", office(world).pk),
        ("submit", "returned", "submitted", "", reporter(world).pk),
    ]


def test_approving_records_the_months_light_and_makes_the_figure_effective(world, project_a):
    report = approve(world, project_a, 6, "480")
    assert (report.status, report.is_effective, report.reviewed_by) == (ReportStatus.APPROVED, True, office(world))
    assert report.light == Light.GREEN and "40.0%" in report.light_reason
    plan = plan_of(project_a)
    assert (plan.reported_month, plan.ytd_investment, plan.light) == (6, D(480), Light.GREEN)
    correction = services.report_transition(actor=reporter(world), report=report, action="correct", reason="漏报")
    assert correction.problems.count() == report.problems.count()
    services.report_transition(actor=reporter(world), report=correction, action="submit")
    services.report_transition(actor=office(world), report=correction, action="approve")
    report.refresh_from_db()
    correction.refresh_from_db()
    assert not report.is_effective and correction.is_effective
    last = report.history.order_by("-history_id").first()  # the earlier revision's demotion is audited
    assert (last.is_effective, last.history_user) == (False, office(world))
    assert MonthlyReport.objects.filter(project=project_a, month=6, is_effective=True).get() == correction


def test_the_problems_of_an_approved_month_follow_its_correction(world, project_a):
    report = approve(world, project_a, 6, "300", problems=["征地未完成"])
    issue = issue_services.issue_register(
        actor=world.admin,
        category=world.data["categories"]["dump"],
        source=world.data["sources"]["hotline"],
        title="征地未完成",
        responsible_unit=world.unit_a,
        override_reason="项目问题转问题台账",
    )
    problem = report.problems.get()
    services.problem_link_issue(actor=office(world), problem=problem, issue=issue)
    assert problem.issue == issue
    with pytest.raises(PermissionDenied):
        services.problem_link_issue(actor=reporter(world), problem=problem, issue=issue)
    correction = services.report_transition(actor=reporter(world), report=report, action="correct", reason="补充")
    assert list(correction.problems.values_list("text", "issue")) == [("征地未完成", issue.pk)]


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        ("approve", ReportStatus.DRAFT, "Not from the state Draft."),
        ("return", ReportStatus.DRAFT, "Not from the state Draft."),
        ("correct", ReportStatus.SUBMITTED, "Not from the state Submitted."),
        ("submit", ReportStatus.APPROVED, "Not from the state Approved."),
    ],
)
def test_an_action_from_the_wrong_state_is_refused_and_lists_what_is_allowed(world, project_a, action, status, message):
    report = save(world, project_a, 6, "300").report
    if status != ReportStatus.DRAFT:
        services.report_transition(actor=reporter(world), report=report, action="submit")
    if status == ReportStatus.APPROVED:
        services.report_transition(actor=office(world), report=report, action="approve")
    with pytest.raises(TransitionNotAllowed) as refused:
        services.report_transition(actor=office(world), report=report, action=action, reason="原因")
    assert message in str(refused.value)
    report.refresh_from_db()
    assert refused.value.fields["allowed"] == [t.action for t in workflow.allowed(report, office(world))]


def test_a_superseded_revision_and_a_voided_report_take_no_action(world, project_a):
    report = approve(world, project_a, 6, "300")
    services.report_transition(actor=reporter(world), report=report, action="correct", reason="补报")
    with pytest.raises(TransitionNotAllowed) as superseded:
        services.report_transition(actor=reporter(world), report=report, action="correct", reason="再补")
    assert "A later revision of this month exists." in str(superseded.value)
    assert superseded.value.fields["allowed"] == []
    may = save(world, project_a, 5, "200").report
    void(may, actor=office(world), reason="重复")
    with pytest.raises(TransitionNotAllowed) as voided:
        services.report_transition(actor=reporter(world), report=may, action="submit")
    assert "The report is voided." in str(voided.value) and "Allowed now for you: none." in str(voided.value)


def test_a_stale_version_or_another_units_reporter_cannot_move_a_report(world, project_a):
    report = save(world, project_a, 6, "300").report
    seen = report.version
    save(world, project_a, 6, "310")
    with pytest.raises(Conflict):
        services.report_transition(actor=reporter(world), report=report, action="submit", expected_version=seen)
    with pytest.raises(TransitionNotAllowed) as outsider:
        services.report_transition(actor=world.users["reporter_b"], report=report, action="submit")
    assert "Needs one of these roles" in str(outsider.value)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


# --- photos --------------------------------------------------------------------------------------------


def test_a_site_photo_keeps_its_exif_time_and_position(world, project_a):
    report = save(world, project_a, 6, "300").report
    taken = at(2026, 6, 28, 15)
    added = services.photo_add(
        actor=reporter(world),
        report=report,
        upload=photo("工地.jpg", taken_at=taken, longitude=113.6253, latitude=34.7466),
        caption="主体施工",
    )
    added.refresh_from_db()
    assert added.taken_at == taken and (added.width, added.height) == (320, 240)
    assert (round(float(added.longitude), 4), round(float(added.latitude), 4)) == (113.6253, 34.7466)
    assert (added.original_name, added.caption, added.uploaded_by) == ("工地.jpg", "主体施工", reporter(world))
    assert added.file.name.startswith("projects/2026/06/") and added.file.name.endswith(".jpg")
    services.photo_void(actor=reporter(world), photo=added, reason="拍错了")
    assert added.is_void and not report.photos.live().exists()


def test_photos_change_only_while_the_report_is_a_draft_or_returned(world, project_a):
    report = save(world, project_a, 6, "300").report
    kept = services.photo_add(actor=reporter(world), report=report, upload=photo("a.jpg"))
    services.report_transition(actor=reporter(world), report=report, action="submit")
    with pytest.raises(ValidationFailed) as under_review:
        services.photo_add(actor=reporter(world), report=report, upload=photo("b.jpg"))
    assert under_review.value.fields["photo"] == [
        "The report for 2026-06 is under review; wait for the office's decision."
    ]
    report = services.report_transition(actor=office(world), report=report, action="return", reason="补照片")
    returned = services.photo_add(actor=reporter(world), report=report, upload=photo("b.jpg"))
    services.report_transition(actor=reporter(world), report=report, action="submit")
    services.report_transition(actor=office(world), report=report, action="approve")
    frozen = "The report for 2026-06 is approved and frozen; open a correction to add or withdraw photos."
    with pytest.raises(ValidationFailed) as approved:
        services.photo_add(actor=reporter(world), report=report, upload=photo("c.jpg"))
    assert approved.value.fields["photo"] == [frozen]
    with pytest.raises(ValidationFailed) as withdrawn:
        services.photo_void(actor=office(world), photo=kept, reason="拍错了")
    assert withdrawn.value.fields["photo"] == [frozen]
    assert set(report.photos.live()) == {kept, returned}  # nothing changed on the approved month
    correction = services.report_transition(actor=reporter(world), report=report, action="correct", reason="补报")
    added = services.photo_add(actor=reporter(world), report=correction, upload=photo("c.jpg"))
    assert added.report == correction and correction.photos.live().count() == 1


def test_a_file_that_is_not_an_image_is_refused_naming_the_field(world, project_a):
    report = save(world, project_a, 6, "300").report
    with pytest.raises(ValidationFailed) as refused:
        services.photo_add(
            actor=reporter(world), report=report, upload=SimpleUploadedFile("进度.pdf", b"%PDF-1.4 not a photo")
        )
    assert "进度.pdf is not an image" in refused.value.fields["photo"][0]
    assert not report.photos.exists()
    with pytest.raises(PermissionDenied):
        services.photo_add(actor=world.users["reporter_b"], report=report, upload=photo())


# --- milestones ----------------------------------------------------------------------------------------


def test_milestones_are_planned_changed_and_voided(world, project_a):
    milestone = services.milestone_create(
        actor=reporter(world), project=project_a, name="主体封顶", planned_on=dt.date(2026, 9, 30), sort_order=2
    )
    assert milestone.sort_order == 2 and plan_of(project_a).light == Light.NONE
    assert services.milestone_change(actor=reporter(world), milestone=milestone, values={"note": "关键节点"}) == [
        "note"
    ]
    with pytest.raises(ValidationFailed) as future:
        services.milestone_change(actor=reporter(world), milestone=milestone, values={"done_on": dt.date(2026, 7, 4)})
    assert "done_on" in future.value.fields
    with pytest.raises(ValidationFailed) as unknown:
        services.milestone_change(actor=reporter(world), milestone=milestone, values={"project": 1})
    assert "project" in unknown.value.fields
    done = services.milestone_change(
        actor=reporter(world), milestone=milestone, values={"done_on": dt.date(2026, 7, 3)}, expected_version=2
    )
    assert done == ["done_on"]
    services.milestone_void(actor=reporter(world), milestone=milestone, reason="节点取消")
    assert milestone.is_void
    with pytest.raises(PermissionDenied):
        services.milestone_create(
            actor=world.users["reporter_b"], project=project_a, name="越权", planned_on=dt.date(2026, 9, 30)
        )


def test_a_milestone_done_in_the_future_is_refused_when_planned_too(world, project_a):
    with pytest.raises(ValidationFailed) as future:
        services.milestone_create(
            actor=reporter(world),
            project=project_a,
            name="竣工验收",
            planned_on=dt.date(2026, 7, 1),
            done_on=dt.date(2026, 7, 10),
        )
    assert "done_on" in future.value.fields
    assert not Milestone.objects.exists()


def test_an_overdue_milestone_turns_the_light_red_until_it_is_done(world, project_a):
    approve(world, project_a, 6, "600")  # on time: green
    assert plan_of(project_a).light == Light.GREEN
    milestone = services.milestone_create(
        actor=reporter(world), project=project_a, name="取得施工许可", planned_on=dt.date(2026, 7, 10)
    )
    assert plan_of(project_a).light == Light.GREEN  # not due yet
    with clock.travel(at(2026, 7, 11)):
        assert services.lights_refresh(actor=None) == 1
        plan = plan_of(project_a)
        assert plan.light == Light.RED and "“取得施工许可” was due on 2026-07-10" in plan.light_reason
        services.milestone_change(actor=reporter(world), milestone=milestone, values={"done_on": dt.date(2026, 7, 11)})
        assert plan_of(project_a).light == Light.GREEN
        services.milestone_change(actor=reporter(world), milestone=milestone, values={"done_on": None})
        assert plan_of(project_a).light == Light.RED
        services.milestone_void(actor=reporter(world), milestone=milestone, reason="节点取消")
        assert plan_of(project_a).light == Light.GREEN
        late = services.milestone_create(
            actor=reporter(world), project=project_a, name="补录节点", planned_on=dt.date(2026, 7, 1)
        )
        assert plan_of(project_a).light == Light.RED
        services.milestone_change(actor=reporter(world), milestone=late, values={"planned_on": dt.date(2026, 8, 1)})
        assert plan_of(project_a).light == Light.GREEN


def test_reverse_scheduling_places_every_step_back_from_the_target(world, project_a):
    template = services.template_create(
        actor=office(world), name="续建项目", steps=[("施工许可", 60), ("开工", 0), ("设备招标", 30)]
    )
    made = services.schedule_backwards(
        actor=reporter(world), project=project_a, template=template, target=dt.date(2026, 9, 30)
    )
    assert [(m.name, m.planned_on, m.sort_order) for m in made] == [
        ("施工许可", dt.date(2026, 8, 1), 1),
        ("设备招标", dt.date(2026, 8, 31), 3),
        ("开工", dt.date(2026, 9, 30), 2),
    ]
    assert all(m.note == "From template 续建项目" for m in made)
    assert project_a.milestones.live().count() == 3


def test_reverse_scheduling_before_the_start_creates_nothing_and_names_the_step(world, project_a):
    template = services.template_create(
        actor=office(world), name="新开工项目", steps=[("立项", 120), ("施工许可", 60), ("开工", 0)]
    )
    with pytest.raises(ValidationFailed) as early:
        services.schedule_backwards(
            actor=reporter(world), project=project_a, template=template, target=dt.date(2026, 3, 31)
        )
    message = early.value.fields["target"][0]
    assert "“立项” would fall on 2025-12-01" in message and "(2026-01-10)" in message
    assert "choose a target on or after 2026-05-10" in message  # 2026-01-10 + 120 days
    assert not project_a.milestones.exists()
    assert (
        len(
            services.schedule_backwards(
                actor=reporter(world), project=project_a, template=template, target=dt.date(2026, 5, 10)
            )
        )
        == 3
    )


def test_reverse_scheduling_without_a_start_or_without_steps(world, project_a):
    template = services.template_create(actor=office(world), name="前期项目", steps=[("签约", 400)])
    unstarted = make_project_in(world, world.unit_a, "前期", planned_start=None, stage=Stage.NEGOTIATING)
    made = services.schedule_backwards(
        actor=office(world), project=unstarted, template=template, target=dt.date(2026, 12, 31)
    )
    assert [m.planned_on for m in made] == [dt.date(2025, 11, 26)]
    void(template.steps.get(), actor=office(world), reason="步骤作废")
    with pytest.raises(ValidationFailed) as empty:
        services.schedule_backwards(
            actor=office(world), project=project_a, template=template, target=dt.date(2026, 12, 31)
        )
    assert empty.value.fields["template"] == ["The template has no steps."]


# --- campaigns -----------------------------------------------------------------------------------------


def test_campaigns_gather_projects_and_are_voided_with_a_reason(world, project_a, project_b):
    campaign = services.campaign_create(
        actor=office(world),
        name="第三季度集中开工",
        kind="starting",
        date=dt.date(2026, 7, 1),
        projects=[project_a],
        place="高新区",
    )
    assert list(campaign.projects.all()) == [project_a] and campaign.place == "高新区"
    changed = services.campaign_change(
        actor=office(world), campaign=campaign, values={"name": "三季度集中开工", "projects": [project_a, project_b]}
    )
    assert changed == ["name", "projects"] and campaign.projects.count() == 2
    assert (
        services.campaign_change(actor=office(world), campaign=campaign, values={"projects": [project_b, project_a]})
        == []
    )
    assert services.campaign_change(actor=office(world), campaign=campaign, values={"description": "两个项目"}) == [
        "description"
    ]
    with pytest.raises(ValidationFailed) as kind:
        services.campaign_create(actor=office(world), name="坏类型", kind="party", date=dt.date(2026, 7, 1))
    assert "kind" in kind.value.fields
    services.campaign_void(actor=office(world), campaign=campaign, reason="活动取消")
    assert campaign.is_void and campaign.void_reason == "活动取消"
    with pytest.raises(PermissionDenied):
        services.campaign_create(actor=reporter(world), name="越权", kind="signing", date=dt.date(2026, 7, 1))


# --- lights as a job -----------------------------------------------------------------------------------


def test_lights_refresh_runs_as_a_job_or_for_the_office_only(world, project_a):
    approve(world, project_a, 6, "600")
    services.milestone_create(actor=reporter(world), project=project_a, name="开工", planned_on=dt.date(2026, 7, 5))
    with clock.travel(at(2026, 7, 6)), audit_context(None, Source.JOB):
        assert services.lights_refresh(actor=None, year=2026) == 1
        assert services.lights_refresh(actor=None) == 0
        with pytest.raises(PermissionDenied):
            services.lights_refresh(actor=reporter(world))
        assert services.lights_refresh(actor=office(world)) == 0
    row = plan_of(project_a).history.first()
    assert row.history_user is None and row.history_source == Source.JOB


def test_lights_of_a_past_year_are_judged_on_its_last_day(world, project_a):
    old = make_project_in(world, world.unit_a, "旧", year=2025)
    old_plan = YearPlan.objects.get(project=old, year=2025)
    services.milestone_create(actor=office(world), project=old, name="竣工", planned_on=dt.date(2026, 3, 1))
    old_plan.refresh_from_db()
    assert services.plan_as_of(old_plan) == dt.date(2025, 12, 31)
    assert old_plan.light == Light.NONE  # the milestone was not yet due at the end of 2025
    assert services.lights_refresh(actor=None, year=2025) == 0
    assert services.plan_as_of(plan_of(project_a)) == dt.date(2026, 7, 3)


def test_the_report_due_day_is_a_setting(settings):
    assert services.due_day() == 5
    settings.TAIZHANG = {**settings.TAIZHANG, "PROJECT_REPORT_DUE_DAY": "10"}
    assert services.due_day() == 10


# --- audit ---------------------------------------------------------------------------------------------


def test_every_service_leaves_a_history_row_with_the_acting_user(world, audit, in_july, head_a):
    """Each audited service, called once, writes history attributed to the user who acted and the source."""
    sup, rep = office(world), reporter(world)
    other = make_project_in(world, world.unit_b, "审计乙")
    issue = issue_services.issue_register(
        actor=world.admin,
        category=world.data["categories"]["dump"],
        source=world.data["sources"]["hotline"],
        title="审计问题",
        responsible_unit=world.unit_a,
        override_reason="审计",
    )
    with history_probe() as rows, audit_context(sup, Source.API):
        category = services.category_create(actor=sup, code="audit", name="审计类别")
        services.category_change(actor=sup, category=category, values={"name": "审计类别二"})
        programme = services.programme_create(actor=sup, code="audit", name="审计计划")
        services.programme_change(actor=sup, programme=programme, values={"description": "说明"})
        services.programme_category_create(actor=sup, programme=programme, code="c", name="类别")
        threshold = services.threshold_create(actor=sup, effective_from=dt.date(2026, 7, 1), yellow_above=D(5))
        template = services.template_create(actor=sup, name="审计模板", steps=[("开工", 0)])
        project = services.project_create(
            actor=sup,
            name="审计项目",
            category=category,
            responsible_unit=world.unit_a,
            total_investment=1000,
            planned_start=dt.date(2026, 1, 1),
        )
        services.project_change(actor=sup, project=project, values={"owner": "业主"})
        services.project_stage(actor=sup, project=project, stage=Stage.STARTED, date=dt.date(2026, 2, 1))
        procedure = services.procedure_create(actor=sup, project=project, name="立项")
        services.procedure_change(actor=sup, procedure=procedure, values={"permit_number": "1"})
        services.procedure_void(
            actor=sup, procedure=services.procedure_create(actor=sup, project=project, name="错录"), reason="r"
        )
        plan = services.plan_create(actor=sup, project=project, year=2026, planned_investment=600)
        services.plan_change(actor=sup, plan=plan, values={"progress_goal": "完工"})
        report = services.report_save(
            actor=rep, project=project, year=2026, month=6, ytd_investment=300, problems=["问题"]
        ).report
        services.photo_void(
            actor=head_a, photo=services.photo_add(actor=head_a, report=report, upload=photo()), reason="r"
        )
        services.report_transition(actor=rep, report=report, action="submit")
        services.report_transition(actor=sup, report=report, action="approve")
        services.problem_link_issue(actor=sup, problem=report.problems.get(), issue=issue)
        milestone = services.milestone_create(actor=rep, project=project, name="节点", planned_on=dt.date(2026, 7, 4))
        services.milestone_change(actor=rep, milestone=milestone, values={"note": "n"})
        services.milestone_void(actor=rep, milestone=milestone, reason="r")
        services.schedule_backwards(actor=rep, project=project, template=template, target=dt.date(2026, 7, 4))
        campaign = services.campaign_create(actor=sup, name="审计活动", kind="signing", date=dt.date(2026, 7, 1))
        services.campaign_change(actor=sup, campaign=campaign, values={"place": "区政府"})
        services.campaign_void(actor=sup, campaign=campaign, reason="r")
        services.threshold_void(actor=sup, threshold=threshold, reason="r")
        with clock.travel(at(2026, 7, 5)):
            services.lights_refresh(actor=sup)  # the scheduled milestone is now overdue
        services.plan_void(
            actor=sup, plan=services.plan_create(actor=sup, project=other, year=2027, planned_investment=1), reason="r"
        )
        services.project_void(actor=sup, project=other, reason="r")
    by_service: dict[str, set[int | None]] = {}
    for row in rows:
        by_service.setdefault(row.service, set()).add(row.user_id)
    missing = set(services_of(services)) - set(by_service)
    assert not missing, f"services that wrote no history: {missing}"
    assert {row.source for row in rows} == {Source.API}
    name = "taizhang.projects.services."
    assert by_service[name + "report_save"] == {rep.pk}
    assert by_service[name + "photo_add"] == {head_a.pk}
    assert by_service[name + "milestone_create"] == {rep.pk}
    assert by_service[name + "report_transition"] == {rep.pk, sup.pk}  # submitted by one, approved by the other
    assert by_service[name + "lights_refresh"] == {sup.pk}
    assert StageChange.objects.filter(project=project).count() == 1


def test_a_project_may_drop_its_start_date_when_it_has_no_other(world, project_a):
    assert services.project_change(actor=office(world), project=project_a, values={"planned_start": None}) == [
        "planned_start"
    ]
    project_a.refresh_from_db()
    assert project_a.start_date is None
