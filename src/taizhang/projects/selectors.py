"""Every read of the key-project ledger that a user sees. The first argument is always the acting user.

Scope: district-wide roles (supervisors, leaders, admins) see every project. Everyone else sees the projects
of their units, sub-units included, as responsible unit or as cooperating unit; a project's plans, reports,
milestones and photos are visible exactly where the project is.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, F, FilteredRelation, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from taizhang.core.scoping import get_in_scope, scope_for
from taizhang.projects import rules
from taizhang.projects.choices import STARTED_STAGES, Light, ReportStatus
from taizhang.projects.models import (
    ZERO,
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
from taizhang.projects.services import due_day, previous_ytd, today

PROJECT_RELATED = ("category", "responsible_unit", "leader")
PLAN_RELATED = tuple(f"project__{name}" for name in PROJECT_RELATED)


def visible_projects(user: Any) -> QuerySet[Project]:
    """The live projects ``user`` may see (see the module's docstring)."""
    qs = Project.objects.live()
    scope = scope_for(user)
    if scope.district_read:
        return qs
    if scope.is_empty:
        return qs.none()
    through = Project.cooperating_units.through.objects.all()
    cooperating = list(scope.filter(through, "unit").values_list("project_id", flat=True))
    visible = scope.filter(qs, "responsible_unit")
    if cooperating:
        visible |= qs.filter(pk__in=cooperating)
    return visible


def _of_visible(user: Any, qs: QuerySet[Any], path: str) -> QuerySet[Any]:
    if scope_for(user).district_read:
        return qs
    return qs.filter(**{f"{path}__in": visible_projects(user).values("pk")})


# --- projects and plans --------------------------------------------------------------------------------


def project_list(user: Any) -> QuerySet[Project]:
    return visible_projects(user).select_related(*PROJECT_RELATED)


def project_get(user: Any, pk: Any) -> Project:
    qs = project_list(user).prefetch_related(
        "cooperating_units", "programme_links__programme", "programme_links__category"
    )
    return get_in_scope(qs, pk=pk)


def plan_years(user: Any) -> list[int]:
    """The years that have a ledger, newest first."""
    if scope_for(user).district_read:
        return _live_plan_years()
    return list(
        _of_visible(user, YearPlan.objects.live(), "project")
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )


# The district's years by skipping down the index on the plans' year, one probe per year: a DISTINCT reads
# all 100,000 plans of a city's five ledgers (40 ms), this reads five index entries (0.2 ms). The ORM has no
# recursive queries; the statement is plain SQL that SQLite runs too.
_YEARS_SQL = """
WITH RECURSIVE years(year) AS (
    SELECT MAX(year) FROM {table} WHERE voided_at IS NULL
    UNION ALL
    SELECT (SELECT MAX(p.year) FROM {table} p WHERE p.voided_at IS NULL AND p.year < years.year)
    FROM years WHERE years.year IS NOT NULL
)
SELECT year FROM years WHERE year IS NOT NULL
"""


def _live_plan_years() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(_YEARS_SQL.format(table=connection.ops.quote_name(YearPlan._meta.db_table)))
        return [year for (year,) in cursor.fetchall()]


def current_year(user: Any) -> int:
    """The year a ledger page opens on: this year if it has plans, else the newest year that has."""
    return opening_year(plan_years(user))


def opening_year(years: list[int]) -> int:
    """:func:`current_year` from the years a page has already read with :func:`plan_years` (newest first)."""
    this = today().year
    return this if this in years or not years else years[0]


def plan_list(user: Any, year: int | None = None) -> QuerySet[YearPlan]:
    """Rows of a year's ledger: the plans of visible, live projects."""
    qs = _of_visible(user, YearPlan.objects.live().filter(project__voided_at__isnull=True), "project")
    if year is not None:
        qs = qs.filter(year=year)
    return qs.select_related("project", *PLAN_RELATED)


def plan_get(user: Any, pk: Any) -> YearPlan:
    return get_in_scope(plan_list(user), pk=pk)


def plans_of(user: Any, project: Project) -> QuerySet[YearPlan]:
    """A visible project's plans, newest year first (``project`` comes from :func:`project_get`)."""
    return project.plans.live().order_by("-year")


def stages_of(user: Any, project: Project) -> QuerySet[Any]:
    return project.stages.live().order_by("date", "pk")


def procedures_of(user: Any, project: Project) -> QuerySet[Any]:
    return project.procedures.live().order_by("pk")


def procedure_list(user: Any) -> QuerySet[ApprovalProcedure]:
    """Live approval procedures of visible, live projects."""
    qs = ApprovalProcedure.objects.live().filter(project__voided_at__isnull=True).select_related("project")
    return _of_visible(user, qs, "project")


def procedure_get(user: Any, pk: Any) -> ApprovalProcedure:
    return get_in_scope(procedure_list(user), pk=pk)


def milestones_of(user: Any, project: Project) -> QuerySet[Milestone]:
    return project.milestones.live().order_by("planned_on", "sort_order", "pk")


def milestone_list(user: Any) -> QuerySet[Milestone]:
    """Live milestones of visible, live projects."""
    qs = Milestone.objects.live().filter(project__voided_at__isnull=True).select_related("project")
    return _of_visible(user, qs, "project")


def milestone_get(user: Any, pk: Any) -> Milestone:
    qs = _of_visible(user, Milestone.objects.live().select_related("project"), "project")
    return get_in_scope(qs, pk=pk)


def reports_of(user: Any, project: Project, year: int | None = None) -> QuerySet[MonthlyReport]:
    qs = project.reports.live().select_related("submitted_by", "reviewed_by")
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-month", "-revision")


def campaigns_of(user: Any, project: Project) -> QuerySet[Campaign]:
    return project.campaigns.live().order_by("date")


# --- monthly reports -----------------------------------------------------------------------------------


def report_list(user: Any) -> QuerySet[MonthlyReport]:
    qs = MonthlyReport.objects.live().filter(project__voided_at__isnull=True)
    return _of_visible(user, qs, "project").select_related("project", "plan", *PLAN_RELATED)


def report_get(user: Any, pk: Any) -> MonthlyReport:
    return get_in_scope(report_list(user).select_related("submitted_by", "reviewed_by"), pk=pk)


def report_events(user: Any, report: MonthlyReport) -> QuerySet[ReportEvent]:
    return report.events.select_related("actor").order_by("at", "pk")


def report_photos(user: Any, report: MonthlyReport) -> QuerySet[ReportPhoto]:
    return report.photos.live().order_by("pk")


def photo_get(user: Any, pk: Any) -> ReportPhoto:
    qs = _of_visible(user, ReportPhoto.objects.live().select_related("report", "report__project"), "report__project")
    return get_in_scope(qs, pk=pk)


def review_queue(user: Any) -> QuerySet[MonthlyReport]:
    """Submitted reports waiting for the office, oldest first (empty for anyone who cannot review)."""
    if not user.has_perm("projects.review_report"):
        return MonthlyReport.objects.none()
    return (
        report_list(user)
        .filter(status=ReportStatus.SUBMITTED, is_latest=True)
        .prefetch_related("problems")
        .order_by("submitted_at", "pk")
    )


@dataclass
class ReportingRow:
    """One line of a unit's reporting page: the plan, the month's working report, last month's figure."""

    plan: YearPlan
    report: MonthlyReport | None
    previous_ytd: Decimal | None
    problems: list[str] = field(default_factory=list)

    @property
    def editable(self) -> bool:
        return self.report is None or self.report.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)


