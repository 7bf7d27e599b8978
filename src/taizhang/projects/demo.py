"""Demo step: the key-project ledgers of the demo district (data in ``projects/data.py``).

The 2017 "project year" ledger reproduces the district's published figures (150 projects, 32,160,000 万元 of
total investment, 4,460,000 planned for the year; the city-upgrading programme at 75.7% by October), and the
2021 ledger holds the projects of the first-quarter inspection tour. Everything is built through the real
services with the clock turned back: each month's reports are saved and submitted by the responsible unit
and approved by the supervision office a few days later, so lights, history and lateness are what they
would have been. A few reports of the last month are left submitted, returned or in draft, so the review
queue and the reporting page have work in them.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from taizhang.core import clock
from taizhang.core.demo import DemoContext, DemoStep, register
from taizhang.core.roles import Role
from taizhang.org.models import Membership, Person, Unit, User
from taizhang.projects import data, services
from taizhang.projects.choices import Nature, Stage
from taizhang.projects.models import Programme, ProgrammeCategory, Project, ProjectCategory

TEMPLATE_STEPS = [
    ("完成项目立项", 300),
    ("取得用地手续", 240),
    ("取得规划许可", 180),
    ("完成施工图审查", 120),
    ("取得施工许可", 90),
    ("开工建设", 60),
    ("主体完工", 0),
]


def _aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class Demo:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng = random.Random(2017)
        self.admin = User.objects.get(username="admin")
        self.supervisor = User.objects.get(username="supervisor")
        self.units = {u.code: u for u in Unit.objects.all()}
        self.leaders = {p.name: p for p in Person.objects.filter(is_leader=True)}
        self.workers = self._workers()

    def _workers(self) -> dict[int, User]:
        """A user who reports for each unit that has a demo login (reporters before unit heads)."""
        rows = (
            Membership.objects.live()
            .filter(role__in=[Role.REPORTER, Role.UNIT_HEAD], is_active=True)
            .select_related("user")
            .order_by("-role")
        )
        workers: dict[int, User] = {}
        for m in rows:
            workers.setdefault(m.unit_id, m.user)
        return workers

    def worker_for(self, unit: Unit) -> User:
        return self.workers.get(unit.pk, self.admin)  # no demo login: the system administrator acts for it

    def configure(self) -> None:
        self.categories: dict[str, ProjectCategory] = {}
        for order, category in enumerate(data.CATEGORIES, start=1):
            self.categories[category.code] = services.category_create(
                actor=self.admin, code=category.code, name=category.name, sort_order=order
            )
        self.programmes: dict[str, Programme] = {}
        self.programme_categories: dict[tuple[str, str], ProgrammeCategory] = {}
        for programme in data.PROGRAMMES:
            made = services.programme_create(
                actor=self.admin, code=programme.code, name=programme.name, categories=programme.categories
            )
            self.programmes[programme.code] = made
            for pc in made.categories.all():
                self.programme_categories[(programme.code, pc.code)] = pc
        services.threshold_create(
            actor=self.admin, effective_from=dt.date(2017, 1, 1), note="区重点项目推进办法（2017年）"
        )
        services.template_create(actor=self.admin, name="新开工项目倒排工期", steps=TEMPLATE_STEPS)

    def project(self, seed: data.SeedProject, year: int) -> Project:
        first_stage, first_date = seed.stage_history[0] if seed.stage_history else (seed.stage, None)
        with clock.travel(_aware(dt.date(year, 1, 2))):
            project = services.project_create(
                actor=self.admin,
                code=seed.code,
                name=seed.name,
                owner=seed.owner,
                category=self.categories[seed.category],
                importance=seed.importance,
                programmes=[(self.programmes[p], self.programme_categories.get((p, c))) for p, c in seed.programmes],
                stage=first_stage,
                stage_since=first_date,
                address=seed.address,
                longitude=seed.longitude,
                latitude=seed.latitude,
                scale=seed.scale,
                total_investment=seed.total_investment,
                planned_start=seed.planned_start,
                planned_completion=seed.planned_completion,
                responsible_unit=self.units[seed.responsible_unit],
                cooperating_units=[self.units[c] for c in seed.cooperating_units],
                leader=self.leaders.get(seed.leader),
            )
            for procedure in seed.procedures:
                services.procedure_create(
                    actor=self.admin,
                    project=project,
                    name=procedure.name,
                    status=procedure.status,
                    permit_number=procedure.permit_number,
                    date=procedure.date,
                )
            services.plan_create(
                actor=self.admin,
                project=project,
                year=year,
                planned_investment=seed.planned_investment,
                completed_before=seed.completed_before,
                nature=seed.nature,
                progress_goal=seed.progress_goal,
                plan_start=seed.plan_start_in_year,
                plan_completion=seed.plan_complete_in_year,
            )
            for order, milestone in enumerate(seed.milestones, start=1):
                services.milestone_create(
                    actor=self.admin,
                    project=project,
                    name=milestone.name,
                    planned_on=milestone.planned,
                    sort_order=order,
                )
        for stage, day in seed.stage_history[1:]:
            with clock.travel(_aware(day)):
                services.project_stage(actor=self.admin, project=project, stage=stage, date=day)
        if seed.actual_start and project.actual_start != seed.actual_start:
            services.project_change(actor=self.admin, project=project, values={"actual_start": seed.actual_start})
        if seed.actual_completion and project.actual_completion != seed.actual_completion:
            services.project_change(
                actor=self.admin, project=project, values={"actual_completion": seed.actual_completion}
            )
        return project

    def month(self, seed: data.SeedProject, project: Project, year: int, month: data.SeedMonth, last: bool) -> None:
        """Report ``month``: saved and submitted by the unit around the due day, approved days later.

        In the ledger's last month a few reports stay in draft, submitted or returned (the work in hand)."""
        y, m = (year + 1, 1) if month.month == 12 else (year, month.month + 1)
        late = self.rng.random() < 0.08
        submitted = dt.date(y, m, self.rng.randint(6, 9) if late else self.rng.randint(1, 5))
        reporter = self.worker_for(project.responsible_unit)
        with clock.travel(_aware(submitted, 9)):
            report = services.report_save(
                actor=reporter,
                project=project,
                year=year,
                month=month.month,
                ytd_investment=month.ytd,
                progress=month.progress,
                problems=list(month.problems),
            ).report
            outcome = self.rng.random() if last else 1.0
            if outcome < 0.06:
                return  # still a draft
            report = services.report_transition(actor=reporter, report=report, action="submit")
        if outcome < 0.16:
            return  # waiting for review
        with clock.travel(_aware(submitted + dt.timedelta(days=2), 15)):
            if outcome < 0.22:
                services.report_transition(
                    actor=self.supervisor,
                    report=report,
                    action="return",
                    reason="完成投资与统计部门入库数据不一致，请核实后重报",
                )
                return
            services.report_transition(actor=self.supervisor, report=report, action="approve")

    def ledger(self, ledger: data.SeedLedger, *, in_hand: bool = False) -> None:
        """Build a year's ledger; with ``in_hand`` its last month keeps some reports in draft or under review."""
        for seed in ledger.projects:
            project = self.project(seed, ledger.year)
            for month in seed.months:
                # milestones done by the month's end count in that month's light
                self.milestones_done_until(seed, project, dt.date(ledger.year, month.month, 28))
                self.month(seed, project, ledger.year, month, last=in_hand and month.month == ledger.last_month)
            self.milestones_done_until(seed, project, dt.date(ledger.year + 1, 12, 31))
        for campaign in ledger.campaigns:
            services.campaign_create(
                actor=self.admin,
                name=campaign.name,
                kind=campaign.kind,
                date=campaign.date,
                place=campaign.place,
                projects=list(Project.objects.live().filter(code__in=campaign.project_codes)),
            )
        self.ctx.write(
            f"{ledger.year}: {len(ledger.projects)} projects, "
            f"{sum(len(p.months) for p in ledger.projects)} monthly reports, {len(ledger.campaigns)} campaigns"
        )

    def this_year(self) -> None:
        """This year's ledger, so that the demo has live work: the 2021 projects still being built, reported
        and approved up to the month before last; last month's reports partly missing, in draft, under review
        or returned, as they would be in the days after the due date."""
        now = timezone.localtime(timezone.now())
        year, last = now.year, now.month - 1
        if last < 1 or year <= 2021:
            return  # in January nothing of this year is reported yet
        rng = random.Random(year)
        projects = (
            Project.objects.live()
            .filter(plans__year=2021)
            .exclude(stage__in=[Stage.COMPLETED, Stage.IN_OPERATION])
            .select_related("responsible_unit")
            .order_by("code")
        )
        counts = {"plans": 0, "reports": 0}
        for project in projects:
            old = project.plans.get(year=2021)
            for milestone in project.milestones.live().filter(done_on__isnull=True):  # done in the years between
                done = milestone.planned_on + dt.timedelta(days=rng.randint(10, 90))
                with clock.travel(_aware(done, 17)):
                    services.milestone_change(actor=self.admin, milestone=milestone, values={"done_on": done})
            before = min(
                project.total_investment * Decimal("0.6"), old.completed_before + old.planned_investment * 3
            ).quantize(Decimal(10))
            planned = min(old.planned_investment * Decimal(rng.uniform(0.8, 1.3)), project.total_investment - before)
            planned = planned.quantize(Decimal(10))
            if planned <= 0:
                continue
            pace = rng.choice([Decimal("1.08"), Decimal("0.97"), Decimal("0.95"), Decimal("0.74"), Decimal("0.45")])
            with clock.travel(_aware(dt.date(year, 1, 3))):
                starting = project.stage in (Stage.NEGOTIATING, Stage.SIGNED, Stage.PREPARATORY)
                plan = services.plan_create(
                    actor=self.admin,
                    project=project,
                    year=year,
                    planned_investment=planned,
                    completed_before=before,
                    nature=Nature.NEW if starting else Nature.CONTINUING,
                    progress_goal="完成年度投资计划，主体工程按节点推进",
                    plan_start=starting,
                )
                steps = [("年度投资过半", dt.date(year, 6, 30)), ("主体工程完工", dt.date(year, 10, 31))]
                start = project.start_date
                made = [
                    services.milestone_create(actor=self.admin, project=project, name=name, planned_on=day)
                    for name, day in steps
                    if start is None or day >= start
                ]
            counts["plans"] += 1
            if starting and pace > Decimal("0.5") and dt.date(year, 3, 1) < now.date():
                with clock.travel(_aware(dt.date(year, 3, 1))):
                    services.project_stage(
                        actor=self.admin, project=project, stage=Stage.STARTED, date=dt.date(year, 3, 1)
                    )
            for milestone, needed in zip(made, (Decimal("0.7"), Decimal("0.9")), strict=False):
                if pace >= needed and milestone.planned_on < now.date():
                    with clock.travel(_aware(milestone.planned_on, 17)):
                        services.milestone_change(
                            actor=self.admin, milestone=milestone, values={"done_on": milestone.planned_on}
                        )
            for month in range(1, last + 1):
                ytd = (plan.planned_investment * pace * month / 12).quantize(Decimal(1))
                counts["reports"] += self.report_this_year(project, year, month, ytd, in_hand=month == last, rng=rng)
        self.ctx.write(f"{year}: {counts['plans']} projects, {counts['reports']} monthly reports (work in hand)")

    def report_this_year(
        self, project: Project, year: int, month: int, ytd: Decimal, *, in_hand: bool, rng: random.Random
    ) -> int:
        y, m = (year + 1, 1) if month == 12 else (year, month + 1)
        submitted = _aware(dt.date(y, m, min(3, rng.randint(1, 4))), 9)
        if submitted > timezone.now():
            return 0
        outcome = rng.random() if in_hand else 1.0
        if outcome < 0.2:
            return 0  # not reported yet: listed as missing once the due day has passed
        reporter = self.worker_for(project.responsible_unit)
        with clock.travel(submitted):
            report = services.report_save(
                actor=reporter, project=project, year=year, month=month, ytd_investment=ytd, progress="按计划推进"
            ).report
            if outcome < 0.35:
                return 1
            report = services.report_transition(actor=reporter, report=report, action="submit")
        reviewed = submitted + dt.timedelta(days=1, hours=5)
        if outcome < 0.65 or reviewed > timezone.now():
            return 1
        with clock.travel(reviewed):
            if outcome < 0.75:
                services.report_transition(
                    actor=self.supervisor, report=report, action="return", reason="形象进度描述过简，请补充具体完成内容"
                )
            else:
                services.report_transition(actor=self.supervisor, report=report, action="approve")
        return 1

    def milestones_done_until(self, seed: data.SeedProject, project: Project, until: dt.date) -> None:
        done = self.ctx.data.setdefault("milestones_done", set())
        pending = {m.name: m for m in project.milestones.all() if m.done_on is None}
        for milestone in seed.milestones:
            key = (project.pk, milestone.name)
            if milestone.done is None or milestone.done > until or key in done or milestone.name not in pending:
                continue
            with clock.travel(_aware(milestone.done, 17)):
                services.milestone_change(
                    actor=self.admin, milestone=pending[milestone.name], values={"done_on": milestone.done}
                )
            done.add(key)


def build(ctx: DemoContext) -> None:
    demo = Demo(ctx)
    demo.configure()
    demo.ledger(data.ledger_2017())
    demo.ledger(data.ledger_2021(), in_hand=True)
    demo.this_year()


register(DemoStep(name="projects", order=30, build=build))
