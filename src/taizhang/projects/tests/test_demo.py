"""The demo's key-project ledgers reproduce the district's published figures (issue 3 §8).

Built once (org and projects steps: about a minute), then read back through the selectors, the district
summary page and the API, as a leader would read them.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from taizhang.org.models import User
from taizhang.projects import data, selectors
from taizhang.projects.choices import Light, ReportStatus
from taizhang.projects.models import Campaign, Milestone, MonthlyReport, Project, YearPlan

pytestmark = pytest.mark.slow


def _digits(text: str) -> str:
    return text.replace(",", "")


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

    # The district summary page and the API show the same figures.
    client = Client()
    client.force_login(supervisor)
    html = _digits(client.get(reverse("projects:summary"), {"year": 2017, "month": 10}).content.decode())
    for figure in ("150", "32160000", "4460000", "11750000", "1260000", "1113000", "310000", "75.7"):
        assert figure in html, figure
    api = client.get("/api/project-summary/", {"year": 2017, "month": 10})
    assert api.status_code == 200
    assert Decimal(api.json()["total"]["total_investment"]) == Decimal(32_160_000)
