"""The statistics, figure by figure, on a ledger whose every issue's story is known: closed on time, closed late,
shelved, overdue, reworked, reopened — through the selector, the page and the API, by unit, category, area, source
and week. On-time closure rate = closed on time ÷ (due − shelved); by week, each figure in the week of its date."""

from __future__ import annotations

import datetime as dt
import json
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
FIGURES = selectors.FIGURES


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


# received closed due on-time shelved overdue (in the period) overdue-now rework recurrences rate
# A: 2 ÷ (5 − 1); overdue A2 (closed late) and A4 (open); A6 was reopened: not closed, not yet due
UNIT_A = (6, 3, 5, 2, 1, 2, 1, 1, 1, Decimal("0.5"))
UNIT_B = (3, 2, 3, 2, 0, 1, 1, 0, 0, Decimal("2") / 3)
DUMP = (8, 4, 7, 3, 1, 3, 2, 1, 1, Decimal("0.5"))  # 3 ÷ (7 − 1)
MANHOLE = (1, 1, 1, 1, 0, 0, 0, 0, 0, Decimal("1"))
ALL = (9, 5, 8, 4, 1, 3, 2, 1, 1, Decimal("4") / 7)


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
        ("2026-09-28", rounded((9, 4, 8, 4, 1, 3, 2, 1, 1, Decimal(4) / 7))),
        ("2026-10-05", (0, 1, 0, 0, 0, 0, 0, 0, 0, None)),
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
    assert rounded(figures(october_a)) == (0, 1, 0, 0, 0, 0, 1, 0, 0, None)


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
@pytest.mark.parametrize("by", ["unit", "week", "area", "category", "area of unit B"])
def test_counting_key_by_key_gives_the_figures_of_grouping_issue_by_issue(world, ledger, monkeypatch, by):
    """On PostgreSQL the district's figures by unit, area, category and week are counted key by key (index range
    by index range); they are those of grouping issue by issue, for periods before, around and after the ledger's,
    and for a unit's areas alone."""
    office = world.users["supervisor"]
    by, area_unit = ("area", world.unit_b) if by == "area of unit B" else (by, None)
    periods = [
        PERIOD,
        selectors.Period.of_dates(dt.date(2026, 9, 29), dt.date(2026, 10, 1)),  # starts on a Tuesday
        selectors.Period.of_dates(dt.date(2026, 10, 10), dt.date(2026, 12, 31)),  # ends after now
        selectors.Period.of_dates(dt.date(2026, 1, 1), dt.date(2026, 3, 1)),  # nothing in it
    ]
    with clock.travel(NOW):
        per_key = [selectors.statistics(office, period, by, area_unit=area_unit) for period in periods]
        monkeypatch.setattr(selectors, "_per_key_supported", lambda qs: False)
        grouped = [selectors.statistics(office, period, by, area_unit=area_unit) for period in periods]
    assert per_key == grouped and all(per_key[:2])  # (figures to compare, not empty lists)


def test_overdue_in_a_period_is_of_its_own_deadlines_and_a_past_period_lists_no_later_week(world, ledger):
    """Overdue (in the period) counts the issues due in the period that missed their deadline; by week, overdue
    now too is of the issues due in the period. Monday and Tuesday of the ledger's week: only the two-hour manhole
    (B2) fell due, in time; A4 and B1, open and overdue now, fell due on the Wednesday, after the period."""
    office = world.users["supervisor"]
    two_days = selectors.Period.of_dates(dt.date(2026, 9, 28), dt.date(2026, 9, 29))
    before = selectors.Period.of_dates(dt.date(2026, 9, 1), dt.date(2026, 9, 27))
    with clock.travel(NOW):
        weeks = selectors.statistics(office, two_days, "week")
        units = {r["name"]: rounded(figures(r)) for r in selectors.statistics(office, two_days, "unit")}
        assert selectors.statistics(office, before, "week") == []  # no week after the period's end
    # received 9; closed A1, B2, B3 (A6's closing was undone by its reopening); due and on time: B2
    assert [(w["name"], rounded(figures(w))) for w in weeks] == [
        ("2026-09-28", (9, 3, 1, 1, 0, 0, 0, 1, 1, Decimal(1))),
    ]
    # by unit, overdue now is the state today, whatever the period
    assert units["甲街道"] == (6, 1, 0, 0, 0, 0, 1, 1, 1, None)
    assert units["乙街道"] == (3, 2, 1, 1, 0, 0, 1, 0, 0, Decimal(1))


def test_a_closure_asked_for_after_the_deadline_is_overdue_one_asked_in_time_is_not(world, audit, inspectors):
    """Both wait for verification: neither is closed on time yet, neither is overdue now (the clock stopped), but
    only the one asked for after its deadline (Wednesday 17:30) missed it."""
    a = world.users["reporter_a"]
    with clock.travel(at(2026, 9, 28, 9)):
        in_time, late = (make_issue_in(world, world.unit_a, name) for name in ("C1", "C2"))
    ask_to_close(rectify(in_time, at(2026, 9, 29, 10), a), at(2026, 9, 29, 10), a)
    ask_to_close(rectify(late, at(2026, 9, 29, 10), a), at(2026, 10, 9, 10), a)
    with clock.travel(NOW):
        [row] = selectors.statistics(world.users["supervisor"], PERIOD, "unit")
    #                              received closed due on-time shelved overdue now rework recurrences rate
    assert rounded(figures(row)) == (2, 0, 2, 0, 0, 1, 0, 0, 0, Decimal(0))


