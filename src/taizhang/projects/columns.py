"""The key-project ledger (重点项目台账) in spreadsheets: the columns offices use, and how a row becomes records.

One row of an office's ledger is one project *and* its figures for the sheet's period: the project's own
fields (name, code, category, responsible unit, total investment, dates…), its year plan (建设性质, 计划投资,
截至上年底完成投资) and the month's year-to-date report (1-N月完成投资, 形象进度, 存在问题). The year and the month
come from the sheet ("2022年…（1-5月）", "1-5月完成投资") or from the period given with the upload.

Natural key: 项目代码 (project code); a row without a code is the live project of the same 项目名称 and 责任单位.
A row whose code no project has yet also takes over a project of the same name and unit that has no code (the
code is filled in). A blank code never clears one.

Writing, for files up to ``IMPORT_BULK_ABOVE_ROWS`` rows, goes row by row through the ledger's services:
``project_create``/``project_change``, ``plan_create``/``plan_change``, ``report_save`` and the report workflow.
Importing is the supervision office's work (only district writers may: adding and changing projects is
theirs), and the office's ledger is the reviewed figure: the month's report is saved, submitted and approved
in the importer's name, each step a workflow event whose reason names the import. A month already approved
with other figures gets a correction (a new revision, approved the same way); a report a unit has submitted
and the office has not reviewed is returned with the import named as the reason, then saved and approved with
the file's figures. Larger files take the bulk path (:meth:`ProjectAdapter.write_bulk`): the same checks,
then one INSERT or UPDATE per table and chunk (see docs/ledgers.md).
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
import re
from collections.abc import Hashable, Iterator
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from taizhang.core import clock
from taizhang.core.search import search_text_for
from taizhang.ledgers import bulk
from taizhang.ledgers import values as v
from taizhang.ledgers.adapters import FieldCheck, ModelAdapter, copy_record
from taizhang.ledgers.columns import (
    Choice,
    Column,
    ColumnType,
    Date,
    Money,
    Percent,
    PersonRef,
    ReadContext,
    Reference,
    Sheet,
    Text,
    UnitRef,
)
from taizhang.ledgers.parsing import WARNING, Layout, ParsedRow, Problem
from taizhang.ledgers.registry import LedgerKind, register
from taizhang.projects import rules, selectors, services
from taizhang.projects.choices import Importance, Light, Nature, ReportStatus
from taizhang.projects.models import (
    ZERO,
    LightThreshold,
    Milestone,
    MonthlyReport,
    Project,
    ReportEvent,
    ReportProblem,
    YearPlan,
)

# --- column types ----------------------------------------------------------------------------------------

NATURE_LABELS = [
    (Nature.NEW.value, "新开工"),
    (Nature.CONTINUING.value, "续建"),
    (Nature.PREPARATORY.value, "前期"),
    (Nature.COMPLETED.value, "竣工"),
]
NATURE_ALIASES = {
    "新建": Nature.NEW,
    "新开": Nature.NEW,
    "新开工项目": Nature.NEW,
    "在建": Nature.CONTINUING,
    "续建项目": Nature.CONTINUING,
    "前期项目": Nature.PREPARATORY,
    "预备": Nature.PREPARATORY,
    "竣工项目": Nature.COMPLETED,
    "完工": Nature.COMPLETED,
    "建成": Nature.COMPLETED,
}
IMPORTANCE_LABELS = [
    (Importance.PROVINCE.value, "省重点"),
    (Importance.CITY.value, "市重点"),
    (Importance.DISTRICT.value, "区重点"),
    (Importance.RESERVE.value, "储备项目"),
]
IMPORTANCE_ALIASES = {
    "省级重点": Importance.PROVINCE,
    "省重点项目": Importance.PROVINCE,
    "省级": Importance.PROVINCE,
    "市级重点": Importance.CITY,
    "市重点项目": Importance.CITY,
    "市级": Importance.CITY,
    "区级重点": Importance.DISTRICT,
    "区重点项目": Importance.DISTRICT,
    "区级": Importance.DISTRICT,
    "储备": Importance.RESERVE,
}
LIGHT_LABELS = [
    (Light.GREEN.value, "绿灯"),
    (Light.YELLOW.value, "黄灯"),
    (Light.RED.value, "红灯"),
    (Light.NONE.value, ""),
]
# How the preview names a report's state (data language, like the sheet's headers).
STATUS_LABELS: dict[str, str] = {
    ReportStatus.DRAFT: "草稿",
    ReportStatus.SUBMITTED: "已报送",
    ReportStatus.RETURNED: "已退回",
    ReportStatus.APPROVED: "审核通过",
}


class CategoryRef(Reference):
    """A project category by name or code ("基础设施", "基础设施类", "基础设施项目" name the same one)."""

    kind = "category"
    target = "category"


_PROBLEM_SPLIT = re.compile(r"[\n;；]+")
_PROBLEM_NUMBER = re.compile(r"^\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3}|\(\d{1,2}\)|（\d{1,2}）)[、.．:：)）]?\s*")


class Problems(ColumnType):
    """存在问题: one or more problems, one per line or separated by "；" (leading numbers dropped)."""

    kind = "problems"

    def __init__(self, *, width: float = 24) -> None:
        self.width = width

    def parse(self, value: Any, ctx: ReadContext) -> tuple[str, ...]:
        if v.is_unknown(value):
            return ()
        text = str(value).replace("\r", "\n")
        found: list[str] = []
        for part in _PROBLEM_SPLIT.split(text):
            item = " ".join(_PROBLEM_NUMBER.sub("", part, count=1).split()).strip("。. ")
            if item and not v.is_unknown(item) and item not in found:
                if len(item) > 500:
                    raise v.ValueProblem(
                        _("A problem is %(length)s characters long; at most %(max)s fit.")
                        % {"length": len(item), "max": 500}
                    )
                found.append(item)
        return tuple(found)

    def render(self, value: Any) -> Any:
        return "；".join(value) if value else None


# --- the period's figures, for export ----------------------------------------------------------------------


def _period_report(plan: YearPlan) -> MonthlyReport | None:
    reports = getattr(plan, "period_reports", None)
    return reports[0] if reports else None


def _period_ytd(plan: YearPlan) -> Decimal | None:
    if hasattr(plan, "period_ytd"):  # annotated by the export's queryset
        return cast(Decimal | None, plan.period_ytd)
    report = _period_report(plan)
    return report.ytd_investment if report is not None else None


def _period_rate(plan: YearPlan) -> Decimal | None:
    ytd = _period_ytd(plan)
    if ytd is None or not plan.planned_investment:
        return None
    return ytd / plan.planned_investment


def _period_light(plan: YearPlan) -> str | None:
    report = _period_report(plan)
    return report.light if report is not None else None


def _period_progress(plan: YearPlan) -> str | None:
    report = _period_report(plan)
    return report.progress if report is not None else None


def _period_problems(plan: YearPlan) -> tuple[str, ...]:
    report = _period_report(plan)
    return tuple(p.text for p in getattr(report, "live_problems", ())) if report is not None else ()


class ProjectSheet(Sheet):
    """The project ledger's sheet: its export lists a year's plans with the approved figures of one month."""

    def export_period(
        self, user: Any, queryset: QuerySet[Any], requested: tuple[int, int] | None, params: Any = None
    ) -> tuple[int, int] | None:
        """The period asked for; else the year the list is filtered to (this year by default) and its latest
        month with approved reports (this month, or December of a past year, when there is none)."""
        if requested is not None:
            return requested
        year = None
        raw = (params or {}).get("year") if params is not None else None
        if raw:
            try:
                year = int(raw)
            except (TypeError, ValueError):
                year = None
        year = year or selectors.current_year(user)
        month = selectors.summary_month(user, year)
        if not month:
            today = services.today()
            month = today.month if year == today.year else 12
        return year, month

    def export_totals(self, queryset: QuerySet[Any]) -> tuple[int, dict[str, Any]]:
        """A group's count and sums from the database (the export then reads its rows once)."""
        sums = queryset.order_by().aggregate(
            count=Count("pk"),
            total_investment=Sum("project__total_investment"),
            completed_before=Sum("completed_before"),
            planned_investment=Sum("planned_investment"),
            ytd_investment=Sum("period_ytd"),
        )
        return sums.pop("count"), sums

    def export_queryset(self, user: Any, queryset: QuerySet[Any], period: tuple[int, int] | None) -> QuerySet[Any]:
        """The plans of the period's year, each with the month's approved report and its live problems."""
        if period is None:  # pragma: no cover - export_period always gives one
            return queryset
        year, month = period
        reports = (
            MonthlyReport.objects.live()
            .filter(year=year, month=month, is_effective=True)
            .prefetch_related(
                Prefetch("problems", queryset=ReportProblem.objects.live().order_by("pk"), to_attr="live_problems")
            )
        )
        effective = MonthlyReport.objects.filter(plan=OuterRef("pk"), month=month, is_effective=True, voided_at=None)
        return (
            queryset.filter(year=year)
            .annotate(
                period_ytd=Subquery(effective.values("ytd_investment")[:1]),
                # What ``export_rows`` reads of the month's report (the records' path prefetches it).
                period_report=Subquery(effective.values("pk")[:1]),
                period_progress=Subquery(effective.values("progress")[:1]),
                period_light=Subquery(effective.values("light")[:1]),
            )
            .only(*EXPORT_FIELDS)
            .prefetch_related(
                Prefetch("reports", queryset=reports.only(*REPORT_EXPORT_FIELDS), to_attr="period_reports")
            )
        )

    def export_rows(self, queryset: QuerySet[Any]) -> Iterator[tuple[Any, ...]]:
        """The plans as rows of the exported columns' values, read as tuples (``EXPORT_PATHS``, the month's
        report from ``export_queryset``'s annotations) with the report's live problems fetched per batch: what
        ``Column.value_of`` gives for each plan, without a model instance per plan, project, unit and report."""
        columns = self.exported_columns()
        paths = list(dict.fromkeys(EXPORT_PATHS[c.field] for c in columns if c.field in EXPORT_PATHS))
        paths += [p for p in ("planned_investment", "period_ytd", "period_report") if p not in paths]
        at = {name: i for i, name in enumerate(paths)}
        planned, ytd, report = at["planned_investment"], at["period_ytd"], at["period_report"]
        computed = {"rate": len(paths), "problems": len(paths) + 1}  # appended to each row below
        pick = operator.itemgetter(
            *(at[EXPORT_PATHS[c.field]] if c.field in EXPORT_PATHS else computed[c.field] for c in columns)
        )
        rows = queryset.prefetch_related(None).values_list(*paths).iterator(chunk_size=2000)
        while batch := list(itertools.islice(rows, 2000)):
            problems: dict[int, list[str]] = {}
            reports = [r[report] for r in batch if r[report] is not None]
            if reports:
                live = ReportProblem.objects.live().filter(report_id__in=reports).order_by("pk")
                for report_id, text in live.values_list("report_id", "text"):
                    problems.setdefault(report_id, []).append(text)
            for r in batch:
                rate = r[ytd] / r[planned] if r[ytd] is not None and r[planned] else None
                texts = tuple(problems.get(r[report], ())) if r[report] is not None else ()
                yield pick((*r, rate, texts))