def reporting_units(user: Any) -> QuerySet[Any]:
    """Units whose live projects the user reports for (their own units with projects; all for the office)."""
    from taizhang.org.models import Unit

    scope = scope_for(user)
    units = Unit.objects.filter(pk__in=Project.objects.live().values("responsible_unit"))
    if not scope.district_write:
        units = units.filter(
            pk__in=[uid for uid in scope.unit_ids if scope.has_role("reporter", "unit_head", unit_id=uid)]
        )
    return units.order_by("sort_order", "code").only("id", "code", "name", "short_name", "sort_order", "path")


# What the reporting page and the lateness list read of a plan and a report: nothing else is shown there.
REPORTING_PLAN_FIELDS = (
    "id",
    "year",
    "planned_investment",
    "project__id",
    "project__code",
    "project__name",
    "project__category__id",
    "project__category__name",
    "project__category__sort_order",
    "project__responsible_unit__id",
    "project__responsible_unit__code",
    "project__responsible_unit__name",
    "project__responsible_unit__short_name",
    "project__responsible_unit__sort_order",
)
REPORTING_REPORT_FIELDS = (
    "id",
    "project_id",
    "year",
    "month",
    "revision",
    "status",
    "ytd_investment",
    "progress",
    "correction_reason",
    "return_reason",
    "light",
    "light_reason",
    "is_latest",
    "is_effective",
    "version",
)


