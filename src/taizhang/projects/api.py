"""API of the key-project ledger: projects, year plans, monthly reports with their review, milestones,
campaigns, the configuration, and the district summary, reporting and lateness views.

Reads go through ``selectors.py`` (scoped: a record out of scope is 404), writes through ``services.py``
(the same checks as the pages), filters through ``filtersets.py``. The report workflow's actions are
``POST /api/project-reports/{id}/<action>/``; an action not allowed now answers 409 with the allowed ones in
``fields.allowed``. Every error is ``{"code", "message", "fields"}``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, cast

import django_filters
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions as drf_exceptions
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from taizhang.core.api import AuditedAPIMixin, ScopedViewSet, VoidSerializer
from taizhang.core.errors import Conflict, ValidationFailed
from taizhang.org import selectors as org_selectors
from taizhang.projects import filtersets, rules, selectors, services, workflow
from taizhang.projects.choices import CampaignKind, Importance, Nature, ProcedureStatus, Stage
from taizhang.projects.models import (
    ApprovalProcedure,
    Campaign,
    LightThreshold,
    Milestone,
    MilestoneTemplate,
    MonthlyReport,
    Programme,
    ProgrammeCategory,
    Project,
    ProjectCategory,
    ReportEvent,
    ReportPhoto,
    ReportProblem,
    YearPlan,
)

FOUR_PLACES = Decimal("0.0001")


def money_text(value: Decimal | None) -> str | None:
    """An amount as the API writes every Decimal: a string with four places."""
    return None if value is None else str(Decimal(value).quantize(FOUR_PLACES))


def pct_text(value: Decimal | None) -> str | None:
    """A percentage or points figure as a string with one decimal place (as bulletins print it)."""
    rounded = rules.pct(value)
    return None if rounded is None else str(rounded)


# --- reference fields: what a caller may name in a request ---------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class DirectoryUnitField(serializers.PrimaryKeyRelatedField):
    """Any active unit by id (unit names are public in the district; their records are not)."""

    def get_queryset(self) -> Any:
        return org_selectors.unit_directory(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class LeaderField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        return org_selectors.leader_list(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class CategoryField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        return selectors.category_choices(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class ProgrammeField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        return selectors.programme_choices(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class ProgrammeCategoryField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        programmes = selectors.programme_choices(self.context["request"].user)
        return ProgrammeCategory.objects.live().filter(programme__in=programmes.values("pk"))


@extend_schema_field(OpenApiTypes.INT)
class VisibleProjectField(serializers.PrimaryKeyRelatedField):
    """A project the caller may see; any other id reads as "does not exist"."""

    def get_queryset(self) -> Any:
        return selectors.project_list(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class TemplateField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        return selectors.template_list(self.context["request"].user)


def version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, allow_null=True, help_text="The version you read; a stale one answers 409 conflict."
    )


# --- read serializers -----------------------------------------------------------------------------------


class ProjectNamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProjectRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class ProgrammeLinkSerializer(serializers.Serializer):
    programme = ProjectNamedSerializer()
    category = ProjectNamedSerializer(allow_null=True)


class StageChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    stage = serializers.CharField()
    stage_label = serializers.CharField(source="get_stage_display")
    date = serializers.DateField()
    note = serializers.CharField()


class ProcedureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    permit_number = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    version = serializers.IntegerField()


class ProcedureRecordSerializer(ProcedureSerializer):
    """An approval procedure with its project (``/api/project-procedures/``)."""

    project = ProjectRefSerializer()


class ProjectSerializer(serializers.ModelSerializer):
    category = ProjectNamedSerializer(read_only=True)
    importance_label = serializers.CharField(source="get_importance_display", read_only=True)
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    responsible_unit = ProjectNamedSerializer(read_only=True)
    cooperating_units = ProjectNamedSerializer(many=True, read_only=True)
    leader = ProjectNamedSerializer(read_only=True, allow_null=True)
    programmes = ProgrammeLinkSerializer(source="programme_links", many=True, read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "name",
            "owner",
            "category",
            "importance",
            "importance_label",
            "programmes",
            "stage",
            "stage_label",
            "stage_since",
            "address",
            "longitude",
            "latitude",
            "scale",
            "total_investment",
            "planned_start",
            "planned_completion",
            "actual_start",
            "actual_completion",
            "responsible_unit",
            "cooperating_units",
            "leader",
            "note",
            "version",
        ]
        read_only_fields = fields


class ProjectDetailSerializer(ProjectSerializer):
    """A project with its dated stage changes and approval procedures."""

    stages = serializers.SerializerMethodField()
    procedures = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "stages", "procedures"]
        read_only_fields = fields

    @extend_schema_field(StageChangeSerializer(many=True))
    def get_stages(self, project: Project) -> Any:
        user = self.context["request"].user
        return StageChangeSerializer(selectors.stages_of(user, project), many=True).data

    @extend_schema_field(ProcedureSerializer(many=True))
    def get_procedures(self, project: Project) -> Any:
        user = self.context["request"].user
        return ProcedureSerializer(selectors.procedures_of(user, project), many=True).data


class PlanProjectSerializer(ProjectRefSerializer):
    category = ProjectNamedSerializer()
    responsible_unit = ProjectNamedSerializer()
    leader = ProjectNamedSerializer(allow_null=True)
    stage = serializers.CharField()
    importance = serializers.CharField()
    total_investment = serializers.DecimalField(max_digits=18, decimal_places=4)


def _figures(planned: Decimal, ytd: Decimal, month: int) -> dict[str, str | None]:
    """Completion rate, time-elapsed share and gap (points) of a year-to-date figure in ``month``."""
    if not month:
        return {"completion_rate": None, "elapsed": None, "gap": None}
    rate = rules.completion_rate(ytd, planned)
    return {
        "completion_rate": pct_text(rate),
        "elapsed": pct_text(rules.time_elapsed(month)),
        "gap": pct_text(rules.gap_points(rate, month)),
    }


class PlanSerializer(serializers.ModelSerializer):
    """A row of a year's ledger with its figures; rates and points are strings with one decimal place."""

    project = PlanProjectSerializer(read_only=True)
    nature_label = serializers.CharField(source="get_nature_display", read_only=True)
    light_label = serializers.CharField(source="get_light_display", read_only=True)
    completion_rate = serializers.SerializerMethodField(help_text="Year-to-date ÷ annual plan, per cent.")
    elapsed = serializers.SerializerMethodField(help_text="Time-elapsed share at the reported month, per cent.")
    gap = serializers.SerializerMethodField(help_text="Completion rate − time-elapsed share, points.")
    cumulative = serializers.SerializerMethodField(help_text="Completed before this year + this year, 万元.")
    share_of_total = serializers.SerializerMethodField(help_text="Cumulative ÷ total investment, per cent.")

    class Meta:
        model = YearPlan
        fields = [
            "id",
            "project",
            "year",
            "nature",
            "nature_label",
            "completed_before",
            "planned_investment",
            "progress_goal",
            "plan_start",
            "plan_completion",
            "reported_month",
            "ytd_investment",
            "completion_rate",
            "elapsed",
            "gap",
            "cumulative",
            "share_of_total",
            "light",
            "light_label",
            "light_reason",
            "version",
        ]
        read_only_fields = fields

    def _figure(self, plan: YearPlan, name: str) -> str | None:
        return _figures(plan.planned_investment, plan.ytd_investment, plan.reported_month)[name]

    @extend_schema_field(OpenApiTypes.STR)
    def get_completion_rate(self, plan: YearPlan) -> str | None:
        return self._figure(plan, "completion_rate")

    @extend_schema_field(OpenApiTypes.STR)
    def get_elapsed(self, plan: YearPlan) -> str | None:
        return self._figure(plan, "elapsed")

    @extend_schema_field(OpenApiTypes.STR)
    def get_gap(self, plan: YearPlan) -> str | None:
        return self._figure(plan, "gap")

    @extend_schema_field(OpenApiTypes.STR)
    def get_cumulative(self, plan: YearPlan) -> str | None:
        return money_text(rules.cumulative(plan.completed_before, plan.ytd_investment))

    @extend_schema_field(OpenApiTypes.STR)
    def get_share_of_total(self, plan: YearPlan) -> str | None:
        total = plan.project.total_investment
        return pct_text(rules.share_of_total(rules.cumulative(plan.completed_before, plan.ytd_investment), total))


class ReportPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ReportPhoto
        fields = [
            "id",
            "report",
            "original_name",
            "caption",
            "width",
            "height",
            "taken_at",
            "longitude",
            "latitude",
            "uploaded_by",
            "created_at",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, photo: ReportPhoto) -> str:
        from django.urls import reverse

        return reverse("project-photo-file", args=[photo.pk])


class ReportEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ReportEvent
        fields = ["id", "action", "from_status", "to_status", "reason", "actor", "at"]
        read_only_fields = fields


class ReportSerializer(serializers.ModelSerializer):
    project = ProjectRefSerializer(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    light_label = serializers.CharField(source="get_light_display", read_only=True)
    period = serializers.CharField(read_only=True)
    planned_investment = serializers.DecimalField(
        source="plan.planned_investment", max_digits=18, decimal_places=4, read_only=True
    )
    completion_rate = serializers.SerializerMethodField()
    elapsed = serializers.SerializerMethodField()
    gap = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField()
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True, allow_null=True, default=None)
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = MonthlyReport
        fields = [
            "id",
            "project",
            "plan",
            "year",
            "month",
            "period",
            "revision",
            "status",
            "status_label",
            "ytd_investment",
            "planned_investment",
            "completion_rate",
            "elapsed",
            "gap",
            "progress",
            "problems",
            "correction_reason",
            "return_reason",
            "light",
            "light_label",
            "light_reason",
            "is_latest",
            "is_effective",
            "submitted_at",
            "submitted_by",
            "reviewed_at",
            "reviewed_by",
            "version",
        ]
        read_only_fields = fields

    def _figure(self, report: MonthlyReport, name: str) -> str | None:
        return _figures(report.plan.planned_investment, report.ytd_investment, report.month)[name]

    @extend_schema_field(OpenApiTypes.STR)
    def get_completion_rate(self, report: MonthlyReport) -> str | None:
        return self._figure(report, "completion_rate")

    @extend_schema_field(OpenApiTypes.STR)
    def get_elapsed(self, report: MonthlyReport) -> str | None:
        return self._figure(report, "elapsed")

    @extend_schema_field(OpenApiTypes.STR)
    def get_gap(self, report: MonthlyReport) -> str | None:
        return self._figure(report, "gap")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_problems(self, report: MonthlyReport) -> list[str]:
        live = getattr(report, "live_problems", None)
        if live is None:
            live = list(report.problems.live().order_by("pk"))
        return [p.text for p in live]


class ReportDetailSerializer(ReportSerializer):
    """A report with last month's figure, the monthly increment, its photos, its timeline and what the caller
    may do with it now."""

    previous_ytd = serializers.SerializerMethodField()
    monthly_increment = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(ReportSerializer.Meta):
        fields = [
            *ReportSerializer.Meta.fields,
            "previous_ytd",
            "monthly_increment",
            "photos",
            "events",
            "allowed_actions",
        ]
        read_only_fields = fields

    def _previous(self, report: MonthlyReport) -> Decimal | None:
        cache = cast("dict[str, Any]", self.context).setdefault("_previous", {})
        if report.pk not in cache:
            cache[report.pk] = selectors.report_previous_ytd(self.context["request"].user, report)
        return cache[report.pk]

    @extend_schema_field(OpenApiTypes.STR)
    def get_previous_ytd(self, report: MonthlyReport) -> str | None:
        return money_text(self._previous(report))

    @extend_schema_field(OpenApiTypes.STR)
    def get_monthly_increment(self, report: MonthlyReport) -> str | None:
        return money_text(rules.monthly_increment(report.ytd_investment, self._previous(report)))

    @extend_schema_field(ReportPhotoSerializer(many=True))
    def get_photos(self, report: MonthlyReport) -> Any:
        return ReportPhotoSerializer(selectors.report_photos(self.context["request"].user, report), many=True).data

    @extend_schema_field(ReportEventSerializer(many=True))
    def get_events(self, report: MonthlyReport) -> Any:
        return ReportEventSerializer(selectors.report_events(self.context["request"].user, report), many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, report: MonthlyReport) -> list[str]:
        return [t.action for t in workflow.allowed(report, self.context["request"].user)]