# What an export reads (the rest of each row is left in the database: a ledger of 100,000 rows is read twice).
EXPORT_FIELDS = (
    "year",
    "nature",
    "completed_before",
    "planned_investment",
    "project__name",
    "project__code",
    "project__importance",
    "project__owner",
    "project__address",
    "project__scale",
    "project__total_investment",
    "project__planned_start",
    "project__planned_completion",
    "project__note",
    "project__category__name",
    "project__category__sort_order",
    "project__responsible_unit__name",
    "project__responsible_unit__short_name",
    "project__leader__name",
)
REPORT_EXPORT_FIELDS = ("plan_id", "ytd_investment", "progress", "light")
# Where ``export_rows`` reads each exported column (the others, 完成率 and 存在问题, it computes).
EXPORT_PATHS = {
    "name": "project__name",
    "code": "project__code",
    "category": "project__category__name",
    "importance": "project__importance",
    "nature": "nature",
    "owner": "project__owner",
    "responsible_unit": "project__responsible_unit__name",
    "leader": "project__leader__name",
    "address": "project__address",
    "scale": "project__scale",
    "total_investment": "project__total_investment",
    "completed_before": "completed_before",
    "planned_investment": "planned_investment",
    "ytd_investment": "period_ytd",
    "light": "period_light",
    "planned_start": "project__planned_start",
    "planned_completion": "project__planned_completion",
    "progress": "period_progress",
    "note": "project__note",
}

