"""The figures and lights of ``rules.py``: pure functions of plain values, plus one acceptance walk through the
database showing that thresholds take effect from their date only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from taizhang.core import clock
from taizhang.projects import rules, services
from taizhang.projects.choices import Light, MilestoneStatus
from taizhang.projects.tests.conftest import at

D = Decimal
DEFAULT = rules.DEFAULT_THRESHOLDS


def light(ytd: str, *, planned: str = "1200", month: int = 6, thresholds: rules.Thresholds = DEFAULT, overdue=()):
    return rules.light_for(
        planned=D(planned), ytd=D(ytd), month=month, thresholds=thresholds, overdue_milestones=overdue
    )


# --- figures -------------------------------------------------------------------------------------------


def test_the_monthly_increment_is_this_ytd_minus_last_and_january_counts_from_zero():
    assert rules.monthly_increment(D("360.5"), D("300")) == D("60.5")
    assert rules.monthly_increment(D("120"), None) == D("120")
    assert rules.monthly_increment(D("0"), D("0")) == D("0")


def test_the_completion_rate_is_ytd_over_the_plan_and_none_without_a_plan():
    assert rules.completion_rate(D("300"), D("1200")) == D("25")
    assert rules.completion_rate(D("1500"), D("1200")) == D("125")
    assert rules.completion_rate(D("300"), D("0")) is None


@pytest.mark.parametrize(("month", "share"), [(0, "0"), (1, "8.3"), (6, "50.0"), (10, "83.3"), (12, "100.0")])
def test_the_time_elapsed_share_is_the_month_over_twelve(month, share):
    assert rules.pct(rules.time_elapsed(month)) == D(share)


@pytest.mark.parametrize("month", [-1, 13])
def test_a_month_outside_zero_to_twelve_has_no_time_elapsed_share(month):
    with pytest.raises(ValueError, match=str(month)):
        rules.time_elapsed(month)


def test_the_gap_is_the_rate_minus_the_time_elapsed_share():
    assert rules.gap_points(D("30"), 6) == D("-20")
    assert rules.gap_points(D("60"), 6) == D("10")
    assert rules.gap_points(None, 6) is None


def test_cumulative_and_share_of_total_count_the_years_before():
    total = rules.cumulative(D("2500"), D("500"))
    assert total == D("3000")
    assert rules.share_of_total(total, D("10000")) == D("30")
    assert rules.share_of_total(total, D("0")) is None


@pytest.mark.parametrize(
    ("value", "printed"),
    [("75.65", "75.7"), ("75.64", "75.6"), ("75.75", "75.8"), ("-12.45", "-12.5"), ("100", "100.0")],
)
def test_percentages_round_half_up_to_one_place(value, printed):
    assert str(rules.pct(D(value))) == printed


@pytest.mark.parametrize(
    ("value", "printed"), [("150", "150"), ("1.5E+2", "150"), ("10000.0000", "10000"), ("200.5000", "200.5")]
)
def test_amounts_in_messages_are_plain_numbers(value, printed):
    assert rules.plain(D(value)) == printed


def test_pct_of_nothing_is_nothing():
    assert rules.pct(None) is None


@pytest.mark.parametrize(
    ("year", "month", "day", "due"),
    [
        (2026, 6, 5, dt.date(2026, 7, 5)),
        (2026, 12, 5, dt.date(2027, 1, 5)),  # December's report is due next January
        (2026, 1, 31, dt.date(2026, 2, 28)),  # clamped to February's length
        (2028, 1, 31, dt.date(2028, 2, 29)),  # a leap year
        (2026, 3, 31, dt.date(2026, 4, 30)),
    ],
)
def test_a_report_is_due_on_the_due_day_of_the_next_month(year, month, day, due):
    assert rules.due_date(year, month, day) == due


def test_milestone_status_done_overdue_due_soon_planned():
    today = dt.date(2026, 7, 3)
    status = rules.milestone_status
    assert status(dt.date(2026, 6, 1), dt.date(2026, 6, 20), today, 14) == MilestoneStatus.DONE
    assert status(dt.date(2026, 7, 2), None, today, 14) == MilestoneStatus.OVERDUE
    assert status(today, None, today, 14) == MilestoneStatus.DUE_SOON  # due today is not overdue yet
    assert status(today + dt.timedelta(days=14), None, today, 14) == MilestoneStatus.DUE_SOON
    assert status(today + dt.timedelta(days=15), None, today, 14) == MilestoneStatus.PLANNED
    assert status(today + dt.timedelta(days=15), None, today, 30) == MilestoneStatus.DUE_SOON


# --- thresholds ----------------------------------------------------------------------------------------


def test_thresholds_on_picks_the_latest_row_in_force_on_the_day():
    first = rules.Thresholds(dt.date(2026, 1, 1), D(10), D(30))
    later = rules.Thresholds(dt.date(2026, 8, 1), D(5), D(15))
    rows = [later, first]  # order does not matter
    assert rules.thresholds_on(rows, dt.date(2025, 12, 31)) is DEFAULT
    assert rules.thresholds_on(rows, dt.date(2026, 1, 1)) is first
    assert rules.thresholds_on(rows, dt.date(2026, 7, 31)) is first
    assert rules.thresholds_on(rows, dt.date(2026, 8, 1)) is later
    assert rules.thresholds_on([], dt.date(2026, 8, 1)) is DEFAULT
    old = rules.Thresholds(dt.date(1999, 1, 1), D(1), D(2))  # older than the built-in default still wins
    assert rules.thresholds_on([old], dt.date(2026, 8, 1)) is old


# --- lights --------------------------------------------------------------------------------------------
# Planned 1,200 万元 and the June report (time-elapsed share 50%): 12 万元 is one point of completion rate.


def test_exactly_ten_points_behind_is_green_and_says_so():
    result = light("480")  # 40%
    assert result.light == Light.GREEN and result.gap == D(-10) and result.rate == D(40)
    assert result.reason == (
        "Green: by month 6, 40.0% of the annual plan is done, 10.0 points behind the time-elapsed share (50.0%), "
        "within the 10 points allowed."
    )


def test_ten_point_one_behind_is_yellow():
    result = light("478.8")  # 39.9%
    assert result.light == Light.YELLOW
    assert "39.9%" in result.reason and "10.1 points behind" in result.reason and "(50.0%)" in result.reason
    assert "more than 10 points behind is yellow" in result.reason


def test_exactly_thirty_points_behind_is_still_yellow():
    result = light("240")  # 20%
    assert result.light == Light.YELLOW and "30.0 points behind" in result.reason


def test_thirty_point_one_behind_is_red():
    result = light("238.8")  # 19.9%
    assert result.light == Light.RED
    assert "19.9%" in result.reason and "30.1 points behind" in result.reason
    assert "more than 30 points behind is red" in result.reason


def test_ahead_of_time_is_green_and_says_how_far_ahead():
    result = light("720")  # 60%
    assert result.light == Light.GREEN and result.gap == D(10)
    assert "60.0%" in result.reason and "10.0 points ahead" in result.reason
    on_time = light("600")
    assert on_time.light == Light.GREEN and "0.0 points ahead" in on_time.reason


def test_the_thresholds_given_decide_the_colour_and_appear_in_the_sentence():
    strict = rules.Thresholds(dt.date(2026, 8, 1), D(5), D(15))
    assert light("480", thresholds=strict).light == Light.YELLOW
    red = light("360", thresholds=strict)  # 20 points behind
    assert red.light == Light.RED and "more than 15 points behind is red" in red.reason


def test_no_plan_means_no_light():
    result = light("300", planned="0")
    assert result.light == Light.NONE and result.gap is None and result.rate is None
    assert "no planned investment" in result.reason


def test_no_approved_report_means_no_light():
    result = light("0", month=0)
    assert result.light == Light.NONE and result.gap is None
    assert "no monthly report has been approved" in result.reason


def test_an_overdue_milestone_is_red_whatever_the_money_says():
    result = light("1200", overdue=[("取得施工许可", dt.date(2026, 6, 30))])  # all the plan done
    assert result.light == Light.RED and result.rate == D(100)
    assert result.reason == "Red: the milestone “取得施工许可” was due on 2026-06-30 and is not done."
    no_report = light("0", month=0, planned="0", overdue=[("开工", dt.date(2026, 3, 1))])
    assert no_report.light == Light.RED and no_report.rate is None


def test_with_several_overdue_milestones_the_earliest_is_named_and_the_rest_counted():
    overdue = [("主体封顶", dt.date(2026, 6, 30)), ("土地摘牌", dt.date(2026, 2, 1)), ("开工", dt.date(2026, 4, 1))]
    result = light("600", overdue=overdue)
    assert result.light == Light.RED
    assert "“土地摘牌” was due on 2026-02-01" in result.reason and "2 more milestones are overdue." in result.reason


# --- data checks ---------------------------------------------------------------------------------------


def check(**values):
    defaults = {
        "year": 2026,
        "month": 6,
        "ytd": D("300"),
        "previous_ytd": D("200"),
        "total_investment": D("10000"),
        "completed_before": D("0"),
        "today": dt.date(2026, 7, 3),
    }
    return rules.check_report(**{**defaults, **values})


def test_a_sound_report_passes_without_warnings():
    result = check()
    assert result.errors == {} and result.warnings == []


def test_the_current_month_may_be_reported_but_not_a_future_one():
    assert check(month=7).errors == {}
    future = check(month=8)
    assert list(future.errors) == ["month"] and "2026-08 is in the future" in future.errors["month"][0]
    assert "month" in check(year=2027, month=1).errors


def test_a_negative_figure_is_refused_and_nothing_else_is_checked():
    result = check(ytd=D("-1"), total_investment=D("0"))
    assert result.errors == {"ytd_investment": ["The year-to-date investment cannot be negative."]}


def test_a_decreasing_ytd_needs_a_correction_reason():
    refused = check(ytd=D("150"), previous_ytd=D("200.50"))
    message = refused.errors["ytd_investment"][0]
    assert "150 is lower than last month's 200.5" in message
    assert "ytd_investment" in check(ytd=D("150"), correction_reason="   ").errors
    assert check(ytd=D("150"), correction_reason="上月多报").errors == {}
    assert check(ytd=D("150"), previous_ytd=None).errors == {}  # January has no last month


def test_ytd_above_the_total_investment_is_a_warning_not_an_error():
    result = check(ytd=D("3000"), completed_before=D("8000"))
    assert result.errors == {}
    assert result.warnings == [
        "Completed before this year plus this year's figure (11000 万元) is above the total investment (10000 万元)."
    ]
    assert check(ytd=D("2000"), completed_before=D("8000")).warnings == []  # equal to the total is fine
    assert check(ytd=D("3000"), total_investment=D("0")).warnings == []  # no total given: nothing to compare


# --- acceptance: thresholds take effect from their date only ------------------------------------------


def _approve(world, project, month, ytd):
    reporter, supervisor = world.users["reporter_a"], world.users["supervisor"]
    report = services.report_save(actor=reporter, project=project, year=2026, month=month, ytd_investment=ytd).report
    services.report_transition(actor=reporter, report=report, action="submit")
    return services.report_transition(actor=supervisor, report=report, action="approve")


def test_thresholds_changed_by_effective_date_change_the_lights_from_that_date_only(world, project_a):
    june = _approve(world, project_a, 6, "360")  # 30% against 50%: 20 points behind
    plan = project_a.plans.get()
    assert plan.light == Light.YELLOW and june.light == Light.YELLOW

    services.threshold_create(
        actor=world.users["supervisor"], effective_from=dt.date(2026, 8, 1), yellow_above=D(5), red_above=D(15)
    )
    plan.refresh_from_db()
    assert plan.light == Light.YELLOW and "more than 10 points behind is yellow" in plan.light_reason

    with clock.travel(at(2026, 7, 31, 23)):
        assert services.lights_refresh(actor=None) == 0
    plan.refresh_from_db()
    assert plan.light == Light.YELLOW

    with clock.travel(at(2026, 8, 1, 0)):
        assert services.lights_refresh(actor=None) == 1
        plan.refresh_from_db()
        assert plan.light == Light.RED and "more than 15.0 points behind is red" in plan.light_reason
        # July, reported and approved in August, is judged as of the end of July: by the old thresholds.
        july = _approve(world, project_a, 7, "420")  # 35% against 58.3%: 23.3 points behind
    june.refresh_from_db()
    assert june.light == Light.YELLOW  # an approved month keeps the light it was approved with
    assert july.light == Light.YELLOW and "23.3 points behind" in july.light_reason
    plan.refresh_from_db()
    assert plan.reported_month == 7 and plan.light == Light.RED
