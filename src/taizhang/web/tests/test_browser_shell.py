"""The shell as a user meets it, in headless Chromium: log in, navigate, switch language, log out."""

from __future__ import annotations

import pytest

from taizhang.core.testing.browser import chromium_page, login
from taizhang.core.testing.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reporter_logs_in_browses_switches_language_and_logs_out(live_server, world):
    with chromium_page(live_server.url) as page:
        login(page, "reporter_a", PASSWORD)
        assert page.locator("[data-testid=card-scope]").is_visible()
        assert "甲街道" in page.content()
        page.goto("/org/units/")
        rows = page.locator("[data-testid=ledger-table] tbody tr")
        assert rows.count() == 2  # 甲街道 and its sub-unit 甲一社区, nothing of 乙街道
        assert "乙街道" not in page.content()
        with page.expect_navigation():
            page.select_option("[data-testid=language-switch]", "en")
        assert page.locator("html").get_attribute("lang") == "en"
        with page.expect_navigation():
            page.select_option("[data-testid=language-switch]", "zh-hans")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        page.click("a[aria-label]")  # the user menu
        page.click("[data-testid=logout]")
        page.wait_for_url("**/login/")


def test_the_map_draws_the_areas_in_scope(live_server, world, audit):
    from taizhang.org.tests.world import make_area

    make_area(world, world.unit_a, "甲")
    make_area(world, world.unit_b, "乙")
    with chromium_page(live_server.url) as page:
        login(page, "reporter_a", PASSWORD)
        page.goto("/org/areas/map/")
        page.wait_for_function("document.getElementById('map-status').textContent.length > 0")
        assert page.locator("[data-testid=map-status]").inner_text().startswith("1 ")
        assert page.locator("#areas-map path.leaflet-interactive").count() == 1
