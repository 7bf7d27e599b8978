"""Acceptance, in headless Chromium as the users meet it (issue 3).

A reporter fills last month for its unit on the reporting page, row by row without the page reloading, and
submits; the supervision office returns one report with a reason; the reporter sees the reason, corrects the
figure and submits again; the office approves both; the district summary and the lights on the ledger change.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from taizhang.core.audit import Source, audit_context
from taizhang.core.testing.browser import chromium_page, login
from taizhang.core.testing.personas import PASSWORD
from taizhang.projects import rules, services
from taizhang.projects.models import MonthlyReport, YearPlan
from taizhang.projects.tests.world import make_project_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def switch_user(page: Any, username: str) -> None:
    page.wait_for_load_state("networkidle")
    page.goto("about:blank")
    page.context.clear_cookies()
    login(page, username, PASSWORD)


def row(page: Any, code: str) -> Any:
    return page.locator(f"[data-testid=row][data-code='{code}']")


def settled(page: Any, code: str, status: str) -> Any:
    """The row once the server has answered with it in ``status`` (the row is replaced, not the page)."""
    found = page.locator(f"[data-testid=row][data-code='{code}'][data-status='{status}']")
    found.wait_for()
    return found


def review_row(page: Any, code: str) -> Any:
    return page.locator(f"[data-testid=review-row][data-code='{code}']")


def ledger_lights(page: Any, year: int) -> dict[str, str]:
    page.goto(f"/projects/?year={year}")
    lights = {}
    for code in ("GC-A1", "GC-A2"):
        line = page.locator("[data-testid=ledger-table] tbody tr", has_text=code)
        lights[code] = line.locator(".tz-light").get_attribute("data-light")
    return lights


def expected_light(ytd: int, month: int) -> str:
    return rules.light_for(
        planned=Decimal(1200), ytd=Decimal(ytd), month=month, thresholds=rules.DEFAULT_THRESHOLDS
    ).light


def test_a_month_reported_returned_corrected_and_approved(live_server, world):
    year, month = (
        (services.today().year - 1, 12)
        if services.today().month == 1
        else (services.today().year, services.today().month - 1)
    )
    with audit_context(world.admin, Source.SYSTEM):
        for code, name in (("GC-A1", "甲道路工程"), ("GC-A2", "甲游园工程")):
            make_project_in(
                world, world.unit_a, name[:1], year=year, code=code, name=name, planned_start=dt.date(year, 1, 1)
            )
        make_project_in(world, world.unit_b, "乙", year=year, code="GC-B1", planned_start=dt.date(year, 1, 1))
    period = f"{year}-{month:02d}"
    behind = 300  # far behind the time elapsed: returned as implausible, then corrected

    with chromium_page(live_server.url) as page:
        # 1. The reporter fills the month, one row at a time; the page never reloads.
        login(page, "reporter_a", PASSWORD)
        page.goto("/projects/reporting/")
        assert page.locator("#reporting-month").input_value() == period
        assert page.locator("[data-testid=row]").count() == 2  # unit B's project is not on A's page
        page.evaluate("window.__sameDocument = 'yes'")
        first = row(page, "GC-A1")
        first.locator("[data-testid=ytd]").fill("1,100")
        first.locator("[data-testid=progress]").fill("路基完成，正在铺设沥青面层")
        first.locator("[data-testid=save]").click()
        assert settled(page, "GC-A1", "draft").locator("[data-testid=saved]").count() == 1
        second = row(page, "GC-A2")
        second.locator("[data-testid=ytd]").fill("-5")
        second.locator("[data-testid=save]").click()
        second.locator("[data-testid=error-ytd_investment]").wait_for()
        assert second.locator("[data-testid=ytd]").input_value() == "-5"  # what was typed stays
        second.locator("[data-testid=ytd]").fill(str(behind))
        second.locator("[data-testid=progress]").fill("土方开挖")
        second.locator("[data-testid=problems]").fill("征迁尚未完成")
        second.locator("[data-testid=submit]").click()
        settled(page, "GC-A2", "submitted")
        row(page, "GC-A1").locator("[data-testid=submit]").click()
        settled(page, "GC-A1", "submitted")
        assert page.evaluate("window.__sameDocument") == "yes"
        assert page.locator("[data-testid=reporting-counts] [data-count=submitted]").inner_text() == "2"
        assert set(MonthlyReport.objects.filter(year=year, month=month).values_list("status", flat=True)) == {
            "submitted"
        }
        before = ledger_lights(page, year)
        assert before == {"GC-A1": "none", "GC-A2": "none"}

        # 2. The office returns the implausible report with a reason.
        switch_user(page, "supervisor")
        page.goto("/projects/review/")
        assert review_row(page, "GC-A2").locator("[data-field=ytd]").inner_text() == str(behind)
        review_row(page, "GC-A2").locator("[data-testid=return-reason]").fill("完成投资与形象进度不符，请核实")
        with page.expect_navigation():
            review_row(page, "GC-A2").locator("[data-testid=return]").click()
        assert review_row(page, "GC-A2").count() == 0 and review_row(page, "GC-A1").count() == 1

        # 3. The reporter sees the reason, corrects the figure and submits again.
        switch_user(page, "reporter_a")
        page.goto("/projects/reporting/")
        page.evaluate("window.__sameDocument = 'again'")
        returned = row(page, "GC-A2")
        assert "完成投资与形象进度不符" in returned.locator("[data-testid=return-reason]").inner_text()
        returned.locator("[data-testid=ytd]").fill("800")
        returned.locator("[data-testid=progress]").fill("土方开挖完成，主体结构施工中")
        returned.locator("[data-testid=submit]").click()
        assert settled(page, "GC-A2", "submitted").locator("[data-testid=return-reason]").count() == 0
        assert page.evaluate("window.__sameDocument") == "again"

        # 4. The office approves both.
        switch_user(page, "supervisor")
        page.goto("/projects/review/")
        for code in ("GC-A2", "GC-A1"):
            with page.expect_navigation():
                review_row(page, code).locator("[data-testid=approve]").click()
        assert page.locator("[data-testid=queue-empty]").count() == 1

        # 5. The summary and the lights follow.
        page.goto(f"/projects/summary/?year={year}&month={month}")
        totals = {
            name: page.locator(f"[data-total={name}]").inner_text() for name in ("count", "ytd", "planned", "rate")
        }
        after = ledger_lights(page, year)

    assert totals == {
        "count": "3",
        "ytd": "1,900",
        "planned": "3,600",
        "rate": f"{rules.pct(rules.completion_rate(Decimal(1900), Decimal(3600)))}%",
    }
    assert after == {"GC-A1": expected_light(1100, month), "GC-A2": expected_light(800, month)}
    assert "none" not in after.values()
    corrected = MonthlyReport.objects.get(project__code="GC-A2", year=year, month=month)
    assert corrected.status == "approved" and corrected.ytd_investment == Decimal(800)
    assert list(corrected.events.values_list("action", flat=True)) == ["submit", "return", "submit", "approve"]
    assert YearPlan.objects.get(project__code="GC-A2").ytd_investment == Decimal(800)
