"""Derived figures and lights of the key-project ledger: pure functions of plain values.

Every figure here is the one the office writes in its bulletins (DOMAIN.md, glossary):

- monthly increment = this month's year-to-date figure − last month's;
- completion rate (完成率) = year-to-date ÷ annual plan, in per cent;
- time-elapsed share (序时进度) = month ÷ 12, in per cent;
- gap = completion rate − time-elapsed share, in percentage points (negative: behind);
- cumulative since start = completed before this year + year-to-date; share of total = cumulative ÷ total.

A light compares the gap with the thresholds in force on the day it is computed (``LightThreshold`` rows, by
effective date): behind by at most ``yellow_above`` points is green, by at most ``red_above`` yellow, beyond that
red; an overdue milestone is red whatever the money says. Each light comes with the sentence that explains it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from taizhang.projects.choices import Light, MilestoneStatus

HUNDRED = Decimal(100)
ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True)
class Thresholds:
    effective_from: dt.date
    yellow_above: Decimal = Decimal(10)
    red_above: Decimal = Decimal(30)
    due_soon_days: int = 14


DEFAULT_THRESHOLDS = Thresholds(effective_from=dt.date(2000, 1, 1))


def thresholds_on(rows: Iterable[Thresholds], day: dt.date) -> Thresholds:
    """The thresholds in force on ``day``: the row with the latest effective date not after it."""
    current = DEFAULT_THRESHOLDS
    for row in rows:
        if row.effective_from <= day and (current is DEFAULT_THRESHOLDS or row.effective_from > current.effective_from):
            current = row
    return current


def pct(value: Decimal | None) -> Decimal | None:
    """A percentage rounded half-up to one decimal place, as bulletins print it."""
    return None if value is None else value.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def plain(amount: Decimal) -> str:
    """An amount as people write it: no trailing zeros and never an exponent (150, not 1.5E+2)."""
    return format(amount.normalize(), "f")


def monthly_increment(ytd: Decimal, previous_ytd: Decimal | None) -> Decimal:
    """This month's completed investment; January's previous figure is zero."""
    return ytd - (previous_ytd or Decimal(0))


def completion_rate(ytd: Decimal, planned: Decimal) -> Decimal | None:
    """Year-to-date ÷ annual plan, in per cent; None without a plan."""
    if not planned:
        return None
    return ytd * HUNDRED / planned


def time_elapsed(month: int) -> Decimal:
    """The share of the year elapsed at the end of ``month``, in per cent (序时进度)."""
    if not 0 <= month <= 12:
        raise ValueError(f"month {month} is not 0..12")
    return Decimal(month) * HUNDRED / Decimal(12)


def gap_points(rate: Decimal | None, month: int) -> Decimal | None:
    """Completion rate minus time-elapsed share, in percentage points; positive means ahead."""
    if rate is None:
        return None
    return rate - time_elapsed(month)


def cumulative(completed_before: Decimal, ytd: Decimal) -> Decimal:
    """Investment completed since the project started."""
    return completed_before + ytd


def share_of_total(cumulative_investment: Decimal, total: Decimal) -> Decimal | None:
    """Cumulative investment as a share of total investment, in per cent."""
    if not total:
        return None
    return cumulative_investment * HUNDRED / total


def due_date(year: int, month: int, due_day: int) -> dt.date:
    """When the report for ``year``-``month`` is due: ``due_day`` of the next month (clamped to its length)."""
    y, m = (year + 1, 1) if month == 12 else (year, month + 1)
    return dt.date(y, m, min(due_day, calendar.monthrange(y, m)[1]))


def milestone_status(planned_on: dt.date, done_on: dt.date | None, today: dt.date, due_soon_days: int) -> str:
    if done_on is not None:
        return MilestoneStatus.DONE
    if planned_on < today:
        return MilestoneStatus.OVERDUE
    if (planned_on - today).days <= due_soon_days:
        return MilestoneStatus.DUE_SOON
    return MilestoneStatus.PLANNED


@dataclass(frozen=True)
class LightResult:
    light: str
    reason: str
    gap: Decimal | None = None
    rate: Decimal | None = None


def light_for(
    *,
    planned: Decimal,
    ytd: Decimal,
    month: int,
    thresholds: Thresholds,
    overdue_milestones: Sequence[tuple[str, dt.date]] = (),
) -> LightResult:
    """The light of a project's year and the sentence that explains it.

    ``month`` is the month of the latest approved report (0: none yet); ``overdue_milestones`` are the
    (name, planned date) of milestones past their date and not done.
    """
    rate = completion_rate(ytd, planned) if month else None
    gap = gap_points(rate, month) if month else None
    if overdue_milestones:
        name, planned_on = min(overdue_milestones, key=lambda m: m[1])
        more = len(overdue_milestones) - 1
        reason = _("Red: the milestone “%(name)s” was due on %(date)s and is not done.") % {
            "name": name,
            "date": planned_on.isoformat(),
        }
        if more:
            reason += " " + _("%(n)s more milestones are overdue.") % {"n": more}
        return LightResult(Light.RED, reason, gap, rate)
    if not planned:
        return LightResult(Light.NONE, _("No light: the project has no planned investment this year."))
    if not month or rate is None or gap is None:
        return LightResult(Light.NONE, _("No light yet: no monthly report has been approved this year."))
    figures = {
        "month": month,
        "rate": pct(rate),
        "elapsed": pct(time_elapsed(month)),
        "gap": pct(abs(gap)),
        "yellow": thresholds.yellow_above,
        "red": thresholds.red_above,
    }
    behind = -gap
    if behind <= thresholds.yellow_above:
        if gap >= 0:
            text = _(
                "Green: by month %(month)s, %(rate)s%% of the annual plan is done, %(gap)s points ahead of the "
                "time-elapsed share (%(elapsed)s%%)."
            )
        else:
            text = _(
                "Green: by month %(month)s, %(rate)s%% of the annual plan is done, %(gap)s points behind the "
                "time-elapsed share (%(elapsed)s%%), within the %(yellow)s points allowed."
            )
        return LightResult(Light.GREEN, text % figures, gap, rate)
    if behind <= thresholds.red_above:
        text = _(
            "Yellow: by month %(month)s, %(rate)s%% of the annual plan is done, %(gap)s points behind the "
            "time-elapsed share (%(elapsed)s%%); more than %(yellow)s points behind is yellow."
        )
        return LightResult(Light.YELLOW, text % figures, gap, rate)
    text = _(
        "Red: by month %(month)s, %(rate)s%% of the annual plan is done, %(gap)s points behind the "
        "time-elapsed share (%(elapsed)s%%); more than %(red)s points behind is red."
    )
    return LightResult(Light.RED, text % figures, gap, rate)


@dataclass
class ReportCheck:
    """What a report's figures say: errors refuse it, warnings let it through and are shown."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def check_report(
    *,
    year: int,
    month: int,
    ytd: Decimal,
    previous_ytd: Decimal | None,
    total_investment: Decimal,
    completed_before: Decimal,
    today: dt.date,
    correction_reason: str = "",
) -> ReportCheck:
    """Data checks of a monthly report (issue 3, §4)."""
    result = ReportCheck()
    if (year, month) > (today.year, today.month):
        result.error(
            "month",
            _("%(year)s-%(month)02d is in the future: a month can be reported once it has begun.")
            % {"year": year, "month": month},
        )
    if ytd < 0:
        result.error("ytd_investment", _("The year-to-date investment cannot be negative."))
        return result
    if previous_ytd is not None and ytd < previous_ytd and not correction_reason.strip():
        result.error(
            "ytd_investment",
            _(
                "The year-to-date investment %(ytd)s is lower than last month's %(previous)s; a year-to-date figure "
                "cannot fall. If last month's figure was wrong, correct it, or give a reason for this correction."
            )
            % {"ytd": plain(ytd), "previous": plain(previous_ytd)},
        )
    if total_investment and completed_before + ytd > total_investment:
        result.warnings.append(
            _(
                "Completed before this year plus this year's figure (%(sum)s 万元) is above the total investment "
                "(%(total)s 万元)."
            )
            % {"sum": plain(completed_before + ytd), "total": plain(total_investment)}
        )
    return result
