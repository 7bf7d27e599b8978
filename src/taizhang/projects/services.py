"""Every write to the key-project ledger: projects, plans, monthly reports and their review, milestones,
campaigns, photos, and the configuration (categories, programmes, thresholds, milestone templates).

Monthly reports move through the table in ``workflow.py`` (:func:`report_transition`). Whenever an approved
figure or a milestone changes, :func:`refresh_plan` recomputes the year plan's derived figures and light with
the rules in ``rules.py`` in the same transaction, so that what the lists, totals and summaries show is never
stale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from taizhang.core import clock
from taizhang.core import services as base
from taizhang.core.errors import Conflict, ValidationFailed
from taizhang.core.images import inspect_image
from taizhang.core.permissions import ensure
from taizhang.core.services import service
from taizhang.projects import rules, workflow
from taizhang.projects.choices import STARTED_STAGES, ReportStatus, Stage
from taizhang.projects.models import (
    ZERO,
    ApprovalProcedure,
    Campaign,
    LightThreshold,
    Milestone,
    MilestoneTemplate,
    MilestoneTemplateStep,
    MonthlyReport,
    Programme,
    ProgrammeCategory,
    Project,
    ProjectCategory,
    ProjectProgramme,
    ReportEvent,
    ReportPhoto,
    ReportProblem,
    StageChange,
    YearPlan,
)

PROJECT_FIELDS = (
    "code",
    "name",
    "owner",
    "category",
    "importance",
    "stage",
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
    "leader",
    "note",
)
PLAN_FIELDS = ("nature", "completed_before", "planned_investment", "progress_goal", "plan_start", "plan_completion")
MILESTONE_FIELDS = ("name", "planned_on", "done_on", "sort_order", "note")
CAMPAIGN_FIELDS = ("name", "kind", "date", "place", "description")
PROCEDURE_FIELDS = ("name", "status", "permit_number", "date")


def due_day() -> int:
    """The day of the next month by which a month's report is due (setting ``PROJECT_REPORT_DUE_DAY``)."""
    value: Any = settings.TAIZHANG.get("PROJECT_REPORT_DUE_DAY", 5)
    return int(value)


def today() -> dt.date:
    """Today in the district's time zone (``TIME_ZONE``), by the clock tests can move."""
    return timezone.localtime(clock.now()).date()


def _amount(value: Any, name: str, errors: dict[str, list[str]]) -> Decimal | None:
    """A money amount in 万元 from a form, the API or a spreadsheet: refuses text and negative numbers."""
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int | str) and not isinstance(value, bool):
        try:
            amount = Decimal(str(value).replace(",", "").strip())
        except InvalidOperation:
            errors.setdefault(name, []).append(_("“%(value)s” is not a number.") % {"value": value})
            return None
    else:
        errors.setdefault(name, []).append(_("Give an amount in 万元."))
        return None
    if not amount.is_finite():
        errors.setdefault(name, []).append(_("“%(value)s” is not a number.") % {"value": value})
        return None
    if amount < 0:
        errors.setdefault(name, []).append(_("An amount cannot be negative."))
        return None
    return amount


# --- configuration -------------------------------------------------------------------------------------


@service
def category_create(*, actor: Any, code: str, name: str, sort_order: int = 0) -> ProjectCategory:
    ensure(actor, "projects.add_projectcategory")
    return base.create(ProjectCategory, code=code, name=name, sort_order=sort_order)