def shown_rows(page: str) -> list[tuple[str, dict[str, str]]]:
    rows = re.findall(r'<tr data-testid="stats-row">\s*<td>(.*?)</td>(.*?)</tr>', page, re.S)
    return [(name, dict(re.findall(r'data-field="(\w+)">([^<]*)<', cells))) for name, cells in rows]


def shown_total(page: str) -> dict[str, str]:
    footer = re.search(r'data-testid="stats-total">(.*?)</tr>', page, re.S)
    assert footer is not None
    return dict(re.findall(r'data-field="(\w+)">([^<]*)<', footer.group(1)))


def test_the_table_is_paged_in_the_chosen_order_and_its_links_keep_the_period_grouping_and_order(
    world, ledger, monkeypatch
):
    """A district has 10,000 areas: the table shows a page of them, the most overdue first, the chart the first
    rows, the total every row; the page links keep the period, the grouping and the order. (One row a page here.)"""
    from taizhang.issues import views

    monkeypatch.setattr(views, "STATISTICS_PAGE", 1)
    monkeypatch.setattr(views, "CHART_ROWS", 1)
    grid_a, grid_b = grid_of(world, world.unit_a).name, grid_of(world, world.unit_b).name
    client = client_for(world.users["supervisor"])
    query = {"by": "area", "start": "2026-09-01", "end": "2026-10-12"}
    with clock.travel(NOW):
        first = client.get("/issues/statistics/", query).content.decode()
        second = client.get("/issues/statistics/", {**query, "page": "2"}).content.decode()
        by_order = {
            order: [
                name
                for name, _ in shown_rows(client.get("/issues/statistics/", {**query, "sort": order}).content.decode())
            ]
            for order in ("overdue", "received", "rate", "name", "overdue_now")
        }
    assert [name for name, _ in shown_rows(first)] == [grid_a]  # 2 overdue against 1
    assert shown_rows(first)[0][1]["overdue"] == "2" and shown_rows(first)[0][1]["overdue_now"] == "1"
    assert [name for name, _ in shown_rows(second)] == [grid_b]
    # the total is every row's, on every page
    assert shown_total(first) == shown_total(second)
    assert shown_total(first)["received"] == "9" and shown_total(first)["overdue"] == "3"
    assert "Total of all 2 rows" in first and "Rows 1–1 of 2" in first and "Rows 2–2 of 2" in second
    assert 'href="?by=area&amp;start=2026-09-01&amp;end=2026-10-12&amp;sort=overdue&amp;page=2"' in first
    assert 'href="?by=area&amp;start=2026-09-01&amp;end=2026-10-12&amp;sort=overdue&amp;page=1"' in second
    # the order chooser shows the order the table is in when none was chosen
    assert re.search(r'<option value="overdue"[^>]*selected', first)
    assert not re.search(r'<option value="name"[^>]*selected', first)
    # the chart: the first row of the order only, and the page says so
    chart = json.loads(re.search(r'<script id="stats-data" type="application/json">(.*?)</script>', first).group(1))
    assert chart["names"] == [grid_a] and chart["overdue"] == [2] and 'data-testid="chart-cut"' in first
    # received 6 against 3; rate 50% against 67%, lowest first; names in order (乙 before 甲); ties keep that order
    assert by_order == {
        "overdue": [grid_a],
        "received": [grid_a],
        "rate": [grid_a],
        "name": [grid_b],
        "overdue_now": [grid_b],  # one each: the order of the names
    }


def test_the_areas_of_one_unit_and_what_the_page_says_to_bad_input(world, ledger, monkeypatch):
    from taizhang.issues import views

    monkeypatch.setattr(views, "STATISTICS_PAGE", 1)
    client = client_for(world.users["supervisor"])
    query = {"by": "area", "start": "2026-09-01", "end": "2026-10-12"}
    with clock.travel(NOW):
        mine = client.get("/issues/statistics/", {**query, "unit": world.unit_b.pk}).content.decode()
        far_page = client.get("/issues/statistics/", {**query, "page": "99"})
        not_a_page = client.get("/issues/statistics/", {**query, "page": "x"})
        bad_order = client.get("/issues/statistics/", {**query, "sort": "worst"})
        bad_unit = client.get("/issues/statistics/", {**query, "unit": "999999"})
        by_week = client.get("/issues/statistics/", {**query, "by": "week", "page": "2"}).content.decode()
    # only unit B's areas, and the total is theirs: one row, no pages
    assert [name for name, _ in shown_rows(mine)] == [grid_of(world, world.unit_b).name]
    assert shown_total(mine)["received"] == "3" and 'data-testid="stats-pages"' not in mine
    assert f'<option value="{world.unit_b.pk}" selected>乙街道</option>' in mine
    assert [name for name, _ in shown_rows(far_page.content.decode())] == [grid_of(world, world.unit_b).name]
    assert [name for name, _ in shown_rows(not_a_page.content.decode())] == [grid_of(world, world.unit_a).name]
    for response, field in ((bad_order, "order"), (bad_unit, "areas of")):
        assert response.status_code == 200
        error = re.search(r'data-testid="period-error">(.*?)</div>', response.content.decode(), re.S)
        assert error is not None and error.group(1).startswith(f"{field}: Select a valid choice")
        assert shown_total(response.content.decode())["received"] == "9"  # the period chosen still holds
    # weeks are few and in their order: never paged
    assert len(shown_rows(by_week)) == 2 and 'data-testid="stats-pages"' not in by_week
