"""The workday calendar on the 2026 statutory calendar, with the admin's overrides and the weekends fallback.

2026 per chinesecalendar 1.11.0: Mid-Autumn Festival 09-25..09-27 off; National Day 10-01..10-07 off, with
make-up workdays on Sunday 09-20 and Saturday 10-10; 10-08 is a normal Thursday.
"""

import datetime as dt

import pytest
from django.utils import timezone

from taizhang.core import services, workdays
from taizhang.core.errors import PermissionDenied, ValidationFailed
from taizhang.core.models import WorkdayOverride

D = dt.date


def at(y, m, d, hh=9, mm=0):
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm))


@pytest.fixture
def cal(db):
    workdays.invalidate()
    return workdays.calendar()


def test_the_2026_national_day_holiday_and_its_make_up_days(cal):
    assert [cal.is_workday(D(2026, 10, d)) for d in range(1, 8)] == [False] * 7
    assert cal.is_workday(D(2026, 10, 8))
    assert cal.is_workday(D(2026, 10, 10))  # Saturday, make-up workday
    assert not cal.is_workday(D(2026, 10, 11))  # an ordinary Sunday
    assert cal.is_workday(D(2026, 9, 20))  # Sunday, make-up workday
    assert [cal.is_workday(D(2026, 9, d)) for d in (25, 26, 27)] == [False, False, False]  # Mid-Autumn


@pytest.mark.parametrize(
    ("start", "count", "due"),
    [
        (D(2026, 9, 30), 1, D(2026, 10, 8)),  # the day after the holiday
        (D(2026, 9, 30), 2, D(2026, 10, 9)),
        (D(2026, 9, 30), 3, D(2026, 10, 10)),  # the make-up Saturday counts
        (D(2026, 9, 30), 4, D(2026, 10, 12)),
        (D(2026, 9, 18), 1, D(2026, 9, 20)),  # the make-up Sunday counts
        (D(2026, 9, 24), 1, D(2026, 9, 28)),  # over Mid-Autumn
        (D(2026, 10, 3), 0, D(2026, 10, 8)),  # "same day" on a holiday: the next workday
        (D(2026, 10, 12), -1, D(2026, 10, 10)),
        (D(2026, 10, 8), -1, D(2026, 9, 30)),
    ],
)
def test_adding_workdays_around_national_day(cal, start, count, due):
    assert cal.add_workdays(start, count) == due


def test_counting_workdays_between_two_dates(cal):
    assert cal.workdays_between(D(2026, 9, 30), D(2026, 10, 12)) == 4
    assert cal.workdays_between(D(2026, 10, 12), D(2026, 9, 30)) == -4
    assert workdays.workdays_between(D(2026, 10, 1), D(2026, 10, 7)) == 0


def test_a_deadline_in_workdays_ends_at_the_close_of_the_last_one(cal):
    deadline = cal.after_workdays(at(2026, 9, 29, 10), 3)
    assert timezone.localtime(deadline) == at(2026, 10, 9, 17, 30)
    assert cal.before_workdays(deadline, 1) == at(2026, 10, 8, 17, 30)
    assert cal.before_workdays(deadline, 0) == deadline


def test_working_hours_skip_nights_lunch_and_the_holiday(cal):
    assert cal.shift_working_hours(at(2026, 9, 30, 16, 30), 2) == at(2026, 10, 8, 9, 30)
    assert cal.shift_working_hours(at(2026, 9, 30, 11, 30), 1) == at(2026, 9, 30, 14, 0)
    assert cal.shift_working_hours(at(2026, 10, 3, 12, 0), 1) == at(2026, 10, 8, 9, 30)
    assert cal.shift_working_hours(at(2026, 10, 8, 9, 30), -2) == at(2026, 9, 30, 16, 30)
    assert cal.shift_working_hours(at(2026, 9, 30, 7, 0), 0) == at(2026, 9, 30, 8, 30)
    assert workdays.HOURS_PER_DAY == 7.5


def test_a_year_without_data_falls_back_to_weekends_and_warns(cal):
    year = max(workdays.package_years()) + 5
    coverage = cal.coverage(year)
    assert not coverage.complete and coverage.source == workdays.WEEKENDS
    assert str(year) in coverage.message and "holiday" in coverage.message
    first_monday = next(D(year, 1, d) for d in range(1, 8) if D(year, 1, d).weekday() == 0)
    assert cal.is_workday(first_monday)
    assert not cal.is_workday(first_monday + dt.timedelta(days=5))
    assert workdays.warnings_for([year]) == [coverage.message]
    assert workdays.warnings_for([2026]) == []
    assert workdays.coverage(2026).source == workdays.STATUTORY
    assert "statutory" in workdays.coverage(2026).message


def test_overrides_fill_a_year_and_correct_the_package(world, audit, django_capture_on_commit_callbacks):
    year = max(workdays.package_years()) + 5
    new_year = D(year, 1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        override = services.workday_override_create(actor=world.admin, date=new_year, is_workday=False, name="元旦")
        services.workday_override_create(actor=world.admin, date=D(2026, 10, 8), is_workday=False, name="区内调整")
    coverage = workdays.coverage(year)
    assert coverage.source == workdays.OVERRIDES and coverage.complete and "1 days" in coverage.message
    assert not workdays.is_workday(new_year)
    assert workdays.add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 9)  # the override beats the package
    with django_capture_on_commit_callbacks(execute=True):
        services.workday_override_update(actor=world.admin, override=override, values={"is_workday": True})
    assert workdays.is_workday(new_year)
    with django_capture_on_commit_callbacks(execute=True):
        services.workday_override_void(actor=world.admin, override=override, reason="录入错误")
    assert workdays.coverage(year).source == workdays.WEEKENDS
    assert override.history.first().history_user == world.admin


def test_only_administrators_keep_the_calendar(world, audit):
    with pytest.raises(PermissionDenied):
        services.workday_override_create(actor=world.users["supervisor"], date=D(2027, 1, 1), is_workday=False)
    override = services.workday_override_create(actor=world.admin, date=D(2027, 1, 1), is_workday=False)
    with pytest.raises(ValidationFailed):  # one live override per date
        services.workday_override_create(actor=world.admin, date=D(2027, 1, 1), is_workday=True)
    with pytest.raises(TypeError):
        services.workday_override_update(actor=world.admin, override=override, values={"version": 9})
    assert services.workday_override_update(actor=world.admin, override=override, values={"name": ""}) == override
    assert str(override).startswith("2027-01-01")
    assert WorkdayOverride.objects.live().count() == 1


def test_the_admin_changelist_warns_about_missing_years(admin_client, world, settings, monkeypatch):
    monkeypatch.setattr(workdays, "warnings_for", lambda: ["2031 has no holiday data"])
    response = admin_client.get("/admin/core/workdayoverride/")
    assert response.status_code == 200
    assert "2031 has no holiday data" in response.content.decode()
