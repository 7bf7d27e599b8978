"""The daily lights job: the ``projects_lights`` command (now, for a year, or queued) and the task it queues."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus

from taizhang.core import clock
from taizhang.projects import services, tasks
from taizhang.projects.choices import Light
from taizhang.projects.tests.conftest import at


@pytest.fixture
def due_milestone(world, project_a):
    """Project A on time (June approved at 50%) with a milestone due on 10 July: green until it is overdue."""
    reporter, supervisor = world.users["reporter_a"], world.users["supervisor"]
    report = services.report_save(
        actor=reporter, project=project_a, year=2026, month=6, ytd_investment=Decimal(600)
    ).report
    services.report_transition(actor=reporter, report=report, action="submit")
    services.report_transition(actor=supervisor, report=report, action="approve")
    services.milestone_create(actor=reporter, project=project_a, name="取得施工许可", planned_on=dt.date(2026, 7, 10))
    plan = project_a.plans.get()
    assert plan.light == Light.GREEN
    return plan


def _last_history(plan):
    return plan.history.order_by("-history_id").first()


def test_the_command_now_recomputes_the_lights_as_a_job(due_milestone, capsys):
    plan = due_milestone
    with clock.travel(at(2026, 7, 10)):
        call_command("projects_lights", "--now")
    assert capsys.readouterr().out.strip() == "changed=0"  # due today is not overdue yet
    with clock.travel(at(2026, 7, 11)):
        call_command("projects_lights", "--now")
        assert capsys.readouterr().out.strip() == "changed=1"
        call_command("projects_lights", "--now")
        assert capsys.readouterr().out.strip() == "changed=0"  # nothing more to change
    plan.refresh_from_db()
    assert plan.light == Light.RED and "取得施工许可" in plan.light_reason
    row = _last_history(plan)
    assert (row.light, row.history_source, row.history_user) == (Light.RED, "job", None)


def test_the_command_recomputes_the_year_given_and_later_ones(due_milestone, capsys):
    plan = due_milestone
    with clock.travel(at(2026, 7, 11)):
        call_command("projects_lights", "--year", "2027")
        assert capsys.readouterr().out.strip() == "changed=0"
        plan.refresh_from_db()
        assert plan.light == Light.GREEN  # 2026 was not asked for
        call_command("projects_lights", "--year", "2025")
        assert capsys.readouterr().out.strip() == "changed=1"
    plan.refresh_from_db()
    assert plan.light == Light.RED


def test_the_command_queues_the_job_by_default(due_milestone, capsys):
    plan = due_milestone
    with clock.travel(at(2026, 7, 11)):
        call_command("projects_lights")  # the test settings run queued jobs at once
    assert capsys.readouterr().out.startswith("queued ")
    plan.refresh_from_db()
    assert plan.light == Light.RED
    assert _last_history(plan).history_source == "job"


def test_the_task_refreshes_this_years_lights_and_returns_how_many_changed(due_milestone):
    plan = due_milestone
    with clock.travel(at(2026, 7, 11)):
        result = tasks.refresh_lights.enqueue()
        assert result.status == TaskResultStatus.SUCCESSFUL and result.return_value == 1
        assert tasks.refresh_lights.call() == 0
    plan.refresh_from_db()
    assert plan.light == Light.RED
    row = _last_history(plan)
    assert (row.history_source, row.history_user) == ("job", None)
