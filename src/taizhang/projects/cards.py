"""The home-page card of the key-project ledger: this year's lights, last month's reporting, the review queue."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from taizhang.core.roles import Role
from taizhang.core.scoping import scope_for
from taizhang.dashboard.cards import Card, register
from taizhang.projects import selectors
from taizhang.projects.choices import Light, ReportStatus
from taizhang.projects.services import today


def projects_card(user: Any) -> dict[str, Any] | None:
    scope = scope_for(user)
    if scope.is_empty:
        return None
    year = selectors.current_year(user)
    lights = dict(selectors.plan_list(user, year).order_by().values_list("light").annotate(n=Count("pk")))
    count = sum(lights.values())
    if not count:
        return None
    card: dict[str, Any] = {
        "year": year,
        "count": count,
        "lights": {light: lights.get(light, 0) for light in Light.values},
        "to_review": selectors.review_queue(user).count() if user.has_perm("projects.review_report") else None,
        "reporting": None,
    }
    if scope.roles & {Role.REPORTER, Role.UNIT_HEAD}:
        units = selectors.reporting_units(user)
        day = today()
        y, m = (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
        expected = selectors.plan_list(user, y).filter(project__responsible_unit__in=units).count()
        statuses = dict(
            selectors.report_list(user)
            .filter(year=y, month=m, is_latest=True, project__responsible_unit__in=units)
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        if expected:
            card["reporting"] = {
                "period": f"{y}-{m:02d}",
                "expected": expected,
                "draft": statuses.get(ReportStatus.DRAFT, 0),
                "submitted": statuses.get(ReportStatus.SUBMITTED, 0),
                "returned": statuses.get(ReportStatus.RETURNED, 0),
                "approved": statuses.get(ReportStatus.APPROVED, 0),
                "missing": expected - sum(statuses.values()),
            }
    return card


register(Card(key="projects.ledger", template="projects/card_projects.html", context=projects_card, order=10, width=6))