def reporting_plans(user: Any, unit: Any, year: int) -> QuerySet[YearPlan]:
    """``unit``'s plans of ``year`` as the reporting page lists them: by category, then code. Each plan carries
    ``category_name``; its project is read without its category and unit (a page of 342 projects would
    otherwise build 684 more model instances to show five names and one)."""
    return (
        plan_list(user, year)
        .filter(project__responsible_unit=unit)
        .select_related(None)
        .select_related("project")
        .only(*REPORTING_PLAN_FIELDS[:7], "project__category_id", "project__responsible_unit_id")
        .annotate(category_name=F("project__category__name"))
        .order_by("project__category__sort_order", "project__code", "pk")
    )


def reporting_rows(user: Any, unit: Any, year: int, month: int, plan: Any = None) -> list[ReportingRow]:
    """The reporting page's lines for ``unit``'s projects in ``year``-``month`` (only ``plan``'s, when given):
    the plans; this month's working reports and last month's figures; the reports' problems: three queries."""
    plans_qs = reporting_plans(user, unit, year)
    if plan is not None:
        plans_qs = plans_qs.filter(pk=plan.pk)
    plans = list(plans_qs)
    for p in plans:
        p.project.responsible_unit = unit  # known: every plan here is the unit's
    ids = [p.project_id for p in plans]
    this: dict[int, MonthlyReport] = {}
    last: dict[int, Decimal] = {}
    reports = (
        MonthlyReport.objects.live()
        .filter(project_id__in=ids, year=year, month__in=[month, month - 1])
        .filter(Q(is_latest=True) | Q(is_effective=True))
        .only(*REPORTING_REPORT_FIELDS)
        .order_by("is_effective")  # last month's approved revision, read last, wins over a newer one in hand
    )
    for r in reports:
        if r.month == month:
            if r.is_latest:
                this[r.project_id] = r
        else:
            last[r.project_id] = r.ytd_investment
    problems: dict[int, list[str]] = defaultdict(list)
    if this:
        texts = (
            ReportProblem.objects.live()
            .filter(report_id__in=[r.pk for r in this.values()])
            .order_by("pk")
            .values_list("report_id", "text")
        )
        for report_id, text in texts:
            problems[report_id].append(text)
    result = []
    for p in plans:
        report = this.get(p.project_id)
        result.append(ReportingRow(p, report, last.get(p.project_id), problems[report.pk] if report else []))
    return result


def report_previous_ytd(user: Any, report: MonthlyReport) -> Decimal | None:
    return previous_ytd(report.project, report.year, report.month)


