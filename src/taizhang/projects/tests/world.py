"""World factories for the scoping walk, and the project configuration every world has."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from taizhang.core import clock
from taizhang.core.testing.personas import World
from taizhang.core.testing.world import register, register_setup
from taizhang.issues.sample_photos import photo
from taizhang.projects import services
from taizhang.projects.models import (
    ApprovalProcedure,
    Campaign,
    Milestone,
    MonthlyReport,
    Project,
    ReportPhoto,
    YearPlan,
)

YEAR = 2026


@register_setup
def project_configuration(world: World) -> None:
    """Two categories and the city-upgrading programme: district-wide configuration."""
    admin = world.admin
    world.data["project_categories"] = {
        "industrial": services.category_create(actor=admin, code="industrial", name="产业项目", sort_order=1),
        "infrastructure": services.category_create(
            actor=admin, code="infrastructure", name="基础设施项目", sort_order=2
        ),
    }
    world.data["programme"] = services.programme_create(
        actor=admin, code="upgrading", name="百城建设提质工程", categories=[("roads", "道路"), ("parks", "游园")]
    )


def make_project_in(world: World, unit: Any, marker: str = "", *, year: int = YEAR, **values: Any) -> Project:
    """A project of ``unit`` (started 2026-01-10) with a plan for ``year``: planned 1,200 万元."""
    planned = values.pop("planned_investment", Decimal(1200))
    defaults: dict[str, Any] = {
        "name": f"{marker}项目",
        "code": f"{marker}-{unit.code}-{Project.objects.count() + 1}",
        "category": world.data["project_categories"]["industrial"],
        "responsible_unit": unit,
        "total_investment": Decimal(10000),
        "planned_start": dt.date(2026, 1, 10),
        "stage": "under_construction",
    }
    defaults.update(values)
    project = services.project_create(actor=world.admin, **defaults)
    services.plan_create(actor=world.admin, project=project, year=year, planned_investment=planned, plan_start=True)
    return project


@register(Project)
def make_project(world: World, unit: Any, marker: str) -> Project:
    return make_project_in(world, unit, marker)


@register(YearPlan)
def make_plan(world: World, unit: Any, marker: str) -> YearPlan:
    return make_project(world, unit, marker).plans.get()


@register(MonthlyReport)
def make_report(world: World, unit: Any, marker: str) -> MonthlyReport:
    project = make_project(world, unit, marker)
    with clock.travel(clock.now().replace(year=YEAR, month=3, day=10)):
        return services.report_save(
            actor=world.admin,
            project=project,
            year=YEAR,
            month=2,
            ytd_investment=Decimal(100),
            progress=f"{marker}进度",
        ).report


@register(Milestone)
def make_milestone(world: World, unit: Any, marker: str) -> Milestone:
    project = make_project(world, unit, marker)
    return services.milestone_create(
        actor=world.admin, project=project, name=f"{marker}节点", planned_on=dt.date(2026, 6, 30)
    )


@register(ReportPhoto)
def make_photo(world: World, unit: Any, marker: str) -> ReportPhoto:
    report = make_report(world, unit, marker)
    return services.photo_add(actor=world.admin, report=report, upload=photo(f"{marker}.jpg"), caption=f"{marker}照片")


@register(Campaign)
def make_campaign(world: World, unit: Any, marker: str) -> Campaign:
    project = make_project(world, unit, marker)
    return services.campaign_create(
        actor=world.admin, name=f"{marker}集中开工", kind="starting", date=dt.date(2026, 3, 1), projects=[project]
    )


@register(ApprovalProcedure)
def make_procedure(world: World, unit: Any, marker: str) -> ApprovalProcedure:
    project = make_project(world, unit, marker)
    return services.procedure_create(actor=world.admin, project=project, name=f"{marker}施工许可")
