"""Acceptance, in headless Chromium as the users meet it.

An inspector reports an issue with a photo on the phone page; it is routed to the right unit by its grid; the
unit acknowledges, rectifies with an after photo and asks to close; a different inspector fails it once
(rework counted) and then passes it; the statistics change accordingly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from taizhang.core.audit import Source, audit_context
from taizhang.core.roles import Role
from taizhang.core.testing.browser import chromium_page, login
from taizhang.core.testing.personas import PASSWORD
from taizhang.issues.models import Issue
from taizhang.issues.sample_photos import photo
from taizhang.issues.tests.world import grid_of, point_in
from taizhang.org import services as org_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def jpeg(name: str, lon: float, lat: float) -> dict[str, Any]:
    upload = photo(name, taken_at=timezone.now(), longitude=lon, latitude=lat)
    return {"name": name, "mimeType": "image/jpeg", "buffer": upload.read()}


def switch_user(page: Any, username: str) -> None:
    """Log in as someone else, once the current page has finished loading (its photos, its map)."""
    page.wait_for_load_state("networkidle")
    page.goto("about:blank")
    page.context.clear_cookies()
    login(page, username, PASSWORD)


def statistics_of(page: Any, unit_name: str) -> dict[str, str]:
    today = timezone.localdate().isoformat()
    page.goto(f"/issues/statistics/?by=unit&start={today[:4]}-01-01&end={today}")
    row = page.locator("[data-testid=stats-row]", has_text=unit_name)
    if row.count() == 0:
        return {}
    cells = row.locator("[data-field]")
    return {cells.nth(i).get_attribute("data-field"): cells.nth(i).inner_text() for i in range(cells.count())}


# A form posted, redirected and the next page's document read: photos and the map may still be loading (under a
# loaded machine the live server serves them one by one; the test asserts on the document, not on them).
NAVIGATION = {"wait_until": "domcontentloaded", "timeout": 30_000}


def act(page: Any, action: str, **fields: str) -> None:
    """Take a workflow action from the issue page: a plain button, or a form that opens first."""
    page.click(f"[data-testid=action-{action}]")
    if fields:
        form = page.locator(f"[data-testid=form-{action}]")
        form.wait_for(state="visible")
        for name, value in fields.items():
            form.locator(f"[name={name}]").fill(value)
        with page.expect_navigation(**NAVIGATION):
            form.locator(f"[data-testid=confirm-{action}]").click()
    else:
        page.wait_for_load_state()


def upload_after_photo(page: Any, lon: float, lat: float) -> None:
    page.select_option("#evidence-kind", "after")
    page.set_input_files("#evidence-file", jpeg("after.jpg", lon, lat))
    with page.expect_navigation(**NAVIGATION):
        page.click("[data-testid=upload-evidence]")


def test_an_issue_from_the_phone_to_closing(live_server, world):
    with audit_context(world.admin, Source.SYSTEM):
        grid_a = grid_of(world, world.unit_a)
        grid_of(world, world.unit_b)
        inspectors = []
        for name in ("inspector_1", "inspector_2"):
            user = org_services.user_create(actor=world.admin, username=name, password=PASSWORD)
            org_services.membership_create(actor=world.admin, user=user, unit=world.units["SUP"], role=Role.INSPECTOR)
            inspectors.append(user)
    lon, lat = point_in(grid_a)

    # 1. The first inspector reports on the phone, with a photo and the phone's position.
    phone = {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "geolocation": {"longitude": lon, "latitude": lat, "accuracy": 8},
        "permissions": ["geolocation"],
    }
    with chromium_page(live_server.url, **phone) as page:
        login(page, "inspector_1", PASSWORD)
        page.goto("/issues/report/")
        assert page.locator("#id_photos").get_attribute("capture") == "environment"
        page.set_input_files("#id_photos", jpeg("before.jpg", lon, lat))
        assert page.locator("[data-testid=photo-previews] img").count() == 1
        page.select_option("[data-testid=report-category]", str(world.data["categories"]["dump"].pk))
        page.fill("#id_description", "人行道上堆放建筑垃圾，影响通行")
        page.click("[data-testid=locate]")
        page.wait_for_function("document.getElementById('id_longitude').value !== ''")
        assert abs(float(page.input_value("#id_longitude")) - lon) < 1e-5
        with page.expect_navigation(**NAVIGATION):
            page.click("[data-testid=submit-report]")
        assert page.locator("[data-testid=issue-unit]").inner_text() == "甲街道"  # routed by its grid
        assert page.locator("[data-testid=issue-area]").inner_text() == grid_a.name
        assert page.locator("[data-testid=before-photos] [data-testid=photo]").count() == 1
        number = page.locator("[data-testid=issue-number]").inner_text()
    issue = Issue.objects.get(number=number)
    assert issue.responsible_unit == world.unit_a and issue.reported_by == inspectors[0]

    with chromium_page(live_server.url) as page:
        login(page, "supervisor", PASSWORD)
        before = statistics_of(page, "甲街道")
        assert before == {} or before["closed"] == "0"

        # 2. The unit acknowledges, rectifies with an after photo and asks to close.
        switch_user(page, "reporter_a")
        page.goto(f"/issues/{issue.pk}/")
        act(page, "acknowledge")
        act(page, "start", note="已安排清运")
        upload_after_photo(page, lon, lat)
        assert page.locator("[data-testid=after-photos] [data-testid=photo]").count() == 1
        act(page, "request_closure", measures="建筑垃圾已清运，地面已冲洗")
        assert page.locator("[data-testid=issue-status]").inner_text() != ""
        assert page.locator("[data-testid=action-verify_pass]").count() == 0  # the rectifier may not verify

        # 3. A different inspector fails it once: rework, counted.
        switch_user(page, "inspector_2")
        page.goto("/issues/verify/")
        page.click(f"text={number}")
        act(page, "verify_fail", reason="现场仍有残留垃圾")
        assert page.locator("[data-testid=issue-reworks]").inner_text() == "1"

        # 4. The unit reworks, with a new after photo, and asks again; the inspector passes it.
        switch_user(page, "reporter_a")
        page.goto(f"/issues/{issue.pk}/")
        assert page.locator("[data-testid=action-request_closure]").count() == 0  # not without a new photo
        upload_after_photo(page, lon, lat)
        act(page, "request_closure", measures="再次清理，已验收")
        switch_user(page, "inspector_2")
        page.goto(f"/issues/{issue.pk}/")
        act(page, "verify_pass", note="已整改到位")
        assert page.locator("[data-testid=timeline] [data-action=verify_pass]").count() == 1

        # 5. The statistics change accordingly.
        switch_user(page, "supervisor")
        after = statistics_of(page, "甲街道")
    assert after["received"] == "1" and after["closed"] == "1" and after["rework"] == "1"
    closed = Issue.objects.get(pk=issue.pk)
    assert closed.status == "closed" and closed.rework_count == 1 and closed.verified_by == inspectors[1]
    assert closed.closed_on_time and after["due"] == "0"


def test_the_map_clusters_markers_the_statistics_draw_a_chart_and_the_unit_filter_finds_units(live_server, world):
    """The pages that draw in the browser: clustered markers on the map, each cluster in the worst light among its
    issues, over the outlines of the areas the user sees; the ECharts chart on the statistics page; and the unit
    filter that loads units as the user types (the page renders only the chosen one)."""
    from taizhang.core import clock
    from taizhang.issues.tests.world import make_issue_in
    from taizhang.org.selectors import area_list

    with audit_context(world.admin, Source.SYSTEM):
        near = [make_issue_in(world, world.unit_a, f"甲{i}") for i in range(2)]  # one grid cell: one cluster
        with clock.travel(timezone.now() - dt.timedelta(days=20)):
            near.append(make_issue_in(world, world.unit_a, "甲逾期"))  # long overdue: red
        greens = [make_issue_in(world, world.units["A1"], f"甲一{i}") for i in range(2)]  # another cell, all green
        far = make_issue_in(world, world.unit_b, "乙0")
    assert near[-1].light.colour == "red" and {i.light.colour for i in [*near[:2], *greens]} == {"green"}
    areas = area_list(world.users["supervisor"]).count()
    with chromium_page(live_server.url) as page:
        login(page, "supervisor", PASSWORD)
        page.goto("/issues/map/")
        page.wait_for_function("document.querySelector('[data-testid=map-status]').textContent !== ''")
        assert "6" in page.locator("[data-testid=map-status]").inner_text()
        clusters = page.locator("#issues-map .marker-cluster")
        clusters.first.wait_for(state="visible")
        assert sorted(clusters.nth(i).inner_text().strip() for i in range(clusters.count())) == ["2", "3"]
        red = page.locator("#issues-map .marker-cluster", has_text="3")
        assert "tz-cluster-red" in (red.get_attribute("class") or "")  # a red issue inside, among green ones
        green = page.locator("#issues-map .marker-cluster", has_text="2")
        assert "tz-cluster-green" in (green.get_attribute("class") or "")
        assert "marker-cluster-small" not in (red.get_attribute("class") or "")  # not markercluster's size colours
        # the areas' outlines, on a canvas in their own pane under the markers (loaded beside the points)
        page.wait_for_function("document.getElementById('issues-map').dataset.areas !== undefined")
        assert page.locator("#issues-map").get_attribute("data-areas") == str(areas) and areas >= 3
        assert page.locator("#issues-map .leaflet-tz-areas-pane canvas").count() == 1
        assert page.locator("#issues-map .tz-issue-marker").count() >= 1  # the issue of unit B, on its own
        page.locator(f"#issues-map .leaflet-marker-icon[title='{far.number}']").click()
        assert far.number in page.locator(".leaflet-popup-content").inner_text()

        page.goto("/issues/statistics/")
        chart = page.locator("[data-testid=stats-chart] canvas")
        chart.first.wait_for(state="attached")
        assert chart.count() >= 1
        box = chart.first.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100

        page.goto("/issues/")
        assert page.locator("select[name=unit] option").count() == 1  # only the empty choice is rendered
        page.locator("select[name=unit] + .ts-wrapper .ts-control").click()
        page.keyboard.type("乙街")
        option = page.locator(".ts-dropdown .option", has_text="乙街道")
        option.first.wait_for(state="visible")
        with page.expect_response(lambda r: "/issues/?" in r.url and "unit=" in r.url):
            option.first.click()
        page.wait_for_load_state("networkidle")
        table = page.locator("[data-testid=ledger-table]").inner_text()
        assert far.number in table and all(issue.number not in table for issue in near)
