"""Pages of the key-project ledger: the year's ledger, the project with its figures, chart, milestones and
reports, the reporting page (a unit's month in one screen, saved row by row), the review queue, campaigns,
the battle map and the district summary.

Every read goes through ``selectors`` (scoped to the user: out of scope is a 404) and every write through
``services``; the pages only parse input and show what the services say, naming the field.
"""

from __future__ import annotations

import calendar
import datetime as dt
import mimetypes
import weakref
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, cast

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, FloatField, QuerySet, Sum, Value
from django.db.models.functions import Cast, NullIf
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from taizhang.core import clock
from taizhang.core import views as generic
from taizhang.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from taizhang.core.tables import Column, format_value, resolve
from taizhang.issues.widgets import FastSelect
from taizhang.org import selectors as org_selectors
from taizhang.projects import filtersets, forms, rules, selectors, services, workflow
from taizhang.projects.choices import Light, MilestoneStatus, ReportStatus
from taizhang.projects.columns import PROJECTS
from taizhang.projects.models import (
    ApprovalProcedure,
    Campaign,
    Milestone,
    MonthlyReport,
    Project,
    ReportPhoto,
    YearPlan,
)
from taizhang.projects.reporting_html import RowRenderer
from taizhang.projects.templatetags.projects_format import wan
from taizhang.projects.widgets import NamedSelect

# Labels of the fields a message can be about: every error on these pages says which field it means.
FIELD_LABELS: dict[str, Any] = {
    "ytd_investment": gettext_lazy("Year-to-date investment"),
    "progress": gettext_lazy("Physical progress"),
    "problems": gettext_lazy("Problems"),
    "correction_reason": gettext_lazy("Reason for the correction"),
    "month": gettext_lazy("Month"),
    "year": gettext_lazy("Year"),
    "reason": gettext_lazy("Reason"),
    "photo": gettext_lazy("Photo"),
    "unit": gettext_lazy("Unit"),
    "done_on": gettext_lazy("Done on"),
    "planned_on": gettext_lazy("Planned date"),
    "allowed": gettext_lazy("Allowed actions"),
}
GANTT_LIMIT = 400


def _int(value: Any, low: int, high: int) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def previous_month(day: dt.date) -> tuple[int, int]:
    return (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)


def default_month(year: int) -> int:
    """The month a reporting page opens on for ``year``: last month, or December of a past year."""
    today = services.today()
    y, m = previous_month(today)
    if year == y:
        return m
    return 12 if year < y else 1


def thresholds_today(user: Any) -> rules.Thresholds:
    rows = [
        rules.Thresholds(t.effective_from, t.yellow_above, t.red_above, t.due_soon_days)
        for t in selectors.threshold_list(user)
    ]
    return rules.thresholds_on(rows, services.today())


def field_messages(exc: DomainError) -> list[str]:
    """A service's errors as sentences that name their field ("Year-to-date investment: …")."""
    found = []
    for name, msgs in exc.fields.items():
        if name == "allowed":
            continue
        label = FIELD_LABELS.get(name)
        for msg in msgs:
            found.append(f"{label}: {msg}" if label and name != "__all__" else msg)
    return found or [exc.message]


def light_badge(light: str, label: str, reason: str) -> SafeString:
    """The light as a coloured dot; the sentence that explains it is its title."""
    return format_html(
        '<span class="tz-light" title="{}" data-light="{}"><span class="status-dot status-{}"></span> {}</span>',
        reason,
        light,
        light,
        label,
    )


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _project_url(project_id: int, year: int | None = None, anchor: str = "") -> str:
    url = reverse("projects:project_detail", args=[project_id])
    return url + (f"?year={year}" if year else "") + anchor


class ProjectNames:
    """Project pages: the year's ledger (``plan_list``) stands for the list of projects."""

    @classmethod
    def url_name(cls, action: str) -> str:
        return "projects:plan_list" if action == "list" else f"projects:project_{action}"


# --- the ledger --------------------------------------------------------------------------------------------

PLAN_COLUMNS = (
    Column("project.code", gettext_lazy("code"), sort="project__code", link=True),
    Column("project.name", gettext_lazy("project name"), sort="project__name", link=True),
    Column("light", gettext_lazy("light"), sort=None),
    Column("project.category.name", gettext_lazy("project category"), sort="project__category__sort_order"),
    Column("project.importance", gettext_lazy("importance"), sort="project__importance", default=False),
    Column("nature", gettext_lazy("nature this year"), default=False),
    Column("project.stage", gettext_lazy("stage"), sort="project__stage"),
    Column(
        "project.responsible_unit.display_name",
        gettext_lazy("responsible unit"),
        sort="project__responsible_unit__sort_order",
    ),
    Column("project.leader.name", gettext_lazy("responsible leader"), sort="project__leader__name", default=False),
    Column(
        "project.total_investment",
        gettext_lazy("total investment"),
        kind="money",
        sort="project__total_investment",
        total="project__total_investment",
    ),
    Column(
        "completed_before",
        gettext_lazy("completed before this year"),
        kind="money",
        total="completed_before",
        default=False,
    ),
    Column("planned_investment", gettext_lazy("planned this year"), kind="money", total="planned_investment"),
    Column("ytd_investment", gettext_lazy("completed this year"), kind="money", total="ytd_investment"),
    Column("completion", gettext_lazy("completion rate"), kind="percent", sort="completion_sort"),
    Column("reported_month", gettext_lazy("approved to month"), kind="number", default=False),
    Column(
        "project.planned_start",
        gettext_lazy("planned start"),
        kind="date",
        sort="project__planned_start",
        default=False,
    ),
    Column(
        "project.planned_completion",
        gettext_lazy("planned completion"),
        kind="date",
        sort="project__planned_completion",
        default=False,
    ),
)


_FIGURES: weakref.WeakKeyDictionary[QuerySet[Any], dict[str, Any]] = weakref.WeakKeyDictionary()


def ledger_figures(qs: QuerySet[Any]) -> dict[str, Any]:
    """The filtered ledger's row count and sums in one query, read once per queryset: the page's paginator
    takes its count from it and the totals row its sums (both are handed the same sorted queryset)."""
    figures = _FIGURES.get(qs)
    if figures is None:
        figures = _FIGURES[qs] = qs.order_by().aggregate(
            n=Count("pk"),
            total=Sum("project__total_investment"),
            before=Sum("completed_before"),
            planned=Sum("planned_investment"),
            ytd=Sum("ytd_investment"),
        )
    return figures