@service
def category_change(
    *, actor: Any, category: ProjectCategory, values: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    ensure(actor, "projects.change_projectcategory")
    return base.change(
        category, _only(values, ("code", "name", "sort_order", "is_active")), expected_version=expected_version
    )


@service
def programme_create(
    *, actor: Any, code: str, name: str, description: str = "", categories: Sequence[tuple[str, str]] = ()
) -> Programme:
    """A programme with its own categories, given as (code, name) in order."""
    ensure(actor, "projects.add_programme")
    programme = base.create(Programme, code=code, name=name, description=description)
    for order, (cat_code, cat_name) in enumerate(categories, start=1):
        base.create(ProgrammeCategory, programme=programme, code=cat_code, name=cat_name, sort_order=order)
    return programme


@service
def programme_change(
    *, actor: Any, programme: Programme, values: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    ensure(actor, "projects.change_programme")
    return base.change(
        programme, _only(values, ("code", "name", "description", "sort_order")), expected_version=expected_version
    )


@service
def programme_category_create(
    *, actor: Any, programme: Programme, code: str, name: str, sort_order: int = 0
) -> ProgrammeCategory:
    ensure(actor, "projects.add_programmecategory")
    return base.create(ProgrammeCategory, programme=programme, code=code, name=name, sort_order=sort_order)


@service
def threshold_create(
    *,
    actor: Any,
    effective_from: dt.date,
    yellow_above: Decimal = Decimal(10),
    red_above: Decimal = Decimal(30),
    due_soon_days: int = 14,
    note: str = "",
) -> LightThreshold:
    """New thresholds from ``effective_from``; lights computed for days before it keep the old ones."""
    ensure(actor, "projects.add_lightthreshold")
    row = base.create(
        LightThreshold,
        effective_from=effective_from,
        yellow_above=yellow_above,
        red_above=red_above,
        due_soon_days=due_soon_days,
        note=note,
    )
    _refresh_all(since=effective_from)
    return row


@service
def threshold_void(*, actor: Any, threshold: LightThreshold, reason: str) -> LightThreshold:
    ensure(actor, "projects.void_lightthreshold")
    base.void(threshold, actor=actor, reason=reason)
    _refresh_all(since=threshold.effective_from)
    return threshold


@service
def template_create(
    *, actor: Any, name: str, steps: Sequence[tuple[str, int]], description: str = ""
) -> MilestoneTemplate:
    """A reverse-scheduling template: (step name, days before the target date) in order."""
    ensure(actor, "projects.add_milestonetemplate")
    if not steps:
        raise ValidationFailed(fields={"steps": [_("A template needs at least one step.")]})
    template = base.create(MilestoneTemplate, name=name, description=description)
    for order, (step_name, days_before) in enumerate(steps, start=1):
        base.create(MilestoneTemplateStep, template=template, name=step_name, days_before=days_before, sort_order=order)
    return template


def _only(values: Mapping[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    allowed = set(allowed)
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ValidationFailed(
            fields={name: [_("This field cannot be changed here.")] for name in unknown},
        )
    return dict(values)


# --- projects ------------------------------------------------------------------------------------------


@service
def project_create(
    *,
    actor: Any,
    name: str,
    category: ProjectCategory,
    responsible_unit: Any,
    total_investment: Any,
    cooperating_units: Iterable[Any] = (),
    programmes: Iterable[tuple[Programme, ProgrammeCategory | None]] = (),
    **values: Any,
) -> Project:
    """Add a project to the ledger; its code, when given, is unique among live projects."""
    ensure(actor, "projects.add_project")
    values = _only(values, PROJECT_FIELDS)
    errors: dict[str, list[str]] = {}
    amount = _amount(total_investment, "total_investment", errors)
    if errors:
        raise ValidationFailed(fields=errors)
    project = base.create(
        Project, name=name, category=category, responsible_unit=responsible_unit, total_investment=amount, **values
    )
    _set_cooperating(project, cooperating_units)
    _set_programmes(project, programmes)
    if project.stage_since:
        base.create(StageChange, project=project, stage=project.stage, date=project.stage_since)
    return project


@service
def project_change(
    *, actor: Any, project: Project, values: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    """Change a project's fields (not its stage: :func:`project_stage` dates that)."""
    ensure(actor, "projects.change_project", project)
    values = dict(values)
    cooperating = values.pop("cooperating_units", None)
    programmes = values.pop("programmes", None)
    values = _only(values, set(PROJECT_FIELDS) - {"stage", "stage_since"})
    if "total_investment" in values:
        errors: dict[str, list[str]] = {}
        values["total_investment"] = _amount(values["total_investment"], "total_investment", errors)
        if errors:
            raise ValidationFailed(fields=errors)
    changed = base.change(project, values, expected_version=expected_version)
    if cooperating is not None and _set_cooperating(project, cooperating):
        changed.append("cooperating_units")
    if programmes is not None and _set_programmes(project, programmes):
        changed.append("programmes")
    if {"planned_start", "actual_start"} & set(changed):
        _check_milestones_after_start(project)
    return changed


def _set_cooperating(project: Project, units: Iterable[Any]) -> bool:
    wanted = {u.pk for u in units if u.pk != project.responsible_unit_id}
    current = set(project.cooperating_units.values_list("pk", flat=True))
    if wanted == current:
        return False
    project.cooperating_units.set(wanted)
    return True


def _set_programmes(project: Project, programmes: Iterable[tuple[Programme, ProgrammeCategory | None]]) -> bool:
    wanted = {p.pk: (c.pk if c is not None else None) for p, c in programmes}
    current = dict(ProjectProgramme.objects.filter(project=project).values_list("programme_id", "category_id"))
    if wanted == current:
        return False
    ProjectProgramme.objects.filter(project=project).exclude(programme_id__in=wanted).delete()
    for programme_id, category_id in wanted.items():
        if current.get(programme_id, -1) == category_id:
            continue
        link = ProjectProgramme.objects.filter(project=project, programme_id=programme_id).first()
        link = link or ProjectProgramme(project=project, programme_id=programme_id)
        link.category_id = category_id
        base.validated_save(link)
    return True


def _check_milestones_after_start(project: Project) -> None:
    start = project.start_date
    if start is None:
        return
    early = project.milestones.live().filter(planned_on__lt=start).order_by("planned_on").first()
    if early is not None:
        raise ValidationFailed(
            fields={
                "planned_start" if project.planned_start else "actual_start": [
                    _("The milestone “%(name)s” (%(date)s) would lie before the start %(start)s.")
                    % {"name": early.name, "date": early.planned_on.isoformat(), "start": start.isoformat()}
                ]
            }
        )


@service
def project_void(*, actor: Any, project: Project, reason: str) -> Project:
    ensure(actor, "projects.void_project", project)
    base.void(project, actor=actor, reason=reason)
    for plan in project.plans.live():
        base.void(plan, actor=actor, reason=reason)
    return project


@service
def project_stage(*, actor: Any, project: Project, stage: str, date: dt.date, note: str = "") -> StageChange:
    """Move a project to ``stage`` on ``date``: a dated stage change; starting and completing set the
    actual dates when they are still empty."""
    ensure(actor, "projects.change_project", project)
    if stage not in Stage.values:
        raise ValidationFailed(fields={"stage": [_("Unknown stage %(stage)r.") % {"stage": stage}]})
    if date > today():
        raise ValidationFailed(fields={"date": [_("A stage change cannot be dated in the future.")]})
    latest = project.stages.live().order_by("-date", "-pk").first()
    if latest is not None and date < latest.date:
        raise ValidationFailed(
            fields={
                "date": [
                    _("The last stage change is dated %(date)s; a new one cannot be earlier.")
                    % {"date": latest.date.isoformat()}
                ]
            }
        )
    change = base.create(StageChange, project=project, stage=stage, date=date, note=note)
    values: dict[str, Any] = {"stage": stage, "stage_since": date}
    if stage in STARTED_STAGES and project.actual_start is None:
        values["actual_start"] = date
    if stage in (Stage.COMPLETED, Stage.IN_OPERATION) and project.actual_completion is None:
        values["actual_completion"] = date
    base.change(project, values)
    return change


@service
def procedure_create(*, actor: Any, project: Project, name: str, **values: Any) -> ApprovalProcedure:
    """Record an approval procedure of a live project (an obtained one needs its date)."""
    ensure(actor, "projects.change_project", project)
    _check_live(project)
    return base.create(ApprovalProcedure, project=project, name=name, **_only(values, PROCEDURE_FIELDS))


@service
def procedure_change(
    *, actor: Any, procedure: ApprovalProcedure, values: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    ensure(actor, "projects.change_project", procedure.project)
    _check_live(procedure.project)
    return base.change(procedure, _only(values, PROCEDURE_FIELDS), expected_version=expected_version)


@service
def procedure_void(*, actor: Any, procedure: ApprovalProcedure, reason: str) -> ApprovalProcedure:
    """Take a procedure recorded by mistake off the project, with a reason; its history stays."""
    ensure(actor, "projects.void_approvalprocedure", procedure.project)
    _check_live(procedure.project)
    base.void(procedure, actor=actor, reason=reason)
    return procedure


def _check_live(project: Project) -> None:
    if project.is_void:
        raise ValidationFailed(fields={"project": [_("The project is voided; its records no longer change.")]})


# --- year plans ----------------------------------------------------------------------------------------


@service
def plan_create(*, actor: Any, project: Project, year: int, planned_investment: Any, **values: Any) -> YearPlan:
    """Put a project in ``year``'s ledger with its planned investment."""
    ensure(actor, "projects.add_yearplan", project)
    values = _only(values, PLAN_FIELDS)
    errors: dict[str, list[str]] = {}
    amount = _amount(planned_investment, "planned_investment", errors)
    if "completed_before" in values:
        values["completed_before"] = _amount(values["completed_before"], "completed_before", errors)
    if errors:
        raise ValidationFailed(fields=errors)
    plan = base.create(YearPlan, project=project, year=year, planned_investment=amount, **values)
    refresh_plan(plan)
    return plan


@service
def plan_change(
    *, actor: Any, plan: YearPlan, values: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    ensure(actor, "projects.change_yearplan", plan.project)
    values = _only(values, PLAN_FIELDS)
    errors: dict[str, list[str]] = {}
    for name in ("planned_investment", "completed_before"):
        if name in values:
            values[name] = _amount(values[name], name, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    changed = base.change(plan, values, expected_version=expected_version)
    if "planned_investment" in changed:
        refresh_plan(plan)
    return changed


@service
def plan_void(*, actor: Any, plan: YearPlan, reason: str) -> YearPlan:
    ensure(actor, "projects.void_yearplan", plan.project)
    base.void(plan, actor=actor, reason=reason)
    return plan


# --- monthly reports -----------------------------------------------------------------------------------


@dataclass
class ReportSaved:
    report: MonthlyReport
    warnings: list[str] = field(default_factory=list)
    created: bool = False


def _month(value: Any, errors: dict[str, list[str]]) -> int:
    """A month number 1..12 from a form, the API or a spreadsheet ("6" is fine, "六月" is not)."""
    try:
        month = int(value)
    except (TypeError, ValueError):
        month = 0
    if not 1 <= month <= 12:
        errors["month"] = [_("The month must be 1 to 12.")]
    return month


def _plan_for(project: Project, year: int) -> YearPlan:
    plan = YearPlan.objects.live().filter(project=project, year=year).first()
    if plan is None:
        raise ValidationFailed(
            fields={"year": [_("The project has no plan for %(year)s: the office adds it first.") % {"year": year}]}
        )
    return plan


def previous_ytd(project: Project, year: int, month: int) -> Decimal | None:
    """Last month's year-to-date figure: its approved one, else its latest revision; None in January."""
    if month <= 1:
        return None
    rows = MonthlyReport.objects.live().filter(project=project, year=year, month=month - 1)
    approved = rows.filter(is_effective=True).values_list("ytd_investment", flat=True).first()
    if approved is not None:
        return approved
    return rows.filter(is_latest=True).values_list("ytd_investment", flat=True).first()


def _check(project: Project, plan: YearPlan, month: int, ytd: Decimal, correction_reason: str) -> list[str]:
    result = rules.check_report(
        year=plan.year,
        month=month,
        ytd=ytd,
        previous_ytd=previous_ytd(project, plan.year, month),
        total_investment=project.total_investment,
        completed_before=plan.completed_before,
        today=today(),
        correction_reason=correction_reason,
    )
    if result.errors:
        raise ValidationFailed(fields=result.errors)
    return result.warnings


@service
def report_save(
    *,
    actor: Any,
    project: Project,
    year: int,
    month: int,
    ytd_investment: Any,
    progress: str = "",
    problems: Sequence[str] | None = None,
    correction_reason: str | None = None,
    expected_version: int | None = None,
) -> ReportSaved:
    """Create or change the month's working report (draft or returned) of ``project``.

    Refused: amounts that are not numbers or are negative, a month in the future, a year-to-date figure
    lower than last month's without a correction reason, a report under review or frozen (approved: use a
    correction), and a stale ``expected_version`` (:class:`Conflict`; the other person's figures stay).
    ``problems`` replaces the report's list of problems when given.
    """
    ensure(actor, "projects.report_project", project)
    errors: dict[str, list[str]] = {}
    amount = _amount(ytd_investment, "ytd_investment", errors)
    month = _month(month, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    assert amount is not None
    plan = _plan_for(project, year)
    current = (
        MonthlyReport.objects.live()
        .select_for_update()
        .filter(project=project, year=year, month=month, is_latest=True)
        .first()
    )
    if current is not None and current.status not in workflow.EDITABLE:
        if expected_version is not None and current.version != expected_version:
            raise Conflict
        message = (
            _("The report for %(period)s is approved and frozen; open a correction to change it.")
            if current.status == ReportStatus.APPROVED
            else _("The report for %(period)s is under review; wait for the office's decision.")
        )
        raise ValidationFailed(fields={"ytd_investment": [message % {"period": current.period}]})
    reason = correction_reason if correction_reason is not None else (current.correction_reason if current else "")
    warnings = _check(project, plan, month, amount, reason or "")
    if current is None:
        if expected_version not in (None, 0):
            raise Conflict
        report = base.create(
            MonthlyReport,
            project=project,
            plan=plan,
            year=year,
            month=month,
            ytd_investment=amount,
            progress=progress or "",
            correction_reason=reason or "",
        )
        created = True
    else:
        values: dict[str, Any] = {"ytd_investment": amount, "progress": progress or ""}
        if correction_reason is not None:
            values["correction_reason"] = correction_reason
        base.change(current, values, expected_version=expected_version)
        report, created = current, False
    if problems is not None:
        _set_problems(report, problems, actor)
    return ReportSaved(report, warnings, created)


def _set_problems(report: MonthlyReport, problems: Sequence[str], actor: Any) -> None:
    wanted = [p.strip() for p in problems if p and p.strip()]
    existing = list(report.problems.live().order_by("pk"))
    keep = {p.text for p in existing} & set(wanted)
    for problem in existing:
        if problem.text not in keep:
            base.void(problem, actor=actor, reason=_("Removed from the report"))
    have = {p.text for p in existing if p.text in keep}
    for text in wanted:
        if text not in have:
            base.create(ReportProblem, report=report, project_id=report.project_id, text=text[:500])
            have.add(text)


@service
def report_transition(
    *,
    actor: Any,
    report: MonthlyReport,
    action: str,
    reason: str = "",
    expected_version: int | None = None,
) -> MonthlyReport:
    """Take a workflow action (``submit``, ``approve``, ``return``, ``correct``) on a report.

    Returns the report the action leaves the user on: for ``correct``, the new revision in draft. Approving
    makes the report the month's effective figure and refreshes the plan's figures and light.
    """
    report = MonthlyReport.objects.select_for_update().select_related("project", "plan").get(pk=report.pk)
    if expected_version is not None and report.version != expected_version:
        raise Conflict
    transition = workflow.check(action, report, actor)
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        raise ValidationFailed(fields={"reason": [_("Give a reason.")]})
    now = clock.now()
    before = report.status
    if action == "correct":
        base.change(report, {"is_latest": False})
        new = base.create(
            MonthlyReport,
            project=report.project,
            plan=report.plan,
            year=report.year,
            month=report.month,
            revision=report.revision + 1,
            ytd_investment=report.ytd_investment,
            progress=report.progress,
            correction_reason=reason[:300],
        )
        for problem in report.problems.live():
            base.create(ReportProblem, report=new, project_id=new.project_id, text=problem.text, issue=problem.issue)
        ReportEvent.objects.create(
            report=new, action="correct", from_status=before, to_status=new.status, reason=reason, actor=actor, at=now
        )
        return new
    values: dict[str, Any] = {"status": transition.target}
    if action == "submit":
        _check(report.project, report.plan, report.month, report.ytd_investment, report.correction_reason)
        values |= {"submitted_at": now, "submitted_by": actor, "return_reason": ""}
    elif action == "return":
        values |= {"reviewed_at": now, "reviewed_by": actor, "return_reason": reason[:300]}
    else:
        assert action == "approve", action  # the table's last action; a new one needs its own branch here
        values |= {"reviewed_at": now, "reviewed_by": actor}
        superseded = MonthlyReport.objects.filter(
            project=report.project_id, year=report.year, month=report.month, is_effective=True
        ).exclude(pk=report.pk)
        for previous in superseded:  # one by one, so that history records which revision stopped counting
            base.change(previous, {"is_effective": False})
        values["is_effective"] = True
        values |= _month_light(report)
    base.change(report, values)
    ReportEvent.objects.create(
        report=report, action=action, from_status=before, to_status=report.status, reason=reason, actor=actor, at=now
    )
    if action == "approve":
        refresh_plan(report.plan)
    return report


def _month_light(report: MonthlyReport) -> dict[str, Any]:
    """The light of the month the report stands for, as of the end of that month."""
    end = rules.due_date(report.year, report.month, 1) - dt.timedelta(days=1)
    result = _light(report.plan, month=report.month, ytd=report.ytd_investment, as_of=min(end, today()))
    return {"light": result.light, "light_reason": result.reason[:300]}


# --- photos and problems -------------------------------------------------------------------------------


def _check_photos_open(report: MonthlyReport) -> None:
    """A report's photos are part of what is reviewed: they change only while it is a draft or returned. The
    report row is locked, so that an approval cannot slip in between the check and the change."""
    status = MonthlyReport.objects.select_for_update().values_list("status", flat=True).get(pk=report.pk)
    if status in workflow.EDITABLE:
        return
    message = (
        _("The report for %(period)s is approved and frozen; open a correction to add or withdraw photos.")
        if status == ReportStatus.APPROVED
        else _("The report for %(period)s is under review; wait for the office's decision.")
    )
    raise ValidationFailed(fields={"photo": [message % {"period": report.period}]})


@service
def photo_add(*, actor: Any, report: MonthlyReport, upload: Any, caption: str = "") -> ReportPhoto:
    """A site photo for a report, checked (type, size) and with its EXIF time and position read. Refused once
    the report is submitted or approved (a correction, a new revision in draft, takes new photos)."""
    ensure(actor, "projects.report_project", report.project)
    _check_photos_open(report)
    name = getattr(upload, "name", "") or "photo.jpg"
    try:
        facts = inspect_image(upload, name=name)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields={"photo": list(exc.messages)}) from exc
    upload.seek(0)
    return base.create(
        ReportPhoto,
        report=report,
        file=upload,
        original_name=name[:200],
        taken_at=facts.taken_at,
        longitude=_coordinate(facts.longitude),
        latitude=_coordinate(facts.latitude),
        caption=caption,
        uploaded_by=actor,
    )


def _coordinate(value: float | None) -> Decimal | None:
    """An EXIF degree (a float with many places) as the six places the model keeps (about 0.1 m)."""
    return None if value is None else Decimal(str(round(value, 6)))


@service
def photo_void(*, actor: Any, photo: ReportPhoto, reason: str) -> ReportPhoto:
    """Withdraw a site photo with a reason; refused, as :func:`photo_add`, once its report is submitted."""
    ensure(actor, "projects.report_project", photo.report.project)
    _check_photos_open(photo.report)
    base.void(photo, actor=actor, reason=reason)
    return photo


@service
def problem_link_issue(*, actor: Any, problem: ReportProblem, issue: Any) -> ReportProblem:
    """Record that the issue ledger has taken the problem over as ``issue``."""
    ensure(actor, "projects.review_report")
    base.change(problem, {"issue": issue})
    return problem


# --- milestones ----------------------------------------------------------------------------------------


@service
def milestone_create(*, actor: Any, project: Project, name: str, planned_on: dt.date, **values: Any) -> Milestone:
    ensure(actor, "projects.plan_milestones", project)
    values = _only(values, MILESTONE_FIELDS)
    _check_done_on(values)
    milestone = base.create(Milestone, project=project, name=name, planned_on=planned_on, **values)
    _refresh_project(project)
    return milestone


@service
def milestone_change(
    *, actor: Any, milestone: Milestone, values: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    ensure(actor, "projects.plan_milestones", milestone.project)
    values = _only(values, MILESTONE_FIELDS)
    _check_done_on(values)
    changed = base.change(milestone, values, expected_version=expected_version)
    if {"planned_on", "done_on"} & set(changed):
        _refresh_project(milestone.project)
    return changed


def _check_done_on(values: Mapping[str, Any]) -> None:
    if values.get("done_on") and values["done_on"] > today():
        raise ValidationFailed(fields={"done_on": [_("A milestone cannot be done in the future.")]})


@service
def milestone_void(*, actor: Any, milestone: Milestone, reason: str) -> Milestone:
    ensure(actor, "projects.plan_milestones", milestone.project)
    base.void(milestone, actor=actor, reason=reason)
    _refresh_project(milestone.project)
    return milestone


@service
def schedule_backwards(
    *, actor: Any, project: Project, template: MilestoneTemplate, target: dt.date
) -> list[Milestone]:
    """Reverse scheduling (倒排工期): one milestone per template step at ``target`` minus its offset.

    All or nothing: if any step would fall before the project's start, nothing is created and the error
    names the step and the earliest target that fits.
    """
    ensure(actor, "projects.plan_milestones", project)
    steps = list(template.steps.live().order_by("-days_before", "sort_order"))
    if not steps:
        raise ValidationFailed(fields={"template": [_("The template has no steps.")]})
    start = project.start_date
    first = steps[0]
    if start is not None and target - dt.timedelta(days=first.days_before) < start:
        earliest = start + dt.timedelta(days=first.days_before)
        raise ValidationFailed(
            fields={
                "target": [
                    _(
                        "The step “%(step)s” would fall on %(date)s, before the project's start (%(start)s); "
                        "choose a target on or after %(earliest)s."
                    )
                    % {
                        "step": first.name,
                        "date": (target - dt.timedelta(days=first.days_before)).isoformat(),
                        "start": start.isoformat(),
                        "earliest": earliest.isoformat(),
                    }
                ]
            }
        )
    made = [
        base.create(
            Milestone,
            project=project,
            name=step.name,
            planned_on=target - dt.timedelta(days=step.days_before),
            sort_order=step.sort_order,
            note=_("From template %(name)s") % {"name": template.name},
        )
        for step in steps
    ]
    _refresh_project(project)
    return made


# --- campaigns -----------------------------------------------------------------------------------------


@service
def campaign_create(
    *, actor: Any, name: str, kind: str, date: dt.date, projects: Iterable[Project] = (), **values: Any
) -> Campaign:
    ensure(actor, "projects.add_campaign")
    campaign = base.create(Campaign, name=name, kind=kind, date=date, **_only(values, CAMPAIGN_FIELDS))
    campaign.projects.set(list(projects))
    return campaign


@service
def campaign_change(
    *, actor: Any, campaign: Campaign, values: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    ensure(actor, "projects.change_campaign")
    values = dict(values)
    projects = values.pop("projects", None)
    changed = base.change(campaign, _only(values, CAMPAIGN_FIELDS), expected_version=expected_version)
    if projects is not None:
        wanted = {p.pk for p in projects}
        if wanted != set(campaign.projects.values_list("pk", flat=True)):
            campaign.projects.set(wanted)
            changed.append("projects")
    return changed


@service
def campaign_void(*, actor: Any, campaign: Campaign, reason: str) -> Campaign:
    ensure(actor, "projects.void_campaign")
    base.void(campaign, actor=actor, reason=reason)
    return campaign


# --- derived figures and lights ------------------------------------------------------------------------


def _thresholds() -> list[rules.Thresholds]:
    return [
        rules.Thresholds(t.effective_from, t.yellow_above, t.red_above, t.due_soon_days)
        for t in LightThreshold.objects.live()
    ]


def _light(plan: YearPlan, *, month: int, ytd: Decimal, as_of: dt.date) -> rules.LightResult:
    overdue = list(
        Milestone.objects.live()
        .filter(project_id=plan.project_id, done_on__isnull=True, planned_on__lt=as_of)
        .values_list("name", "planned_on")
    )
    return rules.light_for(
        planned=plan.planned_investment,
        ytd=ytd,
        month=month,
        thresholds=rules.thresholds_on(_thresholds(), as_of),
        overdue_milestones=overdue,
    )


def plan_as_of(plan: YearPlan) -> dt.date:
    """The day a plan's light is judged on: today, or the last day of a past year."""
    return min(today(), dt.date(plan.year, 12, 31))


def refresh_plan(plan: YearPlan) -> bool:
    """Recompute the plan's effective month, year-to-date figure and light; True if anything changed.

    Called inside services (whose transaction and audit context it shares) and by :func:`lights_refresh`.
    """
    effective = (
        MonthlyReport.objects.filter(plan=plan, is_effective=True, voided_at__isnull=True)
        .order_by("-month")
        .values_list("month", "ytd_investment")
        .first()
    )
    month, ytd = effective or (0, ZERO)
    result = _light(plan, month=month, ytd=ytd, as_of=plan_as_of(plan))
    values = {
        "reported_month": month,
        "ytd_investment": ytd,
        "light": result.light,
        "light_reason": result.reason[:300],
    }
    changed = [name for name, value in values.items() if getattr(plan, name) != value]
    if not changed:
        return False
    for name in changed:
        setattr(plan, name, values[name])
    plan.save(update_fields=[*changed, "updated_at"])
    return True


def _refresh_project(project: Project) -> None:
    for plan in YearPlan.objects.live().filter(project=project):
        refresh_plan(plan)


def _refresh_all(*, since: dt.date) -> int:
    plans = YearPlan.objects.live().filter(year__gte=since.year)
    return sum(refresh_plan(plan) for plan in plans.iterator(chunk_size=500))


@service
def lights_refresh(*, actor: Any = None, year: int | None = None) -> int:
    """Recompute every live plan's light (of ``year``, or of this year and later); the daily job calls it,
    since milestones fall due and thresholds take effect as days pass. Returns how many lights changed."""
    if actor is not None:  # the daily job acts as no one
        ensure(actor, "projects.change_yearplan")
    year = year or today().year
    return _refresh_all(since=dt.date(year, 1, 1))
