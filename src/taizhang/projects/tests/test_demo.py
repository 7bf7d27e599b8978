"""The demo's key-project ledgers reproduce the district's published figures (issue 3 §8).

Built once (org and projects steps: about a minute), then read back through the selectors, the district
summary page and the API, as a leader would read them.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from taizhang.org.models import User
from taizhang.projects import data, selectors
from taizhang.projects.choices import Light, ReportStatus
from taizhang.projects.models import (
    Campaign,
    Milestone,
    MonthlyReport,
    Programme,
    Project,
    ProjectCategory,
    YearPlan,
)

pytestmark = pytest.mark.slow


def test_the_demo_ledgers_show_the_seed_figures(db):
    call_command("demo", "--quiet-logins", "--steps", "org,projects")
    supervisor = User.objects.get(username="supervisor")

    # 2017 as of the October report: 150 projects, 32,160,000 total, 4,460,000 planned (万元).
    october = selectors.summary(supervisor, 2017, 10)
    assert october.total.count == 150
    assert october.total.total_investment == Decimal(32_160_000)
    assert october.total.planned == Decimal(4_460_000)
    by_category = {row.label: row for row in october.by_category}
    assert (by_category["产业项目"].count, by_category["产业项目"].total_investment) == (45, Decimal(11_750_000))
    assert by_category["产业项目"].planned == Decimal(1_260_000)
    assert (by_category["生态项目"].count, by_category["生态项目"].total_investment) == (32, Decimal(1_113_000))
    assert by_category["生态项目"].planned == Decimal(310_000)
    upgrading = {row.label: row for row in october.by_programme}["百城建设提质工程"]
    assert upgrading.count == 94 and upgrading.rate == Decimal("75.7")
    assert len(october.by_programme_category[upgrading.key]) == 7
    assert october.total.red > 0 and october.total.start_rate is not None

    # Leaders and laggards: every light occurs in October 2017, and each explains itself.
    lights = set(MonthlyReport.objects.filter(year=2017, month=10, is_effective=True).values_list("light", flat=True))
    assert {Light.GREEN, Light.YELLOW, Light.RED} <= lights
    assert not MonthlyReport.objects.filter(is_effective=True, light_reason="").exists()

    # Every month of 2017 is reported and approved; the 2021 ledger's last month has work in hand.
    assert set(MonthlyReport.objects.filter(year=2017).values_list("month", flat=True)) == set(range(1, 13))
    assert not MonthlyReport.objects.filter(year=2017).exclude(status=ReportStatus.APPROVED).exists()
    in_hand = set(MonthlyReport.objects.filter(year=2021, month=3).values_list("status", flat=True))
    assert {ReportStatus.SUBMITTED, ReportStatus.APPROVED} <= in_hand
    assert selectors.review_queue(supervisor).exists()

    # The 2021 ledger holds the projects of the first-quarter inspection tour.
    names_2021 = set(YearPlan.objects.filter(year=2021).values_list("project__name", flat=True))
    assert {p.name for p in data.ledger_2021().projects} == names_2021
    assert Milestone.objects.filter(done_on__isnull=False).exists()
    assert Milestone.objects.filter(done_on__isnull=True).exists()
    assert Campaign.objects.filter(date__year=2017).count() == 2
    assert Project.objects.filter(code="").count() == 0

    # The district summary page shows the seed figures in its cells, and the API in its JSON.
    client = Client()
    client.force_login(supervisor)
    page = client.get(reverse("projects:summary"), {"year": 2017, "month": 10}).content.decode()
    totals = dict(re.findall(r'data-total="(\w+)">([^<]+)<', page))
    assert (totals["count"], totals["total"], totals["planned"]) == ("150", "32,160,000", "4,460,000")
    industrial, ecological = (ProjectCategory.objects.get(code=code).pk for code in ("industrial", "ecological"))
    categories = summary_cells(page, "category")
    assert pick(categories[str(industrial)]) == ("45", "11,750,000", "1,260,000")
    assert pick(categories[str(ecological)]) == ("32", "1,113,000", "310,000")
    programme = Programme.objects.get(code=data.CITY_UPGRADING)
    programmes = summary_cells(page, "programme")
    assert (programmes[str(programme.pk)]["count"], programmes[str(programme.pk)]["rate"]) == ("94", "75.7%")
    assert len(re.findall(rf'data-parent="{programme.pk}"', page)) == 7

    api = client.get("/api/project-summary/", {"year": 2017, "month": 10})
    assert api.status_code == 200
    body = api.json()
    total = body["total"]
    assert (total["count"], total["total_investment"], total["planned"]) == (150, "32160000.0000", "4460000.0000")
    by_category = {row["key"]: row for row in body["by_category"]}
    assert [by_category[str(industrial)][f] for f in ("count", "total_investment", "planned")] == [
        45,
        "11750000.0000",
        "1260000.0000",
    ]
    assert [by_category[str(ecological)][f] for f in ("count", "total_investment", "planned")] == [
        32,
        "1113000.0000",
        "310000.0000",
    ]
    upgrading_row = next(row for row in body["by_programme"] if row["key"] == str(programme.pk))
    assert (upgrading_row["count"], upgrading_row["rate"]) == (94, "75.7")
    nested = next(entry for entry in body["by_programme_category"] if entry["programme"] == programme.pk)
    assert len(nested["rows"]) == 7


def summary_cells(page: str, table: str) -> dict[str, dict[str, str]]:
    """The top rows of one table of the summary page: the row's key -> its cells by ``data-field``."""
    start = page.index(f'data-testid="summary-{table}"')
    body = page[start : page.index("</table>", start)]
    rows = re.findall(r'data-testid="summary-row" data-key="(\d*)"([^>]*)>(.*?)</tr>', body, re.S)
    return {
        key: dict(re.findall(r'data-field="(\w+)">([^<]*)<', row))
        for key, attributes, row in rows
        if "data-parent" not in attributes  # a programme's categories have keys of their own
    }


def pick(cells: dict[str, str]) -> tuple[str, str, str]:
    return cells["count"], cells["total"], cells["planned"]