class LedgerPaginator(Paginator):
    """Pages of the ledger. The count comes from the totals query (:func:`ledger_figures`) rather than a count
    of its own; a page orders and slices only the primary keys, then reads those rows with their related
    objects. Sorting the narrow rows instead of every joined column is what keeps 20,000 rows in memory."""

    @cached_property
    def count(self) -> int:
        return int(ledger_figures(self.rows)["n"])

    @property
    def rows(self) -> QuerySet[Any]:
        return cast("QuerySet[Any]", self.object_list)  # the page hands over its sorted queryset

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.rows.values_list("pk", flat=True)[bottom:top])
        found = self.rows.order_by().in_bulk(keys)
        return Page([found[key] for key in keys if key in found], number, self)


class PlanList(ProjectNames, generic.ListPage):
    """One year's key-project ledger: a row per year plan, with its light, figures and totals."""

    model = YearPlan
    selector = selectors.plan_list
    filterset_class = filtersets.PlanFilterSet
    columns = PLAN_COLUMNS
    template_name = "projects/plan_list.html"
    title = gettext_lazy("Key-project ledger")
    search_placeholder = gettext_lazy("Name, code, owner (pinyin too)")
    add_perm = "projects.add_project"
    paginator_class = LedgerPaginator
    spreadsheet = PROJECTS  # Export menu: the year's filtered ledger as .xlsx (office layout) or .csv
    extra_actions = (
        (gettext_lazy("Battle map"), "projects:gantt"),
        (gettext_lazy("District summary"), "projects:summary"),
    )

    @classmethod
    def preference_key(cls) -> str:
        return "projects:plan_list"

    @cached_property
    def years(self) -> list[int]:
        return selectors.plan_years(self.request.user)

    @cached_property
    def year(self) -> int:
        return _int(self.request.GET.get("year"), 2000, 2100) or selectors.opening_year(self.years)

    def base_queryset(self) -> QuerySet[Any]:
        ratio = Cast(F("ytd_investment"), FloatField()) / NullIf(
            Cast(F("planned_investment"), FloatField()), Value(0.0)
        )
        return selectors.plan_list(self.request.user, self.year).annotate(completion_sort=ratio)

    def filtered(self) -> tuple[QuerySet[Any], Any]:
        qs = self.base_queryset()
        data = self.request.GET.copy()
        data["year"] = str(self.year)
        filterset = filtersets.PlanFilterSet(data, queryset=qs, request=self.request)
        years = sorted({*self.years, self.year}, reverse=True)
        filterset.form.fields["year"].widget = FastSelect(
            choices=[(y, y) for y in years], attrs={"class": "form-select", "data-plain": "1"}
        )
        return (filterset.qs if filterset.is_valid() else qs), filterset

    def sort(self, qs: QuerySet[Any], columns: list[Column]) -> tuple[QuerySet[Any], str]:
        qs, current = super().sort(qs, columns)
        if not current:
            qs = qs.order_by("project__category__sort_order", "project__code", "pk")
        return qs, current

    def totals(self, qs: QuerySet[Any], columns: list[Column]) -> dict[str, Any] | None:
        sums = ledger_figures(qs)
        planned, ytd = sums["planned"] or Decimal(0), sums["ytd"] or Decimal(0)
        rate = rules.completion_rate(ytd, planned)
        self.raw_totals = {
            "project.total_investment": sums["total"] or Decimal(0),
            "completed_before": sums["before"] or Decimal(0),
            "planned_investment": planned,
            "ytd_investment": ytd,
            "completion": rate / 100 if rate is not None else None,
        }
        return self.raw_totals

    def row_url(self, obj: Any) -> str | None:
        return _project_url(obj.project_id, obj.year)

    def rows(self, page_objects: list[Any], columns: list[Column]) -> list[dict[str, Any]]:
        """The generic page's rows, with amounts as offices print them (万元 grouped, no ".00") and the light
        as a dot that explains itself; each cell formatted once."""
        lights = {value: str(label) for value, label in Light.choices}

        def cell(plan: YearPlan, column: Column) -> Any:
            if column.key == "light":
                return light_badge(plan.light, lights.get(plan.light, plan.light), plan.light_reason)
            value = resolve(plan, column.key)
            return wan(value) if column.kind == "money" else format_value(value, column.kind)

        rows = []
        for plan in page_objects:
            rate = rules.completion_rate(plan.ytd_investment, plan.planned_investment)
            plan.completion = rate / 100 if rate is not None else None
            url = self.row_url(plan)
            cells = [{"value": cell(plan, c), "link": url if c.link else None, "numeric": c.numeric} for c in columns]
            rows.append({"object": plan, "url": url, "cells": cells})
        return rows

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        context["year"] = self.year
        if context["totals"]:
            for cell, spec in zip(context["totals"], context["columns"], strict=True):
                column = spec["column"]
                if column.kind == "money" and column.key in self.raw_totals:
                    cell["value"] = wan(self.raw_totals[column.key])
        context["title"] = _("Key-project ledger %(year)s") % {"year": self.year}
        return context


# --- the project -------------------------------------------------------------------------------------------


@dataclass
class Figures:
    """A project's figures for one year, each computed by ``rules.py``."""

    total: Decimal
    completed_before: Decimal
    planned: Decimal
    ytd: Decimal
    month: int
    rate: Decimal | None
    elapsed: Decimal | None
    gap: Decimal | None
    cumulative: Decimal
    share: Decimal | None
    increment: Decimal | None


def plan_figures(project: Project, plan: YearPlan, previous_ytd: Decimal | None) -> Figures:
    month = plan.reported_month
    rate = rules.completion_rate(plan.ytd_investment, plan.planned_investment) if month else None
    cumulative = rules.cumulative(plan.completed_before, plan.ytd_investment)
    return Figures(
        total=project.total_investment,
        completed_before=plan.completed_before,
        planned=plan.planned_investment,
        ytd=plan.ytd_investment,
        month=month,
        rate=rate,
        elapsed=rules.time_elapsed(month) if month else None,
        gap=rules.gap_points(rate, month) if month else None,
        cumulative=cumulative,
        share=rules.share_of_total(cumulative, project.total_investment),
        increment=rules.monthly_increment(plan.ytd_investment, previous_ytd) if month else None,
    )