class ReportSavedSerializer(ReportDetailSerializer):
    """The saved report, with the warnings its figures raised (saved anyway) and whether it was new."""

    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)
    created = serializers.BooleanField(read_only=True)

    class Meta(ReportDetailSerializer.Meta):
        fields = [*ReportDetailSerializer.Meta.fields, "warnings", "created"]
        read_only_fields = fields


class MilestoneSerializer(serializers.ModelSerializer):
    project = ProjectRefSerializer(read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = ["id", "project", "name", "planned_on", "done_on", "sort_order", "note", "status", "version"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_status(self, milestone: Milestone) -> str:
        """done, planned, due_soon or overdue (as of today, with the thresholds in force today)."""
        today = services.today()
        due_soon = self.context.get("due_soon_days")
        if due_soon is None:
            rows = [
                rules.Thresholds(t.effective_from, t.yellow_above, t.red_above, t.due_soon_days)
                for t in selectors.threshold_list(self.context["request"].user)
            ]
            due_soon = cast("dict[str, Any]", self.context)["due_soon_days"] = rules.thresholds_on(
                rows, today
            ).due_soon_days
        return str(rules.milestone_status(milestone.planned_on, milestone.done_on, today, due_soon))


class CampaignSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    projects = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = ["id", "name", "kind", "kind_label", "date", "place", "description", "projects", "version"]
        read_only_fields = fields

    @extend_schema_field(ProjectRefSerializer(many=True))
    def get_projects(self, campaign: Campaign) -> Any:
        """Only the projects the caller may see."""
        visible = getattr(campaign, "visible_projects", None)
        if visible is None:
            visible = selectors.campaign_projects(self.context["request"].user, campaign)
        return ProjectRefSerializer(visible, many=True).data


class ProjectCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectCategory
        fields = ["id", "code", "name", "sort_order"]
        read_only_fields = fields


class ProgrammeCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgrammeCategory
        fields = ["id", "code", "name", "sort_order"]
        read_only_fields = fields


class ProgrammeSerializer(serializers.ModelSerializer):
    categories = ProgrammeCategorySerializer(many=True, read_only=True)

    class Meta:
        model = Programme
        fields = ["id", "code", "name", "description", "categories"]
        read_only_fields = fields


class LightThresholdSerializer(serializers.ModelSerializer):
    class Meta:
        model = LightThreshold
        fields = ["id", "effective_from", "yellow_above", "red_above", "due_soon_days", "note"]
        read_only_fields = ["id"]
        validators: list[Any] = []  # the service checks, with the pages' messages


class MilestoneTemplateStepSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    days_before = serializers.IntegerField(min_value=0, max_value=3650)


class MilestoneTemplateSerializer(serializers.ModelSerializer):
    steps = serializers.SerializerMethodField()

    class Meta:
        model = MilestoneTemplate
        fields = ["id", "name", "description", "steps"]
        read_only_fields = fields

    @extend_schema_field(MilestoneTemplateStepSerializer(many=True))
    def get_steps(self, template: MilestoneTemplate) -> Any:
        steps = sorted(
            (s for s in template.steps.all() if s.voided_at is None), key=lambda s: (-s.days_before, s.sort_order)
        )
        return MilestoneTemplateStepSerializer(steps, many=True).data


# --- write serializers ----------------------------------------------------------------------------------


class ProgrammeLinkWriteSerializer(serializers.Serializer):
    programme = ProgrammeField()
    category = ProgrammeCategoryField(required=False, allow_null=True)


class ProjectWriteSerializer(serializers.Serializer):
    """A new project. Amounts in 万元; the service refuses negative ones."""

    code = serializers.CharField(max_length=50, required=False, allow_blank=True)
    name = serializers.CharField(max_length=200)
    owner = serializers.CharField(max_length=200, required=False, allow_blank=True)
    category = CategoryField()
    importance = serializers.ChoiceField(choices=Importance.choices, required=False)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    stage_since = serializers.DateField(required=False, allow_null=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    longitude = serializers.DecimalField(max_digits=10, decimal_places=6, required=False, allow_null=True)
    latitude = serializers.DecimalField(max_digits=10, decimal_places=6, required=False, allow_null=True)
    scale = serializers.CharField(required=False, allow_blank=True)
    total_investment = serializers.DecimalField(max_digits=18, decimal_places=4)
    planned_start = serializers.DateField(required=False, allow_null=True)
    planned_completion = serializers.DateField(required=False, allow_null=True)
    actual_start = serializers.DateField(required=False, allow_null=True)
    actual_completion = serializers.DateField(required=False, allow_null=True)
    responsible_unit = DirectoryUnitField()
    cooperating_units = DirectoryUnitField(many=True, required=False)
    leader = LeaderField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)
    programmes = ProgrammeLinkWriteSerializer(many=True, required=False)


class ProjectUpdateSerializer(ProjectWriteSerializer):
    """Changes to a project; its stage moves only by the dated ``stage`` action."""

    stage = None  # type: ignore[assignment]
    stage_since = None  # type: ignore[assignment]
    version = version_field()


def _project_values(data: dict[str, Any]) -> dict[str, Any]:
    if "programmes" in data:
        data["programmes"] = [(link["programme"], link.get("category")) for link in data["programmes"]]
    return data


class ProjectStageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    date = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class MilestoneWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    planned_on = serializers.DateField()
    done_on = serializers.DateField(required=False, allow_null=True)
    sort_order = serializers.IntegerField(min_value=0, required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class MilestoneUpdateSerializer(MilestoneWriteSerializer):
    version = version_field()


class MilestoneDoneSerializer(serializers.Serializer):
    done_on = serializers.DateField(required=False, help_text="Default: today.")
    version = version_field()


class ScheduleSerializer(serializers.Serializer):
    template = TemplateField()
    target = serializers.DateField(help_text="The date the last step falls on.")


class PlanWriteSerializer(serializers.Serializer):
    project = VisibleProjectField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    planned_investment = serializers.DecimalField(max_digits=18, decimal_places=4)
    nature = serializers.ChoiceField(choices=Nature.choices, required=False)
    completed_before = serializers.DecimalField(max_digits=18, decimal_places=4, required=False)
    progress_goal = serializers.CharField(required=False, allow_blank=True)
    plan_start = serializers.BooleanField(required=False)
    plan_completion = serializers.BooleanField(required=False)


class PlanUpdateSerializer(PlanWriteSerializer):
    project = None  # type: ignore[assignment]
    year = None  # type: ignore[assignment]
    version = version_field()


class ProcedureWriteSerializer(serializers.Serializer):
    project = VisibleProjectField()
    name = serializers.CharField(max_length=100)
    status = serializers.ChoiceField(choices=ProcedureStatus.choices, required=False)
    permit_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    date = serializers.DateField(required=False, allow_null=True, help_text="Needed once the status is obtained.")


class ProcedureUpdateSerializer(ProcedureWriteSerializer):
    project = None  # type: ignore[assignment]
    version = version_field()


class ReportSaveSerializer(serializers.Serializer):
    """A month's figures for a project: creates the working report or changes it (draft or returned)."""

    project = VisibleProjectField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    month = serializers.IntegerField(min_value=1, max_value=12)
    ytd_investment = serializers.DecimalField(
        max_digits=18, decimal_places=4, help_text="Completed this year to date, 万元."
    )
    progress = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    problems = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, help_text="Replaces the report's problems."
    )
    correction_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)
    version = version_field()


class ReportUpdateSerializer(ReportSaveSerializer):
    """Changes to a working report. ``version`` is required: without it a change could silently replace one
    saved by someone else since you read the report."""

    project = None  # type: ignore[assignment]
    year = None  # type: ignore[assignment]
    month = None  # type: ignore[assignment]
    version = serializers.IntegerField(min_value=0, help_text="The version you read; a stale one answers 409.")


class ReportPhotoUploadSerializer(serializers.Serializer):
    photo = serializers.ImageField()
    caption = serializers.CharField(max_length=200, required=False, allow_blank=True)


class CampaignWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=CampaignKind.choices)
    date = serializers.DateField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    projects = VisibleProjectField(many=True, required=False)


