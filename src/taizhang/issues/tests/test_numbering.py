"""Issue numbers under concurrency: registrations racing from several threads get consecutive numbers."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from taizhang.core.audit import Source, audit_context
from taizhang.issues.models import Issue, IssueCounter
from taizhang.issues.tests.conftest import at
from taizhang.issues.tests.world import grid_of, make_issue_in

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 4
EACH = 5


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the in-memory test database of SQLite shares one cache between threads and refuses concurrent "
    "writers outright; a real SQLite file serialises them (IMMEDIATE transactions). Run on PostgreSQL.",
)
def test_concurrent_registrations_get_consecutive_numbers(world):
    with audit_context(world.admin, Source.SYSTEM):
        grid_of(world, world.unit_a)
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def register_some() -> None:
        from taizhang.core import clock

        try:
            barrier.wait()
            with audit_context(world.admin, Source.API), clock.travel(at(2026, 9, 28)):
                for _i in range(EACH):
                    make_issue_in(world, world.unit_a, "并发")
        except BaseException as exc:  # reported below, with the thread's traceback
            errors.append(exc)
        finally:
            from django.db import connections

            connections.close_all()

    threads = [threading.Thread(target=register_some) for _i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    numbers = sorted(Issue.objects.values_list("sequence", flat=True))
    assert numbers == list(range(1, THREADS * EACH + 1)), connection.vendor
    assert IssueCounter.objects.get(year=2026).last == THREADS * EACH