def _month_figures(reports: list[MonthlyReport], year: int) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """Per month of ``year``: the approved year-to-date figure, and a newer one still awaiting approval."""
    approved: dict[int, Decimal] = {}
    pending: dict[int, Decimal] = {}
    for report in reports:
        if report.year != year:
            continue
        if report.is_effective:
            approved[report.month] = report.ytd_investment
        elif report.is_latest and report.status != ReportStatus.APPROVED:
            pending[report.month] = report.ytd_investment
    return approved, pending


class ProjectDetail(ProjectNames, generic.DetailPage):
    model = Project
    getter = selectors.project_get
    template_name = "projects/project_detail.html"
    change_perm = "projects.change_project"
    void_perm = "projects.void_project"

    def get_context(self, obj: Project) -> dict[str, Any]:
        context = super().get_context(obj)
        user = self.request.user
        today = services.today()
        plans = list(selectors.plans_of(user, obj))
        wanted = _int(self.request.GET.get("year"), 2000, 2100)
        plan = next((p for p in plans if p.year == wanted), None)
        if plan is None:
            plan = next((p for p in plans if p.year <= today.year), plans[0] if plans else None)
        reports = list(selectors.reports_of(user, obj))
        figures = None
        chart = None
        if plan is not None:
            approved, pending = _month_figures(reports, plan.year)
            month = plan.reported_month
            figures = plan_figures(obj, plan, approved.get(month - 1) if month > 1 else None)
            planned = float(plan.planned_investment)
            chart = {
                "months": [str(m) for m in range(1, 13)],
                "approved": [float(approved[m]) if m in approved else None for m in range(1, 13)],
                "pending": [float(pending[m]) if m in pending else None for m in range(1, 13)],
                "plan": [planned] * 12,
                "elapsed": [round(planned * m / 12, 4) for m in range(1, 13)],
                "labels": {
                    "approved": _("Completed this year, approved (万元)"),
                    "pending": _("Reported, awaiting approval (万元)"),
                    "plan": _("Annual plan (万元)"),
                    "elapsed": _("Plan by time elapsed (万元)"),
                },
            }
        thresholds = thresholds_today(user)
        milestones = [
            {
                "milestone": m,
                "status": rules.milestone_status(m.planned_on, m.done_on, today, thresholds.due_soon_days),
            }
            for m in selectors.milestones_of(user, obj)
        ]
        can_plan = user.has_perm("projects.plan_milestones", obj)
        can_change = user.has_perm("projects.change_project", obj)
        context.update(
            plans=plans,
            plan=plan,
            figures=figures,
            chart=chart,
            milestones=milestones,
            milestone_labels=dict(MilestoneStatus.choices),
            stages=list(selectors.stages_of(user, obj)),
            procedures=list(selectors.procedures_of(user, obj)),
            campaigns=list(selectors.campaigns_of(user, obj)),
            reports=reports,
            cooperating=list(obj.cooperating_units.all()),
            programme_links=list(obj.programme_links.all()),
            can_plan=can_plan and not obj.is_void,
            can_change=can_change and not obj.is_void,
            can_add_plan=user.has_perm("projects.add_yearplan", obj) and not obj.is_void,
            can_void_procedure=user.has_perm("projects.void_approvalprocedure", obj) and not obj.is_void,
            can_change_plan=plan is not None and user.has_perm("projects.change_yearplan", plan),
            can_report=user.has_perm("projects.report_project", obj),
            today=today,
        )
        return context


class ProjectHistory(ProjectNames, generic.HistoryPage):
    model = Project
    getter = selectors.project_get


class ProjectCreate(ProjectNames, generic.FormPage):
    model = Project
    form_class = forms.ProjectForm
    create_service = services.project_create
    perm = "projects.add_project"


class ProjectEdit(ProjectNames, generic.FormPage):
    model = Project
    form_class = forms.ProjectForm
    getter = selectors.project_get
    update_service = services.project_change
    update_arg = "project"
    perm = "projects.change_project"

    def save(self, obj: Any, form: BaseForm) -> Any:
        super().save(obj, form)
        return obj


class ProjectVoid(ProjectNames, generic.VoidPage):
    model = Project
    getter = selectors.project_get
    void_service = services.project_void
    void_arg = "project"
    perm = "projects.void_project"


class ProjectChildForm(ProjectNames, generic.LedgerView):
    """A form that adds something to a project (a plan, a milestone, a stage change…) through its service and
    comes back to the project's page."""

    model = Project
    form_class: ClassVar[type[BaseForm]]
    perm: ClassVar[str]
    anchor: ClassVar[str] = ""
    done: ClassVar[Any] = gettext_lazy("Saved.")
    template_name: ClassVar[str] = "core/form.html"

    def get_project(self) -> Project:
        return selectors.project_get(self.request.user, int(self.kwargs["pk"]))

    def check(self, project: Project) -> None:
        if project.is_void or not self.request.user.has_perm(self.perm, project):
            raise PermissionDenied

    def make_form(self, project: Project, data: Any = None) -> BaseForm:
        return self.form_class(data=data, user=self.request.user)  # type: ignore[call-arg]

    def back(self, project: Project, result: Any = None) -> str:
        return _project_url(project.pk, anchor=self.anchor)

    def render_form(self, project: Project, form: BaseForm, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "view": self,
                "form": form,
                "object": project,
                "title": f"{self.title} · {project}",
                "cancel_url": self.back(project),
            },
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        project = self.get_project()
        self.check(project)
        return self.render_form(project, self.make_form(project))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        project = self.get_project()
        self.check(project)
        form = self.make_form(project, request.POST)
        if not form.is_valid():
            return self.render_form(project, form, status=400)
        try:
            result = self.save(project, dict(form.cleaned_data))
        except DomainError as exc:
            generic.apply_errors(form, exc)
            return self.render_form(project, form, status=409 if exc.status == 409 else 400)
        messages.success(request, str(self.done))
        return HttpResponseRedirect(self.back(project, result))

    def save(self, project: Project, data: dict[str, Any]) -> Any:
        raise NotImplementedError


class PlanCreate(ProjectChildForm):
    form_class = forms.PlanForm
    perm = "projects.add_yearplan"
    title = gettext_lazy("New year plan")

    def save(self, project: Project, data: dict[str, Any]) -> Any:
        return services.plan_create(
            actor=self.request.user,
            project=project,
            year=data.pop("year"),
            planned_investment=data.pop("planned_investment"),
            **data,
        )

    def back(self, project: Project, result: Any = None) -> str:
        return _project_url(project.pk, getattr(result, "year", None))


