"""The key-project admin: every add and change goes through the services (history says "admin"), bad input
comes back on the form, dated configuration is added rather than edited, nothing is deleted."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from taizhang.projects import services
from taizhang.projects.models import (
    LightThreshold,
    MilestoneTemplate,
    Programme,
    ProgrammeCategory,
    Project,
    ProjectCategory,
    StageChange,
)


def errors_of(response):
    return " | ".join(re.findall(r"<ul class=\"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S))


def made_in_admin(record, world):
    row = record.history.order_by("-history_id").first()
    assert (row.history_user, row.history_source) == (world.admin, "admin")


def test_categories_are_added_and_switched_off_through_the_services(as_admin, world):
    response = as_admin.post(
        "/admin/projects/projectcategory/add/", {"code": "ecology", "name": "生态项目", "sort_order": "3"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    category = ProjectCategory.objects.get(code="ecology")
    assert category.is_active and category.search_text  # the model's own save, through the service
    made_in_admin(category, world)
    response = as_admin.post(
        "/admin/projects/projectcategory/add/", {"code": "ecology2", "name": "生态项目", "sort_order": "4"}
    )
    assert response.status_code == 200 and "Name already exists" in errors_of(response)
    assert not ProjectCategory.objects.filter(code="ecology2").exists()
    response = as_admin.post(
        f"/admin/projects/projectcategory/{category.pk}/change/",
        {"code": "ecology", "name": "生态环保项目", "sort_order": "3"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    category.refresh_from_db()
    assert (category.name, category.is_active, category.version) == ("生态环保项目", False, 2)
    made_in_admin(category, world)


def test_a_programme_and_its_categories_are_added_through_the_services(as_admin, world):
    form = {
        "code": "villages",
        "name": "美丽乡村",
        "description": "",
        "categories-TOTAL_FORMS": "1",
        "categories-INITIAL_FORMS": "0",
        "categories-MIN_NUM_FORMS": "0",
        "categories-MAX_NUM_FORMS": "1000",
        "categories-0-code": "roads",
        "categories-0-name": "农村道路",
        "categories-0-sort_order": "1",
    }
    response = as_admin.post("/admin/projects/programme/add/", {**form, "categories-0-name": ""})
    assert response.status_code == 200 and "This field is required" in errors_of(response)
    assert not Programme.objects.filter(code="villages").exists()  # nothing half-saved
    response = as_admin.post("/admin/projects/programme/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    programme = Programme.objects.get(code="villages")
    category = programme.categories.get()
    assert category.name == "农村道路"
    made_in_admin(programme, world)
    made_in_admin(category, world)

    change = {
        "code": "villages",
        "name": "美丽乡村建设",
        "description": "三年行动",
        "sort_order": "2",
        "categories-TOTAL_FORMS": "2",
        "categories-INITIAL_FORMS": "1",
        "categories-MIN_NUM_FORMS": "0",
        "categories-MAX_NUM_FORMS": "1000",
        "categories-0-id": str(category.pk),
        "categories-0-programme": str(programme.pk),
        "categories-1-code": "water",
        "categories-1-name": "农村供水",
        "categories-1-sort_order": "2",
    }
    response = as_admin.post(f"/admin/projects/programme/{programme.pk}/change/", change)
    assert response.status_code == 302, response.content.decode()[:3000]
    programme.refresh_from_db()
    assert (programme.name, programme.description, programme.sort_order) == ("美丽乡村建设", "三年行动", 2)
    assert list(programme.categories.values_list("name", flat=True)) == ["农村道路", "农村供水"]
    made_in_admin(programme, world)
    made_in_admin(ProgrammeCategory.objects.get(code="water"), world)
    duplicate = {**change, "categories-TOTAL_FORMS": "2", "categories-1-code": "roads", "categories-1-name": "重名"}
    response = as_admin.post(f"/admin/projects/programme/{programme.pk}/change/", {**duplicate, "name": "改名"})
    assert response.status_code == 200 and "duplicate data for code" in errors_of(response)
    programme.refresh_from_db()
    assert (programme.name, programme.categories.count()) == ("美丽乡村建设", 2)


def test_thresholds_are_added_from_a_date_and_never_edited(as_admin, world, project_a):
    services.report_transition(
        actor=world.admin,
        report=services.report_transition(
            actor=world.admin,
            report=services.report_save(
                actor=world.admin, project=project_a, year=2026, month=6, ytd_investment=Decimal(300)
            ).report,
            action="submit",
        ),
        action="approve",
    )
    plan = project_a.plans.get()
    assert plan.light == "yellow"
    form = {
        "effective_from": "2026-07-01",
        "yellow_above": "5",
        "red_above": "20",
        "due_soon_days": "14",
        "note": "从严",
    }
    response = as_admin.post("/admin/projects/lightthreshold/add/", {**form, "red_above": "5"})
    assert response.status_code == 200 and "must be above the yellow one" in errors_of(response)
    response = as_admin.post("/admin/projects/lightthreshold/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    threshold = LightThreshold.objects.get()
    made_in_admin(threshold, world)
    plan.refresh_from_db()
    assert plan.light == "red"  # the service refreshed the lights from that date
    url = f"/admin/projects/lightthreshold/{threshold.pk}/change/"
    page = as_admin.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert as_admin.post(url, {**form, "yellow_above": "1"}).status_code == 403
    assert LightThreshold.objects.get().yellow_above == Decimal(5)


def test_templates_are_written_as_lines_of_steps(as_admin, world):
    response = as_admin.post(
        "/admin/projects/milestonetemplate/add/", {"name": "房建", "description": "", "steps": "立项\n开工, 0"}
    )
    assert response.status_code == 200 and "Line 1" in errors_of(response)
    assert not MilestoneTemplate.objects.exists()
    response = as_admin.post(
        "/admin/projects/milestonetemplate/add/",
        {"name": "房建", "description": "标准流程", "steps": "立项, 180\n\n施工许可，30\n开工, 0"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    template = MilestoneTemplate.objects.get()
    assert list(template.steps.values_list("name", "days_before", "sort_order")) == [
        ("立项", 180, 1),
        ("施工许可", 30, 2),
        ("开工", 0, 3),
    ]
    made_in_admin(template, world)
    page = as_admin.get(f"/admin/projects/milestonetemplate/{template.pk}/change/").content.decode()
    assert "施工许可" in page and 'name="_save"' not in page


def project_form(world, **values):
    form = {
        "code": "ADM-1",
        "name": "后台项目",
        "owner": "区城投公司",
        "category": world.data["project_categories"]["industrial"].pk,
        "importance": "city",
        "stage": "started",
        "stage_since": "2026-03-01",
        "address": "",
        "longitude": "",
        "latitude": "",
        "scale": "",
        "total_investment": "8000",
        "planned_start": "2026-03-01",
        "planned_completion": "",
        "actual_start": "",
        "actual_completion": "",
        "responsible_unit": world.unit_a.pk,
        "cooperating_units": [world.unit_b.pk],
        "leader": "",
        "note": "",
    }
    form.update(values)
    return form


def test_projects_are_added_and_changed_through_the_services(as_admin, world, in_july):
    for bad, message in (("-1", "An amount cannot be negative."), ("很多", "Enter a number")):
        response = as_admin.post("/admin/projects/project/add/", project_form(world, total_investment=bad))
        assert response.status_code == 200 and message in errors_of(response), bad
    response = as_admin.post("/admin/projects/project/add/", project_form(world, planned_completion="2026-01-01"))
    assert response.status_code == 200 and "before the planned start" in errors_of(response)
    assert not Project.objects.exists()

    response = as_admin.post("/admin/projects/project/add/", project_form(world))
    assert response.status_code == 302, response.content.decode()[:3000]
    project = Project.objects.get(code="ADM-1")
    assert list(project.cooperating_units.all()) == [world.unit_b]
    assert StageChange.objects.get(project=project).date == dt.date(2026, 3, 1)  # the service dated the stage
    made_in_admin(project, world)

    url = f"/admin/projects/project/{project.pk}/change/"
    assert 'name="stage"' not in as_admin.get(url).content.decode()  # moved only by a dated stage change
    change = project_form(world, name="后台项目（一期）", cooperating_units=[], stage="completed")
    response = as_admin.post(url, change)
    assert response.status_code == 302, response.content.decode()[:3000]
    project.refresh_from_db()
    assert (project.name, project.stage, project.version) == ("后台项目（一期）", "started", 2)
    assert not project.cooperating_units.exists()
    made_in_admin(project, world)
    assert as_admin.get(f"/admin/projects/project/{project.pk}/delete/").status_code == 403
    assert as_admin.get("/admin/projects/project/").status_code == 200


def test_the_configuration_pages_open(as_admin, world):
    for model in ("projectcategory", "programme", "lightthreshold", "milestonetemplate", "project"):
        assert as_admin.get(f"/admin/projects/{model}/").status_code == 200, model
        assert as_admin.get(f"/admin/projects/{model}/add/").status_code == 200, model