PROJECTS = ProjectSheet(
    kind="projects",
    title="重点项目进展情况",
    periodic=True,
    category="category",
    export_category="project__category",
    columns=(
        Column(
            "name",
            "项目名称",
            aliases=("项目", "名称", "项目名"),
            required=True,
            type=Text(200, width=24),
            source="project.name",
        ),
        Column(
            "code",
            "项目代码",
            aliases=("项目编码", "代码", "项目编号", "统一项目代码", "项目统一代码"),
            type=Text(50, width=14),
            source="project.code",
        ),
        Column(
            "category",
            "项目类别",
            aliases=("类别", "项目类型", "行业类别"),
            type=CategoryRef(width=10),
            source="project.category",
        ),
        Column(
            "importance",
            "项目级别",
            aliases=("重点级别", "级别", "项目层级", "重要程度", "项目等级"),
            type=Choice(IMPORTANCE_LABELS, aliases=IMPORTANCE_ALIASES),
            source="project.importance",
        ),
        Column(
            "nature",
            "建设性质",
            aliases=("性质", "建设类型", "项目性质"),
            type=Choice(NATURE_LABELS, aliases=NATURE_ALIASES),
        ),
        Column(
            "owner",
            "建设单位",
            aliases=("业主单位", "建设单位(业主)", "项目业主", "业主", "项目单位"),
            type=Text(200, width=18),
            source="project.owner",
        ),
        Column(
            "responsible_unit",
            "责任单位",
            aliases=("牵头单位", "责任主体", "主管单位", "牵头责任单位"),
            required=True,
            type=UnitRef(),
            source="project.responsible_unit",
        ),
        Column(
            "leader",
            "责任领导",
            aliases=("分包领导", "包联领导", "联系领导", "分包区领导", "责任区领导"),
            type=PersonRef(width=10),
            source="project.leader",
        ),
        Column(
            "address",
            "建设地点",
            aliases=("项目地点", "地点", "建设地址", "项目位置"),
            type=Text(200, width=18),
            source="project.address",
        ),
        Column(
            "scale",
            "建设内容",
            aliases=("建设规模及主要内容", "主要建设内容", "建设规模", "建设规模及内容", "项目概况"),
            type=Text(4000, width=30),
            source="project.scale",
        ),
        Column("total_investment", "总投资", type=Money("亿元"), total=True, source="project.total_investment"),
        Column(
            "completed_before",
            "截至上年底累计完成投资",
            aliases=("以前年度完成投资", "截至上年底完成投资", "上年底累计完成投资", "至上年底累计完成投资"),
            type=Money(),
            total=True,
        ),
        Column(
            "planned_investment",
            "计划投资",
            group="{year}年",
            aliases=("年度计划投资", "年度计划", "计划完成投资", "年度投资计划", "本年计划投资"),
            type=Money(),
            total=True,
        ),
        Column(
            "ytd_investment",
            "1-{month}月完成投资",
            group="{year}年",
            aliases=("累计完成投资", "完成投资", "累计完成", "实际完成", "本年累计完成投资", "本年完成投资"),
            type=Money(),
            total=True,
            getter=_period_ytd,
        ),
        Column(
            "rate", "完成率", group="{year}年", aliases=("投资完成率", "完成比例"), type=Percent(), getter=_period_rate
        ),
        Column(
            "light",
            "亮灯情况",
            aliases=("预警", "亮灯", "灯色", "预警情况"),
            type=Choice(LIGHT_LABELS),
            imported=False,
            getter=_period_light,
        ),
        Column(
            "planned_start",
            "计划开工",
            aliases=("开工时间", "开工日期", "计划开工时间", "计划开工日期"),
            type=Date(),
            source="project.planned_start",
        ),
        Column(
            "planned_completion",
            "计划竣工",
            aliases=("竣工时间", "竣工日期", "计划竣工时间", "计划完工", "计划竣工日期"),
            type=Date(),
            source="project.planned_completion",
        ),
        Column(
            "progress",
            "形象进度",
            aliases=("工程进度", "进展情况", "项目进展", "目前进展", "形象进度情况"),
            type=Text(2000, width=24),
            getter=_period_progress,
        ),
        Column(
            "problems",
            "存在问题",
            aliases=("存在的问题", "困难和问题", "存在困难", "存在问题及建议"),
            type=Problems(),
            getter=_period_problems,
        ),
        Column("note", "备注", type=Text(4000, width=16), source="project.note"),
    ),
)

PROJECT_FIELDS = (
    "name",
    "code",
    "category",
    "importance",
    "owner",
    "responsible_unit",
    "leader",
    "address",
    "scale",
    "total_investment",
    "planned_start",
    "planned_completion",
    "note",
)
PLAN_FIELDS = ("nature", "completed_before", "planned_investment")
REPORT_FIELDS = ("ytd_investment", "progress", "problems")
APPROVAL = "report_status"  # the month's report ends approved (shown when the figures are already there)
# The workflow events an approved import writes (``report_transition`` submit, then approve).
APPROVAL_STEPS = (
    (ReportStatus.DRAFT, "submit", ReportStatus.SUBMITTED),
    (ReportStatus.SUBMITTED, "approve", ReportStatus.APPROVED),
)
EVENT_COLUMNS = ("report_id", "action", "from_status", "to_status", "reason", "actor_id", "at")
NEW_PROJECT_NEEDS = ("name", "category", "responsible_unit", "total_investment")
CODE_KEY = ("code",)
NAME_KEY = ("name", "responsible_unit")


def _same(current: Any, new: Any) -> bool:
    if isinstance(current, models.Model) or isinstance(new, models.Model):
        return getattr(current, "pk", current) == getattr(new, "pk", new)
    if isinstance(current, Decimal) or isinstance(new, Decimal):
        if current is None or new is None:
            return current is new
        return Decimal(current) == Decimal(new)
    if current in (None, "") and new in (None, ""):
        return True
    return bool(current == new)