class MilestoneCreate(ProjectChildForm):
    form_class = forms.MilestoneForm
    perm = "projects.plan_milestones"
    title = gettext_lazy("New milestone")
    anchor = "#milestones"

    def save(self, project: Project, data: dict[str, Any]) -> Any:
        return services.milestone_create(
            actor=self.request.user, project=project, name=data.pop("name"), planned_on=data.pop("planned_on"), **data
        )


class ScheduleBackwards(ProjectChildForm):
    form_class = forms.ScheduleForm
    perm = "projects.plan_milestones"
    title = gettext_lazy("Schedule backwards from a template")
    anchor = "#milestones"
    done = gettext_lazy("Milestones scheduled.")

    def save(self, project: Project, data: dict[str, Any]) -> Any:
        return services.schedule_backwards(
            actor=self.request.user, project=project, template=data["template"], target=data["target"]
        )


class StageChangeForm(ProjectChildForm):
    form_class = forms.StageForm
    perm = "projects.change_project"
    title = gettext_lazy("Change the stage")
    anchor = "#stages"

    def save(self, project: Project, data: dict[str, Any]) -> Any:
        return services.project_stage(
            actor=self.request.user, project=project, stage=data["stage"], date=data["date"], note=data["note"]
        )


class ProcedureCreate(ProjectChildForm):
    form_class = forms.ProcedureForm
    perm = "projects.change_project"
    title = gettext_lazy("New approval procedure")
    anchor = "#procedures"

    def save(self, project: Project, data: dict[str, Any]) -> Any:
        return services.procedure_create(actor=self.request.user, project=project, name=data.pop("name"), **data)


class ChildEdit(generic.FormPage):
    """Edit a record of a project (its plan, a milestone, a procedure) and come back to the project."""

    anchor: ClassVar[str] = ""

    def back(self, obj: Any) -> str:
        return _project_url(obj.project_id, getattr(obj, "year", None), self.anchor)

    def check_permission(self, obj: Any) -> None:
        if obj.project.is_void:
            raise PermissionDenied
        super().check_permission(obj)

    def render_form(self, obj: Any, form: BaseForm, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "view": self,
                "form": form,
                "object": obj,
                "title": _("Edit %(object)s") % {"object": obj},
                "cancel_url": self.back(obj),
            },
            status=status,
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        self.check_permission(obj)
        form = self.make_form(obj, request.POST)
        if not form.is_valid():
            return self.render_form(obj, form, status=400)
        try:
            self.save(obj, form)
        except DomainError as exc:
            generic.apply_errors(form, exc)
            return self.render_form(obj, form, status=409 if exc.status == 409 else 400)
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(self.back(obj))


class PlanEdit(ChildEdit):
    model = YearPlan
    form_class = forms.PlanForm
    getter = selectors.plan_get
    update_service = services.plan_change
    update_arg = "plan"
    perm = "projects.change_yearplan"


class MilestoneEdit(ChildEdit):
    model = Milestone
    form_class = forms.MilestoneForm
    getter = selectors.milestone_get
    update_service = services.milestone_change
    update_arg = "milestone"
    perm = "projects.plan_milestones"
    anchor = "#milestones"


class ProcedureEdit(ChildEdit):
    model = ApprovalProcedure
    form_class = forms.ProcedureForm
    getter = selectors.procedure_get
    update_service = services.procedure_change
    update_arg = "procedure"
    perm = "projects.change_project"
    anchor = "#procedures"


class ChildVoid(generic.VoidPage):
    """Void a record of a project with a reason; back to the project."""

    anchor: ClassVar[str] = ""

    def get_object(self) -> Any:
        self.obj = super().get_object()
        if self.obj.project.is_void:
            raise PermissionDenied
        return self.obj

    def url_or_none(self, action: str, *args: Any) -> str | None:
        return _project_url(self.obj.project_id, getattr(self.obj, "year", None), self.anchor)


class PlanVoid(ChildVoid):
    model = YearPlan
    getter = selectors.plan_get
    void_service = services.plan_void
    void_arg = "plan"
    perm = "projects.void_yearplan"


class MilestoneVoid(ChildVoid):
    model = Milestone
    getter = selectors.milestone_get
    void_service = services.milestone_void
    void_arg = "milestone"
    perm = "projects.plan_milestones"
    anchor = "#milestones"


class ProcedureVoid(ChildVoid):
    model = ApprovalProcedure
    getter = selectors.procedure_get
    void_service = services.procedure_void
    void_arg = "procedure"
    perm = "projects.void_approvalprocedure"
    anchor = "#procedures"


class MilestoneDone(generic.LedgerView):
    """Mark a milestone done (today, or the date given)."""

    model = Milestone
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        milestone = selectors.milestone_get(request.user, pk)
        back = _project_url(milestone.project_id, anchor="#milestones")
        text = request.POST.get("done_on", "").strip()
        try:
            done_on = dt.date.fromisoformat(text) if text else services.today()
        except ValueError:
            messages.error(request, _("Done on: “%(value)s” is not a date (YYYY-MM-DD).") % {"value": text})
            return HttpResponseRedirect(back)
        try:
            services.milestone_change(
                actor=request.user,
                milestone=milestone,
                values={"done_on": done_on},
                expected_version=_int(request.POST.get("version"), 0, 10**9),
            )
        except DomainError as exc:
            for message in field_messages(exc):
                messages.error(request, message)
        else:
            messages.success(request, _("Done: %(name)s.") % {"name": milestone.name})
        return HttpResponseRedirect(back)


# --- the reporting page ------------------------------------------------------------------------------------