def previous_ytds(user: Any, reports: Iterable[MonthlyReport]) -> dict[int, Decimal | None]:
    """:func:`report_previous_ytd` of many reports in one query: report pk -> last month's figure (its
    approved revision, else its latest; None in January or when last month has no report)."""
    reports = list(reports)
    wanted = {(r.project_id, r.year, r.month - 1) for r in reports if r.month > 1}
    found: dict[tuple[int, int, int], Decimal] = {}
    if wanted:
        rows = (
            MonthlyReport.objects.live()
            .filter(
                project_id__in={w[0] for w in wanted},
                year__in={w[1] for w in wanted},
                month__in={w[2] for w in wanted},
            )
            .filter(Q(is_effective=True) | Q(is_latest=True))
            .values_list("project_id", "year", "month", "is_effective", "ytd_investment")
        )
        for project_id, year, month, _effective, ytd in sorted(rows, key=lambda row: row[3]):
            if (project_id, year, month) in wanted:
                found[(project_id, year, month)] = ytd  # the approved revision, sorted last, wins
    return {r.pk: found.get((r.project_id, r.year, r.month - 1)) for r in reports}


@dataclass
class LateReport:
    """A month's first report, submitted after its due day."""

    pk: int
    project: Project
    submitted_at: dt.datetime


@dataclass
class UnitLateness:
    unit: Any
    expected: int
    missing: list[YearPlan]
    late: list[LateReport]


def late_and_missing(
    user: Any,
    year: int,
    month: int,
    on: dt.date | None = None,
    *,
    plans: Iterable[YearPlan] | None = None,
) -> list[UnitLateness]:
    """Per unit, for ``year``-``month``: plans with no report submitted by the due day (missing) and reports
    submitted after it (late). Before the due day nothing is missing yet. ``plans``: only these plans of
    ``year``, already read by the caller through a selector (the reporting page hands over its unit's),
    instead of all the plans the user sees.

    Lateness is decided by the month's first revision alone: when it was submitted, in the district's time
    zone. A correction (revision 2 and later) is a later change to a month that did come in, so neither a
    late correction nor a correction still in draft makes the month late or missing; and a first revision
    that was returned and resubmitted counts by its latest submission.
    """
    on = on or today()
    due = rules.due_date(year, month, due_day())
    if plans is None:
        plans = (
            plan_list(user, year)
            .select_related(None)
            .select_related("project__category", "project__responsible_unit")
            .only(*REPORTING_PLAN_FIELDS)
            .order_by("project__responsible_unit__sort_order", "project__responsible_unit__code", "project__code")
        )
    plans = list(plans)
    firsts = {
        project_id: (pk, submitted)
        for project_id, pk, submitted in MonthlyReport.objects.live()
        .filter(project_id__in=[p.project_id for p in plans], year=year, month=month, revision=1)
        .order_by()
        .values_list("project_id", "pk", "submitted_at")
    }
    by_unit: dict[int, UnitLateness] = {}
    for plan in plans:
        owner = plan.project.responsible_unit
        entry = by_unit.setdefault(owner.pk, UnitLateness(owner, 0, [], []))
        entry.expected += 1
        pk, submitted = firsts.get(plan.project_id, (None, None))
        if pk is None or submitted is None:
            if on > due:
                entry.missing.append(plan)
        elif timezone.localtime(submitted).date() > due:
            entry.late.append(LateReport(pk, plan.project, submitted))
    return [e for e in by_unit.values() if e.missing or e.late]


# --- configuration -------------------------------------------------------------------------------------


def category_choices(user: Any) -> QuerySet[ProjectCategory]:
    if not user.is_authenticated:
        return ProjectCategory.objects.none()
    return ProjectCategory.objects.live().filter(is_active=True)


def programme_choices(user: Any) -> QuerySet[Programme]:
    if not user.is_authenticated:
        return Programme.objects.none()
    return Programme.objects.live().prefetch_related(
        Prefetch("categories", queryset=ProgrammeCategory.objects.live().order_by("sort_order"))
    )


def threshold_list(user: Any) -> QuerySet[LightThreshold]:
    if not user.is_authenticated:
        return LightThreshold.objects.none()
    return LightThreshold.objects.live()


def template_list(user: Any) -> QuerySet[MilestoneTemplate]:
    if not user.is_authenticated:
        return MilestoneTemplate.objects.none()
    return MilestoneTemplate.objects.live().prefetch_related("steps")


# --- campaigns -----------------------------------------------------------------------------------------


