"""The monthly report's workflow: submit, return with a reason, resubmit, approve, freeze, correct."""

from __future__ import annotations

from decimal import Decimal

import pytest

from taizhang.core.errors import Conflict, TransitionNotAllowed, ValidationFailed
from taizhang.projects import services, workflow
from taizhang.projects.choices import Light, ReportStatus


def _save(world, project, month, ytd, actor=None, **kw):
    return services.report_save(
        actor=actor or world.users["reporter_a"], project=project, year=2026, month=month, ytd_investment=ytd, **kw
    )


def test_the_review_round_trip_updates_the_plan_and_its_light(world, project_a):
    reporter, supervisor = world.users["reporter_a"], world.users["supervisor"]
    saved = _save(world, project_a, 6, "300", progress="主体结构完成60%", problems=["征地未完成"])
    report = saved.report
    assert saved.created and report.status == ReportStatus.DRAFT and saved.warnings == []
    report = services.report_transition(actor=reporter, report=report, action="submit")
    assert report.status == ReportStatus.SUBMITTED and report.submitted_by == reporter
    with pytest.raises(ValidationFailed) as refused:
        services.report_transition(actor=supervisor, report=report, action="return")
    assert "reason" in refused.value.fields
    report = services.report_transition(actor=supervisor, report=report, action="return", reason="数据与统计局不符")
    assert report.status == ReportStatus.RETURNED and report.return_reason == "数据与统计局不符"
    _save(world, project_a, 6, Decimal("360"), expected_version=report.version)
    report.refresh_from_db()
    report = services.report_transition(actor=reporter, report=report, action="submit")
    report = services.report_transition(actor=supervisor, report=report, action="approve")
    assert report.is_effective and report.status == ReportStatus.APPROVED
    plan = project_a.plans.get()
    assert (plan.reported_month, plan.ytd_investment) == (6, Decimal("360"))
    # 360 / 1200 = 30% against 50% elapsed: 20 points behind is yellow, and says so.
    assert plan.light == Light.YELLOW
    assert "30.0%" in plan.light_reason and "20.0 points behind" in plan.light_reason
    assert [e.action for e in report.events.all()] == ["submit", "return", "submit", "approve"]


def test_an_approved_month_is_frozen_and_a_correction_needs_approval(world, project_a):
    reporter, supervisor = world.users["reporter_a"], world.users["supervisor"]
    report = _save(world, project_a, 6, "600").report
    services.report_transition(actor=reporter, report=report, action="submit")
    services.report_transition(actor=supervisor, report=report, action="approve")
    with pytest.raises(ValidationFailed) as frozen:
        _save(world, project_a, 6, "650")
    assert "frozen" in str(frozen.value.fields["ytd_investment"])
    with pytest.raises(ValidationFailed):
        services.report_transition(actor=reporter, report=report, action="correct")
    correction = services.report_transition(actor=reporter, report=report, action="correct", reason="漏报设备款")
    assert correction.revision == 2 and correction.status == ReportStatus.DRAFT
    _save(world, project_a, 6, "650")
    correction.refresh_from_db()
    assert correction.ytd_investment == Decimal("650")
    plan = project_a.plans.get()
    assert plan.ytd_investment == Decimal("600")  # the approved figure stands until the correction is approved
    services.report_transition(actor=reporter, report=correction, action="submit")
    services.report_transition(actor=supervisor, report=correction, action="approve")
    plan.refresh_from_db()
    report.refresh_from_db()
    assert plan.ytd_investment == Decimal("650") and not report.is_effective and not report.is_latest
    assert plan.light == Light.GREEN


def test_only_the_office_reviews_and_the_message_lists_what_is_allowed(world, project_a):
    reporter = world.users["reporter_a"]
    report = _save(world, project_a, 6, "100").report
    services.report_transition(actor=reporter, report=report, action="submit")
    with pytest.raises(TransitionNotAllowed) as refused:
        services.report_transition(actor=reporter, report=report, action="approve")
    assert "Needs one of these roles" in str(refused.value) and refused.value.fields["allowed"] == []
    with pytest.raises(TransitionNotAllowed):
        services.report_transition(actor=reporter, report=report, action="fly")


def test_two_people_saving_the_same_report_the_second_gets_a_conflict(world, project_a, head_a):
    report = _save(world, project_a, 6, "100").report
    seen = report.version
    _save(world, project_a, 6, "120", expected_version=seen)
    with pytest.raises(Conflict):
        _save(world, project_a, 6, "130", actor=head_a, expected_version=seen)
    report.refresh_from_db()
    assert report.ytd_investment == Decimal("120")


def test_the_table_in_the_docs_is_the_table_in_the_code():
    from pathlib import Path

    doc = Path(__file__).resolve().parents[4] / "docs" / "workflows" / "projects.md"
    assert workflow.markdown_table() in doc.read_text(encoding="utf-8")


def _allowed(report, user):
    report.refresh_from_db()
    return [t.action for t in workflow.allowed(report, user)]


def test_who_may_take_which_action_in_each_state(world, project_a, head_a):
    users = world.users
    reporter, supervisor = users["reporter_a"], users["supervisor"]
    report = _save(world, project_a, 6, "300").report
    nobody = (users["leader"], users["reporter_b"], users["outsider"])
    assert _allowed(report, reporter) == _allowed(report, head_a) == _allowed(report, supervisor) == ["submit"]
    assert all(_allowed(report, user) == [] for user in nobody)
    services.report_transition(actor=head_a, report=report, action="submit")
    assert _allowed(report, reporter) == [] and _allowed(report, supervisor) == ["approve", "return"]
    assert _allowed(report, users["admin"]) == ["approve", "return"]
    services.report_transition(actor=supervisor, report=report, action="approve")
    assert _allowed(report, reporter) == _allowed(report, supervisor) == ["correct"]
    assert all(_allowed(report, user) == [] for user in nobody)


def test_an_unknown_action_names_the_actions_there_are(world, project_a):
    report = _save(world, project_a, 6, "100").report
    with pytest.raises(TransitionNotAllowed) as unknown:
        services.report_transition(actor=world.users["supervisor"], report=report, action="delete")
    assert str(unknown.value) == "There is no action 'delete'. Actions: submit, approve, return, correct."
    assert workflow.get("return").needs_reason and not workflow.get("approve").needs_reason


def test_a_sub_units_project_is_reported_by_the_parent_units_reporter(world, project_a):
    from taizhang.projects.tests.world import make_project_in

    project = make_project_in(world, world.units["A1"], "社区")
    report = _save(world, project, 6, "100").report
    report = services.report_transition(actor=world.users["reporter_a"], report=report, action="submit")
    assert report.status == ReportStatus.SUBMITTED