@dataclass
class RowState:
    """One line of the reporting page as shown: the saved figures, or what the user typed with its errors."""

    row: selectors.ReportingRow
    month: int
    can_report: bool
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    notice: str = ""
    version: int | None = None

    def __post_init__(self) -> None:
        report = self.row.report
        if not self.values:
            self.values = {
                "ytd_investment": _plain(report.ytd_investment) if report else "",
                "progress": report.progress if report else "",
                "problems": "\n".join(self.row.problems),
                "correction_reason": report.correction_reason if report else "",
            }
        if self.version is None:
            self.version = report.version if report else 0

    @property
    def plan(self) -> YearPlan:
        return self.row.plan

    @property
    def report(self) -> MonthlyReport | None:
        return self.row.report

    @property
    def editable(self) -> bool:
        return self.can_report and self.row.editable

    @property
    def needs_reason(self) -> bool:
        """Show the correction reason: for a correction, or for a figure lower than last month's."""
        report = self.row.report
        if (report and report.revision > 1) or self.values.get("correction_reason"):
            return True
        previous = self.row.previous_ytd
        if previous is None:
            return False
        try:
            typed = Decimal(self.values.get("ytd_investment", "").replace(",", "").strip())
        except ArithmeticError:
            return False
        return typed.is_finite() and typed < previous

    @property
    def increment(self) -> Decimal | None:
        report = self.row.report
        return rules.monthly_increment(report.ytd_investment, self.row.previous_ytd) if report else None

    @property
    def rate(self) -> Decimal | None:
        report = self.row.report
        return rules.completion_rate(report.ytd_investment, self.plan.planned_investment) if report else None


def _plain(amount: Decimal) -> str:
    """An amount as typed back into an input: no grouping, no trailing zeros."""
    return format(amount.normalize(), "f")


class Reporting(generic.LedgerView):
    """A unit's month in one screen: every project's year-to-date figure, progress and problems."""

    model = YearPlan
    template_name = "projects/reporting.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        today = services.today()
        units = selectors.reporting_units(user)
        choices = list(units.values_list("pk", "name"))
        notes: list[str] = []
        default = previous_month(today)
        text = request.GET.get("month", "").strip()
        period = forms.parse_period(text) if text else default
        if period is None:
            notes.append(_("Month: “%(value)s” is not a month; write it as 2026-05.") % {"value": text})
            period = default
        elif period > (today.year, today.month):
            notes.append(
                _("Month: %(value)s is in the future; a month can be reported once it has begun.") % {"value": text}
            )
            period = default
        year, month = period
        wanted = request.GET.get("unit", "").strip()
        unit = units.filter(pk=_int(wanted, 1, 2**31 - 1) or 0).first() if wanted else units.first()
        if wanted and unit is None:
            raise Http404
        rows = selectors.reporting_rows(user, unit, year, month) if unit is not None else []
        # Every row is a project of the same unit: whether the user reports for them is one answer.
        can_report = bool(rows) and user.has_perm("projects.report_project", rows[0].plan.project)
        render_row = RowRenderer.for_request()
        groups: list[dict[str, Any]] = []  # the rows by category, in the order they are listed
        for row in rows:
            state = RowState(row, month, can_report)
            plan = row.plan
            if not groups or groups[-1]["key"] != plan.project.category_id:
                name = getattr(plan, "category_name", "")  # annotated by selectors.reporting_plans
                groups.append({"key": plan.project.category_id, "name": name, "rows": [], "open": 0})
            groups[-1]["rows"].append(render_row(state))
            groups[-1]["open"] += state.editable
        lateness = selectors.late_and_missing(user, year, month, plans=[r.plan for r in rows]) if rows else []
        counts = dict.fromkeys(ReportStatus.values, 0)
        for row in rows:
            if row.report is not None:
                counts[row.report.status] += 1
        return render(
            request,
            self.template_name,
            {
                "title": _("Monthly reporting"),
                "units": choices,
                "unit": unit,
                "unit_select": NamedSelect(  # the office chooses among 2,000 units: no template per option
                    choices=choices,
                    attrs={"id": "reporting-unit", "class": "form-select", "onchange": "this.form.submit()"},
                ).render("unit", unit.pk if unit else None),
                "year": year,
                "month": month,
                "period": f"{year}-{month:02d}",
                "max_period": f"{today.year}-{today.month:02d}",
                "due": rules.due_date(year, month, services.due_day()),
                "rows": rows,
                "groups": groups,
                "lateness": lateness[0] if lateness else None,
                "notes": notes,
                "counts": counts,
                "not_started": len(rows) - sum(counts.values()),
                "status_labels": dict(ReportStatus.choices),
            },
        )