def campaign_list(user: Any) -> QuerySet[Campaign]:
    """Campaigns are district events. District-wide roles see them all; a unit sees the campaigns that hold
    at least one of its visible projects, and counts only those (a campaign of other units' projects would
    otherwise tell it what they are doing)."""
    scope = scope_for(user)
    if not user.is_authenticated or scope.is_empty:
        return Campaign.objects.none()
    campaigns: QuerySet[Campaign] = Campaign.objects.live()
    if scope.district_read:
        return campaigns.annotate(project_count=Count("projects", filter=Q(projects__voided_at__isnull=True)))
    visible = visible_projects(user).values("pk")
    links = Campaign.projects.through.objects.filter(project__in=visible).values("campaign_id")
    return campaigns.filter(pk__in=links).annotate(
        project_count=Count("projects", filter=Q(projects__voided_at__isnull=True, projects__in=visible))
    )


def campaign_get(user: Any, pk: Any) -> Campaign:
    return get_in_scope(campaign_list(user), pk=pk)


def campaign_projects(user: Any, campaign: Campaign) -> QuerySet[Project]:
    return project_list(user).filter(campaigns=campaign).order_by("code")


# --- milestones and the battle map ---------------------------------------------------------------------


def gantt_plans(user: Any, year: int) -> QuerySet[YearPlan]:
    """Plans of ``year`` with their live milestones prefetched, for the battle map."""
    return (
        plan_list(user, year)
        .prefetch_related(
            Prefetch(
                "project__milestones",
                queryset=Milestone.objects.live().order_by("planned_on", "sort_order"),
                to_attr="live_milestones",
            )
        )
        .order_by("project__category__sort_order", "project__responsible_unit__sort_order", "project__code")
    )


# --- the district summary ------------------------------------------------------------------------------


@dataclass
class SummaryRow:
    key: Any
    label: str
    count: int = 0
    total_investment: Decimal = ZERO
    planned: Decimal = ZERO
    ytd: Decimal = ZERO
    to_start: int = 0
    started: int = 0
    red: int = 0
    sub_units: bool = False  # a row of units rolled up (:func:`summary_units`) that has sub-units to open

    @property
    def rate(self) -> Decimal | None:
        return rules.pct(rules.completion_rate(self.ytd, self.planned))

    @property
    def start_rate(self) -> Decimal | None:
        return rules.pct(Decimal(self.started) * 100 / self.to_start) if self.to_start else None


@dataclass
class Summary:
    year: int
    month: int
    elapsed: Decimal
    total: SummaryRow
    by_category: list[SummaryRow]
    by_unit: list[SummaryRow]
    by_stage: list[SummaryRow]
    by_programme: list[SummaryRow]
    by_programme_category: dict[Any, list[SummaryRow]]
    # Every unit read to name the rows: its path in the unit tree and its label (for a district-wide user, all
    # units; else those in by_unit), so that the rows can be rolled up the tree (summary_units).
    unit_paths: dict[Any, str] = field(default_factory=dict)
    unit_labels: dict[Any, str] = field(default_factory=dict)

    @property
    def gap(self) -> Decimal | None:
        rate = rules.completion_rate(self.total.ytd, self.total.planned)
        return rules.pct(rules.gap_points(rate, self.month)) if rate is not None and self.month else None


def summary_month(user: Any, year: int) -> int:
    """The month a summary of ``year`` opens on: the latest month approved for at least half as many projects
    as the best-covered month (a month still under review would understate the year); 0 if nothing is
    approved yet.

    Read from the plans' ``reported_month`` (the latest month approved for each plan): a plan approved to
    October counts for every month up to October. Months are approved in order, so this is the count of the
    months' approved reports, read from the year's 20,000 plans instead of its 200,000 approved reports.
    """
    per_month = dict(plan_list(user, year).order_by().values_list("reported_month").annotate(n=Count("*")))
    covered = {month: sum(n for last, n in per_month.items() if last >= month) for month in range(1, 13)}
    if not covered[1]:
        return 0
    return max(month for month, n in covered.items() if n >= covered[1] / 2)


