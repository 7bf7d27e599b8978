"""The demo's issue ledger (issue 4 §9): every state, the side paths and their counters, overdue issues, a point
outside every area, far-away after photos; built relative to the present, and loud when a story does not fit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from taizhang.core import clock
from taizhang.core.demo import DemoContext
from taizhang.issues import selectors
from taizhang.issues.choices import PendingRequest, Status
from taizhang.issues.demo import Demo, DemoTimelineError
from taizhang.issues.models import Evidence, Issue, IssueEvent, Open311Client
from taizhang.issues.tests.conftest import at
from taizhang.org import routing
from taizhang.org.models import User

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def demo_routing(fresh_indexes, settings):
    """The demo district's default unit is the city management bureau (the other tests' world uses SUP)."""
    settings.TAIZHANG = {**settings.TAIZHANG, "DEFAULT_ROUTING_UNIT": "CGJ"}


def build_demo() -> None:
    call_command("demo", "--quiet-logins", "--steps", "org,issues")
    routing.invalidate()


def test_the_demo_ledger_has_every_state_and_side_path(db):
    build_demo()
    now = clock.now()
    live = Issue.objects.live()
    assert set(live.values_list("status", flat=True)) == set(Status.values)
    assert Issue.objects.filter(voided_at__isnull=False, void_kind="duplicate").exists()
    assert live.filter(pending_request=PendingRequest.EXTENSION).exists()
    assert live.filter(pending_request=PendingRequest.SHELVE).exists()
    counters = live.aggregate(
        rework=Sum("rework_count"),
        extension=Sum("extension_count"),
        reassignment=Sum("reassignment_count"),
        recurrence=Sum("recurrence_count"),
    )
    assert all(counters[name] > 0 for name in counters), counters
    assert live.overdue(now).count() > 0 and live.light("yellow", now).exists() and live.light("green", now).exists()
    assert live.filter(status=Status.CLOSED, closed_on_time=True).exists()
    assert live.filter(status=Status.CLOSED, closed_on_time=False).exists()

    # A hotline call from beyond the district line: routed to the default unit and flagged; Open311 issues wait.
    outside = live.get(routing_fallback=True)
    assert outside.responsible_unit.code == "CGJ" and outside.open311_client is not None
    assert outside.reported_crs == "gcj02" and outside.reported_longitude != outside.longitude
    assert Open311Client.objects.get().issues.filter(status=Status.REGISTERED).exists()

    # After photos taken far from the issue are flagged for the verifier; before photos carry EXIF.
    far = Evidence.objects.filter(kind="after", far_from_issue=True)
    assert far.exists() and all(e.distance_m > 300 for e in far)
    assert not Evidence.objects.filter(kind="before", no_exif=True).exists()

    # The reminder job ran as the demo's last step, and the timeline shows it.
    assert IssueEvent.objects.filter(action="overdue").count() == live.overdue(now).count()
    assert IssueEvent.objects.filter(action="verify_fail").exists()

    # A check round of one day and daily patrols across grid cells and road segments.
    assert live.filter(source__code="checklist").values("registered_at__date").distinct().count() == 1
    assert {"grid", "road"} <= set(live.filter(source__code="patrol").values_list("area__kind", flat=True))

    # What the demo users see: the supervisor's statistics count the demo; the pages answer.
    supervisor = User.objects.get(username="supervisor")
    today = timezone.localdate(now)  # the district's date, not UTC's (they differ from 16:00 UTC)
    period = selectors.Period.of_dates(today - dt.timedelta(days=60), today)
    total = selectors.totals(selectors.statistics(supervisor, period, "unit"))
    assert total["received"] == live.count() and total["overdue_now"] == live.overdue(now).count()
    client = Client()
    client.force_login(supervisor)
    for url in ("/issues/", "/issues/?light=red", "/issues/statistics/", "/issues/map/points/", "/issues/verify/"):
        assert client.get(url).status_code == 200, url


def test_a_step_that_would_fall_in_the_future_or_a_story_that_ends_otherwise_stops_the_demo(db):
    build_demo()
    demo = Demo(DemoContext(write=lambda message: None))
    issue = Issue.objects.live().filter(status=Status.DISPATCHED).first()
    with pytest.raises(DemoTimelineError, match="would fall at"):
        demo.act(issue, clock.now() + dt.timedelta(hours=1), demo.supervisor, "acknowledge")
    assert Issue.objects.get(pk=issue.pk).status == Status.DISPATCHED
    demo.played = [("closed_on_time", issue.pk)]
    with pytest.raises(DemoTimelineError, match=f"{issue.number} \\(closed_on_time: dispatched\\)"):
        demo.check_outcomes()


def test_the_demo_fits_the_day_after_the_national_day_holiday(db):
    """Built on the first workday after a week off (2026-10-08 morning): deadlines stretch over the holiday, and the
    'due soon' story must still be yellow, the 'overdue' ones red, the late ones closed late."""
    with clock.travel(at(2026, 10, 8, 9, 30)):
        build_demo()  # check_outcomes() raises if any story fell short
        now = clock.now()
        live = Issue.objects.live()
        assert live.light("yellow", now).exists() and live.overdue(now).exists()
    assert set(live.values_list("status", flat=True)) == set(Status.values)