class ReportingRowView(generic.LedgerView):
    """One line of the reporting page: GET shows it, POST saves it (and submits it with ``action=submit``)
    and answers with the line again, its errors or warnings in it; the page does not reload."""

    model = YearPlan

    def state(self, plan: YearPlan, month: int, **kwargs: Any) -> RowState:
        user = self.request.user
        rows = selectors.reporting_rows(user, plan.project.responsible_unit, plan.year, month, plan=plan)
        row = rows[0] if rows else selectors.ReportingRow(plan, None, None)
        return RowState(row, month, user.has_perm("projects.report_project", plan.project), **kwargs)

    def answer(self, state: RowState, status: int = 200) -> HttpResponse:
        return HttpResponse(RowRenderer.for_request()(state), status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = selectors.plan_get(request.user, pk)
        month = _int(request.GET.get("month"), 1, 12) or default_month(plan.year)
        return self.answer(self.state(plan, month))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request.user
        plan = selectors.plan_get(user, pk)
        month = _int(request.POST.get("month"), 1, 12)
        values = {
            name: request.POST.get(name, "") for name in ("ytd_investment", "progress", "problems", "correction_reason")
        }
        if month is None:
            state = self.state(plan, default_month(plan.year), values=values)
            state.errors["month"] = [_("Month: choose a month from 1 to 12.")]
            return self.answer(state, 400)
        expected = _int(request.POST.get("expected_version"), 0, 10**9)
        submit = request.POST.get("action") == "submit"
        warnings: list[str] = []
        try:
            self.check_input(values)
            saved = services.report_save(
                actor=user,
                project=plan.project,
                year=plan.year,
                month=month,
                ytd_investment=values["ytd_investment"],
                progress=values["progress"].strip(),
                problems=values["problems"].splitlines(),
                correction_reason=values["correction_reason"].strip() if "correction_reason" in request.POST else None,
                expected_version=expected,
            )
            warnings = saved.warnings
            if submit:
                services.report_transition(
                    actor=user, report=saved.report, action="submit", expected_version=saved.report.version
                )
        except Conflict:
            state = self.state(plan, month, values=values)
            current = state.report
            message = _(
                "Year-to-date investment: someone else saved this month's report since you opened the page "
                "(now %(ytd)s 万元, %(status)s). Your entry is kept here and was not saved: check it and save "
                "again to replace theirs."
            ) % {
                "ytd": _plain(current.ytd_investment) if current else "—",
                "status": current.get_status_display() if current else "—",
            }
            state.errors["ytd_investment"] = [message]
            return self.answer(state, 409)
        except DomainError as exc:
            fresh = self.state(plan, month)
            state = RowState(
                fresh.row, month, fresh.can_report, values=values if fresh.editable else {}, warnings=warnings
            )
            for name, msgs in exc.fields.items():
                if name == "allowed":
                    continue
                label = FIELD_LABELS.get(name)
                target = name if name in values or name == "month" else "row"
                state.errors.setdefault(target, []).extend(
                    f"{label}: {m}" if label and name != "__all__" else m for m in msgs
                )
            if not exc.fields or set(exc.fields) <= {"allowed"}:
                state.errors.setdefault("row", []).append(exc.message)
            if not state.editable:  # no inputs to put them under: show them all in the row's status
                state.errors = {"row": [m for msgs in state.errors.values() for m in msgs]}
            return self.answer(state, exc.status if exc.status in (403, 409) else 400)
        state = self.state(plan, month, warnings=warnings)
        at = timezone.localtime(clock.now())
        state.notice = (_("Submitted at %(time)s.") if submit else _("Saved at %(time)s.")) % {
            "time": at.strftime("%H:%M")
        }
        return self.answer(state)

    @staticmethod
    def check_input(values: dict[str, str]) -> None:
        errors: dict[str, list[str]] = {}
        if not values["ytd_investment"].strip():
            errors["ytd_investment"] = [_("Enter the investment completed this year so far, in 万元.")]
        if len(values["progress"]) > 2000:
            errors["progress"] = [_("At most 2,000 characters.")]
        if any(len(line.strip()) > 500 for line in values["problems"].splitlines()):
            errors["problems"] = [_("Each problem is one line of at most 500 characters.")]
        if len(values["correction_reason"]) > 300:
            errors["correction_reason"] = [_("At most 300 characters.")]
        if errors:
            raise ValidationFailed(fields=errors)


# --- review ------------------------------------------------------------------------------------------------


class ReviewQueue(generic.LedgerView):
    """Submitted reports waiting for the office, oldest first: approve, or return with a reason."""

    model = MonthlyReport
    template_name = "projects/review_queue.html"
    paginate_by = 50

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.has_perm("projects.review_report"):
            raise PermissionDenied
        qs = selectors.review_queue(user)
        filterset = filtersets.ReportFilterSet(request.GET or None, queryset=qs, request=request)
        if filterset.is_bound and filterset.is_valid():
            qs = filterset.qs
        page = Paginator(qs, self.paginate_by).get_page(request.GET.get("page"))
        reports = list(page.object_list)
        previous = selectors.previous_ytds(user, reports)
        rows = []
        for report in reports:
            prev = previous.get(report.pk)
            rows.append(
                {
                    "report": report,
                    "previous": prev,
                    "increment": rules.monthly_increment(report.ytd_investment, prev),
                    "rate": rules.completion_rate(report.ytd_investment, report.plan.planned_investment),
                    "elapsed": rules.time_elapsed(report.month),
                    "problems": [p.text for p in report.problems.all() if p.voided_at is None],
                    "falls": prev is not None and report.ytd_investment < prev,
                }
            )
        params = request.GET.copy()
        params.pop("page", None)
        return render(
            request,
            self.template_name,
            {
                "title": _("Review queue"),
                "filterset": filterset,
                "filter_fields": [f for f in filterset.form if f.name in ("q", "year", "month", "category", "unit")],
                "rows": rows,
                "page": page,
                "querystring": params.urlencode(),
                "next": request.get_full_path(),
            },
        )


class ReportDetail(generic.DetailPage):
    """A month's report: its figures, problems, photos, the steps it went through and what may be done now."""

    model = MonthlyReport
    getter = selectors.report_get
    template_name = "projects/report_detail.html"

    @classmethod
    def url_name(cls, action: str) -> str:
        return f"projects:monthlyreport_{action}"

    def get_context(self, obj: MonthlyReport) -> dict[str, Any]:
        context = super().get_context(obj)
        user = self.request.user
        previous = selectors.report_previous_ytd(user, obj)
        may_report = user.has_perm("projects.report_project", obj.project) and not obj.is_void
        can_photo = may_report and obj.status in workflow.EDITABLE  # photos change with the figures only
        statuses = dict(ReportStatus.choices)
        context.update(
            events=[
                {
                    "event": e,
                    "label": workflow.BY_ACTION[e.action].label if e.action in workflow.BY_ACTION else e.action,
                    "source": statuses.get(e.from_status, e.from_status),
                    "target": statuses.get(e.to_status, e.to_status),
                }
                for e in selectors.report_events(user, obj)
            ],
            photos=list(selectors.report_photos(user, obj)),
            problems=[p for p in obj.problems.all() if p.voided_at is None],
            previous=previous,
            increment=rules.monthly_increment(obj.ytd_investment, previous),
            rate=rules.completion_rate(obj.ytd_investment, obj.plan.planned_investment),
            elapsed=rules.time_elapsed(obj.month),
            actions=[
                {"transition": t, "url": reverse("projects:report_act", args=[obj.pk, t.action])}
                for t in workflow.allowed(obj, user)
            ],
            can_photo=can_photo,
            photo_form=forms.PhotoForm() if can_photo else None,
            photos_closed=may_report and not can_photo,
            reporting_url=(
                f"{reverse('projects:reporting')}?unit={obj.project.responsible_unit_id}&month={obj.period}"
                if user.has_perm("projects.report_project", obj.project)
                else None
            ),
            project_url=_project_url(obj.project_id, obj.year),
            title=_("%(project)s · report for %(period)s") % {"project": obj.project, "period": obj.period},
        )
        return context


class ReportHistory(generic.HistoryPage):
    model = MonthlyReport
    getter = selectors.report_get

    @classmethod
    def url_name(cls, action: str) -> str:
        return f"projects:monthlyreport_{action}"


class ReportAct(generic.LedgerView):
    """Take a workflow action on a report (submit, approve, return, correct); back where the user came from."""

    model = MonthlyReport
    http_method_names = ["post"]
    walk_kwargs = {"action": "approve"}

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        report = selectors.report_get(request.user, pk)
        transition = workflow.BY_ACTION.get(action)
        if transition is None:
            raise Http404
        detail = reverse("projects:monthlyreport_detail", args=[report.pk])
        try:
            result = services.report_transition(
                actor=request.user,
                report=report,
                action=action,
                reason=request.POST.get("reason", ""),
                expected_version=_int(request.POST.get("version"), 0, 10**9),
            )
        except DomainError as exc:
            for message in field_messages(exc):
                messages.error(request, f"{report.project} {report.period} · {message}")
            return HttpResponseRedirect(_safe_next(request, detail))
        messages.success(
            request,
            _("%(action)s: %(project)s, %(period)s.")
            % {"action": transition.label, "project": report.project, "period": report.period},
        )
        if action == "correct" and request.user.has_perm("projects.report_project", result.project):
            return HttpResponseRedirect(
                f"{reverse('projects:reporting')}?unit={result.project.responsible_unit_id}&month={result.period}"
            )
        return HttpResponseRedirect(_safe_next(request, detail))


class PhotoAdd(generic.LedgerView):
    model = MonthlyReport
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = selectors.report_get(request.user, pk)
        back = reverse("projects:monthlyreport_detail", args=[report.pk]) + "#photos"
        form = forms.PhotoForm(request.POST, request.FILES)
        if not form.is_valid():
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                messages.error(request, f"{label}: {' '.join(str(e) for e in errors)}")
            return HttpResponseRedirect(back)
        try:
            photo = services.photo_add(
                actor=request.user,
                report=report,
                upload=form.cleaned_data["photo"],
                caption=form.cleaned_data["caption"],
            )
        except DomainError as exc:
            for message in field_messages(exc):
                messages.error(request, message)
        else:
            messages.success(request, _("Added %(name)s.") % {"name": photo.original_name})
        return HttpResponseRedirect(back)


class PhotoFile(generic.LedgerView):
    """A site photo, served only to those who may see its project."""

    model = ReportPhoto

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        photo = selectors.photo_get(request.user, pk)
        try:
            handle = photo.file.open("rb")
        except (FileNotFoundError, OSError) as exc:
            raise Http404 from exc
        content_type = mimetypes.guess_type(photo.file.name or "")[0] or "application/octet-stream"
        response = FileResponse(handle, content_type=content_type)
        response["Cache-Control"] = "private, max-age=3600"
        return response


class PhotoVoid(generic.LedgerView):
    model = ReportPhoto
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        photo = selectors.photo_get(request.user, pk)
        back = reverse("projects:monthlyreport_detail", args=[photo.report_id]) + "#photos"
        try:
            services.photo_void(actor=request.user, photo=photo, reason=request.POST.get("reason", ""))
        except DomainError as exc:
            for message in field_messages(exc):
                messages.error(request, message)
        else:
            messages.success(request, _("Withdrawn: %(name)s.") % {"name": photo.original_name})
        return HttpResponseRedirect(back)


# --- campaigns ---------------------------------------------------------------------------------------------


class CampaignList(generic.ListPage):
    model = Campaign
    selector = selectors.campaign_list
    filterset_class = filtersets.CampaignFilterSet
    columns = (
        Column("date", gettext_lazy("date"), kind="date"),
        Column("name", gettext_lazy("name"), link=True),
        Column("kind", gettext_lazy("kind")),
        Column("place", gettext_lazy("place"), sort=None),
        Column("project_count", gettext_lazy("projects"), kind="number", sort="project_count"),
    )
    default_sort = "-date"
    add_perm = "projects.add_campaign"
    title = gettext_lazy("Campaigns (三个一批)")


class CampaignDetail(generic.DetailPage):
    model = Campaign
    getter = selectors.campaign_get
    template_name = "projects/campaign_detail.html"
    change_perm = "projects.change_campaign"
    void_perm = "projects.void_campaign"

    def get_context(self, obj: Campaign) -> dict[str, Any]:
        context = super().get_context(obj)
        context["projects"] = list(selectors.campaign_projects(self.request.user, obj))
        return context


class CampaignHistory(generic.HistoryPage):
    model = Campaign
    getter = selectors.campaign_get


class CampaignCreate(generic.FormPage):
    model = Campaign
    form_class = forms.CampaignForm
    create_service = services.campaign_create
    perm = "projects.add_campaign"


class CampaignEdit(generic.FormPage):
    model = Campaign
    form_class = forms.CampaignForm
    getter = selectors.campaign_get
    update_service = services.campaign_change
    update_arg = "campaign"
    perm = "projects.change_campaign"

    def save(self, obj: Any, form: BaseForm) -> Any:
        super().save(obj, form)
        return obj


class CampaignVoid(generic.VoidPage):
    model = Campaign
    getter = selectors.campaign_get
    void_service = services.campaign_void
    void_arg = "campaign"
    perm = "projects.void_campaign"


# --- the battle map ----------------------------------------------------------------------------------------


def year_position(day: dt.date, year: int) -> float:
    """Where ``day`` lies across ``year``, in per cent of the width (each month one twelfth)."""
    if day.year < year:
        return 0.0
    if day.year > year:
        return 100.0
    length = calendar.monthrange(year, day.month)[1]
    return ((day.month - 1) + (day.day - 1) / length) / 12 * 100


def _pc(value: float) -> str:
    return f"{value:.3f}"


@dataclass
class GanttRow:
    plan: YearPlan
    bar: tuple[str, str] | None
    bar_title: str
    milestones: list[dict[str, Any]]
    outside: int
    next_open: Milestone | None


def gantt_row(plan: YearPlan, year: int, today: dt.date, due_soon_days: int) -> GanttRow:
    project = plan.project
    start = project.actual_start or project.planned_start
    end = project.actual_completion or project.planned_completion
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    bar = None
    if (start or end) and not (start and start > last) and not (end and end < first):
        left = year_position(start, year) if start else 0.0
        right = year_position(end + dt.timedelta(days=1), year) if end and end < last else 100.0
        bar = (_pc(left), _pc(max(right - left, 0.4)))
    bar_title = "{} – {}".format(start.isoformat() if start else "?", end.isoformat() if end else "?")
    shown = []
    outside = 0
    next_open = None
    for m in getattr(project, "live_milestones", []):
        status = rules.milestone_status(m.planned_on, m.done_on, today, due_soon_days)
        if next_open is None and m.done_on is None:
            next_open = m
        if m.planned_on.year != year:
            outside += 1
            continue
        shown.append({"milestone": m, "status": status, "left": _pc(year_position(m.planned_on, year))})
    return GanttRow(plan, bar, bar_title, shown, outside, next_open)


class Gantt(generic.LedgerView):
    """The battle map (挂图作战): projects across the months of a year, with their milestones; prints on A3."""

    model = YearPlan
    template_name = "projects/gantt.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        today = services.today()
        plan_years = selectors.plan_years(user)
        year = _int(request.GET.get("year"), 2000, 2100) or selectors.opening_year(plan_years)
        data = request.GET.copy()
        data["year"] = str(year)
        qs = selectors.gantt_plans(user, year)
        filterset = filtersets.PlanFilterSet(data, queryset=qs, request=request)
        if filterset.is_valid():
            qs = filterset.qs
        plans = list(qs[: GANTT_LIMIT + 1])
        thresholds = thresholds_today(user)
        rows = [gantt_row(plan, year, today, thresholds.due_soon_days) for plan in plans[:GANTT_LIMIT]]
        years = sorted({*plan_years, year}, reverse=True)
        return render(
            request,
            self.template_name,
            {
                "title": _("Battle map %(year)s") % {"year": year},
                "year": year,
                "years": years,
                "filterset": filterset,
                "filter_fields": [f for f in filterset.form if f.name in ("unit", "category", "leader", "light")],
                "rows": rows,
                "more": len(plans) > GANTT_LIMIT,
                "limit": GANTT_LIMIT,
                "months": [dt.date(year, m, 1) for m in range(1, 13)],
                "today_left": _pc(year_position(today, year)) if today.year == year else None,
                "today": today,
                "due_soon_days": thresholds.due_soon_days,
                "status_labels": dict(MilestoneStatus.choices),
            },
        )


# --- the district summary ----------------------------------------------------------------------------------


CHART_UNITS = 10  # the unit chart shows the best and the worst this many when a level has more than twice as many


def _chart_rows(rows: list[selectors.SummaryRow]) -> dict[str, Any]:
    return {
        "names": [r.label for r in rows],
        "rates": [float(r.rate) if r.rate is not None else None for r in rows],
    }


def _ends(rows: list[selectors.SummaryRow], n: int = CHART_UNITS) -> list[selectors.SummaryRow]:
    """The first and the last ``n`` of ranked rows (all of them when there are at most twice as many)."""
    return rows if len(rows) <= 2 * n else [*rows[:n], *rows[-n:]]


class Summary(generic.LedgerView):
    """The district summary (汇总): by category, unit, stage and programme, as the monthly bulletin prints it."""

    model = YearPlan
    template_name = "projects/summary.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        notes = []
        plan_years = selectors.plan_years(user)
        year_text = request.GET.get("year", "").strip()
        year = _int(year_text, 2000, 2100) if year_text else None
        if year_text and year is None:
            notes.append(_("Year: “%(value)s” is not a year.") % {"value": year_text})
        year = year or selectors.opening_year(plan_years)
        month_text = request.GET.get("month", "").strip()
        month = _int(month_text, 1, 12) if month_text else None
        if month_text and month is None:
            notes.append(_("Month: choose a month from 1 to 12."))
        under = self.opened_unit(notes)
        data = selectors.summary(user, year, month)
        units = selectors.summary_units(user, data, under)
        programmes = [(row, data.by_programme_category.get(row.key, [])) for row in data.by_programme]
        rate = rules.completion_rate(data.total.ytd, data.total.planned)
        shown_units = _ends(units.rows)
        charts = {
            "elapsed": float(data.elapsed) if data.month else None,
            "category": _chart_rows(data.by_category),
            "unit": _chart_rows(shown_units),
            "labels": {
                "rate": _("Completion rate (%)"),
                "elapsed": _("Time elapsed %(value)s%%") % {"value": data.elapsed},
            },
        }
        period = {"year": year, **({"month": month} if month else {})}
        return render(
            request,
            self.template_name,
            {
                "title": _("District summary %(year)s") % {"year": year},
                "s": data,
                "year": year,
                "years": sorted({*plan_years, year}, reverse=True),
                "month_choices": range(1, 13),
                "chosen_month": month,
                "programmes": programmes,
                "units": units,
                "unit_chart_cut": len(shown_units) < len(units.rows),
                "chart_units": CHART_UNITS,
                "open_unit_url": f"?{urlencode(period)}&unit=",
                "up_url": self.up_url(period, under),
                "total_rate": rules.pct(rate),
                "notes": notes,
                "charts": charts,
                "light_red": Light.RED,
            },
        )

    def opened_unit(self, notes: list[str]) -> Any:
        """The unit whose sub-units the by-unit table shows (``?unit=``), or None for the top units."""
        text = self.request.GET.get("unit", "").strip()
        if not text:
            return None
        units = org_selectors.unit_directory(self.request.user).only("id", "name", "short_name", "path", "parent")
        unit = units.filter(pk=_int(text, 1, 2**31 - 1) or 0).first()
        if unit is None:
            notes.append(_("Unit: “%(value)s” is not a unit; showing the top units.") % {"value": text})
        return unit

    @staticmethod
    def up_url(period: dict[str, Any], under: Any) -> str | None:
        """The level above the opened unit: its parent's sub-units, or the top units."""
        if under is None:
            return None
        params = {**period, **({"unit": under.parent_id} if under.parent_id else {})}
        return f"?{urlencode(params)}#unit"


class Lateness(generic.LedgerView):
    """Late and missing monthly reports, per unit, for a month (default: last month): the office's overview."""

    model = MonthlyReport
    template_name = "projects/lateness.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        this_year, last_month = previous_month(services.today())
        year = _int(request.GET.get("year"), 2000, 2100) or this_year
        month = _int(request.GET.get("month"), 1, 12) or (last_month if year == this_year else default_month(year))
        units = selectors.late_and_missing(user, year, month)
        years = sorted({*selectors.plan_years(user), year}, reverse=True)
        return render(
            request,
            self.template_name,
            {
                "title": _("Late and missing reports"),
                "year": year,
                "month": month,
                "years": years,
                "months": range(1, 13),
                "due": rules.due_date(year, month, services.due_day()),
                "units": units,
                "missing": sum(len(u.missing) for u in units),
                "late": sum(len(u.late) for u in units),
            },
        )
