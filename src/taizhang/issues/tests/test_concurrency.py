"""Two people acting on the same issue at once, on a real database with real threads: one wins, the other gets a
conflict (and nothing of theirs is written)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, connections

from taizhang.core import clock
from taizhang.core.audit import Source, audit_context
from taizhang.core.errors import Conflict, TransitionNotAllowed
from taizhang.issues import services
from taizhang.issues.models import Issue, IssueEvent
from taizhang.issues.tests.conftest import at
from taizhang.issues.tests.world import make_issue_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="the in-memory test database of SQLite shares one connection cache between threads and refuses "
        "concurrent writers outright, so two transactions never overlap there. Run on PostgreSQL "
        "(DATABASE_URL=postgres://…).",
    ),
]


def race(world: Any, issue: Issue, calls: list[dict[str, Any]], monkeypatch: Any) -> list[Any]:
    """Run one issue_transition per entry of ``calls`` in its own thread, all released at once. The action's
    effect is slowed down so that the first transaction still holds the issue when the others arrive."""
    original = services._apply

    def slow_apply(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "_apply", slow_apply)
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def act(i: int, call: dict[str, Any]) -> None:
        try:
            barrier.wait()
            with audit_context(call["actor"], Source.WEB), clock.travel(at(2026, 9, 28, 10)):
                outcomes[i] = services.issue_transition(issue=Issue.objects.get(pk=issue.pk), **call)
        except Exception as exc:  # the outcome under test
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


@pytest.fixture
def dispatched(world: Any) -> Issue:
    with audit_context(world.admin, Source.SYSTEM), clock.travel(at(2026, 9, 28)):
        return make_issue_in(world, world.unit_a, "并发")


def test_two_people_on_the_same_version_one_wins_the_other_gets_a_conflict(world, dispatched, monkeypatch):
    head = world.users["reporter_a"]
    seen = dispatched.version
    outcomes = race(
        world,
        dispatched,
        [
            {"actor": head, "action": "acknowledge", "expected_version": seen},
            {
                "actor": world.users["supervisor"],
                "action": "reassign",
                "unit": world.unit_b,
                "reason": "属乙街道",
                "expected_version": seen,
            },
        ],
        monkeypatch,
    )
    won = [o for o in outcomes if isinstance(o, Issue)]
    lost = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert lost[0].status == 409
    issue = Issue.objects.get(pk=dispatched.pk)
    assert issue.version == seen + 1 and issue.status == won[0].status
    assert IssueEvent.objects.filter(issue=issue, action__in=["acknowledge", "reassign"]).count() == 1


def test_the_same_action_twice_at_once_is_taken_once(world, dispatched, monkeypatch):
    """Without a version (an API client that does not send one), the second click finds the state moved on."""
    head = world.users["reporter_a"]
    outcomes = race(
        world,
        dispatched,
        [{"actor": head, "action": "acknowledge"}, {"actor": head, "action": "acknowledge"}],
        monkeypatch,
    )
    assert sum(isinstance(o, Issue) for o in outcomes) == 1, outcomes
    refused = next(o for o in outcomes if not isinstance(o, Issue))
    assert isinstance(refused, TransitionNotAllowed) and refused.status == 409
    assert IssueEvent.objects.filter(issue=dispatched, action="acknowledge").count() == 1
    assert Issue.objects.get(pk=dispatched.pk).acknowledged_at is not None
