"""Workdays of the Chinese statutory calendar, for deadlines counted in workdays or working hours.

A day's status comes from, in order:

1. the admin's :class:`~taizhang.core.models.WorkdayOverride` for that date, if there is one;
2. the ``chinesecalendar`` package, which holds the State Council's holiday notices with their make-up
   workdays (调休) for the years it covers;
3. otherwise weekends only: Monday to Friday work, Saturday and Sunday do not. A year in this state is
   reported by :func:`coverage` so that the admin is warned to enter the year's notice as overrides.

Working hours are those of a district office, :data:`WORK_PERIODS`. Deadlines:

* *N workdays* from a moment end at the close of the N-th workday after that moment's day (the day itself
  does not count; 0 workdays means the close of the same day, or of the next workday if it is a day off);
* *N working hours* are counted through the working periods of workdays only.

The calendar is read once per process and reloaded when an override changes (a generation number in the
shared cache, as the routing index does), so a deadline computation costs no query.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import chinese_calendar
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

# A district office's working day: morning and afternoon (the summer timetable shifts the afternoon by half an
# hour in some districts; deadlines only need the close of day to be stable).
WORK_PERIODS: tuple[tuple[dt.time, dt.time], ...] = (
    (dt.time(8, 30), dt.time(12, 0)),
    (dt.time(13, 30), dt.time(17, 30)),
)
CLOSE_OF_DAY = WORK_PERIODS[-1][1]
HOURS_PER_DAY = Decimal(
    sum((dt.datetime.combine(dt.date.min, b) - dt.datetime.combine(dt.date.min, a)).seconds for a, b in WORK_PERIODS)
) / Decimal(3600)
GENERATION_KEY = "taizhang:workdays:generation"
_MAX_SCAN_DAYS = 3660  # ten years: a deadline further away than that is a data error, not a calendar question

STATUTORY = "statutory"
OVERRIDES = "overrides"
WEEKENDS = "weekends"


@dataclass(frozen=True)
class YearCoverage:
    year: int
    source: str  # STATUTORY, OVERRIDES or WEEKENDS
    override_count: int

    @property
    def complete(self) -> bool:
        return self.source != WEEKENDS

    @property
    def message(self) -> str:
        if self.source == STATUTORY:
            return _("%(year)s: statutory calendar with make-up workdays (chinesecalendar).") % {"year": self.year}
        if self.source == OVERRIDES:
            return _("%(year)s: not in chinesecalendar; %(count)d days entered by the administrator.") % {
                "year": self.year,
                "count": self.override_count,
            }
        return _(
            "%(year)s has no holiday data: deadlines count Monday to Friday as workdays and ignore public "
            "holidays and make-up workdays. Enter the State Council's holiday notice for %(year)s as workday "
            "overrides."
        ) % {"year": self.year}


def package_years() -> range:
    """The years ``chinesecalendar`` holds the statutory calendar for."""
    years = {day.year for day in chinese_calendar.holidays}
    return range(min(years), max(years) + 1)


class WorkdayCalendar:
    """The calendar at one generation of the override table; years are loaded on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._overrides: dict[int, dict[dt.date, bool]] = {}
        self._package = package_years()

    def overrides(self, year: int) -> dict[dt.date, bool]:
        loaded = self._overrides.get(year)
        if loaded is None:
            from taizhang.core.models import WorkdayOverride

            rows = WorkdayOverride.objects.live().filter(date__year=year).values_list("date", "is_workday")
            loaded = dict(rows)
            with self._lock:
                self._overrides[year] = loaded
        return loaded

    def is_workday(self, day: dt.date) -> bool:
        override = self.overrides(day.year).get(day)
        if override is not None:
            return override
        if day.year in self._package:
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def coverage(self, year: int) -> YearCoverage:
        count = len(self.overrides(year))
        if year in self._package:
            return YearCoverage(year, STATUTORY, count)
        return YearCoverage(year, OVERRIDES if count else WEEKENDS, count)

    # --- counting days ------------------------------------------------------------------------------------

    def next_workday(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a workday, else the first workday after it."""
        for _i in range(_MAX_SCAN_DAYS):
            if self.is_workday(day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError("no workday within ten years")  # pragma: no cover  (an all-holiday override table)

    def add_workdays(self, day: dt.date, count: int) -> dt.date:
        """The ``count``-th workday after ``day`` (``day`` not counted; negative counts go backwards)."""
        if count == 0:
            return self.next_workday(day)
        step = dt.timedelta(days=1 if count > 0 else -1)
        remaining = abs(count)
        for _i in range(_MAX_SCAN_DAYS):
            day += step
            if self.is_workday(day):
                remaining -= 1
                if remaining == 0:
                    return day
        raise ValueError("no such workday within ten years")  # pragma: no cover

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Workdays in ``(start, end]``; negative when ``end`` is before ``start``."""
        if end < start:
            return -self.workdays_between(end, start)
        return sum(1 for i in range(1, (end - start).days + 1) if self.is_workday(start + dt.timedelta(days=i)))

    # --- moments ------------------------------------------------------------------------------------------

    def close_of(self, day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, CLOSE_OF_DAY), timezone.get_default_timezone())

    def after_workdays(self, moment: dt.datetime, count: int) -> dt.datetime:
        """Close of the ``count``-th workday after ``moment``'s day (0: close of that day or the next workday)."""
        local = timezone.localtime(moment)
        return self.close_of(self.add_workdays(local.date(), count))

    def before_workdays(self, deadline: dt.datetime, count: int) -> dt.datetime:
        """The moment a deadline is ``count`` workdays away: close of the ``count``-th workday before its day."""
        if count <= 0:
            return deadline
        local = timezone.localtime(deadline)
        return min(deadline, self.close_of(self.add_workdays(local.date(), -count)))

    def shift_working_hours(self, moment: dt.datetime, hours: Decimal | float | int) -> dt.datetime:
        """``moment`` moved by ``hours`` of working time (negative: backwards), on workdays only."""
        remaining = dt.timedelta(hours=float(hours))
        forward = remaining >= dt.timedelta(0)
        remaining = abs(remaining)
        tz = timezone.get_default_timezone()
        local = timezone.localtime(moment, tz)
        day = local.date()
        for _i in range(_MAX_SCAN_DAYS):
            if self.is_workday(day):
                periods = WORK_PERIODS if forward else tuple(reversed(WORK_PERIODS))
                for start_t, end_t in periods:
                    start = timezone.make_aware(dt.datetime.combine(day, start_t), tz)
                    end = timezone.make_aware(dt.datetime.combine(day, end_t), tz)
                    if forward:
                        begin = max(start, local)
                        if begin >= end:
                            continue
                        if begin + remaining <= end:
                            return begin + remaining
                        remaining -= end - begin
                    else:
                        finish = min(end, local)
                        if finish <= start:
                            continue
                        if finish - remaining >= start:
                            return finish - remaining
                        remaining -= finish - start
            day += dt.timedelta(days=1 if forward else -1)
            local = timezone.make_aware(dt.datetime.combine(day, dt.time.min if forward else dt.time.max), tz)
        raise ValueError("no working time within ten years")  # pragma: no cover


