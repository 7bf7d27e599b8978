"""The statistics, figure by figure, on a ledger whose every issue's story is known: closed on time, closed late,
shelved, overdue, reworked, reopened — through the selector, the page and the API, by unit, category, area, source
and week. On-time closure rate = closed on time ÷ (due − shelved); by week, each figure in the week of its date."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from taizhang.core import clock
from taizhang.issues import selectors, services
from taizhang.issues.models import Issue
from taizhang.issues.sample_photos import photo
from taizhang.issues.tests.conftest import at
from taizhang.issues.tests.world import grid_of, make_issue_in

NOW = at(2026, 10, 12, 10)  # a Monday after the National Day holiday
PERIOD = selectors.Period.of_dates(dt.date(2026, 9, 1), dt.date(2026, 10, 12))
FIGURES = ("received", "closed", "due", "due_closed_on_time", "due_shelved", "overdue_now", "rework", "recurrences")


def act(issue: Issue, when: dt.datetime, actor: Any, action: str, **params: Any) -> Issue:
    with clock.travel(when):
        return services.issue_transition(actor=actor, issue=issue, action=action, **params)


def ask_to_close(issue: Issue, when: dt.datetime, worker: Any) -> Issue:
    with clock.travel(when):
        services.evidence_add(actor=worker, issue=issue, kind="after", file=photo())
        return services.issue_transition(actor=worker, issue=issue, action="request_closure", measures="已整改")


def rectify(issue: Issue, when: dt.datetime, worker: Any) -> Issue:
    issue = act(issue, when, worker, "acknowledge")
    return act(issue, when, worker, "start")


@pytest.fixture
def ledger(world, audit, inspectors):
    """Registered on Monday 2026-09-28 09:00. 乱堆乱放 (2 workdays) is due Wednesday 09-30 17:30; 井盖缺失 (2 working
    hours) at 11:00 the same day."""
    a, b = world.users["reporter_a"], world.users["reporter_b"]
    inspector, office = inspectors[0], world.users["supervisor"]
    with clock.travel(at(2026, 9, 28, 9)):
        issues = {name: make_issue_in(world, world.unit_a, name) for name in ("A1", "A2", "A3", "A4", "A5", "A6")}
        issues |= {name: make_issue_in(world, world.unit_b, name) for name in ("B1", "B3")}
        issues["B2"] = make_issue_in(world, world.unit_b, "B2", category=world.data["categories"]["manhole"])
    assert issues["A1"].deadline == at(2026, 9, 30, 17, 30) and issues["B2"].deadline == at(2026, 9, 28, 11)
    day2 = at(2026, 9, 29, 10)

    # A1: closed on time.
    closing = ask_to_close(rectify(issues["A1"], day2, a), day2, a)
    act(closing, at(2026, 9, 29, 15), inspector, "verify_pass")
    # A2: asked to close after the deadline (and the holiday): closed late.
    closing = ask_to_close(rectify(issues["A2"], day2, a), at(2026, 10, 9, 10), a)
    act(closing, at(2026, 10, 9, 11), inspector, "verify_pass")
    # A3: shelved, with its deadline in the period: out of the rate's denominator.
    asked = act(
        rectify(issues["A3"], day2, a), day2, a, "request_shelve", review_date=dt.date(2026, 12, 1), reason="拆迁"
    )
    act(asked, at(2026, 9, 29, 11), office, "approve_shelve")
    # A4: acknowledged and left: overdue now.
    act(issues["A4"], day2, a, "acknowledge")
    # A5: failed once (a rework), then closed on time.
    closing = ask_to_close(rectify(issues["A5"], day2, a), day2, a)
    failed = act(closing, at(2026, 9, 29, 11), inspector, "verify_fail", reason="未彻底")
    act(ask_to_close(failed, at(2026, 9, 30, 9), a), at(2026, 9, 30, 10), inspector, "verify_pass")
    # A6: closed on time, then came back (a recurrence) with a fresh deadline after now.
    closing = ask_to_close(rectify(issues["A6"], day2, a), day2, a)
    passed = act(closing, at(2026, 9, 29, 11), inspector, "verify_pass")
    reopened = act(passed, at(2026, 10, 12, 9), inspector, "reopen", reason="反弹")
    assert reopened.deadline > NOW
    # B1: never acknowledged: overdue now. B2: the two-hour manhole, closed in time. B3: closed on time.
    closing = ask_to_close(rectify(issues["B2"], at(2026, 9, 28, 9, 30), b), at(2026, 9, 28, 10), b)
    act(closing, at(2026, 9, 28, 10, 30), inspector, "verify_pass")
    closing = ask_to_close(rectify(issues["B3"], day2, b), day2, b)
    act(closing, at(2026, 9, 29, 16), inspector, "verify_pass")
    return issues


def figures(row: dict[str, Any]) -> tuple[Any, ...]:
    return (*(row[f] for f in FIGURES), row["rate"])


#                   received closed due on-time shelved overdue rework recurrences rate
UNIT_A = (6, 3, 5, 2, 1, 1, 1, 1, Decimal("0.5"))  # 2 ÷ (5 − 1); A6 was reopened: not closed, not yet due
UNIT_B = (3, 2, 3, 2, 0, 1, 0, 0, Decimal("2") / 3)
DUMP = (8, 4, 7, 3, 1, 2, 1, 1, Decimal("0.5"))  # 3 ÷ (7 − 1)
MANHOLE = (1, 1, 1, 1, 0, 0, 0, 0, Decimal("1"))
ALL = (9, 5, 8, 4, 1, 2, 1, 1, Decimal("4") / 7)


def rounded(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return (*values[:-1], round(values[-1], 4) if values[-1] is not None else None)


def test_the_figures_by_unit_category_area_source_and_week(world, ledger):
    office = world.users["supervisor"]
    with clock.travel(NOW):
        by_unit = {r["name"]: rounded(figures(r)) for r in selectors.statistics(office, PERIOD, "unit")}
        by_category = {r["name"]: rounded(figures(r)) for r in selectors.statistics(office, PERIOD, "category")}
        by_area = {r["name"]: rounded(figures(r)) for r in selectors.statistics(office, PERIOD, "area")}
        by_source = [rounded(figures(r)) for r in selectors.statistics(office, PERIOD, "source")]
        weeks = selectors.statistics(office, PERIOD, "week")
        total = selectors.totals(selectors.statistics(office, PERIOD, "unit"))
    assert by_unit == {"甲街道": rounded(UNIT_A), "乙街道": rounded(UNIT_B)}
    assert by_category == {"乱堆乱放": rounded(DUMP), "井盖缺失": rounded(MANHOLE)}
    assert by_area == {
        grid_of(world, world.unit_a).name: rounded(UNIT_A),
        grid_of(world, world.unit_b).name: rounded(UNIT_B),
    }
    assert by_source == [rounded(ALL)]  # every issue came from a patrol
    # By week, each figure in the week of its own date: A2 was closed (late) in the week of 10-05.
    assert [(w["name"], rounded(figures(w))) for w in weeks] == [
        ("2026-09-28", rounded((9, 4, 8, 4, 1, 2, 1, 1, Decimal(4) / 7))),
        ("2026-10-05", (0, 1, 0, 0, 0, 0, 0, 0, None)),
    ]
    assert rounded(figures(total)) == rounded(ALL)


def test_a_unit_sees_its_own_figures_and_a_later_period_counts_only_what_falls_in_it(world, ledger):
    with clock.travel(NOW):
        mine = selectors.statistics(world.users["reporter_a"], PERIOD, "unit")
        october = selectors.statistics(
            world.users["supervisor"], selectors.Period.of_dates(dt.date(2026, 10, 1), dt.date(2026, 10, 12)), "unit"
        )
    assert [(r["name"], rounded(figures(r))) for r in mine] == [("甲街道", rounded(UNIT_A))]
    # October: nothing received or due; A2 closed late on 10-09; overdue now is now, whatever the period.
    october_a = next(r for r in october if r["name"] == "甲街道")
    assert rounded(figures(october_a)) == (0, 1, 0, 0, 0, 1, 0, 0, None)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_page_and_the_api_show_the_same_figures(world, ledger):
    office = world.users["supervisor"]
    query = {"start": "2026-09-01", "end": "2026-10-12", "by": "unit"}
    with clock.travel(NOW):
        page = client_for(office).get("/issues/statistics/", query).content.decode()
        api = APIClient()
        api.force_authenticate(office)
        body = api.get("/api/issue-statistics/", query).json()
        by_category = api.get("/api/issue-statistics/", {**query, "by": "category"}).json()
    rows = re.findall(r'<tr data-testid="stats-row">\s*<td>(.*?)</td>(.*?)</tr>', page, re.S)
    shown = {name: dict(re.findall(r'data-field="(\w+)">([^<]*)<', cells)) for name, cells in rows}
    assert shown["甲街道"]["received"] == "6" and shown["甲街道"]["closed"] == "3" and shown["甲街道"]["due"] == "5"
    assert shown["甲街道"]["rate"] == "50.0%" and shown["乙街道"]["rate"] == "66.7%"
    assert shown["甲街道"]["overdue_now"] == "1" and shown["甲街道"]["rework"] == "1"
    api_rows = {r["name"]: r for r in body["rows"]}
    assert [api_rows["甲街道"][f] for f in FIGURES] == list(UNIT_A[:-1])
    assert Decimal(api_rows["甲街道"]["rate"]) == Decimal("0.5")
    assert Decimal(body["total"]["rate"]).quantize(Decimal("0.0001")) == Decimal("0.5714")
    assert body["total"]["received"] == 9 and body["total"]["overdue_now"] == 2
    categories = {r["name"]: r for r in by_category["rows"]}
    assert Decimal(categories["井盖缺失"]["rate"]) == 1 and categories["乱堆乱放"]["due_shelved"] == 1


def test_weeks_run_monday_to_monday_at_local_midnight_and_clip_to_the_range():
    """The weeks the statistics count range by range are those TruncWeek cuts: local Monday midnights, also
    across a daylight-saving change (Berlin, 2026-10-25), the first and last cut to the range."""
    with timezone.override("Europe/Berlin"):
        zone = timezone.get_current_timezone()
        start = timezone.make_aware(dt.datetime(2026, 10, 14, 12), zone)  # a Wednesday
        end = timezone.make_aware(dt.datetime(2026, 10, 29), zone)  # a Thursday
        weeks = selectors.weeks_of(start, end)
    mondays = [timezone.make_aware(dt.datetime(2026, 10, day), zone) for day in (12, 19, 26)]
    assert [w[0] for w in weeks] == mondays
    assert weeks[0][1:] == (start, mondays[1]) and weeks[1][1:] == (mondays[1], mondays[2])
    assert weeks[2][1:] == (mondays[2], end)
    assert mondays[2].timestamp() - mondays[1].timestamp() == 7 * 86400 + 3600  # the clocks went back
    assert selectors.weeks_of(end, start) == [] and selectors.weeks_of(start, start) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="counting key by key is PostgreSQL's")
@pytest.mark.parametrize("by", ["unit", "week"])
def test_counting_key_by_key_gives_the_figures_of_grouping_issue_by_issue(world, ledger, monkeypatch, by):
    """On PostgreSQL the district's figures by unit and by week are counted key by key (index range by index
    range); they are those of grouping issue by issue, for periods before, around and after the ledger's."""
    office = world.users["supervisor"]
    periods = [
        PERIOD,
        selectors.Period.of_dates(dt.date(2026, 9, 29), dt.date(2026, 10, 1)),  # starts on a Tuesday
        selectors.Period.of_dates(dt.date(2026, 10, 10), dt.date(2026, 12, 31)),  # ends after now
        selectors.Period.of_dates(dt.date(2026, 1, 1), dt.date(2026, 3, 1)),  # nothing in it
    ]
    with clock.travel(NOW):
        per_key = [selectors.statistics(office, period, by) for period in periods]
        monkeypatch.setattr(selectors, "_per_key_supported", lambda qs: False)
        grouped = [selectors.statistics(office, period, by) for period in periods]
    assert per_key == grouped and all(per_key[:2])  # (figures to compare, not empty lists)