class ProjectAdapter(ModelAdapter):
    """Rows of a key-project ledger → projects, their year plans and the month's approved reports."""

    sheet = PROJECTS
    model = Project
    keys = (CODE_KEY, NAME_KEY)
    label = gettext_lazy("Key projects")
    add_perm = "projects.add_project"
    change_perm = "projects.change_project"
    supports_bulk = True

    def __init__(self, user: Any, *, reason: str = "") -> None:
        super().__init__(user, reason=reason or _("import"))
        self.year: int | None = None
        self.month: int | None = None
        self._categories: tuple[dict[str, list[Any]], dict[str, list[Any]]] | None = None
        self._fallback: dict[Hashable, tuple[str, Any]] = {}
        self._claimed: dict[int, Hashable] = {}
        self._codes: dict[str, int] = {}
        self._plans: dict[int, YearPlan] = {}
        self._latest: dict[int, MonthlyReport] = {}
        self._effective: dict[int, MonthlyReport] = {}
        self._previous: dict[int, Decimal] = {}
        self._may: dict[tuple[Any, ...], bool] = {}
        self._any_uncoded: bool | None = None
        self.search_texts: dict[tuple[str, ...], str] = {}  # for the bulk path, across chunks
        # The records a new row was checked as (by its values' identity), so that the bulk path inserts what was
        # validated instead of building them again; and blank instances to copy (cheaper than a new model).
        self.checked: dict[int, tuple[dict[str, Any], Project, YearPlan | None]] = {}
        self._blank_project = Project()
        self._blank_plan = YearPlan()
        # The models' field checks on the fields a row may give, each distinct value checked once per import.
        self._project_fields = FieldCheck(Project, exclude=_NOT_IMPORTED[Project])
        self._plan_fields = FieldCheck(YearPlan, exclude=_NOT_IMPORTED[YearPlan])
        self._today: dt.date | None = None
        self._thresholds: list[rules.Thresholds] | None = None
        self._references: dict[tuple[str, str], Any] = {}  # (target, text) → the record, or why there is none

    # --- the sheet ----------------------------------------------------------------------------------------

    def start(self, layout: Layout) -> list[Problem]:
        problems = super().start(layout)
        self.year, self.month = layout.year, layout.month
        present = {m.column.field: m.header for m in layout.columns}
        needs_year = [present[f] for f in PLAN_FIELDS if f in present]
        needs_month = [present[f] for f in REPORT_FIELDS if f in present]
        if (needs_year or needs_month) and not self.year:
            problems.append(
                Problem(
                    layout.header_last,
                    "、".join(needs_year + needs_month),
                    "",
                    _(
                        "The sheet does not say which year its figures are for: give the period with the upload "
                        "(--period YYYY-MM), or a title such as “2022年重点项目进展情况（1-5月）”."
                    ),
                )
            )
        elif needs_month and not self.month:
            problems.append(
                Problem(
                    layout.header_last,
                    "、".join(needs_month),
                    "",
                    _(
                        "The sheet does not say which month its year-to-date figures are for: give the period with "
                        "the upload (--period YYYY-MM), or a header such as “1-5月完成投资”."
                    ),
                )
            )
        return problems

    @classmethod
    def can_import(cls, user: Any) -> bool:
        return bool(user.has_perm(cls.add_perm) or user.has_perm(cls.change_perm))

    def queryset(self) -> QuerySet[Project]:
        return selectors.project_list(self.user)

    def field_label(self, name: str) -> str:
        if name == APPROVAL:
            return "审核状态"
        return super().field_label(name) if name in PROJECT_FIELDS else name

    # --- references ---------------------------------------------------------------------------------------

    def reference(self, column: Column, text: str, values: dict[str, Any]) -> Any:
        """A category or unit named in a cell, each distinct name looked up once per import (the answer
        depends on the name alone; a person's may depend on the row's unit, so people are looked up anew)."""
        target = getattr(column.type, "target", "")
        if target not in ("category", "unit"):
            return super().reference(column, text, values)
        found = self._references.get((target, text))
        if found is None:
            try:
                found = self.category(text) if target == "category" else super().reference(column, text, values)
            except v.ValueProblem as problem:
                found = problem.message
            self._references[(target, text)] = found
        if isinstance(found, str):
            raise v.ValueProblem(found)
        return found

    def categories(self) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
        """(name or code → categories, shortened name → categories) among the categories in use."""
        if self._categories is None:
            exact: dict[str, list[Any]] = {}
            stems: dict[str, list[Any]] = {}
            for category in selectors.category_choices(self.user):
                for table, names in ((exact, {category.name, category.code}), (stems, {_stem(category.name)})):
                    for name in names:
                        found = table.setdefault(v.squeeze(name), [])
                        if name and category not in found:
                            found.append(category)
            self._categories = (exact, stems)
        return self._categories

    def category(self, text: str) -> Any:
        """A category by its name or code; else by the name without "类"/"项目" ("基础设施类" → 基础设施项目)."""
        exact, stems = self.categories()
        found = exact.get(v.squeeze(text)) or stems.get(v.squeeze(_stem(text)), [])
        if len(found) == 1:
            return found[0]
        if found:
            raise v.ValueProblem(
                _("“%(text)s” could be any of %(names)s; use the full name.")
                % {"text": text, "names": "、".join(c.name for c in found)}
            )
        names = "、".join(sorted({c.name for cs in exact.values() for c in cs}))
        raise v.ValueProblem(
            _("There is no project category “%(text)s”. Categories: %(names)s.") % {"text": text, "names": names}
        )

    # --- keys and what exists -----------------------------------------------------------------------------

    def key(self, values: dict[str, Any]) -> Hashable | None:
        code = values.get("code")
        name, unit = values.get("name"), values.get("responsible_unit")
        if code:
            key = (CODE_KEY, (code.strip(),))
            if name and isinstance(unit, models.Model):
                self._fallback[key] = (name.strip(), unit.pk)
            return key
        if name and isinstance(unit, models.Model):
            return (NAME_KEY, (name.strip(), unit.pk))
        return None

    def prefetch(self, keys: list[Hashable]) -> None:
        """The chunk's projects (by code, and by name and unit), their plans of the year and the month's
        reports (latest revision, approved figure, last month's figure), in a handful of queries."""
        self._existing = {}
        self.checked = {}
        self._plans, self._latest, self._effective, self._previous = {}, {}, {}, {}
        self._today = services.today()  # once per chunk: the report checks of its rows compare with it
        codes: set[str] = set()
        pairs: set[tuple[str, Any]] = set()
        for key in keys:
            fields, parts = cast(tuple[tuple[str, ...], tuple[Any, ...]], key)
            if fields == CODE_KEY:
                codes.add(parts[0])
            else:
                pairs.add((parts[0], parts[1]))
        by_code: dict[str, list[Project]] = {}
        by_pair: dict[tuple[str, Any], list[Project]] = {}
        if codes:
            # ``code != ""`` lets the database use the unique index of live codes (a partial index).
            taken = Project.objects.live().filter(code__in=codes).exclude(code="").values_list("code", "pk")
            self._codes = dict(taken)
            # What the user may see is among the live projects: only codes taken are looked for (none, often).
            if self._codes:
                for project in self.queryset().filter(code__in=list(self._codes)).exclude(code=""):
                    by_code.setdefault(project.code, []).append(project)
            if self._uncoded_projects():  # a new code may be given to a project of the same name that has none
                pairs |= {self._fallback[k] for k in keys if k in self._fallback and k[1][0] not in by_code}  # type: ignore[index]
        if pairs:
            names = {name for name, _unit in pairs}
            units = {unit for _name, unit in pairs}
            for project in self.queryset().filter(name__in=names, responsible_unit_id__in=units):
                by_pair.setdefault((project.name.strip(), project.responsible_unit_id), []).append(project)
        found: dict[int, Project] = {}
        for key in keys:
            fields, parts = cast(tuple[tuple[str, ...], tuple[Any, ...]], key)
            if fields == CODE_KEY:
                matches = by_code.get(parts[0]) or [
                    p for p in by_pair.get(self._fallback.get(key, ("", None)), []) if not p.code
                ]
            else:
                matches = by_pair.get((parts[0], parts[1]), [])
            self._existing[key] = matches
            found.update((p.pk, p) for p in matches)
        self._load_year(list(found))

    def _uncoded_projects(self) -> bool:
        """Whether any live project the user may see has no code (asked once per import)."""
        if self._any_uncoded is None:
            self._any_uncoded = self.queryset().filter(code="").exists()
        return self._any_uncoded

    def _load_year(self, ids: list[int]) -> None:
        if not ids or not self.year:
            return
        for plan in YearPlan.objects.live().filter(project_id__in=ids, year=self.year):
            self._plans[plan.project_id] = plan
        if not self.month:
            return
        months = [self.month, self.month - 1] if self.month > 1 else [self.month]
        reports = (
            MonthlyReport.objects.live()
            .filter(project_id__in=ids, year=self.year, month__in=months)
            .filter(Q(is_latest=True) | Q(is_effective=True))
            .prefetch_related(
                Prefetch("problems", queryset=ReportProblem.objects.live().order_by("pk"), to_attr="live_problems")
            )
            .order_by("revision")
        )
        last_latest: dict[int, Decimal] = {}
        for report in reports:
            pid = report.project_id
            if report.month == self.month:
                if report.is_latest:
                    self._latest[pid] = report
                if report.is_effective:
                    self._effective[pid] = report
            elif report.is_effective:
                self._previous[pid] = report.ytd_investment
            else:
                last_latest[pid] = report.ytd_investment
        for pid, ytd in last_latest.items():
            self._previous.setdefault(pid, ytd)

    def existing(self, key: Hashable) -> Any:
        project = super().existing(key)
        if project is None:
            return None
        claimed = self._claimed.setdefault(project.pk, key)
        if claimed != key:
            raise v.ValueProblem(
                _("Another row of this file already stands for the project “%(name)s” (same name and unit).")
                % {"name": project.name}
            )
        return project

    def settle(self, row: ParsedRow, values: dict[str, Any]) -> dict[str, Any]:
        values = super().settle(row, values)
        rate = values.pop("rate", None)
        plan, ytd = values.get("planned_investment"), values.get("ytd_investment")
        if rate is not None and plan and ytd is not None:
            computed = ytd / plan
            if abs(Decimal(rate) - computed) > Decimal("0.01"):
                row.problems.append(
                    Problem(
                        row.number,
                        self._header("rate"),
                        v.display(row.cells.get("rate")),
                        _(
                            "The completion rate is computed from the figures (%(rate)s%%); the %(given)s%% in the "
                            "sheet was not imported."
                        )
                        % {"rate": rules.pct(computed * 100), "given": rules.pct(Decimal(rate) * 100)},
                        WARNING,
                    )
                )
        if ytd is None and (values.get("progress") or values.get("problems")):
            fields = [f for f in ("progress", "problems") if values.get(f)]
            row.problems.append(
                Problem(
                    row.number,
                    "、".join(self._header(f) for f in fields),
                    "",
                    _("These go with the month's figure, and the row has none: they were not imported."),
                    WARNING,
                )
            )
            for name in fields:
                del values[name]
        return values

    def _header(self, name: str) -> str:
        if self.layout is not None:
            return self.layout.header_of(name)
        return self.sheet.column(name).header_for(with_unit=False)  # pragma: no cover - start() sets the layout

    # --- values and changes -------------------------------------------------------------------------------

    def model_values(self, values: dict[str, Any], obj: Any) -> dict[str, Any]:
        """What the row writes. A blank cell keeps the record's value where a field cannot be empty, a blank
        项目代码 never clears a code, and a blank 1-N月完成投资 leaves the month's report as it is."""
        plan = self._plans.get(obj.pk) if obj is not None else None
        result: dict[str, Any] = {}
        for name, value in values.items():
            if name in REPORT_FIELDS:
                continue
            if name == "code" and not value:
                continue
            if value is not None:
                result[name] = value
                continue
            model, record = (YearPlan, plan) if name in PLAN_FIELDS else (Project, obj)
            field = cast(models.Field, model._meta.get_field(name))
            if field.null:
                result[name] = value
            elif record is None:
                result[name] = field.get_default() if field.has_default() else None
        if values.get("ytd_investment") is not None:
            result["ytd_investment"] = values["ytd_investment"]
            current = self._report_now(obj)
            if "progress" in values:
                result["progress"] = values["progress"] or ""
            elif current is not None:
                result["progress"] = current.progress
            if "problems" in values:
                result["problems"] = tuple(values["problems"] or ())
            result[APPROVAL] = STATUS_LABELS[ReportStatus.APPROVED]
        return result

    def _report_now(self, obj: Any) -> MonthlyReport | None:
        """The month's figure the ledger states: the approved report, else the revision being worked on."""
        if obj is None:
            return None
        return self._effective.get(obj.pk) or self._latest.get(obj.pk)

    def current(self, obj: Any, name: str) -> Any:
        if obj is None:
            return None
        if name in PLAN_FIELDS:
            plan = self._plans.get(obj.pk)
            return getattr(plan, name) if plan is not None else None
        if name in REPORT_FIELDS:
            report = self._report_now(obj)
            if report is None:
                return None
            if name == "problems":
                return tuple(p.text for p in getattr(report, "live_problems", ()))
            return getattr(report, name)
        if name == APPROVAL:
            latest = self._latest.get(obj.pk)
            return STATUS_LABELS.get(latest.status, "") if latest is not None else ""
        return getattr(obj, name, None)

    def changes(self, obj: Any, values: dict[str, Any]) -> list[str]:
        changed = [
            name
            for name, value in values.items()
            if name not in REPORT_FIELDS and name != APPROVAL and not _same(self.current(obj, name), value)
        ]
        if "ytd_investment" not in values:
            return changed
        effective = self._effective.get(obj.pk)
        wanted = {name: values[name] for name in REPORT_FIELDS if name in values}
        if effective is not None and self._report_matches(effective, wanted):
            return changed
        latest = self._latest.get(obj.pk)
        if latest is not None and self._report_matches(latest, wanted):
            return [*changed, APPROVAL]  # the figures are there, not yet approved: the import approves them
        return changed + [
            name for name in REPORT_FIELDS if name in wanted and not _same(self.current(obj, name), wanted[name])
        ]

    @staticmethod
    def _report_matches(report: MonthlyReport, wanted: dict[str, Any]) -> bool:
        for name, value in wanted.items():
            current: Any = (
                tuple(p.text for p in getattr(report, "live_problems", ()))
                if name == "problems"
                else getattr(report, name)
            )
            if not _same(current, value):
                return False
        return True

    # --- validation ---------------------------------------------------------------------------------------

    def validate(
        self, values: dict[str, Any], obj: Any, *, exclude: list[str] | None = None, permissions: bool = True
    ) -> list[tuple[str, ...]]:
        """The checks the services make, on the row's values: the project's and the plan's model rules, a
        new project's required fields, a unique code, a district leader as 责任领导, the monthly report's data
        checks (``rules.check_report``), and the permissions of the forms and the report workflow."""
        skip = set(exclude or [])
        problems: list[tuple[str, ...]] = []
        project_values = {k: values[k] for k in PROJECT_FIELDS if k in values}
        candidate = self._check_project(obj, project_values, skip, problems)
        plan = self._plans.get(obj.pk) if obj is not None else None
        plan_values = {k: values[k] for k in PLAN_FIELDS if k in values}
        writes_report = bool({*REPORT_FIELDS, APPROVAL} & set(values))
        plan_candidate = None
        if plan_values or writes_report:
            plan_candidate = self._check_plan(plan, plan_values, skip, problems)
        if writes_report and plan_candidate is not None:
            self._check_report(obj, candidate, plan_candidate, values, problems)
        if permissions:
            self._check_permissions(
                obj, candidate, plan=plan, plan_values=plan_values, writes_report=writes_report, problems=problems
            )
            if obj is None:
                self.checked[id(values)] = (values, candidate, plan_candidate)
        return problems

    def checked_records(self, values: dict[str, Any]) -> tuple[Project | None, YearPlan | None]:
        """The new project and plan a row's values were checked as, if they were."""
        found = self.checked.get(id(values))
        if found is None or found[0] is not values:
            return None, None
        return found[1], found[2]

    def _check_project(
        self, obj: Any, values: dict[str, Any], skip: set[str], problems: list[tuple[str, ...]]
    ) -> Project:
        candidate = copy_record(obj if obj is not None else self._blank_project)
        if obj is not None and not values:
            return candidate
        for name, value in values.items():
            setattr(candidate, name, value)
        excluded = set(skip)  # besides the fields no row gives (``_NOT_IMPORTED``)
        # References were resolved among what the user may use (no query needed to know they exist).
        excluded |= {n for n in ("category", "responsible_unit", "leader") if isinstance(values.get(n), models.Model)}
        if obj is None:
            for name in NEW_PROJECT_NEEDS:
                if values.get(name) in (None, "") and name not in skip:
                    problems.append((name, _("A new project needs this.")))
                    excluded.add(name)
        problems += _model_problems(candidate, self._project_fields.errors(candidate, excluded))
        leader = values.get("leader")
        if isinstance(leader, models.Model) and not getattr(leader, "is_leader", False):
            problems.append(("leader", _("%(name)s is not a district leader.") % {"name": leader}))
        code = values.get("code")
        if code and self._codes.get(code, getattr(obj, "pk", None)) != getattr(obj, "pk", None):
            problems.append(("code", _("Another project already has this code.")))
        start = candidate.start_date
        if obj is not None and "planned_start" in values and start is not None:
            early = obj.milestones.live().filter(planned_on__lt=start).order_by("planned_on").first()
            if early is not None:
                problems.append(
                    (
                        "planned_start",
                        _("The milestone “%(name)s” (%(date)s) would lie before the start %(start)s.")
                        % {"name": early.name, "date": early.planned_on.isoformat(), "start": start.isoformat()},
                    )
                )
        return candidate

    def _check_plan(
        self, plan: YearPlan | None, values: dict[str, Any], skip: set[str], problems: list[tuple[str, ...]]
    ) -> YearPlan | None:
        if plan is None and values.get("planned_investment") is None:
            if "planned_investment" not in skip:
                problems.append(
                    (
                        "planned_investment",
                        _("The project has no plan for %(year)s yet: give its planned investment.")
                        % {"year": self.year},
                    )
                )
            return None
        if plan is not None and not values:
            return plan
        candidate = copy_record(plan if plan is not None else self._blank_plan)
        if plan is None:
            candidate.year = self.year or 0
        for name, value in values.items():
            setattr(candidate, name, value)
        # ``full_clean`` without the unique and constraint checks: the fields, then the model's ``clean``.
        errors = self._plan_fields.errors(candidate, skip)
        try:
            candidate.clean()
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            found = ValidationError(errors).message_dict
            problems += [("" if name == "__all__" else name, m) for name, ms in found.items() for m in ms]
        return candidate

    def correction_reason(self, obj: Any) -> str:
        """The correction reason the report's checks see: the import's, when an approved month is corrected."""
        latest = self._latest.get(obj.pk) if obj is not None else None
        if latest is None:
            return ""
        if latest.status == ReportStatus.APPROVED:
            return self.reason[:300]
        return latest.correction_reason

    def _check_report(
        self, obj: Any, project: Project, plan: YearPlan, values: dict[str, Any], problems: list[tuple[str, ...]]
    ) -> None:
        report = self._report_now(obj)
        ytd = values.get("ytd_investment", report.ytd_investment if report is not None else None)
        if ytd is None or not self.year or not self.month:
            return
        result = rules.check_report(
            year=self.year,
            month=self.month,
            ytd=ytd,
            previous_ytd=self._previous.get(obj.pk) if obj is not None else None,
            total_investment=project.total_investment or ZERO,
            completed_before=plan.completed_before or ZERO,
            today=self._today or services.today(),
            correction_reason=self.correction_reason(obj),
        )
        for name, messages in result.errors.items():
            problems += [("ytd_investment" if name == "month" else name, m) for m in messages]
        problems += [("ytd_investment", m, WARNING) for m in result.warnings]

    def _check_permissions(
        self,
        obj: Any,
        candidate: Project,
        *,
        plan: YearPlan | None,
        plan_values: dict[str, Any],
        writes_report: bool,
        problems: list[tuple[str, ...]],
    ) -> None:
        may = self.may
        target = obj if obj is not None else candidate
        if obj is None:
            allowed = may(self.add_perm) and may(self.change_perm, candidate)
        else:
            allowed = may(self.change_perm, obj) and may(self.change_perm, candidate)
        if plan_values or writes_report:
            allowed = allowed and may("projects.add_yearplan" if plan is None else "projects.change_yearplan", target)
        if writes_report:
            allowed = allowed and may("projects.report_project", target) and may("projects.review_report")
        if not allowed:
            text = _("You may not add this record") if obj is None else _("You may not change this record")
            problems.append(("", self.refusal(candidate, text)))

    def thresholds(self) -> list[rules.Thresholds]:
        """The light thresholds, read once per import (the bulk path computes lights with them)."""
        if self._thresholds is None:
            self._thresholds = [
                rules.Thresholds(t.effective_from, t.yellow_above, t.red_above, t.due_soon_days)
                for t in LightThreshold.objects.live()
            ]
        return self._thresholds

    def may(self, perm: str, project: Any = None) -> bool:
        """``user.has_perm``, asked once per permission and responsible unit: the project ledger's rules
        (``permissions.py``) depend on the user's roles in the project's unit and on nothing else."""
        key = (perm, getattr(project, "responsible_unit_id", None) if project is not None else None, project is None)
        if key not in self._may:
            self._may[key] = bool(
                self.user.has_perm(perm, project) if project is not None else self.user.has_perm(perm)
            )
        return self._may[key]

    def describe(self, values: dict[str, Any], obj: Any) -> str:
        return str(values.get("name") or (obj.name if obj is not None else ""))[:200]

    # --- writing through the services ---------------------------------------------------------------------

    def create(self, *, actor: Any, values: dict[str, Any]) -> Project:
        project_values, plan_values, report_values = _split(values)
        project = services.project_create(actor=actor, **project_values)
        self._write_year(actor, project, None, plan_values, report_values)
        return project

    def update(self, *, actor: Any, obj: Any, values: dict[str, Any], expected_version: int | None) -> Project:
        project_values, plan_values, report_values = _split(values)
        if project_values:
            services.project_change(actor=actor, project=obj, values=project_values, expected_version=expected_version)
        self._write_year(actor, obj, self._plans.get(obj.pk), plan_values, report_values)
        return cast(Project, obj)

    def _write_year(
        self,
        actor: Any,
        project: Project,
        plan: YearPlan | None,
        plan_values: dict[str, Any],
        report_values: dict[str, Any] | None,
    ) -> None:
        assert self.year is not None or not (plan_values or report_values)
        if plan is None and (plan_values or report_values is not None):
            values = dict(plan_values)
            planned = values.pop("planned_investment")
            plan = services.plan_create(
                actor=actor, project=project, year=cast(int, self.year), planned_investment=planned, **values
            )
        elif plan is not None and plan_values:
            services.plan_change(actor=actor, plan=plan, values=plan_values)
        if report_values is not None:
            self._write_report(actor, project, report_values)

    def _write_report(self, actor: Any, project: Project, values: dict[str, Any]) -> None:
        """Save the month's figures and take them through the workflow to approved, in the importer's name."""
        year, month = cast(int, self.year), cast(int, self.month)
        latest = self._latest.get(project.pk)
        now = self._report_now(project)
        correction: str | None = None
        if latest is not None and latest.status == ReportStatus.SUBMITTED:
            latest = services.report_transition(actor=actor, report=latest, action="return", reason=self.reason)
        elif latest is not None and latest.status == ReportStatus.APPROVED:
            latest = services.report_transition(actor=actor, report=latest, action="correct", reason=self.reason)
            correction = self.reason[:300]
        saved = services.report_save(
            actor=actor,
            project=project,
            year=year,
            month=month,
            ytd_investment=values.get("ytd_investment", now.ytd_investment if now is not None else ZERO),
            progress=values.get("progress", now.progress if now is not None else ""),
            problems=list(values["problems"]) if "problems" in values else None,
            correction_reason=correction,
        )
        report = services.report_transition(actor=actor, report=saved.report, action="submit", reason=self.reason)
        services.report_transition(actor=actor, report=report, action="approve", reason=self.reason)

    # --- writing in bulk ----------------------------------------------------------------------------------

    def write_bulk(self, *, actor: Any, plans: list[Any]) -> None:
        """Write a chunk of checked rows with one statement per table, leaving the ledger as the services
        would (see the module's docstring); history rows in bulk, one per record in its final state.

        Rows whose month already has a report (which takes the workflow: return, correction) go through the
        services one by one, as do all rows when the period is unknown."""
        from taizhang.ledgers.history import current_recorder

        recorder = current_recorder()
        assert recorder is not None, "write_bulk runs inside importing.apply"
        bulk = _BulkWrite(self, actor, recorder)
        for plan in plans:
            obj = plan.obj
            if obj is not None and obj.pk in self._latest:
                self.update(actor=actor, obj=obj, values=plan.values, expected_version=obj.version)
            else:
                bulk.add(plan)
        bulk.flush()


