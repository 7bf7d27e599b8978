"""Derived figures of the issue ledger: deadlines, lights, on-time closure rate. Pure functions, no ORM.

Every light explains itself ("red: 2 workdays overdue (deadline 2026-10-09 17:30)").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from taizhang.core.workdays import WorkdayCalendar
from taizhang.issues.choices import CLOCK_RUNNING, Light, Status, TimeUnit


@dataclass(frozen=True)
class TimeLimit:
    amount: int
    unit: str  # TimeUnit
    yellow_lead: int  # same unit


def limit_of(category: Any) -> TimeLimit:
    return TimeLimit(category.time_limit, category.time_unit, category.yellow_lead)


def deadline_for(limit: TimeLimit, start: dt.datetime, calendar: WorkdayCalendar) -> dt.datetime:
    """When an issue registered at ``start`` is due: N workdays → close of the N-th workday after; N hours →
    N working hours later."""
    if limit.unit == TimeUnit.HOURS:
        return calendar.shift_working_hours(start, limit.amount)
    return calendar.after_workdays(start, limit.amount)


def yellow_from(limit: TimeLimit, deadline: dt.datetime, calendar: WorkdayCalendar) -> dt.datetime:
    """When the light turns yellow: the category's lead time before the deadline, counted the same way."""
    if limit.yellow_lead <= 0:
        return deadline
    if limit.unit == TimeUnit.HOURS:
        return calendar.shift_working_hours(deadline, -limit.yellow_lead)
    return calendar.before_workdays(deadline, limit.yellow_lead)


@dataclass(frozen=True)
class LightInfo:
    colour: str  # green, yellow, red, or "" for issues whose clock does not run
    label: str
    explanation: str

    def __str__(self) -> str:
        return self.label


def _when(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def light_of(issue: Any, now: dt.datetime) -> LightInfo:
    """The light of an issue now, and the sentence that explains it."""
    if issue.voided_at is not None:
        return LightInfo("", _("voided"), _("The issue is voided."))
    if issue.status == Status.CLOSED:
        on_time = _("on time") if issue.closed_on_time else _("late")
        return LightInfo("", _("closed"), _("Closed %(on_time)s.") % {"on_time": on_time})
    if issue.status == Status.SHELVED:
        review = issue.shelve_review_date
        if review is not None and timezone.localtime(now).date() >= review:
            return LightInfo(
                "",
                _("review due"),
                _("Shelved until %(date)s: the review date has come; the supervision office should review it.")
                % {"date": review},
            )
        return LightInfo(
            "", _("shelved"), _("Shelved until %(date)s; the clock is stopped.") % {"date": issue.shelve_review_date}
        )
    if issue.status not in CLOCK_RUNNING:
        return LightInfo("", _("awaiting verification"), _("Closure requested; the clock is stopped."))
    deadline = _when(issue.deadline)
    if now > issue.deadline:
        return LightInfo(
            Light.RED,
            str(Light.RED.label),
            _("Overdue since %(deadline)s (%(days)s).") % {"deadline": deadline, "days": _late(now - issue.deadline)},
        )
    if now >= issue.yellow_at:
        return LightInfo(
            Light.YELLOW,
            str(Light.YELLOW.label),
            _("Due %(deadline)s; within the category's lead time since %(yellow)s.")
            % {"deadline": deadline, "yellow": _when(issue.yellow_at)},
        )
    return LightInfo(
        Light.GREEN,
        str(Light.GREEN.label),
        _("Due %(deadline)s; turns yellow at %(yellow)s.") % {"deadline": deadline, "yellow": _when(issue.yellow_at)},
    )


def _late(delta: dt.timedelta) -> str:
    if delta.days >= 1:
        return _("%(n)d days late") % {"n": delta.days}
    return _("%(n)d hours late") % {"n": max(1, delta.seconds // 3600)}


def on_time_rate(closed_on_time: int, due: int, shelved: int) -> Decimal | None:
    """按期办结率 = closed on time ÷ (due − shelved), as a ratio rounded to four places; None when nothing was due."""
    denominator = due - shelved
    if denominator <= 0:
        return None
    return (Decimal(closed_on_time) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def closed_on_time(closure_requested_at: dt.datetime | None, deadline: dt.datetime) -> bool:
    """A unit closes on time when the closure request that passed verification came before the deadline."""
    return closure_requested_at is not None and closure_requested_at <= deadline
