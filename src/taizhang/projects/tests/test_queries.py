"""Query counts of the key-project pages, pinned: the same for a unit of 5 projects as for one of 30 (no N+1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from taizhang.projects import services
from taizhang.projects.models import Campaign, YearPlan
from taizhang.projects.tests.world import make_project_in

# The most queries each page may make, whatever the number of projects (two above what each makes today).
LIMITS = {
    "ledger": 20,  # the years once; the count beside the totals; the page by primary keys, then its rows
    "ledger, filtered and sorted": 20,
    "reporting": 18,  # the plans, both months' reports, their problems; lateness from the same plans
    "reporting row": 41,  # the save itself: lock, checks, the report, its history, a problem and its history
    "review queue": 17,
    "battle map": 18,
    "summary": 20,
    "lateness": 14,
    "campaigns": 16,
    "campaign": 16,
    "project": 24,
    "home": 34,  # every app's card
}


def add_projects(world, count: int, start: int) -> None:
    """``count`` projects of unit A: May approved, June submitted, two milestones each, all in one campaign."""
    reporter, supervisor = world.users["reporter_a"], world.users["supervisor"]
    made = []
    for i in range(start, start + count):
        project = make_project_in(world, world.unit_a, f"批{i}")
        services.milestone_create(actor=world.admin, project=project, name="开工", planned_on=dt.date(2026, 3, 1))
        services.milestone_create(actor=world.admin, project=project, name="封顶", planned_on=dt.date(2026, 9, 1))
        for month, ytd in ((5, 400), (6, 500)):
            report = services.report_save(
                actor=reporter,
                project=project,
                year=2026,
                month=month,
                ytd_investment=Decimal(ytd),
                progress="施工中",
                problems=["资金", "征迁"],
            ).report
            services.report_transition(actor=reporter, report=report, action="submit")
            if month == 5:
                services.report_transition(actor=supervisor, report=report, action="approve")
        made.append(project)
    campaign = Campaign.objects.filter(name="集中开工").first()
    if campaign is None:
        campaign = services.campaign_create(
            actor=world.admin, name="集中开工", kind="starting", date=dt.date(2026, 3, 1)
        )
    campaign.projects.add(*made)


def visits(world, as_supervisor, as_reporter_a):
    plans = YearPlan.objects.filter(project__responsible_unit=world.unit_a).order_by("pk")
    plan = plans.first()
    fresh = plans.exclude(project__reports__month=7).first()  # each visit creates a July report: a new plan
    assert plan is not None and fresh is not None
    campaign = Campaign.objects.get()
    return {
        "ledger": lambda: as_supervisor.get("/projects/"),
        "ledger, filtered and sorted": lambda: as_supervisor.get(
            "/projects/", {"unit": world.unit_a.pk, "light": "green", "q": "pi", "sort": "-completion"}
        ),
        "reporting": lambda: as_reporter_a.get("/projects/reporting/"),
        "reporting row": lambda: as_reporter_a.post(
            f"/projects/reporting/{fresh.pk}/",
            {"month": 7, "ytd_investment": "600", "expected_version": 0, "progress": "", "problems": "资金"},
            HTTP_HX_REQUEST="true",
        ),
        "review queue": lambda: as_supervisor.get("/projects/review/"),
        "battle map": lambda: as_supervisor.get("/projects/gantt/"),
        "summary": lambda: as_supervisor.get("/projects/summary/"),
        "lateness": lambda: as_supervisor.get("/projects/lateness/", {"year": 2026, "month": 5}),  # all late
        "campaigns": lambda: as_reporter_a.get("/projects/campaigns/"),
        "campaign": lambda: as_reporter_a.get(f"/projects/campaigns/{campaign.pk}/"),
        "project": lambda: as_reporter_a.get(f"/projects/{plan.project_id}/"),
        "home": lambda: as_reporter_a.get("/"),
    }


def counts(world, as_supervisor, as_reporter_a, django_assert_max_num_queries) -> dict[str, int]:
    found = {}
    for name, visit in visits(world, as_supervisor, as_reporter_a).items():
        with django_assert_max_num_queries(LIMITS[name]), CaptureQueriesContext(connection) as captured:
            response = visit()
        assert response.status_code == 200, name
        found[name] = len(captured)
    return found


@pytest.mark.slow
@pytest.mark.usefixtures("audit", "in_july")
def test_page_queries_do_not_grow_with_the_number_of_projects(
    world, as_supervisor, as_reporter_a, django_assert_max_num_queries
):
    add_projects(world, 5, 0)
    for visit in visits(world, as_supervisor, as_reporter_a).values():  # warm per-process caches
        visit()
    five = counts(world, as_supervisor, as_reporter_a, django_assert_max_num_queries)
    add_projects(world, 25, 5)
    assert YearPlan.objects.count() == 30
    thirty = counts(world, as_supervisor, as_reporter_a, django_assert_max_num_queries)
    assert thirty == five


def test_the_pages_show_every_project(world, audit, as_supervisor, as_reporter_a, in_july):
    add_projects(world, 3, 0)
    assert as_reporter_a.get("/projects/reporting/").content.decode().count('data-testid="row"') == 3
    assert as_supervisor.get("/projects/review/").content.decode().count('data-testid="review-row"') == 3
    assert as_supervisor.get("/projects/gantt/").content.decode().count('data-testid="gantt-row"') == 3
