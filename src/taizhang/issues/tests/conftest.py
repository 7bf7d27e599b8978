"""Fixtures of the issue ledger's tests: inspectors, a clock on a known day, issues in unit A and B."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from taizhang.core import clock, workdays
from taizhang.core.roles import Role
from taizhang.issues import open311
from taizhang.issues.routing import active_rules, areas
from taizhang.issues.tests.world import make_issue_in
from taizhang.org import routing
from taizhang.org import services as org_services


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm))


@pytest.fixture(autouse=True)
def fresh_indexes(settings: Any) -> None:
    """Areas and overrides made in a test's transaction never commit, so nothing rebuilds the indexes: do it.
    The supervision office of the test world receives what no area claims."""
    routing.invalidate()
    workdays.invalidate()
    active_rules.invalidate()
    areas.invalidate()
    open311.clients.invalidate()
    open311.service_codes.invalidate()
    settings.TAIZHANG = {**settings.TAIZHANG, "DEFAULT_ROUTING_UNIT": "SUP"}


@pytest.fixture
def inspectors(world: Any, audit: Any) -> tuple[Any, Any]:
    """Two inspectors of the supervision office (district-wide verification)."""
    made = []
    for name in ("inspector_1", "inspector_2"):
        user = org_services.user_create(actor=world.admin, username=name, password="walk-the-scope-2026")
        org_services.membership_create(actor=world.admin, user=user, unit=world.units["SUP"], role=Role.INSPECTOR)
        made.append(user)
    return made[0], made[1]


@pytest.fixture
def head_a(world: Any, audit: Any) -> Any:
    user = org_services.user_create(actor=world.admin, username="head_a", password="walk-the-scope-2026")
    org_services.membership_create(actor=world.admin, user=user, unit=world.unit_a, role=Role.UNIT_HEAD)
    return user


@pytest.fixture
def monday() -> Any:
    """Monday 2026-09-28, 09:00: the week before National Day."""
    with clock.travel(at(2026, 9, 28)) as moment:
        yield moment


@pytest.fixture
def issue_a(world: Any, audit: Any, monday: Any) -> Any:
    """A dispatched issue of unit A (乱堆乱放: 2 workdays, yellow 1 workday ahead)."""
    return make_issue_in(world, world.unit_a, "甲")


@pytest.fixture
def issue_b(world: Any, audit: Any, monday: Any) -> Any:
    return make_issue_in(world, world.unit_b, "乙")