def _add(rows: dict[Any, SummaryRow], key: Any, values: list[Any]) -> None:
    """Add a group's figures to the row of ``key``."""
    row = rows.get(key)
    if row is None:
        row = rows[key] = SummaryRow(key, "")
    _accumulate(row, values)


def _accumulate(row: SummaryRow, values: list[Any]) -> None:
    """Add figures in the order of ``summary``'s: count, total, planned, year to date, to start, started, red."""
    count, total, planned, ytd, to_start, started, red = values
    row.count += count
    row.total_investment += total or ZERO
    row.planned += planned or ZERO
    row.ytd += ytd or ZERO
    row.to_start += to_start
    row.started += started
    row.red += red


def _ranked(rows: list[SummaryRow]) -> list[SummaryRow]:
    """Rows by completion rate, best first (no rate last), then by label; each rate computed once."""
    rates = {id(row): row.rate for row in rows}
    return sorted(rows, key=lambda r: (-(rates[id(r)] or -1), r.label))


def _ordered(rows: dict[Any, SummaryRow], labels: dict[Any, str]) -> list[SummaryRow]:
    """The rows labelled, in the order of ``labels`` (unknown keys last)."""
    position = {key: i for i, key in enumerate(labels)}
    for row in rows.values():
        row.label = labels.get(row.key, str(row.key))
    return sorted(rows.values(), key=lambda r: position.get(r.key, len(position)))


def summary(user: Any, year: int, month: int | None = None) -> Summary:
    """The district summary of ``year`` as of the approved reports of ``month`` (default: the latest one).

    Counts, total and planned investment, year-to-date completed investment and completion rate, start rate
    (started ÷ planned to start this year) and red lights, overall and by category, unit, stage and
    programme. Three grouped queries over the year's plans, each joined to its approved report of the month
    (at most one: ``is_effective`` is unique per project and month): by unit, by category and stage, and by
    programme and programme category; the totals, categories, stages and programmes are added up from them.
    """
    from taizhang.org.models import Unit
    from taizhang.projects.choices import Stage

    if month is None:
        month = summary_month(user, year)
    plans = (
        plan_list(user, year)
        .order_by()
        .annotate(
            effective=FilteredRelation(
                "reports",
                condition=Q(
                    reports__year=year,
                    reports__month=month,
                    reports__is_effective=True,
                    reports__voided_at__isnull=True,
                ),
            )
        )
    )
    figures = {
        "n": Count("pk"),
        "total": Sum("project__total_investment"),
        "planned": Sum("planned_investment"),
        "ytd": Sum("effective__ytd_investment"),
        "to_start": Count("pk", filter=Q(plan_start=True)),
        "started": Count("pk", filter=Q(plan_start=True, project__stage__in=STARTED_STAGES)),
        "red": Count("pk", filter=Q(effective__light=Light.RED)),
    }

    def grouped(qs: QuerySet[YearPlan], *keys: str) -> list[tuple[Any, ...]]:
        """Rows of the keys, then the figures in their order (tuples: 2,000 units' rows without a dict each)."""
        return list(qs.values(*keys).annotate(**figures).values_list(*keys, *figures))

    total = SummaryRow(None, "")
    categories: dict[Any, SummaryRow] = {}
    stages: dict[Any, SummaryRow] = {}
    for category, stage, *values in grouped(plans, "project__category", "project__stage"):
        _add(categories, category, values)
        _add(stages, stage, values)
        _accumulate(total, values)
    units: dict[Any, SummaryRow] = {}
    for unit, *values in grouped(plans, "project__responsible_unit"):
        _add(units, unit, values)
    programmes: dict[Any, SummaryRow] = {}
    programme_categories: dict[Any, SummaryRow] = {}
    linked = plans.filter(project__programme_links__isnull=False)
    keys = ("project__programme_links__programme", "project__programme_links__category")
    for programme, programme_category, *values in grouped(linked, *keys):
        _add(programmes, programme, values)
        if programme_category is not None:
            _add(programme_categories, programme_category, values)

    by_category = _ordered(categories, dict(ProjectCategory.objects.values_list("pk", "name")))
    names = Unit.objects.order_by("sort_order", "code").values_list("pk", "short_name", "name", "path")
    if not scope_for(user).district_read:  # the district's summary names most units: read them all, unfiltered
        names = names.filter(pk__in=list(units))
    all_labels, unit_paths = {}, {}
    for pk, short_name, name, path in names:
        all_labels[pk], unit_paths[pk] = short_name or name, path
    unit_labels = {pk: label for pk, label in all_labels.items() if pk in units}
    by_unit = _ranked(_ordered(units, unit_labels))
    by_stage = _ordered(stages, {s.value: str(s.label) for s in Stage})
    by_programme = _ordered(programmes, dict(Programme.objects.live().values_list("pk", "name")))
    category_of = {
        pk: (programme, name)
        for pk, programme, name in ProgrammeCategory.objects.live()
        .order_by("programme", "sort_order")
        .values_list("pk", "programme", "name")
    }
    by_programme_category: dict[Any, list[SummaryRow]] = defaultdict(list)
    for row in _ordered(programme_categories, {pk: name for pk, (_programme, name) in category_of.items()}):
        if row.key in category_of:
            by_programme_category[category_of[row.key][0]].append(row)
    return Summary(
        year=year,
        month=month,
        elapsed=rules.pct(rules.time_elapsed(month)) or ZERO,
        total=total,
        by_category=by_category,
        by_unit=by_unit,
        by_stage=by_stage,
        by_programme=by_programme,
        by_programme_category=dict(by_programme_category),
        unit_paths=unit_paths,
        unit_labels=all_labels,
    )