# The fields of each model a row of the sheet never gives: the field checks leave them out.
_NOT_IMPORTED = {
    Project: {f.name for f in Project._meta.concrete_fields if f.name not in PROJECT_FIELDS},
    YearPlan: {f.name for f in YearPlan._meta.concrete_fields if f.name not in PLAN_FIELDS},
}


def _model_problems(candidate: Project, field_errors: dict[str, list[ValidationError]]) -> list[tuple[str, ...]]:
    """``full_clean`` of a project (its fields already checked: ``field_errors``), but its code's uniqueness:
    the model asks the database once per record, the adapter checks it against the codes of the whole chunk,
    loaded at once (``prefetch``)."""
    problems: list[tuple[str, ...]] = []

    def collect(exc: ValidationError) -> None:
        found = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        problems.extend(("" if name == "__all__" else name, m) for name, ms in found.items() for m in ms)

    if field_errors:
        collect(ValidationError(field_errors))
    code, candidate.code = candidate.code, ""
    try:
        candidate.clean()
    except ValidationError as exc:
        collect(exc)
    finally:
        candidate.code = code
    return problems


def _split(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    project_values = {k: values[k] for k in PROJECT_FIELDS if k in values}
    plan_values = {k: values[k] for k in PLAN_FIELDS if k in values}
    report = {k: values[k] for k in REPORT_FIELDS if k in values}
    return project_values, plan_values, (report if report or APPROVAL in values else None)


def _stem(name: str) -> str:
    """ "基础设施类项目" → "基础设施": category names as offices shorten them."""
    text = v.clean_text(name)
    for suffix in ("类项目", "项目", "类"):
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            return text[: -len(suffix)]
    return text


class _BulkWrite:
    """One chunk's records built in memory, figures and lights computed as the services compute them, then
    inserted and updated with one statement per table; history rows go to the import's recorder."""

    def __init__(self, adapter: ProjectAdapter, actor: Any, recorder: Any) -> None:
        self.adapter = adapter
        self.actor = actor
        self.recorder = recorder
        self.now = clock.now()
        self.stamp = dt.datetime.now(dt.UTC)  # what auto_now would write
        self.rows: list[tuple[Any, dict[str, Any], dict[str, Any], dict[str, Any] | None]] = []
        self.new_plans: list[YearPlan] = []
        self.changed_plans: dict[int, YearPlan] = {}
        self.reports: list[tuple[MonthlyReport, YearPlan, tuple[str, ...]]] = []
        self._search: dict[tuple[str, ...], str] = adapter.search_texts
        self.today = services.today()
        # Every report of the chunk is a copy of this one (the month, approved by the importer) with its figures.
        actor_id = getattr(actor, "pk", None)
        self.report = MonthlyReport(
            year=cast(int, adapter.year),
            month=cast(int, adapter.month),
            revision=1,
            status=ReportStatus.APPROVED,
            is_latest=True,
            is_effective=True,
            submitted_at=self.now,
            submitted_by_id=actor_id,
            reviewed_at=self.now,
            reviewed_by_id=actor_id,
        )

    def search_text(self, record: Any) -> None:
        """``refresh_search_text``, remembering texts already turned into pinyin (形象进度 and problems repeat;
        a project's name and code do not, so they are not remembered)."""
        parts = tuple(str(record._follow(f) or "") for f in record.search_fields)
        if isinstance(record, Project):
            record.search_text = search_text_for(parts)
            return
        text = self._search.get(parts)
        if text is None:
            if len(self._search) >= 20_000:  # memory stays bounded when the texts do not repeat
                self._search.clear()
            text = self._search[parts] = search_text_for(parts)
        record.search_text = text

    def add(self, plan: Any) -> None:
        self.rows.append((plan, *_split(plan.values)))

    def flush(self) -> None:
        if not self.rows:
            return
        # Projects the chunk creates have no milestones and no reports yet: only the others are looked up.
        existing = [row.obj.pk for row, *_rest in self.rows if row.obj is not None]
        self.write_projects()
        context = _LightContext(self.adapter.thresholds(), existing, cast(int, self.adapter.year), self.adapter.month)
        for row, _project_values, plan_values, report_values in self.rows:
            self.build_year(row, plan_values, report_values, context)
        self.write_year()
        self.recorder.flush()

    def write_projects(self) -> None:
        """New projects inserted, changed ones updated (version raised, search text refreshed)."""
        new: list[Project] = []
        changed: list[Project] = []
        fields: set[str] = set()
        for row, project_values, _plan_values, _report in self.rows:
            if row.obj is None:
                row.obj, _plan = self.adapter.checked_records(row.values)
                if row.obj is None:  # pragma: no cover - every new row was checked in this chunk
                    row.obj = Project(**project_values)
                new.append(row.obj)
            elif project_values:
                for name, value in project_values.items():
                    setattr(row.obj, name, value)
                row.obj.version += 1
                row.obj.updated_at = self.stamp
                fields |= {cast(Any, Project._meta.get_field(name)).attname for name in project_values}
                changed.append(row.obj)
            else:
                continue
            self.search_text(row.obj)
        bulk.insert(Project, new, keys=True)
        if changed:
            Project.objects.bulk_update(changed, [*sorted(fields), "version", "updated_at", "search_text"])
        self.recorder.written_in_bulk(Project, new, True)
        self.recorder.written_in_bulk(Project, changed, False)

    def build_year(
        self,
        row: Any,
        plan_values: dict[str, Any],
        report_values: dict[str, Any] | None,
        context: _LightContext,
    ) -> None:
        """The project's plan (new or changed), the month's approved report, and the plan's derived figures
        and light as ``services.refresh_plan`` would leave them."""
        adapter, project, values = self.adapter, row.obj, row.values
        year, month = cast(int, adapter.year), adapter.month
        plan = adapter._plans.get(project.pk)
        if plan is None and (plan_values or report_values is not None):
            plan = self.adapter.checked_records(values)[1] or YearPlan(year=year, **plan_values)
            plan.project_id = project.pk  # inserted above
            self.new_plans.append(plan)
        elif plan is not None and plan_values:
            for name, value in plan_values.items():
                setattr(plan, name, value)
            plan.version += 1
            plan.updated_at = self.stamp
            self.changed_plans[plan.pk] = plan
        if plan is None:
            return
        months = dict(context.other_months.get(project.pk, {}))
        if report_values is not None and month:
            ytd = report_values["ytd_investment"]
            as_of = min(rules.due_date(year, month, 1) - dt.timedelta(days=1), self.today)
            light = context.light(plan, month, ytd, as_of)
            report = copy_record(self.report)
            report.project_id = project.pk
            report.ytd_investment = ytd
            report.progress = report_values.get("progress", "")
            report.light = light.light
            report.light_reason = light.reason[:300]
            self.search_text(report)
            self.reports.append((report, plan, tuple(report_values.get("problems", ()))))  # plan: inserted first
            months[month] = ytd
        effective = max(months) if months else 0
        ytd_now = months.get(effective, ZERO)
        result = context.light(plan, effective, ytd_now, min(self.today, dt.date(year, 12, 31)))
        derived = {
            "reported_month": effective,
            "ytd_investment": ytd_now,
            "light": result.light,
            "light_reason": result.reason[:300],
        }
        if plan.pk is not None and any(getattr(plan, k) != value for k, value in derived.items()):
            plan.updated_at = self.stamp  # derived figures: saved with history, without a new version
            self.changed_plans[plan.pk] = plan
        for name, value in derived.items():
            setattr(plan, name, value)

    def write_year(self) -> None:
        """Plans, then reports with their two workflow events and their problems."""
        for plan in self.new_plans:
            self.search_text(plan)
        bulk.insert(YearPlan, self.new_plans, keys=True)
        changed = list(self.changed_plans.values())
        if changed:
            derived = ["reported_month", "ytd_investment", "light", "light_reason"]
            YearPlan.objects.bulk_update(changed, [*PLAN_FIELDS, *derived, "version", "updated_at", "search_text"])
        self.recorder.written_in_bulk(YearPlan, self.new_plans, True)
        self.recorder.written_in_bulk(YearPlan, changed, False)
        reports = []
        for report, plan, _problems in self.reports:
            report.plan_id = plan.pk
            reports.append(report)
        bulk.insert(MonthlyReport, reports, keys=True)
        self.recorder.written_in_bulk(MonthlyReport, reports, True)
        # Two workflow events per report (submit, approve), as plain rows: thousands of them, no history.
        at = cast(Any, bulk.converter(ReportEvent._meta.get_field("at")))(self.now)
        reason, actor_id = self.adapter.reason, getattr(self.actor, "pk", None)
        events = [
            (report.pk, action, before, after, reason, actor_id, at)
            for report in reports
            for before, action, after in APPROVAL_STEPS
        ]
        bulk.insert_rows(ReportEvent, EVENT_COLUMNS, events)
        problems: list[ReportProblem] = []
        for report, _plan, texts in self.reports:
            for text in texts:
                problem = ReportProblem(report_id=report.pk, project_id=report.project_id, text=text[:500])
                self.search_text(problem)
                problems.append(problem)
        bulk.insert(ReportProblem, problems, keys=True)
        self.recorder.written_in_bulk(ReportProblem, problems, True)


class _LightContext:
    """What lights are computed from, for a chunk of projects: thresholds, open milestones, other months."""

    def __init__(self, thresholds: list[rules.Thresholds], ids: list[int], year: int, month: int | None) -> None:
        self.thresholds = thresholds
        self._last: tuple[tuple[Any, ...], rules.LightResult] | None = None
        self.milestones: dict[int, list[tuple[str, dt.date]]] = {}
        self.other_months: dict[int, dict[int, Decimal]] = {}
        if not ids:
            return
        open_ones = Milestone.objects.live().filter(project_id__in=ids, done_on__isnull=True)
        for project_id, name, planned_on in open_ones.values_list("project_id", "name", "planned_on"):
            self.milestones.setdefault(project_id, []).append((name, planned_on))
        # Approved figures of the year's other months: a plan shows its latest month.
        effective = MonthlyReport.objects.filter(
            project_id__in=ids, year=year, is_effective=True, voided_at__isnull=True, plan__voided_at__isnull=True
        ).exclude(month=month or 0)
        for project_id, m, ytd in effective.values_list("project_id", "month", "ytd_investment"):
            self.other_months.setdefault(project_id, {})[m] = ytd

    def light(self, plan: YearPlan, month: int, ytd: Decimal, as_of: dt.date) -> rules.LightResult:
        """``rules.light_for`` the plan; asked twice in a row with the same figures (the month's report and the
        plan it leaves, when the same thresholds and milestones apply), it answers the second time from the first."""
        thresholds = rules.thresholds_on(self.thresholds, as_of)
        overdue = [m for m in self.milestones.get(plan.project_id, []) if m[1] < as_of]
        key = (plan, plan.planned_investment, ytd, month, thresholds, overdue)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        result = rules.light_for(
            planned=plan.planned_investment, ytd=ytd, month=month, thresholds=thresholds, overdue_milestones=overdue
        )
        self._last = (key, result)
        return result


register(
    LedgerKind(
        "projects",
        gettext_lazy("Key projects"),
        PROJECTS,
        ProjectAdapter,
        list_view="taizhang.projects.views.PlanList",
        selector=selectors.plan_list,
        filterset="taizhang.projects.filtersets.PlanFilterSet",
        default_sort="project__code",
        model=YearPlan,
    )
)