class _CalendarHolder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calendar: WorkdayCalendar | None = None
        self.generation: int | None = None

    def get(self) -> WorkdayCalendar:
        generation = _generation()
        calendar = self.calendar
        if calendar is not None and self.generation == generation:
            return calendar
        with self.lock:
            if self.calendar is None or self.generation != generation:
                self.calendar = WorkdayCalendar()
                self.generation = generation
            return self.calendar


_holder = _CalendarHolder()


def _generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return int(value)


def invalidate() -> None:
    """Called after an override changes: every process reloads the calendar on its next use."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, timeout=None)
    _holder.calendar = None


def calendar() -> WorkdayCalendar:
    """The current calendar. Take it once per computation; it costs one cache read."""
    return _holder.get()


# Shorthands for one-off questions.


def is_workday(day: dt.date) -> bool:
    return calendar().is_workday(day)


def add_workdays(day: dt.date, count: int) -> dt.date:
    return calendar().add_workdays(day, count)


def workdays_between(start: dt.date, end: dt.date) -> int:
    return calendar().workdays_between(start, end)


def coverage(year: int) -> YearCoverage:
    return calendar().coverage(year)


def warnings_for(years: Any = None) -> list[str]:
    """Warnings for this year and next (or ``years``) that have no holiday data."""
    if years is None:
        this_year = timezone.localdate().year
        years = (this_year, this_year + 1)
    cal = calendar()
    return [cal.coverage(year).message for year in years if not cal.coverage(year).complete]
