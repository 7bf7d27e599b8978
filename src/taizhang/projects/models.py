"""The key-project ledger: projects and their year plans, monthly reports, milestones, campaigns, and the
configuration they are judged by (categories, programmes, light thresholds, milestone templates).

Money is in 万元 (``Decimal``, four places). A project's figures for a year live on its :class:`YearPlan`:
the plan the office set, and the effective approved year-to-date figure with its light, kept in step by the
services so that lists, totals and summaries are plain queries.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from taizhang.core.audit import history_records
from taizhang.core.models import LedgerModel
from taizhang.projects.choices import (
    CampaignKind,
    Importance,
    Light,
    Nature,
    ProcedureStatus,
    ReportStatus,
    Stage,
)

ZERO = Decimal(0)


def money(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    """An amount in 万元: never negative."""
    return models.DecimalField(
        verbose_name, max_digits=18, decimal_places=4, validators=[MinValueValidator(ZERO)], **kwargs
    )


# --- configuration -------------------------------------------------------------------------------------


class ProjectCategory(LedgerModel):
    """A category of the project ledger (产业项目, 基础设施项目 …): a list the office configures."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("name", "code")

    class Meta:
        verbose_name = _("project category")
        verbose_name_plural = _("project categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Programme(LedgerModel):
    """A programme projects belong to besides their category, e.g. the city-upgrading programme (百城提质)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("name", "code")

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class ProgrammeCategory(LedgerModel):
    """One of a programme's own categories (the city-upgrading programme has seven)."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="categories"
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("name", "code")

    class Meta:
        verbose_name = _("programme category")
        verbose_name_plural = _("programme categories")
        ordering = ["programme", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "code"],
                name="projects_programmecategory_code_unique",
                violation_error_message=_("The programme already has a category with this code."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class LightThreshold(LedgerModel):
    """The thresholds lights are computed by, from ``effective_from`` until the next row's date.

    A project ``gap`` points behind the time-elapsed share is green up to ``yellow_above`` points, yellow up to
    ``red_above`` and red beyond; an overdue milestone makes it red; a milestone ``due_soon_days`` from its
    date counts as due soon.
    """

    effective_from = models.DateField(_("effective from"))
    yellow_above = models.DecimalField(
        _("yellow when behind by more than (points)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal(10),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal(100))],
    )
    red_above = models.DecimalField(
        _("red when behind by more than (points)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal(30),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal(100))],
    )
    due_soon_days = models.PositiveIntegerField(
        _("milestone due soon within (days)"), default=14, validators=[MaxValueValidator(365)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("note",)

    class Meta:
        verbose_name = _("light threshold")
        verbose_name_plural = _("light thresholds")
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["effective_from"],
                condition=models.Q(voided_at__isnull=True),
                name="projects_lightthreshold_date_unique_live",
                violation_error_message=_("Thresholds already take effect on this date."),
            )
        ]

    def __str__(self) -> str:
        return gettext("From %(date)s: yellow > %(yellow)s, red > %(red)s points behind") % {
            "date": self.effective_from.isoformat(),
            "yellow": self.yellow_above,
            "red": self.red_above,
        }

    def clean(self) -> None:
        if self.yellow_above is not None and self.red_above is not None and self.red_above <= self.yellow_above:
            raise ValidationError({"red_above": gettext("The red threshold must be above the yellow one.")})


class MilestoneTemplate(LedgerModel):
    """Steps and their offsets before a target date, for scheduling a project backwards (倒排工期)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("name",)

    class Meta:
        verbose_name = _("milestone template")
        verbose_name_plural = _("milestone templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MilestoneTemplateStep(LedgerModel):
    template = models.ForeignKey(
        MilestoneTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="steps"
    )
    name = models.CharField(_("name"), max_length=100)
    days_before = models.PositiveIntegerField(
        _("days before the target"), validators=[MaxValueValidator(3650)], help_text=_("0 is the target date itself.")
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("name",)

    class Meta:
        verbose_name = _("template step")
        verbose_name_plural = _("template steps")
        ordering = ["template", "-days_before", "sort_order"]

    def __str__(self) -> str:
        return f"{self.name} (T-{self.days_before})"


# --- projects ------------------------------------------------------------------------------------------


class Project(LedgerModel):
    """A key project (重点项目) with the real ledger's fields; its yearly figures are on :class:`YearPlan`."""

    code = models.CharField(
        _("project code"), max_length=50, blank=True, help_text=_("The ledger's code (项目代码); unique when given.")
    )
    name = models.CharField(_("project name"), max_length=200)
    owner = models.CharField(_("owner (建设单位)"), max_length=200, blank=True)
    category = models.ForeignKey(
        ProjectCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="projects"
    )
    importance = models.CharField(
        _("importance"), max_length=16, choices=Importance.choices, default=Importance.DISTRICT
    )
    programmes = models.ManyToManyField(
        Programme,
        verbose_name=_("programmes"),
        through="ProjectProgramme",
        related_name="projects",
        blank=True,
    )
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices, default=Stage.PREPARATORY)
    stage_since = models.DateField(_("stage since"), null=True, blank=True)
    address = models.CharField(_("location"), max_length=200, blank=True)
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=10,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=10,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    scale = models.TextField(_("scale and content"), blank=True)
    total_investment = money(_("total investment (万元)"))
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_completion = models.DateField(_("planned completion"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_completion = models.DateField(_("actual completion"), null=True, blank=True)
    responsible_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="projects"
    )
    cooperating_units = models.ManyToManyField(
        "org.Unit", verbose_name=_("cooperating units"), related_name="cooperating_projects", blank=True
    )
    leader = models.ForeignKey(
        "org.Person",
        verbose_name=_("responsible leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_projects",
        limit_choices_to={"is_leader": True},
    )
    note = models.TextField(_("note"), blank=True)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("name", "code", "owner")
    scope_fields = ("responsible_unit", "cooperating_units")

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["code", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(voided_at__isnull=True) & ~models.Q(code=""),
                name="projects_project_code_unique_live",
                violation_error_message=_("Another project already has this code."),
            ),
        ]
        indexes = [
            models.Index(fields=["responsible_unit", "category"]),
            # What the district summary and the ledger's totals read of every live project: an index-only scan
            # of a narrow index instead of the wide table (benchmarks/projects_bench.py).
            models.Index(
                fields=["id", "category", "responsible_unit", "stage", "total_investment"],
                condition=models.Q(voided_at__isnull=True),
                name="projects_project_figures",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def start_date(self) -> dt.date | None:
        """The start milestones are planned from: the planned start, else the actual one. (A project that
        starts late keeps its plan; its early milestones show as overdue rather than becoming invalid.)"""
        return self.planned_start or self.actual_start

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.planned_start and self.planned_completion and self.planned_completion < self.planned_start:
            errors["planned_completion"] = [gettext("The planned completion is before the planned start.")]
        if self.actual_start and self.actual_completion and self.actual_completion < self.actual_start:
            errors["actual_completion"] = [gettext("The actual completion is before the actual start.")]
        if self.code and (
            type(self)._default_manager.filter(code=self.code, voided_at__isnull=True).exclude(pk=self.pk).exists()
        ):
            errors["code"] = [gettext("Another project already has this code.")]
        if (self.longitude is None) != (self.latitude is None):
            errors["latitude" if self.latitude is None else "longitude"] = [
                gettext("Give both longitude and latitude, or neither.")
            ]
        if errors:
            raise ValidationError(errors)


class ProjectProgramme(models.Model):
    """A project's membership of a programme, with its category there."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="programme_links")
    programme = models.ForeignKey(Programme, verbose_name=_("programme"), on_delete=models.PROTECT)
    category = models.ForeignKey(
        ProgrammeCategory,
        verbose_name=_("programme category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="links",
    )

    history = history_records()

    class Meta:
        verbose_name = _("programme membership")
        verbose_name_plural = _("programme memberships")
        constraints = [
            models.UniqueConstraint(fields=["project", "programme"], name="projects_projectprogramme_unique")
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}:{self.category_id}"

    def clean(self) -> None:
        if self.category is not None and self.category.programme_id != self.programme_id:
            raise ValidationError({"category": gettext("This category belongs to another programme.")})


class StageChange(LedgerModel):
    """A dated move of a project along the pipeline (签约 → 开工 → 竣工 …)."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="stages")
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices)
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("note",)
    scope_fields = ("project__responsible_unit",)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["project", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_stage_display()}"


class ApprovalProcedure(LedgerModel):
    """A permit or approval the project needs (立项, 用地, 规划, 施工许可 …) and where it stands."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="procedures")
    name = models.CharField(_("procedure"), max_length=100)
    status = models.CharField(
        _("status"), max_length=16, choices=ProcedureStatus.choices, default=ProcedureStatus.NOT_STARTED
    )
    permit_number = models.CharField(_("permit number"), max_length=100, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("name", "permit_number")
    scope_fields = ("project__responsible_unit",)

    class Meta:
        verbose_name = _("approval procedure")
        verbose_name_plural = _("approval procedures")
        ordering = ["project", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.status == ProcedureStatus.OBTAINED and not self.date:
            raise ValidationError({"date": gettext("Give the date the approval was obtained.")})


class YearPlan(LedgerModel):
    """A project's row in one year's ledger: the plan, and the effective approved figures with their light.

    ``reported_month``, ``ytd_investment`` and the light are derived: the services set them from the latest
    approved monthly report and the rules (``rules.py``) whenever a report is approved or the light's inputs
    change, and the daily job refreshes lights as time passes.
    """

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="plans")
    year = models.PositiveIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    nature = models.CharField(_("nature this year"), max_length=16, choices=Nature.choices, default=Nature.CONTINUING)
    completed_before = money(_("completed before this year (万元)"), default=ZERO)
    planned_investment = money(_("planned investment this year (万元)"))
    progress_goal = models.TextField(_("physical-progress goal this year"), blank=True)
    plan_start = models.BooleanField(_("to start this year"), default=False)
    plan_completion = models.BooleanField(_("to complete this year"), default=False)
    # Derived, kept by the services:
    reported_month = models.PositiveSmallIntegerField(_("reported month"), default=0, editable=False)
    ytd_investment = money(_("completed this year (万元)"), default=ZERO, editable=False)
    light = models.CharField(_("light"), max_length=8, choices=Light.choices, default=Light.NONE, editable=False)
    light_reason = models.CharField(_("why this light"), max_length=300, blank=True, editable=False)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("progress_goal",)  # lists search the project's own search text
    scope_fields = ("project__responsible_unit", "project__cooperating_units")

    class Meta:
        verbose_name = _("year plan")
        verbose_name_plural = _("year plans")
        ordering = ["-year", "project__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year"],
                condition=models.Q(voided_at__isnull=True),
                name="projects_yearplan_unique_live",
                violation_error_message=_("This project already has a plan for this year."),
            )
        ]
        indexes = [models.Index(fields=["year", "light"])]

    def __str__(self) -> str:
        return f"{self.year} {self.project}"


class MonthlyReport(LedgerModel):
    """A project's report for one month: year-to-date investment, physical progress, problems, photos.

    A month may have several revisions: the first report, and corrections made after it was approved. The
    effective figure of a month is its latest approved revision (``is_effective``); ``is_latest`` marks the
    revision the reporting page works on.
    """

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="reports")
    plan = models.ForeignKey(YearPlan, verbose_name=_("year plan"), on_delete=models.PROTECT, related_name="reports")
    year = models.PositiveIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    ytd_investment = money(_("completed this year to date (万元)"))
    progress = models.TextField(_("physical progress"), blank=True, max_length=2000)
    correction_reason = models.CharField(_("reason for the correction"), max_length=300, blank=True)
    return_reason = models.CharField(_("reason for returning"), max_length=300, blank=True)
    light = models.CharField(_("light"), max_length=8, choices=Light.choices, default=Light.NONE, editable=False)
    light_reason = models.CharField(_("why this light"), max_length=300, blank=True, editable=False)
    is_latest = models.BooleanField(default=True, editable=False)
    is_effective = models.BooleanField(default=False, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("progress",)  # lists search the project's own search text
    scope_fields = ("project__responsible_unit", "project__cooperating_units")

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-year", "-month", "project__code", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "month", "revision"],
                name="projects_monthlyreport_revision_unique",
                violation_error_message=_("This revision of the month's report already exists."),
            ),
            models.UniqueConstraint(
                fields=["project", "year", "month"],
                condition=models.Q(is_latest=True, voided_at__isnull=True),
                name="projects_monthlyreport_latest_unique",
                violation_error_message=_("This project already has a report for this month."),
            ),
            models.UniqueConstraint(
                fields=["project", "year", "month"],
                condition=models.Q(is_effective=True),
                name="projects_monthlyreport_effective_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["year", "month", "status"]),
            models.Index(fields=["plan", "month"], condition=models.Q(is_effective=True), name="projects_report_eff"),
            # A month's approved figures, as the district summary reads them: an index-only scan on PostgreSQL
            # (benchmarks/projects_bench.py; docs/benchmarks/projects.md).
            models.Index(
                fields=["year", "month", "plan", "ytd_investment", "light"],
                condition=models.Q(is_effective=True, voided_at__isnull=True),
                name="projects_report_month_eff",
            ),
        ]

    def __str__(self) -> str:
        suffix = gettext(" (revision %(n)s)") % {"n": self.revision} if self.revision > 1 else ""
        return f"{self.project} {self.year}-{self.month:02d}{suffix}"

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def is_frozen(self) -> bool:
        return self.status == ReportStatus.APPROVED


class ReportEvent(models.Model):
    """One step of a report's workflow, typed by its action (see ``workflow.py``)."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=24)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.action}"


class ReportProblem(LedgerModel):
    """A problem a report names (存在问题): a short record the issue ledger can take over."""

    report = models.ForeignKey(
        MonthlyReport, verbose_name=_("report"), on_delete=models.PROTECT, related_name="problems"
    )
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="problems")
    text = models.CharField(_("problem"), max_length=500)
    issue = models.ForeignKey(
        "issues.Issue",
        verbose_name=_("issue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="project_problems",
        help_text=_("The issue ledger's record, once the problem is taken over."),
    )

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("text",)
    scope_fields = ("project__responsible_unit", "project__cooperating_units")

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["report", "pk"]

    def __str__(self) -> str:
        return self.text


def report_photo_path(instance: ReportPhoto, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "jpg"
    return f"projects/{instance.report.year}/{instance.report.month:02d}/{instance.report_id}-{instance.uuid}.{suffix}"


class ReportPhoto(LedgerModel):
    """A site photo of a monthly report, with the time and position its EXIF data gives."""

    uuid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    report = models.ForeignKey(MonthlyReport, verbose_name=_("report"), on_delete=models.PROTECT, related_name="photos")
    file = models.ImageField(
        _("photo"), upload_to=report_photo_path, max_length=200, width_field="width", height_field="height"
    )
    original_name = models.CharField(_("file name"), max_length=200)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    taken_at = models.DateTimeField(_("taken at (EXIF)"), null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=10, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=10, decimal_places=6, null=True, blank=True)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("caption", "original_name")
    scope_fields = ("report__project__responsible_unit", "report__project__cooperating_units")

    class Meta:
        verbose_name = _("site photo")
        verbose_name_plural = _("site photos")
        ordering = ["report", "pk"]

    def __str__(self) -> str:
        return self.original_name


class Milestone(LedgerModel):
    """A dated step of a project's plan (节点); done when ``done_on`` is set."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="milestones")
    name = models.CharField(_("milestone"), max_length=100)
    planned_on = models.DateField(_("planned date"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("name",)
    scope_fields = ("project__responsible_unit", "project__cooperating_units")

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project", "planned_on", "sort_order", "pk"]
        indexes = [
            models.Index(fields=["planned_on"], condition=models.Q(done_on__isnull=True), name="projects_ms_open")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.planned_on.isoformat()}"

    def clean(self) -> None:
        start = self.project.start_date if self.project_id else None
        if start and self.planned_on and self.planned_on < start:
            raise ValidationError(
                {
                    "planned_on": gettext("The planned date %(date)s is before the project's start (%(start)s).")
                    % {"date": self.planned_on.isoformat(), "start": start.isoformat()}
                }
            )


class Campaign(LedgerModel):
    """A dated collective event of the "三个一批" campaign: a batch signed, started or put into operation."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=CampaignKind.choices)
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    projects = models.ManyToManyField(Project, verbose_name=_("projects"), related_name="campaigns", blank=True)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("name", "place")

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-date", "pk"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"
