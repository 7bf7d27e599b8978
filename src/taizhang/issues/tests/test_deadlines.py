"""Deadlines and lights on the 2026 statutory calendar (chinesecalendar 1.11.0).

Around National Day 2026: Mid-Autumn 09-25..27 and National Day 10-01..07 are days off; Sunday 09-20 and
Saturday 10-10 are make-up workdays; Thursday 10-08 is the first workday after the holiday.
"""

from __future__ import annotations

import datetime as dt

import pytest

from taizhang.core import clock
from taizhang.issues import rules
from taizhang.issues.choices import Status
from taizhang.issues.tests.conftest import at
from taizhang.issues.tests.world import make_issue_in


def register_at(world, moment, category="dump", **values):
    with clock.travel(moment):
        return make_issue_in(world, world.unit_a, "限", category=world.data["categories"][category], **values)


@pytest.mark.parametrize(
    ("registered", "deadline", "yellow"),
    [
        # 2 workdays (乱堆乱放), yellow 1 workday ahead
        (at(2026, 9, 29, 10), at(2026, 10, 8, 17, 30), at(2026, 9, 30, 17, 30)),  # over the whole holiday
        (at(2026, 9, 30, 15), at(2026, 10, 9, 17, 30), at(2026, 10, 8, 17, 30)),
        (at(2026, 10, 3, 11), at(2026, 10, 9, 17, 30), at(2026, 10, 8, 17, 30)),  # reported during the holiday
        (at(2026, 10, 9, 9), at(2026, 10, 12, 17, 30), at(2026, 10, 10, 17, 30)),  # the make-up Saturday counts
        (at(2026, 9, 18, 16), at(2026, 9, 21, 17, 30), at(2026, 9, 20, 17, 30)),  # the make-up Sunday counts
        (at(2026, 9, 24, 9), at(2026, 9, 29, 17, 30), at(2026, 9, 28, 17, 30)),  # over Mid-Autumn
    ],
)
def test_deadlines_in_workdays_follow_the_statutory_calendar(world, audit, registered, deadline, yellow):
    issue = register_at(world, registered)
    assert (issue.deadline, issue.yellow_at) == (deadline, yellow)
    assert not issue.deadline_explicit


@pytest.mark.parametrize(
    ("registered", "deadline", "yellow"),
    [
        # 2 working hours (井盖缺失), yellow 1 working hour ahead
        (at(2026, 9, 30, 16, 30), at(2026, 10, 8, 9, 30), at(2026, 10, 8, 8, 30)),
        (at(2026, 9, 30, 11, 30), at(2026, 9, 30, 15, 0), at(2026, 9, 30, 14, 0)),  # half an hour, lunch, 1.5 hours
        (at(2026, 10, 1, 10), at(2026, 10, 8, 10, 30), at(2026, 10, 8, 9, 30)),
    ],
)
def test_deadlines_in_working_hours_skip_nights_lunch_and_holidays(world, audit, registered, deadline, yellow):
    issue = register_at(world, registered, category="manhole")
    assert (issue.deadline, issue.yellow_at) == (deadline, yellow)


def test_the_light_turns_yellow_then_red_and_explains_itself(world, audit):
    issue = register_at(world, at(2026, 9, 29, 10))
    green = rules.light_of(issue, at(2026, 9, 30, 10))
    assert (
        green.colour == "green" and "2026-10-08 17:30" in green.explanation and "2026-09-30 17:30" in green.explanation
    )
    yellow = rules.light_of(issue, at(2026, 10, 4, 10))
    assert yellow.colour == "yellow" and "lead time" in yellow.explanation
    red = rules.light_of(issue, at(2026, 10, 10, 18))
    assert red.colour == "red" and "2 days late" in red.explanation and str(red) == red.label
    assert "1 hours late" in rules.light_of(issue, at(2026, 10, 8, 18)).explanation
    with clock.travel(at(2026, 10, 10, 18)):
        assert issue.light.colour == "red"


def test_lights_are_filters_too(world, audit):
    from taizhang.issues.models import Issue

    register_at(world, at(2026, 9, 29, 10))  # due 10-08
    register_at(world, at(2026, 10, 9, 9))  # due 10-12, yellow from 10-10 17:30
    now = at(2026, 10, 11, 12)
    assert Issue.objects.light("red", now).count() == 1
    assert Issue.objects.light("yellow", now).count() == 1
    assert Issue.objects.light("green", now).count() == 0
    assert Issue.objects.light("purple", now).count() == 0
    assert Issue.objects.overdue(now).count() == 1


def test_closed_shelved_and_waiting_issues_have_no_light(world, audit):
    issue = register_at(world, at(2026, 9, 29, 10))
    issue.status = Status.CLOSURE_REQUESTED
    assert rules.light_of(issue, at(2026, 10, 20)).label == "awaiting verification"
    issue.status, issue.closed_on_time = Status.CLOSED, False
    assert rules.light_of(issue, at(2026, 10, 20)).explanation == "Closed late."
    issue.closed_on_time = True
    assert rules.light_of(issue, at(2026, 10, 20)).explanation == "Closed on time."


def test_on_time_rate_and_closing_on_time():
    assert rules.on_time_rate(3, 5, 1) == rules.Decimal("0.7500")
    assert rules.on_time_rate(0, 2, 2) is None
    assert rules.closed_on_time(at(2026, 10, 8, 17), at(2026, 10, 8, 17, 30))
    assert not rules.closed_on_time(at(2026, 10, 9, 9), at(2026, 10, 8, 17, 30))
    assert not rules.closed_on_time(None, at(2026, 10, 8, 17, 30))


def test_a_year_without_holiday_data_counts_weekdays(world, audit):
    issue = register_at(world, at(2031, 1, 2, 10))  # Thursday; 2031 is beyond chinesecalendar 1.11.0
    assert issue.deadline == at(2031, 1, 6, 17, 30)  # Friday, then Monday
    assert issue.deadline.date() == dt.date(2031, 1, 6)
