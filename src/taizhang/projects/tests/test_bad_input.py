"""The issue's bad-input list, at the service level: each refusal names the field, and nothing is written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from taizhang.core.errors import Conflict, NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from taizhang.issues.sample_photos import photo
from taizhang.projects import selectors, services
from taizhang.projects.models import Milestone, MonthlyReport, YearPlan

D = Decimal


def save(world, project, month, ytd, actor=None, **values):
    return services.report_save(
        actor=actor or world.users["reporter_a"], project=project, year=2026, month=month, ytd_investment=ytd, **values
    )


def refused(call, *args, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)
    return caught.value.fields


# --- amounts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-0.5", "An amount cannot be negative."),
        (-1, "An amount cannot be negative."),
        (D("-300"), "An amount cannot be negative."),
        ("三百", "“三百” is not a number."),
        ("12,5x", "“12,5x” is not a number."),
        ("", "“” is not a number."),
        ("NaN", "“NaN” is not a number."),
        ("Infinity", "“Infinity” is not a number."),
        (D("NaN"), "“NaN” is not a number."),
        (True, "Give an amount in 万元."),
        (3.5, "Give an amount in 万元."),  # floats lose money: the API and forms send text or Decimal
        (None, "Give an amount in 万元."),
    ],
)
def test_a_report_with_an_amount_that_is_not_one_is_refused(world, project_a, amount, message):
    assert refused(save, world, project_a, 6, amount) == {"ytd_investment": [message]}
    assert not MonthlyReport.objects.exists()


def test_amounts_written_as_people_write_them_are_accepted(world, project_a):
    assert save(world, project_a, 6, " 1,250.5 ").report.ytd_investment == D("1250.5")
    assert save(world, project_a, 6, 1300).report.ytd_investment == D(1300)


def test_bad_amounts_of_plans_and_projects_name_their_fields(world, project_a):
    admin = world.admin
    plan = project_a.plans.get()
    assert set(
        refused(
            services.plan_create,
            actor=admin,
            project=project_a,
            year=2027,
            planned_investment="-1",
            completed_before="很多",
        )
    ) == {"planned_investment", "completed_before"}
    assert set(
        refused(
            services.plan_change, actor=admin, plan=plan, values={"planned_investment": "x", "completed_before": -2}
        )
    ) == {"planned_investment", "completed_before"}
    assert list(
        refused(services.project_change, actor=admin, project=project_a, values={"total_investment": "-10"})
    ) == ["total_investment"]
    plan.refresh_from_db()
    project_a.refresh_from_db()
    assert (plan.planned_investment, plan.completed_before, project_a.total_investment) == (D(1200), D(0), D(10000))
    assert not YearPlan.objects.filter(year=2027).exists()


@pytest.mark.parametrize("month", ["六月", None, 0, 13, "13"])
def test_a_month_that_is_not_one_is_refused(world, project_a, month):
    assert refused(save, world, project_a, month, "100") == {"month": ["The month must be 1 to 12."]}


def test_a_bad_amount_and_a_bad_month_are_reported_together(world, project_a):
    assert set(refused(save, world, project_a, 14, "-3")) == {"ytd_investment", "month"}


# --- the figures ---------------------------------------------------------------------------------------


def test_a_year_to_date_figure_lower_than_last_months_needs_a_correction(world, project_a):
    save(world, project_a, 5, "500")
    fields = refused(save, world, project_a, 6, "450")
    assert list(fields) == ["ytd_investment"]
    assert "450 is lower than last month's 500" in fields["ytd_investment"][0]
    assert not MonthlyReport.objects.filter(month=6).exists()
    assert save(world, project_a, 6, "450", correction_reason="5月误填").report.ytd_investment == D(450)


@pytest.mark.parametrize(("year", "month"), [(2026, 8), (2026, 12)])
def test_a_report_for_a_future_month_is_refused(world, project_a, year, month):
    fields = refused(
        services.report_save,
        actor=world.users["reporter_a"],
        project=project_a,
        year=year,
        month=month,
        ytd_investment="1",
    )
    assert list(fields) == ["month"] and "is in the future" in fields["month"][0]
    assert not MonthlyReport.objects.exists()


def test_a_report_for_next_year_is_refused_for_the_month_even_with_a_plan(world, project_a):
    services.plan_create(actor=world.admin, project=project_a, year=2027, planned_investment=100)
    fields = refused(
        services.report_save, actor=world.users["reporter_a"], project=project_a, year=2027, month=1, ytd_investment="1"
    )
    assert "2027-01 is in the future" in fields["month"][0]


def test_an_approved_month_is_frozen(world, project_a):
    reporter, supervisor = world.users["reporter_a"], world.users["supervisor"]
    report = save(world, project_a, 6, "600").report
    services.report_transition(actor=reporter, report=report, action="submit")
    services.report_transition(actor=supervisor, report=report, action="approve")
    for actor in (reporter, supervisor):
        fields = refused(save, world, project_a, 6, "650", actor=actor, problems=["新问题"])
        assert list(fields) == ["ytd_investment"] and "approved and frozen" in fields["ytd_investment"][0]
    report.refresh_from_db()
    assert report.ytd_investment == D(600) and not report.problems.exists()


# --- another unit's project ----------------------------------------------------------------------------


def test_a_reporter_cannot_touch_another_units_project(world, project_a):
    reporter_b = world.users["reporter_b"]
    report = save(world, project_a, 6, "300").report
    milestone = services.milestone_create(
        actor=world.users["reporter_a"], project=project_a, name="开工", planned_on=dt.date(2026, 8, 1)
    )
    template = services.template_create(actor=world.admin, name="模板", steps=[("开工", 0)])
    with pytest.raises(PermissionDenied):
        save(world, project_a, 6, "999", actor=reporter_b)
    with pytest.raises(PermissionDenied):
        services.photo_add(actor=reporter_b, report=report, upload=photo())
    with pytest.raises(PermissionDenied):
        services.milestone_create(actor=reporter_b, project=project_a, name="越权", planned_on=dt.date(2026, 8, 1))
    with pytest.raises(PermissionDenied):
        services.milestone_change(actor=reporter_b, milestone=milestone, values={"name": "越权"})
    with pytest.raises(PermissionDenied):
        services.schedule_backwards(actor=reporter_b, project=project_a, template=template, target=dt.date(2026, 9, 1))
    with pytest.raises(PermissionDenied):
        services.project_change(actor=reporter_b, project=project_a, values={"name": "越权"})
    with pytest.raises(TransitionNotAllowed):
        services.report_transition(actor=reporter_b, report=report, action="submit")
    report.refresh_from_db()
    milestone.refresh_from_db()
    assert (report.ytd_investment, report.status, milestone.name) == (D(300), "draft", "开工")


def test_another_units_project_and_report_are_not_found(world, project_a, project_b):
    reporter_a, reporter_b = world.users["reporter_a"], world.users["reporter_b"]
    report = save(world, project_a, 6, "300").report
    milestone = services.milestone_create(
        actor=reporter_a, project=project_a, name="开工", planned_on=dt.date(2026, 8, 1)
    )
    plan = project_a.plans.get()
    with pytest.raises(NotFound):
        selectors.project_get(reporter_b, project_a.pk)
    with pytest.raises(NotFound):
        selectors.report_get(reporter_b, report.pk)
    with pytest.raises(NotFound):
        selectors.plan_get(reporter_b, plan.pk)
    with pytest.raises(NotFound):
        selectors.milestone_get(reporter_b, milestone.pk)
    with pytest.raises(NotFound):  # the same answer as for a record that does not exist
        selectors.project_get(reporter_b, 987654)
    with pytest.raises(NotFound):
        selectors.project_get(reporter_b, "not-a-number")
    assert selectors.project_get(reporter_a, project_a.pk) == project_a
    assert selectors.report_get(reporter_a, report.pk) == report
    assert selectors.project_get(reporter_b, project_b.pk) == project_b
    assert selectors.project_get(world.users["supervisor"], project_a.pk) == project_a


# --- two people at once --------------------------------------------------------------------------------


def test_two_people_saving_the_same_report_the_second_gets_a_conflict_and_nothing_is_lost(world, project_a, head_a):
    opened = save(world, project_a, 6, "100").report
    seen = opened.version  # both opened the page at this version
    save(world, project_a, 6, "120", progress="主体施工", problems=["管线迁改"], expected_version=seen)
    with pytest.raises(Conflict) as second:
        save(world, project_a, 6, "130", actor=head_a, progress="覆盖", problems=[], expected_version=seen)
    assert "changed by someone else" in str(second.value)
    opened.refresh_from_db()
    assert (opened.ytd_investment, opened.progress) == (D(120), "主体施工")
    assert list(opened.problems.live().values_list("text", flat=True)) == ["管线迁改"]


def test_two_people_creating_the_same_months_report_the_second_gets_a_conflict(world, project_a, head_a):
    save(world, project_a, 6, "100", expected_version=0)  # a new report: version 0 means "there was none"
    with pytest.raises(Conflict):
        save(world, project_a, 6, "130", actor=head_a, expected_version=0)
    assert MonthlyReport.objects.get().ytd_investment == D(100)


# --- milestones before the start -----------------------------------------------------------------------


def test_a_milestone_before_the_projects_start_is_refused(world, project_a):
    reporter = world.users["reporter_a"]
    fields = refused(
        services.milestone_create, actor=reporter, project=project_a, name="土地摘牌", planned_on=dt.date(2026, 1, 9)
    )
    assert fields == {"planned_on": ["The planned date 2026-01-09 is before the project's start (2026-01-10)."]}
    assert not Milestone.objects.exists()
    milestone = services.milestone_create(
        actor=reporter, project=project_a, name="土地摘牌", planned_on=dt.date(2026, 1, 10)
    )
    fields = refused(
        services.milestone_change, actor=reporter, milestone=milestone, values={"planned_on": dt.date(2025, 12, 1)}
    )
    assert list(fields) == ["planned_on"]
    milestone.refresh_from_db()
    assert milestone.planned_on == dt.date(2026, 1, 10)


def test_reverse_scheduling_into_the_time_before_the_start_is_refused(world, project_a):
    template = services.template_create(
        actor=world.admin, name="倒排", steps=[("开工", 0), ("立项", 90), ("规划许可", 45)]
    )
    fields = refused(
        services.schedule_backwards,
        actor=world.users["reporter_a"],
        project=project_a,
        template=template,
        target=dt.date(2026, 3, 1),
    )
    assert list(fields) == ["target"]
    assert "“立项” would fall on 2025-12-01" in fields["target"][0]
    assert "choose a target on or after 2026-04-10" in fields["target"][0]
    assert not Milestone.objects.exists()