@dataclass
class UnitLevel:
    """The by-unit figures of a summary at one level of the unit tree (see :func:`summary_units`)."""

    under: Any  # the unit opened, or None for the top of the tree
    rows: list[SummaryRow]  # ranked by completion rate, as ``Summary.by_unit``
    total: SummaryRow  # the level's rows added up


def summary_units(user: Any, data: Summary, under: Any = None) -> UnitLevel:
    """``data.by_unit`` rolled up the unit tree: each unit's figures are added to its top unit (its ancestor
    just below ``under``; the root of its tree when ``under`` is None). ``under``'s own projects stay a row of
    their own. A row whose figures include sub-units' is marked ``sub_units``: it can be opened in turn.

    A district has a hundred top units and two thousand below them: the summary page shows one level at a
    time (a unit's names are public in the district, so naming an ancestor tells no one anything new).
    """
    from taizhang.org.models import Unit

    prefix = under.path if under is not None else "/"
    rows: dict[Any, SummaryRow] = {}
    for row in data.by_unit:
        path = data.unit_paths.get(row.key, "")
        if not path.startswith(prefix):
            continue
        below = [part for part in path[len(prefix) :].split("/") if part]
        key = int(below[0]) if below else under.pk
        rolled = rows.get(key)
        if rolled is None:
            rolled = rows[key] = SummaryRow(key, "")
        rolled.sub_units = rolled.sub_units or len(below) > 1
        _merge(rolled, row)
    labels = data.unit_labels
    unnamed = [key for key in rows if key not in labels]
    if unnamed:  # ancestors of a unit-scoped user's units
        names = Unit.objects.filter(pk__in=unnamed).values_list("pk", "short_name", "name")
        labels = {**labels, **{pk: short_name or name for pk, short_name, name in names}}
    total = SummaryRow(None, "")
    for row in rows.values():
        label = labels.get(row.key, str(row.key))
        row.label = (_("%(unit)s itself") % {"unit": label}) if under is not None and row.key == under.pk else label
        _merge(total, row)
    return UnitLevel(under, _ranked(list(rows.values())), total)


def _merge(into: SummaryRow, row: SummaryRow) -> None:
    into.count += row.count
    into.total_investment += row.total_investment
    into.planned += row.planned
    into.ytd += row.ytd
    into.to_start += row.to_start
    into.started += row.started
    into.red += row.red
