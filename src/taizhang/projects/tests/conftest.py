"""Fixtures of the key-project ledger's tests: a clock on a known day, projects of unit A and B."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from taizhang.core import clock
from taizhang.core.roles import Role
from taizhang.org import services as org_services
from taizhang.projects.tests.world import make_project_in


def at(y: int, m: int, d: int, hh: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, hh))


@pytest.fixture
def in_july() -> Any:
    """2026-07-03, 09:00: June's reports are due on the 5th."""
    with clock.travel(at(2026, 7, 3)) as moment:
        yield moment


@pytest.fixture
def project_a(world: Any, audit: Any, in_july: Any) -> Any:
    """Unit A's project, planned 1,200 万元 in 2026, total 10,000."""
    return make_project_in(world, world.unit_a, "甲")


@pytest.fixture
def project_b(world: Any, audit: Any, in_july: Any) -> Any:
    return make_project_in(world, world.unit_b, "乙")


@pytest.fixture
def head_a(world: Any, audit: Any) -> Any:
    user = org_services.user_create(actor=world.admin, username="head_a", password="walk-the-scope-2026")
    org_services.membership_create(actor=world.admin, user=user, unit=world.unit_a, role=Role.UNIT_HEAD)
    return user