class CampaignUpdateSerializer(CampaignWriteSerializer):
    version = version_field()


class MilestoneTemplateWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True)
    steps = MilestoneTemplateStepSerializer(many=True, help_text="Steps with their days before the target date.")


# --- viewsets -------------------------------------------------------------------------------------------


class _LedgerViewSet(ScopedViewSet):
    """Scoped reads, writes through services with ``version`` guarding against lost updates, ``void``."""

    detail_serializer_class: ClassVar[type[serializers.BaseSerializer] | None] = None
    update_serializer_class: ClassVar[type[serializers.Serializer] | None] = None
    getter: ClassVar[Any] = None
    void_arg: ClassVar[str] = ""

    def get_serializer_class(self) -> Any:
        if self.action != "list" and self.detail_serializer_class is not None:
            return self.detail_serializer_class
        return super().get_serializer_class()

    def get_object(self) -> Any:
        if type(self).getter is None:
            return super().get_object()
        return type(self).getter(self.request.user, self.kwargs["pk"])

    def _body(self, serializer_class: type[serializers.Serializer], partial: bool = False) -> dict[str, Any]:
        body = serializer_class(data=self.request.data, partial=partial, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)

    def _detail(self, instance: Any, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = type(self).getter(self.request.user, instance.pk) if type(self).getter else instance
        serializer_class = self.detail_serializer_class or self.get_serializer_class()
        return Response(serializer_class(fresh, context=self.get_serializer_context()).data, status=status_code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if type(self).create_service is None:
            raise drf_exceptions.MethodNotAllowed(request.method or "POST")
        data = self._body(self.write_serializer_class)  # type: ignore[arg-type]
        instance = type(self).create_service(actor=request.user, **self.to_values(data))  # type: ignore[misc]
        return self._detail(instance, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        values = self._body(self.update_serializer_class, partial=True)  # type: ignore[arg-type]
        version = values.pop("version", None)
        type(self).update_service(  # type: ignore[misc]
            actor=request.user,
            **{self.update_arg: instance},
            values=self.to_values(values),
            expected_version=version,
        )
        return self._detail(instance)

    def to_values(self, data: dict[str, Any]) -> dict[str, Any]:
        return data

    def _void(self, request: Request) -> Response:
        instance = self.get_object()
        reason = self._body(VoidSerializer)["reason"]
        type(self).void_service(actor=request.user, **{self.void_arg: instance}, reason=reason)  # type: ignore[misc]
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProjectViewSet(_LedgerViewSet):
    """The projects you may see (filters as on the ledger page). ``POST`` adds one (the office), ``PATCH``
    changes it, ``stage`` moves it along the pipeline on a date, ``milestones`` lists and adds its
    milestones, ``schedule`` plans them backwards from a target date, ``void`` takes it out with a reason."""

    model = Project
    serializer_class = ProjectSerializer
    detail_serializer_class = ProjectDetailSerializer
    write_serializer_class = ProjectWriteSerializer
    update_serializer_class = ProjectUpdateSerializer
    filterset_class = filtersets.ProjectFilterSet
    list_selector = selectors.project_list
    getter = staticmethod(selectors.project_get)
    create_service = services.project_create
    update_service = services.project_change
    void_service = services.project_void
    update_arg = void_arg = "project"

    def get_queryset(self) -> QuerySet[Project]:
        return (
            super()
            .get_queryset()
            .prefetch_related("cooperating_units", "programme_links__programme", "programme_links__category")
        )

    def to_values(self, data: dict[str, Any]) -> dict[str, Any]:
        return _project_values(data)

    @extend_schema(request=ProjectWriteSerializer, responses={201: ProjectDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    @extend_schema(request=ProjectUpdateSerializer, responses=ProjectDetailSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.get_object()  # out of scope is 404 whatever the body says
        moved = [name for name in ("stage", "stage_since") if name in request.data]
        if moved:
            message = _("The stage moves by a dated stage change: POST to the project's stage action.")
            raise ValidationFailed(message, fields={name: [message] for name in moved})
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(request=ProjectUpdateSerializer, responses=ProjectDetailSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=VoidSerializer, responses={204: None}, summary="Void with a reason")
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str | None = None) -> Response:
        return self._void(request)

    @extend_schema(
        request=ProjectStageSerializer, responses=ProjectDetailSerializer, summary="Move to a stage on a date"
    )
    @action(detail=True, methods=["post"])
    def stage(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        services.project_stage(actor=request.user, project=project, **self._body(ProjectStageSerializer))
        return self._detail(project)

    @extend_schema(methods=["GET"], responses=MilestoneSerializer(many=True), summary="The project's milestones")
    @extend_schema(
        methods=["POST"], request=MilestoneWriteSerializer, responses={201: MilestoneSerializer}, summary="Add one"
    )
    @action(detail=True, methods=["get", "post"])
    def milestones(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            return Response(
                MilestoneSerializer(selectors.milestones_of(request.user, project), many=True, context=context).data
            )
        milestone = services.milestone_create(
            actor=request.user, project=project, **self._body(MilestoneWriteSerializer)
        )
        return Response(MilestoneSerializer(milestone, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ScheduleSerializer,
        responses={201: MilestoneSerializer(many=True)},
        summary="Schedule backwards from a target date with a template (倒排工期)",
    )
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        made = services.schedule_backwards(actor=request.user, project=project, **self._body(ScheduleSerializer))
        context = self.get_serializer_context()
        return Response(MilestoneSerializer(made, many=True, context=context).data, status=status.HTTP_201_CREATED)


class PlanViewSet(_LedgerViewSet):
    """Rows of the years' ledgers (year plans) with their figures and lights; filter by ``year``, ``light``
    and the project's fields as on the ledger page."""

    model = YearPlan
    serializer_class = PlanSerializer
    write_serializer_class = PlanWriteSerializer
    update_serializer_class = PlanUpdateSerializer
    filterset_class = filtersets.PlanFilterSet
    list_selector = selectors.plan_list
    getter = staticmethod(selectors.plan_get)
    create_service = services.plan_create
    update_service = services.plan_change
    void_service = services.plan_void
    update_arg = void_arg = "plan"

    def get_queryset(self) -> QuerySet[YearPlan]:
        return super().get_queryset().order_by("-year", "project__code", "pk")

    @extend_schema(request=PlanWriteSerializer, responses={201: PlanSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    @extend_schema(request=PlanUpdateSerializer, responses=PlanSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(request=PlanUpdateSerializer, responses=PlanSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=VoidSerializer, responses={204: None}, summary="Void with a reason")
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str | None = None) -> Response:
        return self._void(request)


def transition_serializer(transition: workflow.Transition) -> type[serializers.Serializer]:
    """The request body of one workflow action: ``reason`` where the table needs one, ``version``."""
    fields: dict[str, Any] = {"version": version_field()}
    if transition.needs_reason:
        fields["reason"] = serializers.CharField(max_length=300)
    name = "Report" + transition.action.title() + "Action"
    return type(name, (serializers.Serializer,), fields)


class ReportViewSet(_LedgerViewSet):
    """Monthly reports you may see. ``POST`` saves a month's figures: without ``version`` it creates the
    month's working report (409 if there is one already), with the ``version`` you read it changes that one;
    ``PATCH`` changes this report and requires ``version``; ``submit``, ``approve``, ``return`` (reason) and
    ``correct`` (reason) are the workflow; ``photos`` lists and uploads site photos. Warnings about the
    figures come back in ``warnings``; a stale ``version`` answers 409 and changes nothing."""

    model = MonthlyReport
    serializer_class = ReportSerializer
    detail_serializer_class = ReportDetailSerializer
    filterset_class = filtersets.ReportFilterSet
    list_selector = selectors.report_list
    getter = staticmethod(selectors.report_get)
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[MonthlyReport]:
        return (
            super()
            .get_queryset()
            .select_related("submitted_by", "reviewed_by")
            .prefetch_related(
                Prefetch("problems", queryset=ReportProblem.objects.live().order_by("pk"), to_attr="live_problems")
            )
            .order_by("-year", "-month", "project__code", "-revision", "pk")
        )

    def _saved(self, saved: services.ReportSaved) -> Response:
        report = selectors.report_get(self.request.user, saved.report.pk)
        report.warnings = saved.warnings  # type: ignore[attr-defined]
        report.created = saved.created  # type: ignore[attr-defined]
        data = ReportSavedSerializer(report, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED if saved.created else status.HTTP_200_OK)

    @extend_schema(request=ReportSaveSerializer, responses={200: ReportSavedSerializer, 201: ReportSavedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._body(ReportSaveSerializer)
        version = data.pop("version", None)
        try:
            # Without a version the caller has read no report of the month: it creates one, and changes none.
            saved = services.report_save(actor=request.user, expected_version=version or 0, **data)
        except Conflict as exc:
            if version is not None:
                raise
            message = _("This month already has a working report: read it and send its version to change it.")
            raise Conflict(message, fields={"version": [message]}) from exc
        return self._saved(saved)

    @extend_schema(request=ReportUpdateSerializer, responses=ReportSavedSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = self.get_object()
        data = self._body(ReportUpdateSerializer, partial=True)
        if data.get("version") is None:
            message = _("Send the version of the report you read, so that no one else's change is overwritten.")
            raise ValidationFailed(message, fields={"version": [message]})
        if not report.is_latest:
            raise ValidationFailed(
                _("A later revision of this month exists; change that one."),
                fields={"revision": [_("A later revision of this month exists; change that one.")]},
            )
        saved = services.report_save(
            actor=request.user,
            project=report.project,
            year=report.year,
            month=report.month,
            ytd_investment=data.get("ytd_investment", report.ytd_investment),
            progress=data.get("progress", report.progress),
            problems=data.get("problems"),
            correction_reason=data.get("correction_reason"),
            expected_version=data.get("version"),
        )
        return self._saved(saved)

    @extend_schema(request=ReportUpdateSerializer, responses=ReportSavedSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    def act(self, request: Request, transition: workflow.Transition) -> Response:
        report = self.get_object()
        data = self._body(transition_serializer(transition))
        result = services.report_transition(
            actor=request.user,
            report=report,
            action=transition.action,
            reason=data.get("reason", ""),
            expected_version=data.get("version"),
        )
        return self._detail(result, status.HTTP_201_CREATED if result.pk != report.pk else status.HTTP_200_OK)

    @extend_schema(methods=["GET"], responses=ReportPhotoSerializer(many=True), summary="The report's site photos")
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": ReportPhotoUploadSerializer},
        responses={201: ReportPhotoSerializer},
        summary="Upload a site photo",
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    def photos(self, request: Request, pk: str | None = None) -> Response:
        report = self.get_object()
        if request.method == "GET":
            return Response(ReportPhotoSerializer(selectors.report_photos(request.user, report), many=True).data)
        data = self._body(ReportPhotoUploadSerializer)
        photo = services.photo_add(
            actor=request.user, report=report, upload=data["photo"], caption=data.get("caption", "")
        )
        return Response(ReportPhotoSerializer(photo).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=ReportSerializer(many=True), summary="Submitted reports waiting for review")
    @action(detail=False, methods=["get"])
    def queue(self, request: Request) -> Response:
        page = self.paginate_queryset(
            selectors.review_queue(request.user).select_related("submitted_by", "reviewed_by")
        )
        return self.get_paginated_response(ReportSerializer(page, many=True).data)


def _make_action(transition: workflow.Transition) -> Any:
    def handler(self: ReportViewSet, request: Request, pk: str | None = None) -> Response:
        return self.act(request, transition)

    handler.__name__ = f"do_{transition.action}"  # "return" is a keyword; "dispatch"-like names are taken
    handler.__doc__ = str(transition.description)
    decorated = extend_schema(
        request=transition_serializer(transition),
        responses={200: ReportDetailSerializer, 201: ReportDetailSerializer},
        summary=str(transition.label),
    )(handler)
    return action(detail=True, methods=["post"], url_path=transition.action, url_name=transition.action)(decorated)


for _transition in workflow.TRANSITIONS:
    setattr(ReportViewSet, f"do_{_transition.action}", _make_action(_transition))


class PhotoViewSet(AuditedAPIMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One site photo, visible with its report: ``file`` is the image, ``void`` withdraws it."""

    serializer_class = ReportPhotoSerializer
    walk_model = ReportPhoto

    def get_queryset(self) -> QuerySet[ReportPhoto]:
        return ReportPhoto.objects.none()

    def get_object(self) -> ReportPhoto:
        return selectors.photo_get(self.request.user, self.kwargs["pk"])

    @extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY}, summary="The image file")
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: str | None = None) -> Any:
        photo = self.get_object()
        try:
            handle = photo.file.open("rb")
        except (FileNotFoundError, OSError) as exc:
            raise Http404 from exc
        response = FileResponse(handle, filename=photo.original_name)  # inline, with its name
        response["Cache-Control"] = "private, max-age=3600"
        return response

    @extend_schema(request=VoidSerializer, responses={204: None}, summary="Withdraw with a reason")
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str | None = None) -> Response:
        photo = self.get_object()
        body = VoidSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.photo_void(actor=request.user, photo=photo, reason=body.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MilestoneFilterSet(django_filters.FilterSet):
    project = django_filters.NumberFilter(field_name="project_id")
    year = django_filters.NumberFilter(field_name="planned_on__year")
    done = django_filters.BooleanFilter(field_name="done_on", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Milestone
        fields = ["project", "year", "done"]


class MilestoneViewSet(_LedgerViewSet):
    """Milestones of the projects you may see; ``PATCH`` changes one, ``done`` marks it done, ``void`` takes it
    out with a reason (add them under ``/api/projects/{id}/milestones/``)."""

    model = Milestone
    serializer_class = MilestoneSerializer
    update_serializer_class = MilestoneUpdateSerializer
    filterset_class = MilestoneFilterSet
    list_selector = selectors.milestone_list
    getter = staticmethod(selectors.milestone_get)
    update_service = services.milestone_change
    void_service = services.milestone_void
    update_arg = void_arg = "milestone"

    def get_queryset(self) -> QuerySet[Milestone]:
        return super().get_queryset().order_by("planned_on", "sort_order", "pk")

    @extend_schema(exclude=True)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Not offered: milestones are added under ``/api/projects/{id}/milestones/`` (405)."""
        return super().create(request, *args, **kwargs)

    @extend_schema(request=MilestoneUpdateSerializer, responses=MilestoneSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(request=MilestoneUpdateSerializer, responses=MilestoneSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=MilestoneDoneSerializer, responses=MilestoneSerializer, summary="Mark done")
    @action(detail=True, methods=["post"])
    def done(self, request: Request, pk: str | None = None) -> Response:
        milestone = self.get_object()
        data = self._body(MilestoneDoneSerializer)
        services.milestone_change(
            actor=request.user,
            milestone=milestone,
            values={"done_on": data.get("done_on") or services.today()},
            expected_version=data.get("version"),
        )
        return self._detail(milestone)

    @extend_schema(request=VoidSerializer, responses={204: None}, summary="Void with a reason")
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str | None = None) -> Response:
        return self._void(request)


class ProcedureFilterSet(django_filters.FilterSet):
    project = django_filters.NumberFilter(field_name="project_id")
    status = django_filters.ChoiceFilter(choices=ProcedureStatus.choices)

    class Meta:
        model = ApprovalProcedure
        fields = ["project", "status"]


class ProcedureViewSet(_LedgerViewSet):
    """Approval procedures (立项, 用地, 规划, 施工许可 …) of the projects you may see. ``POST`` records one
    for a project, ``PATCH`` changes it (send the ``version`` you read), ``void`` takes one recorded by
    mistake off with a reason. The office keeps them; everyone who sees the project reads them."""

    model = ApprovalProcedure
    serializer_class = ProcedureRecordSerializer
    write_serializer_class = ProcedureWriteSerializer
    update_serializer_class = ProcedureUpdateSerializer
    filterset_class = ProcedureFilterSet
    list_selector = selectors.procedure_list
    getter = staticmethod(selectors.procedure_get)
    create_service = services.procedure_create
    update_service = services.procedure_change
    void_service = services.procedure_void
    update_arg = void_arg = "procedure"

    def get_queryset(self) -> QuerySet[ApprovalProcedure]:
        return super().get_queryset().order_by("project__code", "pk")

    @extend_schema(request=ProcedureWriteSerializer, responses={201: ProcedureRecordSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    @extend_schema(request=ProcedureUpdateSerializer, responses=ProcedureRecordSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(request=ProcedureUpdateSerializer, responses=ProcedureRecordSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=VoidSerializer, responses={204: None}, summary="Void with a reason")
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str | None = None) -> Response:
        return self._void(request)


def campaign_list(user: Any) -> QuerySet[Campaign]:
    """The campaigns ``user`` may see (``selectors.campaign_list``), each with only its visible projects."""
    visible = selectors.project_list(user).order_by("code", "pk")
    return (
        selectors.campaign_list(user)
        .prefetch_related(Prefetch("projects", queryset=visible, to_attr="visible_projects"))
        .order_by("-date", "pk")
    )


class CampaignViewSet(_LedgerViewSet):
    """ "三个一批" campaigns: dated collective signing, starting or completion events with their projects (only
    the projects you may see are listed). The office adds, changes and voids them."""

    model = Campaign
    serializer_class = CampaignSerializer
    write_serializer_class = CampaignWriteSerializer
    update_serializer_class = CampaignUpdateSerializer
    filterset_class = filtersets.CampaignFilterSet
    list_selector = staticmethod(campaign_list)
    create_service = services.campaign_create
    update_service = services.campaign_change
    void_service = services.campaign_void
    update_arg = void_arg = "campaign"

    def get_object(self) -> Campaign:
        try:
            return self.get_queryset().get(pk=self.kwargs["pk"])
        except (Campaign.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404 from exc

    def _detail(self, instance: Any, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=instance.pk)
        return Response(CampaignSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(request=CampaignWriteSerializer, responses={201: CampaignSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    @extend_schema(request=CampaignUpdateSerializer, responses=CampaignSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(request=CampaignUpdateSerializer, responses=CampaignSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=VoidSerializer, responses={204: None}, summary="Void with a reason")
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str | None = None) -> Response:
        return self._void(request)


# --- configuration --------------------------------------------------------------------------------------


class _ConfigViewSet(AuditedAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    pagination_class = None
    selector: ClassVar[Any]

    def get_queryset(self) -> Any:
        return type(self).selector(self.request.user)


class CategoryViewSet(_ConfigViewSet):
    """The active project categories (the same for everyone)."""

    serializer_class = ProjectCategorySerializer
    selector = staticmethod(selectors.category_choices)


class ProgrammeViewSet(_ConfigViewSet):
    """Programmes with their own categories."""

    serializer_class = ProgrammeSerializer
    selector = staticmethod(selectors.programme_choices)


class ThresholdViewSet(_ConfigViewSet):
    """Light thresholds by effective date; ``POST`` (the office) adds thresholds from a date on."""

    serializer_class = LightThresholdSerializer
    selector = staticmethod(selectors.threshold_list)

    @extend_schema(request=LightThresholdSerializer, responses={201: LightThresholdSerializer})
    def create(self, request: Request) -> Response:
        body = LightThresholdSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = services.threshold_create(actor=request.user, **body.validated_data)
        return Response(LightThresholdSerializer(row).data, status=status.HTTP_201_CREATED)


class TemplateViewSet(_ConfigViewSet):
    """Reverse-scheduling templates; ``POST`` (the office) adds one with its steps."""

    serializer_class = MilestoneTemplateSerializer
    selector = staticmethod(selectors.template_list)

    @extend_schema(request=MilestoneTemplateWriteSerializer, responses={201: MilestoneTemplateSerializer})
    def create(self, request: Request) -> Response:
        body = MilestoneTemplateWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        template = services.template_create(
            actor=request.user,
            name=data["name"],
            description=data.get("description", ""),
            steps=[(step["name"], step["days_before"]) for step in data["steps"]],
        )
        fresh = selectors.template_list(request.user).get(pk=template.pk)
        return Response(MilestoneTemplateSerializer(fresh).data, status=status.HTTP_201_CREATED)


# --- summary, reporting, lateness -----------------------------------------------------------------------


class PeriodQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    month = serializers.IntegerField(min_value=1, max_value=12, required=False)


def _period(request: Request, default_month: Any) -> tuple[int, Any]:
    query = PeriodQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    year = query.validated_data.get("year") or selectors.current_year(request.user)
    month = query.validated_data.get("month")
    return year, month if month is not None else default_month(year)


def _last_month(year: int) -> int:
    """The month whose reports are being made: last month in the current year, December in a past one."""
    today = services.today()
    if year < today.year:
        return 12
    return max(today.month - 1, 1) if year == today.year else 1


class SummaryRowSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()
    total_investment = serializers.CharField()
    planned = serializers.CharField()
    ytd = serializers.CharField()
    rate = serializers.CharField(allow_null=True, help_text="Completion rate, per cent.")
    to_start = serializers.IntegerField()
    started = serializers.IntegerField()
    start_rate = serializers.CharField(allow_null=True, help_text="Started ÷ planned to start, per cent.")
    red = serializers.IntegerField()


class ProgrammeCategoriesSerializer(serializers.Serializer):
    programme = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    rows = SummaryRowSerializer(many=True)


class SummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    month = serializers.IntegerField()
    elapsed = serializers.CharField(help_text="Time-elapsed share, per cent.")
    gap = serializers.CharField(allow_null=True, help_text="Completion rate − time-elapsed share, points.")
    total = SummaryRowSerializer()
    by_category = SummaryRowSerializer(many=True)
    by_unit = SummaryRowSerializer(many=True)
    by_stage = SummaryRowSerializer(many=True)
    by_programme = SummaryRowSerializer(many=True)
    by_programme_category = ProgrammeCategoriesSerializer(many=True)


def summary_row(row: selectors.SummaryRow) -> dict[str, Any]:
    return {
        "key": None if row.key is None else str(row.key),
        "label": row.label,
        "count": row.count,
        "total_investment": money_text(row.total_investment),
        "planned": money_text(row.planned),
        "ytd": money_text(row.ytd),
        "rate": pct_text(row.rate),
        "to_start": row.to_start,
        "started": row.started,
        "start_rate": pct_text(row.start_rate),
        "red": row.red,
    }


class SummaryView(AuditedAPIMixin, APIView):
    """The district summary as the summary page shows it: counts, investment totals, completion and start
    rates and red lights, overall and by category, unit, stage, programme and programme category. Amounts are
    strings in 万元 with four places; rates and points strings with one decimal place."""

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="Default: the current ledger year."),
            OpenApiParameter("month", int, description="1–12; default: the latest month with approved reports."),
        ],
        responses=SummarySerializer,
    )
    def get(self, request: Request) -> Response:
        year, month = _period(request, lambda year: None)
        summary = selectors.summary(request.user, year, month)
        names = {row.key: row.label for row in summary.by_programme}
        return Response(
            {
                "year": summary.year,
                "month": summary.month,
                "elapsed": pct_text(summary.elapsed),
                "gap": pct_text(summary.gap),
                "total": summary_row(summary.total),
                "by_category": [summary_row(r) for r in summary.by_category],
                "by_unit": [summary_row(r) for r in summary.by_unit],
                "by_stage": [summary_row(r) for r in summary.by_stage],
                "by_programme": [summary_row(r) for r in summary.by_programme],
                "by_programme_category": [
                    {
                        "programme": programme,
                        "label": names.get(programme, ""),
                        "rows": [summary_row(r) for r in rows],
                    }
                    for programme, rows in summary.by_programme_category.items()
                ],
            }
        )


class ReportBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    revision = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    ytd_investment = serializers.DecimalField(max_digits=18, decimal_places=4)
    progress = serializers.CharField()
    correction_reason = serializers.CharField()
    return_reason = serializers.CharField()
    light = serializers.CharField()
    light_reason = serializers.CharField()
    version = serializers.IntegerField()


class ReportingRowSerializer(serializers.Serializer):
    plan = serializers.IntegerField(source="plan.pk")
    project = ProjectRefSerializer(source="plan.project")
    planned_investment = serializers.DecimalField(source="plan.planned_investment", max_digits=18, decimal_places=4)
    previous_ytd = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    report = ReportBriefSerializer(allow_null=True)
    problems = serializers.ListField(child=serializers.CharField())
    editable = serializers.BooleanField()


class ReportingQuerySerializer(PeriodQuerySerializer):
    unit = serializers.IntegerField(required=False)


class ReportingView(AuditedAPIMixin, APIView):
    """A unit's reporting sheet for a month: each of its projects with the month's working report (or none)
    and last month's figure. Save a row with ``POST /api/project-reports/``."""

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", int, description="Default: the first unit you report for."),
            OpenApiParameter("year", int, description="Default: the current ledger year."),
            OpenApiParameter("month", int, description="1–12; default: last month."),
        ],
        responses=ReportingRowSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = ReportingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year, month = _period(request, _last_month)
        user = request.user
        unit_id = query.validated_data.get("unit")
        if unit_id is None:
            unit = selectors.reporting_units(user).first()
            if unit is None:
                raise ValidationFailed(fields={"unit": [_("Choose a unit: you report for none.")]})
        else:
            unit = org_selectors.unit_choices(user).filter(pk=unit_id).first()
            if unit is None:
                raise ValidationFailed(fields={"unit": [_("No such unit: %(id)s.") % {"id": unit_id}]})
        rows = selectors.reporting_rows(user, unit, year, month)
        return Response(ReportingRowSerializer(rows, many=True).data)


class LateReportSerializer(serializers.Serializer):
    report = serializers.IntegerField(source="pk")
    project = ProjectRefSerializer()
    submitted_at = serializers.DateTimeField()


class MissingReportSerializer(serializers.Serializer):
    plan = serializers.IntegerField(source="pk")
    project = ProjectRefSerializer()


class LatenessSerializer(serializers.Serializer):
    unit = ProjectNamedSerializer()
    expected = serializers.IntegerField()
    missing = MissingReportSerializer(many=True)
    late = LateReportSerializer(many=True)


class LateView(AuditedAPIMixin, APIView):
    """Per unit, the month's reports missing after the due day and those submitted late."""

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="Default: the current ledger year."),
            OpenApiParameter("month", int, description="1–12; default: last month."),
        ],
        responses=LatenessSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        year, month = _period(request, _last_month)
        return Response(LatenessSerializer(selectors.late_and_missing(request.user, year, month), many=True).data)
