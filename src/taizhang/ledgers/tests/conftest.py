"""Fixtures for the spreadsheet engine's tests."""

from __future__ import annotations

from typing import Any

import pytest

from taizhang.core.roles import Role
from taizhang.core.testing.personas import PASSWORD
from taizhang.ledgers import importing, services
from taizhang.ledgers.models import ImportBatch
from taizhang.ledgers.tests.files import upload


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Progress and cancel signals live in the cache; primary keys repeat between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def head_a(world: Any, audit: Any) -> Any:
    """The head of unit A: may manage the people of A and its sub-unit A1."""
    from taizhang.org import services as org

    user = org.user_create(actor=world.admin, username="head_a", password=PASSWORD)
    org.membership_create(actor=world.admin, user=user, unit=world.unit_a, role=Role.UNIT_HEAD)
    world.users["head_a"] = user
    return user


def check(actor: Any, data: bytes, *, kind: str = "people", name: str = "roster.xlsx", **kwargs: Any) -> ImportBatch:
    """Upload and check a file at once, as the command line does."""
    batch = services.import_batch_create(actor=actor, kind=kind, upload=upload(data, name), run="caller", **kwargs)
    return importing.analyse(batch, actor)


def commit(batch: ImportBatch, actor: Any) -> ImportBatch:
    services.import_batch_commit(actor=actor, batch=batch, run="caller")
    return services.run_commit(batch, actor)
