"""Home-page cards: the user's work queue and lights; a warning for administrators when the calendar lacks a year."""

from __future__ import annotations

from typing import Any

from taizhang.core import workdays
from taizhang.core.roles import Role
from taizhang.core.scoping import scope_for
from taizhang.dashboard.cards import Card, register
from taizhang.issues import selectors


def issues_card(user: Any) -> dict[str, Any] | None:
    scope = scope_for(user)
    if scope.is_empty:
        return None
    queue = selectors.work_queue(user)
    return {
        "lights": selectors.light_counts(user),
        "to_acknowledge": queue.filter(status="dispatched").count(),
        "to_rectify": queue.filter(status__in=["acknowledged", "rectifying"]).count(),
        "to_verify": selectors.verification_queue(user).count(),
        "has_queue": bool(selectors.queue_units(user)),
        "verifies": scope.district_write or Role.INSPECTOR in scope.roles,
    }


def calendar_card(user: Any) -> dict[str, Any] | None:
    if Role.ADMIN not in scope_for(user).roles:
        return None
    warnings = workdays.warnings_for()
    return {"warnings": warnings} if warnings else None


register(Card(key="issues.work", template="issues/card_issues.html", context=issues_card, order=20, width=6))
register(Card(key="issues.calendar", template="issues/card_calendar.html", context=calendar_card, order=5, width=12))
