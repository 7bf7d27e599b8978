"""Generate a city-scale key-project ledger on PostgreSQL for benchmarks/projects_bench.py.

    createdb -h 127.0.0.1 -U postgres taizhang_bench_projects
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/taizhang_bench_projects \\
        nice -n 10 .venv/bin/python benchmarks/projects_generate.py --units 2000 --projects 20000 --years 5

The shape (issue 3, "Speed"): ``--units`` units in a two-level tree (100 top units — 20 sub-districts and 80
departments — and their communities), ``--projects`` key projects and ``--years`` yearly ledgers ending this year.
Every project is in every yearly ledger (a city's list of multi-year builds: preparatory before its start, new in
its start year, continuing, completing in its last year), so each ledger has ``--projects`` rows, and each plan
has a monthly report for every month that has begun: 20,000 × 12 × 4 past years plus this year's months, with
about 3% of the months corrected once (two revisions), is about 1.2 million reports. The last month that has
ended is still being reported (most approved, some submitted, returned, in draft or missing); the month in
progress has a few drafts. Projects are spread over the units as a city's would be: three fifths over the top
units (the largest has about 1.7% of all projects), the rest over the communities; 15% have cooperating units,
two fifths belong to a programme. Each project has four milestones; about 4% of those past their date are not
done (overdue, so the project's light is red), and about 4% of the reports that are approved name a problem
(a third of the yellow and red ones).

Derived figures are set as the services set them: a year plan's ``reported_month``, ``ytd_investment``,
``light`` and ``light_reason`` as ``services.refresh_plan`` computes them today (the daily refresh), and an
approved report's ``light`` as ``report_transition(action="approve")`` computed it on the day it was approved
(milestones done by then count as done); ``is_effective`` marks a month's latest approved revision and
``is_latest`` its newest one. ``--verify N`` re-runs ``refresh_plan`` on N random plans (and the month light of
their approved reports) inside a transaction that is rolled back, and fails if any figure differs.

Rows are written with COPY (``--batch`` rows held at most per table): this builds a dataset to read, not a write
path of the application — no history rows and no workflow events (every write path is tested by the suite).
Approval procedures and photos are left out; no page measured reads them. The database is emptied first.
The users the benchmark acts as: ``bench_supervisor`` (district-wide), ``bench_reporter`` (reporter of the unit
with the most projects) and ``bench_head`` (head of a sub-district with its communities).
"""

from __future__ import annotations

import argparse
import bisect
import calendar
import datetime as dt
import itertools
import math
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taizhang.settings")

BENCH_PASSWORD = "bench-Pass-2026"  # noqa: S105  (benchmark users on a throwaway database)
ROADS = [
    "京广路",
    "大学路",
    "嵩山路",
    "航海路",
    "陇海路",
    "淮河路",
    "长江路",
    "解放路",
    "南三环",
    "铭功路",
    "建设路",
    "中原路",
]
WORKS = [
    ("道路改造工程", "infrastructure"),
    ("综合管廊", "infrastructure"),
    ("安置房建设项目", "urbanization"),
    ("老旧小区改造", "urbanization"),
    ("智能制造产业园", "industrial"),
    ("电子信息产业基地", "industrial"),
    ("生态廊道", "ecological"),
    ("湿地公园", "ecological"),
    ("中学新建工程", "livelihood"),
    ("社区卫生服务中心", "livelihood"),
]
OWNERS = ["城市建设投资有限公司", "生态建设投资有限公司", "安居建设有限公司", "产业发展集团", "置业有限公司"]
PROGRESS = [
    "完成土方开挖",
    "基础施工中",
    "主体结构施工至{n}层",
    "主体封顶，二次结构施工",
    "室外管网施工",
    "装饰装修阶段",
    "设备安装调试",
    "完成征地拆迁{n}0%",
    "前期手续办理中",
    "沥青摊铺完成{n}0%",
]
PROBLEMS = ["征地拆迁进度滞后", "资金不到位", "施工许可未办结", "管线迁改协调困难", "环保管控停工", "设计变更待批复"]
MILESTONES = ["取得施工许可", "主体开工", "主体完工", "竣工验收"]
LEADERS = ["张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴"]
RURAL = ("rural", "乡村振兴示范工程", (("housing", "农房改造"), ("roads", "四好农村路"), ("industry", "特色产业")))
CENT = Decimal("0.01")


def copy_model(
    cursor: Any, model: Any, rows: Iterable[dict[str, Any]], now: dt.datetime, table: str | None = None
) -> int:
    """COPY ``rows`` (attname → value) into ``model``'s table (or ``table``); fields not given take their model
    default.

    A row without ``id`` leaves the id to the database. A field with no default that a row does not give is an
    error naming it (the model gained a required field this generator does not know)."""
    fields = list(model._meta.concrete_fields)
    defaults: dict[str, Any] = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.has_default():
            defaults[f.attname] = f.get_default()
        elif f.null:
            defaults[f.attname] = None
        elif f.empty_strings_allowed:
            defaults[f.attname] = ""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    used = [f for f in fields if f.attname != "id" or "id" in first]
    missing = [f.attname for f in used if f.attname not in first and f.attname not in defaults]
    if missing:
        raise SystemExit(f"{model.__name__}: the generator gives no value for {', '.join(missing)}")
    columns = ", ".join(f'"{f.column}"' for f in used)
    names = [f.attname for f in used]
    count = 0
    with cursor.copy(f'COPY "{table or model._meta.db_table}" ({columns}) FROM STDIN') as copy:
        for row in itertools.chain([first], iterator):
            copy.write_row(tuple(row[n] if n in row else defaults[n] for n in names))
            count += 1
    return count


def set_sequence(cursor: Any, model: Any) -> None:
    table = model._meta.db_table
    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM \"{table}\"))")


def aware(day: dt.date, hour: float) -> dt.datetime:
    tz = dt.timezone(dt.timedelta(hours=8))
    return dt.datetime(day.year, day.month, day.day, tzinfo=tz) + dt.timedelta(hours=hour)


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def add_days(day: dt.date, days: float) -> dt.date:
    return day + dt.timedelta(days=int(days))


@dataclass
class MilestonePlan:
    name: str
    planned_on: dt.date
    done_on: dt.date | None


@dataclass
class ProjectPlan:
    pk: int
    start: dt.date
    completion: dt.date
    started: bool
    unit: int
    total: Decimal
    milestones: list[MilestonePlan] = field(default_factory=list)


def overdue_at(milestones: list[MilestonePlan], as_of: dt.date, known_on: dt.date) -> list[tuple[str, dt.date]]:
    """Milestones past their date on ``as_of`` and not recorded as done by ``known_on``."""
    return [
        (m.name, m.planned_on)
        for m in milestones
        if m.planned_on < as_of and (m.done_on is None or m.done_on > known_on)
    ]


def weighted_units(rng: random.Random, tops: list[int], children: list[int], count: int) -> list[int]:
    """``count`` responsible units: three fifths over the top units (mildly skewed), the rest over the others."""
    weights = list(itertools.accumulate(1 / (i + 1) ** 0.3 for i in range(len(tops))))
    chosen = []
    for _ in range(count):
        if not children or rng.random() < 0.6:
            chosen.append(tops[bisect.bisect(weights, rng.random() * weights[-1])])
        else:
            chosen.append(children[rng.randrange(len(children))])
    return chosen


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0912  (one linear script)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=2000, help="units in all (100 top units, the rest below them)")
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=5, help="yearly ledgers, ending with this year")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--verify", type=int, default=200, help="plans to re-check through the services (0: none)")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import translation

    from taizhang.core.audit import Source, audit_context
    from taizhang.core.roles import Role
    from taizhang.core.search import search_text_for
    from taizhang.org import services as org_services
    from taizhang.org.models import Person, Unit
    from taizhang.projects import data, rules
    from taizhang.projects import services as project_services
    from taizhang.projects.choices import Importance, Light, Nature, ReportStatus, Stage
    from taizhang.projects.models import (
        Campaign,
        Milestone,
        MonthlyReport,
        ProgrammeCategory,
        Project,
        ProjectProgramme,
        ReportProblem,
        StageChange,
        YearPlan,
    )

    if connection.vendor != "postgresql":
        print("Set DATABASE_URL to a PostgreSQL database: the benchmark measures PostgreSQL.", file=sys.stderr)
        return 2
    translation.activate("zh-hans")  # lights explain themselves in the language the office approves in
    started_at = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    rng = random.Random(args.seed)
    now = project_services.clock.now()
    today = project_services.today()
    this_year = today.year
    years = list(range(this_year - args.years + 1, this_year + 1))
    due_day = project_services.due_day()
    thresholds = rules.thresholds_on([], today)  # no threshold rows: the defaults (10 and 30 points)

    def search(model: Any, **values: str) -> str:
        return search_text_for(values.get(name, "") for name in model.search_fields)

    def stamp(pk: int | None = None, **values: Any) -> dict[str, Any]:
        row = {"created_at": now, "updated_at": now, "version": 1, **values}
        if pk is not None:
            row["id"] = pk
        return row

    # --- units, people, users ------------------------------------------------------------------------
    tops = min(100, args.units)
    top_ids = list(range(1, tops + 1))
    child_ids = list(range(tops + 1, args.units + 1))
    parent_of = {cid: top_ids[i % tops] for i, cid in enumerate(child_ids)}

    def unit_rows() -> Iterator[dict[str, Any]]:
        for i, uid in enumerate(top_ids):
            name = f"第{uid:03d}街道办事处" if i < 20 else f"区第{uid:03d}局"
            short = f"{uid:03d}街道" if i < 20 else f"{uid:03d}局"
            kind = "subdistrict" if i < 20 else "department"
            code = f"T{uid}"
            yield stamp(
                uid,
                code=code,
                name=name,
                short_name=short,
                kind=kind,
                parent_id=None,
                sort_order=i,
                path=f"/{uid}/",
                search_text=search(Unit, name=name, short_name=short, code=code),
            )
        for i, uid in enumerate(child_ids):
            parent = parent_of[uid]
            name = f"第{uid:04d}社区"
            code = f"C{uid}"
            yield stamp(
                uid,
                code=code,
                name=name,
                short_name=name,
                kind="other",
                parent_id=parent,
                sort_order=1000 + i,
                path=f"/{parent}/{uid}/",
                search_text=search(Unit, name=name, short_name=name, code=code),
            )

    with connection.cursor() as cursor:
        raw = cursor.cursor
        copy_model(raw, Unit, unit_rows(), now)
        set_sequence(cursor, Unit)
        leader_ids = list(range(1, 31))
        copy_model(
            raw,
            Person,
            (
                stamp(
                    pk,
                    name=f"{LEADERS[pk % len(LEADERS)]}{pk:02d}",
                    title="副区长",
                    unit_id=top_ids[0],
                    is_leader=True,
                    sort_order=pk,
                    search_text=search(Person, name=f"{LEADERS[pk % len(LEADERS)]}{pk:02d}", title="副区长"),
                )
                for pk in leader_ids
            ),
            now,
        )
        set_sequence(cursor, Person)
    print(f"{args.units} units ({tops} top units), {len(leader_ids)} district leaders", flush=True)

    rng_units = random.Random(args.seed + 1)
    owners = weighted_units(rng_units, top_ids, child_ids, args.projects)
    biggest = max(set(owners), key=owners.count)
    head_unit = next((u for u in top_ids[:20] if u != biggest), top_ids[-1])
    with audit_context(None, Source.COMMAND):
        admin = org_services.user_create(actor=None, username="bench_admin", password=BENCH_PASSWORD, is_superuser=True)
    with audit_context(admin, Source.COMMAND):
        users = {}
        for username, role, unit_id in (
            ("bench_supervisor", Role.SUPERVISOR, top_ids[0]),
            ("bench_leader", Role.LEADER, top_ids[0]),
            ("bench_reporter", Role.REPORTER, biggest),
            ("bench_head", Role.UNIT_HEAD, head_unit),
        ):
            user = org_services.user_create(actor=admin, username=username, password=BENCH_PASSWORD)
            org_services.membership_create(actor=admin, user=user, unit=Unit.objects.get(pk=unit_id), role=role)
            users[username] = user
        categories = {
            c.code: project_services.category_create(actor=admin, code=c.code, name=c.name, sort_order=i)
            for i, c in enumerate(data.CATEGORIES, start=1)
        }
        programmes = [
            project_services.programme_create(actor=admin, code=p.code, name=p.name, categories=p.categories)
            for p in data.PROGRAMMES
        ]
        programmes.append(
            project_services.programme_create(actor=admin, code=RURAL[0], name=RURAL[1], categories=RURAL[2])
        )
    programme_categories = {
        p.pk: list(ProgrammeCategory.objects.filter(programme=p).values_list("pk", flat=True)) for p in programmes
    }
    reporter_id, reviewer_id = users["bench_reporter"].pk, users["bench_supervisor"].pk

    # --- projects ------------------------------------------------------------------------------------
    rng = random.Random(args.seed + 2)
    window_start = dt.date(years[0], 1, 1)
    projects: list[ProjectPlan] = []
    project_rows = []
    stage_rows = []
    milestone_rows = []
    for i in range(args.projects):
        pk = i + 1
        road = rng.choice(ROADS)
        work, category = rng.choice(WORKS)
        name = f"{road}{work}（{pk}）"
        code = f"XM{pk:06d}"
        owner = f"{rng.choice(ROADS)[:2]}{rng.choice(OWNERS)}"
        total = Decimal(round(math.exp(rng.uniform(math.log(800), math.log(2_000_000))), 1)).quantize(Decimal("0.1"))
        # completion this year or in the next four; the start 1.5 to 7 years before it, not after next summer
        completion = dt.date(this_year, 1, 1) + dt.timedelta(days=rng.randrange(20, 365 * 5))
        earliest = max(window_start - dt.timedelta(days=730), completion - dt.timedelta(days=365 * 7))
        latest = min(today + dt.timedelta(days=180), completion - dt.timedelta(days=540))
        start = earliest + dt.timedelta(days=rng.randrange(max(1, (latest - earliest).days)))
        started = start <= today and rng.random() > (0.15 if start.year == this_year else 0.0)
        if not started:
            stage = (
                rng.choice([Stage.NEGOTIATING, Stage.SIGNED, Stage.PREPARATORY]) if start > today else Stage.PREPARATORY
            )
            stage_since = min(today, start - dt.timedelta(days=60))
        elif completion <= today:
            stage = Stage.IN_OPERATION if rng.random() < 0.3 else Stage.COMPLETED
            stage_since = completion
        else:
            stage = Stage.UNDER_CONSTRUCTION if (today - start).days > 60 else Stage.STARTED
            stage_since = start if stage == Stage.STARTED else start + dt.timedelta(days=60)
        importance = rng.choices(
            [Importance.PROVINCE, Importance.CITY, Importance.DISTRICT, Importance.RESERVE], [5, 15, 60, 20]
        )[0]
        unit = owners[i]
        project = ProjectPlan(pk, start, completion, started, unit, total)
        # four milestones between the start and the completion, on distinct days
        span = (completion - start).days
        for n, (step, share) in enumerate(zip(MILESTONES, (0.05, 0.3, 0.7, 1.0), strict=True)):
            planned_on = start + dt.timedelta(days=int(span * share) + n)
            done_on = None
            if planned_on <= today and rng.random() > 0.02:
                done_on = min(today, planned_on + dt.timedelta(days=rng.randrange(-15, 45)))
            project.milestones.append(MilestonePlan(step, planned_on, done_on))
        projects.append(project)
        project_rows.append(
            stamp(
                pk,
                code=code,
                name=name,
                owner=owner,
                category_id=categories[category].pk,
                importance=importance,
                stage=stage,
                stage_since=stage_since,
                address=f"{road}与{rng.choice(ROADS)}交叉口",
                longitude=Decimal(f"{rng.uniform(113.52, 113.72):.6f}"),
                latitude=Decimal(f"{rng.uniform(34.62, 34.77):.6f}"),
                scale=f"总建筑面积约{rng.randrange(1, 60)}万平方米",
                total_investment=total,
                planned_start=start,
                planned_completion=completion,
                actual_start=start if started else None,
                actual_completion=completion if stage in (Stage.COMPLETED, Stage.IN_OPERATION) else None,
                responsible_unit_id=unit,
                leader_id=rng.choice(leader_ids) if rng.random() > 0.05 else None,
                search_text=search(Project, name=name, code=code, owner=owner),
            )
        )
        if started:
            stage_rows.append(stamp(project_id=pk, stage=Stage.STARTED, date=start, search_text=""))
            if stage != Stage.STARTED:
                stage_rows.append(stamp(project_id=pk, stage=stage, date=stage_since, search_text=""))
        else:
            stage_rows.append(stamp(project_id=pk, stage=stage, date=stage_since, search_text=""))
        for n, m in enumerate(project.milestones):
            milestone_rows.append(
                stamp(
                    project_id=pk,
                    name=m.name,
                    planned_on=m.planned_on,
                    done_on=m.done_on,
                    sort_order=n,
                    search_text=search(Milestone, name=m.name),
                )
            )

    through_rows = []
    for p in projects:
        r = rng.random()
        if r < 0.4:
            programme = programmes[0] if r < 0.3 else programmes[1]
            category_id = rng.choice(programme_categories[programme.pk])
            through_rows.append({"project_id": p.pk, "programme_id": programme.pk, "category_id": category_id})
            if r < 0.02:
                other = programmes[1]
                through_rows.append(
                    {
                        "project_id": p.pk,
                        "programme_id": other.pk,
                        "category_id": rng.choice(programme_categories[other.pk]),
                    }
                )
    cooperating_rows = []
    for p in projects:
        if rng.random() < 0.15:
            for unit in rng.sample([u for u in top_ids if u != p.unit], k=min(rng.choice([1, 1, 2]), tops - 1)):
                cooperating_rows.append({"project_id": p.pk, "unit_id": unit})

    with connection.cursor() as cursor:
        raw = cursor.cursor
        copy_model(raw, Project, project_rows, now)
        set_sequence(cursor, Project)
        copy_model(raw, ProjectProgramme, through_rows, now)
        copy_model(raw, Project.cooperating_units.through, cooperating_rows, now)
        copy_model(raw, StageChange, stage_rows, now)
        copy_model(raw, Milestone, milestone_rows, now)
    print(
        f"{len(projects)} projects ({len(through_rows)} programme links, {len(cooperating_rows)} cooperating units, "
        f"{len(milestone_rows)} milestones); the largest unit has {owners.count(biggest)}",
        flush=True,
    )
    del project_rows, stage_rows, milestone_rows

    # --- plans and reports ---------------------------------------------------------------------------
    last_ended = today.replace(day=1) - dt.timedelta(days=1)  # the last day of the last month that has ended
    last_due = rules.due_date(last_ended.year, last_ended.month, due_day)

    @dataclass
    class PlanRow:
        row: dict[str, Any]
        project: ProjectPlan
        planned: Decimal
        months: list[tuple[int, Decimal, float]]  # (month, ytd, progress seed) for every month that has begun
        effective_month: int = 0
        effective_ytd: Decimal = Decimal(0)

    plan_list: list[PlanRow] = []
    for p in projects:
        spent = Decimal(0)
        if p.start < window_start:
            elapsed = (window_start - p.start).days / max(1, (p.completion - p.start).days)
            spent = (p.total * Decimal(min(0.9, elapsed * rng.uniform(0.7, 1.0)))).quantize(CENT)
        pace = max(0.15, min(1.7, rng.gauss(1.0, 0.2)))
        for year in years:
            if year < p.start.year:
                nature = Nature.PREPARATORY
                planned = (p.total * Decimal(rng.uniform(0.01, 0.04))).quantize(Decimal("0.1"))
            else:
                nature = (
                    Nature.NEW
                    if year == p.start.year
                    else Nature.COMPLETED
                    if year == p.completion.year
                    else Nature.CONTINUING
                )
                left = max(Decimal(0), p.total - spent)
                share = Decimal(rng.uniform(0.8, 1.2)) / max(1, p.completion.year - year + 1)
                planned = max(Decimal(1), (left * share).quantize(Decimal("0.1")))
            year_pace = max(0.1, min(1.8, pace + rng.gauss(0, 0.12)))
            bend = rng.uniform(1.0, 1.15)
            months = []
            ytd = Decimal(0)
            for month in range(1, 13):
                if dt.date(year, month, 1) > today:
                    break
                target = float(planned) * year_pace * (month / 12) ** bend * rng.uniform(0.97, 1.03)
                ytd = max(ytd, Decimal(target).quantize(CENT))
                months.append((month, ytd, rng.random()))
            plan_list.append(
                PlanRow(
                    stamp(
                        0,  # numbered below
                        project_id=p.pk,
                        year=year,
                        nature=nature,
                        completed_before=spent,
                        planned_investment=planned,
                        progress_goal="",
                        plan_start=nature == Nature.NEW,
                        plan_completion=nature == Nature.COMPLETED,
                        search_text="",
                    ),
                    p,
                    planned,
                    months,
                )
            )
            if months and year < this_year:
                spent += months[-1][1]
    # ids in the order the office creates them: a year's ledger at a time
    plan_list.sort(key=lambda plan: (plan.row["year"], plan.project.pk))
    for pk, plan in enumerate(plan_list, start=1):
        plan.row["id"] = pk

    problem_rows: list[dict[str, Any]] = []
    report_pk = 0
    status_counts: dict[str, int] = {}

    def month_light(plan: PlanRow, month: int, ytd: Decimal, reviewed: dt.datetime) -> tuple[str, str]:
        end = month_end(plan.row["year"], month)
        as_of = min(end, reviewed.date())
        result = rules.light_for(
            planned=plan.planned,
            ytd=ytd,
            month=month,
            thresholds=thresholds,
            overdue_milestones=overdue_at(plan.project.milestones, as_of, reviewed.date()),
        )
        return str(result.light), result.reason[:300]

    def report_rows() -> Iterator[dict[str, Any]]:  # noqa: PLR0912
        nonlocal report_pk
        rrng = random.Random(args.seed + 3)
        # in the order reports come in: month by month
        by_year = {y: [plan for plan in plan_list if plan.row["year"] == y] for y in years}
        for year in years:
            for index in range(12):
                for plan in by_year[year]:
                    if index >= len(plan.months):
                        continue
                    month, ytd, seed = plan.months[index]
                    effective_ytd = plan.effective_ytd
                    due = rules.due_date(year, month, due_day)
                    text = PROGRESS[int(seed * len(PROGRESS))].format(n=1 + int(seed * 9))
                    common = {
                        "project_id": plan.project.pk,
                        "plan_id": plan.row["id"],
                        "year": year,
                        "month": month,
                        "progress": text,
                        "search_text": search_text_for([text]),
                    }
                    if month_end(year, month) >= today:  # the month in progress: a few drafts
                        if rrng.random() < 0.1:
                            report_pk += 1
                            status_counts["draft"] = status_counts.get("draft", 0) + 1
                            yield stamp(
                                report_pk, **common, ytd_investment=ytd, status=ReportStatus.DRAFT, is_latest=True
                            )
                        continue
                    if (year, month) == (last_ended.year, last_ended.month):  # being reported now
                        after_due = today > last_due
                        weights = [82, 7, 3, 4, 4] if after_due else [40, 25, 0, 25, 10]
                        state = rrng.choices(["approved", "submitted", "returned", "draft", "missing"], weights)[0]
                    else:
                        state = "approved"
                    if state == "missing":
                        status_counts["missing"] = status_counts.get("missing", 0) + 1
                        continue
                    first_day = month_end(year, month) + dt.timedelta(days=1)
                    late = rrng.random() < 0.08
                    submitted_day = (
                        add_days(due, rrng.randint(1, 12))
                        if late
                        else add_days(due, -rrng.randint(0, (due - first_day).days))
                    )
                    submitted_day = min(submitted_day, today)
                    submitted = aware(submitted_day, rrng.uniform(8.5, 18))
                    reviewed = submitted + dt.timedelta(hours=rrng.uniform(2, 96))
                    if reviewed > now:
                        reviewed = now - dt.timedelta(minutes=rrng.randint(5, 600))
                        submitted = min(submitted, reviewed - dt.timedelta(minutes=1))
                    if state == "draft":
                        report_pk += 1
                        status_counts["draft"] = status_counts.get("draft", 0) + 1
                        yield stamp(report_pk, **common, ytd_investment=ytd, status=ReportStatus.DRAFT, is_latest=True)
                        continue
                    if state == "submitted":
                        report_pk += 1
                        status_counts["submitted"] = status_counts.get("submitted", 0) + 1
                        yield stamp(
                            report_pk,
                            **common,
                            ytd_investment=ytd,
                            status=ReportStatus.SUBMITTED,
                            is_latest=True,
                            submitted_at=submitted,
                            submitted_by_id=reporter_id,
                        )
                        continue
                    if state == "returned":
                        report_pk += 1
                        status_counts["returned"] = status_counts.get("returned", 0) + 1
                        yield stamp(
                            report_pk,
                            **common,
                            ytd_investment=ytd,
                            status=ReportStatus.RETURNED,
                            is_latest=True,
                            submitted_at=submitted,
                            submitted_by_id=reporter_id,
                            reviewed_at=reviewed,
                            reviewed_by_id=reviewer_id,
                            return_reason="形象进度描述不完整，请补充",
                        )
                        continue
                    approved = {
                        "status": ReportStatus.APPROVED,
                        "submitted_at": submitted,
                        "submitted_by_id": reporter_id,
                        "reviewed_at": reviewed,
                        "reviewed_by_id": reviewer_id,
                    }
                    corrected = (year, month) != (last_ended.year, last_ended.month) and rrng.random() < 0.03
                    if corrected:  # a first figure approved, then corrected by a second approved revision
                        previous = effective_ytd if month > 1 else Decimal(0)
                        first_ytd = (previous + (ytd - previous) * Decimal(rrng.uniform(0.5, 0.95))).quantize(CENT)
                        light, reason = month_light(plan, month, first_ytd, reviewed)
                        report_pk += 1
                        status_counts["approved"] = status_counts.get("approved", 0) + 1
                        yield stamp(
                            report_pk,
                            **common,
                            **approved,
                            ytd_investment=first_ytd,
                            light=light,
                            light_reason=reason,
                            is_latest=False,
                            is_effective=False,
                        )
                        submitted = reviewed + dt.timedelta(days=rrng.uniform(1, 10))
                        reviewed = submitted + dt.timedelta(hours=rrng.uniform(2, 48))
                        if reviewed > now:
                            submitted, reviewed = now - dt.timedelta(hours=3), now - dt.timedelta(hours=1)
                        approved |= {"submitted_at": submitted, "reviewed_at": reviewed}
                        common |= {"revision": 2, "correction_reason": "上月数据统计口径有误，予以更正"}
                    light, reason = month_light(plan, month, ytd, reviewed)
                    pending = year == this_year and not corrected and rrng.random() < 0.003
                    report_pk += 1
                    status_counts["approved"] = status_counts.get("approved", 0) + 1
                    yield stamp(
                        report_pk,
                        **common,
                        **approved,
                        ytd_investment=ytd,
                        light=light,
                        light_reason=reason,
                        is_latest=not pending,
                        is_effective=True,
                    )
                    plan.effective_month, plan.effective_ytd = month, ytd
                    if rrng.random() < (0.12 if light in (Light.YELLOW, Light.RED) else 0.005):
                        for text in rrng.sample(PROBLEMS, k=rrng.choice([1, 1, 2])):
                            problem_rows.append(
                                stamp(
                                    report_id=report_pk,
                                    project_id=plan.project.pk,
                                    text=text,
                                    search_text=search_text_for([text]),
                                )
                            )
                    if pending:  # a correction opened and still in draft
                        report_pk += 1
                        status_counts["draft"] = status_counts.get("draft", 0) + 1
                        yield stamp(
                            report_pk,
                            **(common | {"revision": 2, "correction_reason": "补录漏报投资"}),
                            ytd_investment=ytd,
                            status=ReportStatus.DRAFT,
                            is_latest=True,
                        )

    def finish_plans() -> Iterator[dict[str, Any]]:
        """The plans' derived figures, as refresh_plan computes them today."""
        for plan in plan_list:
            as_of = min(today, dt.date(plan.row["year"], 12, 31))
            result = rules.light_for(
                planned=plan.planned,
                ytd=plan.effective_ytd,
                month=plan.effective_month,
                thresholds=thresholds,
                overdue_milestones=overdue_at(plan.project.milestones, as_of, today),
            )
            yield plan.row | {
                "reported_month": plan.effective_month,
                "ytd_investment": plan.effective_ytd,
                "light": str(result.light),
                "light_reason": result.reason[:300],
            }

    # Reports first (they fill in the plans' derived figures), into a staging table without constraints;
    # the plans next; then the reports move to their table (their foreign key needs the plans).
    with connection.cursor() as cursor:
        raw = cursor.cursor
        table = MonthlyReport._meta.db_table
        cursor.execute(f'CREATE TEMPORARY TABLE report_staging (LIKE "{table}" INCLUDING DEFAULTS)')
        count = copy_model(raw, MonthlyReport, report_rows(), now, table="report_staging")
        copy_model(raw, YearPlan, finish_plans(), now)
        set_sequence(cursor, YearPlan)
        cursor.execute(f'INSERT INTO "{table}" SELECT * FROM report_staging')
        cursor.execute("DROP TABLE report_staging")
        set_sequence(cursor, MonthlyReport)
        copy_model(raw, ReportProblem, problem_rows, now)
    print(
        f"{len(plan_list)} year plans, {count} monthly reports "
        + ", ".join(f"{k} {v}" for k, v in sorted(status_counts.items()))
        + f", {len(problem_rows)} problems",
        flush=True,
    )

    # --- campaigns: a collective start each spring and a signing each autumn --------------------------
    with audit_context(admin, Source.COMMAND):
        for year in years:
            starting = [p.pk for p in projects if p.started and p.start.year == year and p.start.month in (3, 4)]
            for kind, when, label, members in (
                ("starting", dt.date(year, 3, 28), "重点项目集中开工", starting[:300]),
                (
                    "signing",
                    dt.date(year, 9, 20),
                    "重点项目集中签约",
                    [p.pk for p in projects if p.start.year == year + 1][:200],
                ),
            ):
                if when > today:
                    continue
                campaign = project_services.campaign_create(actor=admin, name=f"{year}年{label}", kind=kind, date=when)
                Campaign.projects.through.objects.bulk_create(
                    [Campaign.projects.through(campaign_id=campaign.pk, project_id=pk) for pk in members]
                )

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as a settled database is: visibility map set, statistics fresh
    print(f"loaded in {time.perf_counter() - started_at:.0f} s", flush=True)

    if args.verify:
        bad = verify(args.verify, random.Random(args.seed + 4), years)
        if bad:
            print(f"VERIFY FAILED: {bad} figures differ from the services' own", file=sys.stderr)
            return 1
        print(f"verified {args.verify} plans and their approved reports against the services")
    print(f"done in {time.perf_counter() - started_at:.0f} s")
    return 0


def verify(count: int, rng: random.Random, years: list[int]) -> int:
    """Recompute ``count`` random plans (and their approved reports' month lights) through the services in a
    transaction that is rolled back; the number of figures that differ."""
    from django.db import transaction

    from taizhang.core.audit import Source, audit_context
    from taizhang.projects import services
    from taizhang.projects.models import Milestone, MonthlyReport, YearPlan

    class Rollback(Exception):
        pass

    ids = list(YearPlan.objects.values_list("pk", flat=True))
    bad = 0
    try:
        with audit_context(None, Source.COMMAND), transaction.atomic():
            for pk in rng.sample(ids, min(count, len(ids))):
                plan = YearPlan.objects.select_related("project").get(pk=pk)
                before = (plan.reported_month, plan.ytd_investment, plan.light, plan.light_reason)
                if services.refresh_plan(plan):
                    bad += 1
                    print(f"  plan {pk}: {before} → {(plan.reported_month, plan.ytd_investment, plan.light)}")
                late_done = list(
                    Milestone.objects.filter(project_id=plan.project_id, done_on__isnull=False).values_list(
                        "planned_on", "done_on"
                    )
                )
                for report in MonthlyReport.objects.filter(plan=plan, status="approved").select_related("plan"):
                    reviewed = report.reviewed_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
                    if any(
                        planned <= month_end(report.year, report.month) and done > reviewed
                        for planned, done in late_done
                    ):
                        continue  # a milestone done after the approval: the light then differs from a recompute now
                    with services.clock.travel(report.reviewed_at):
                        expected = services._month_light(report)
                    if (report.light, report.light_reason) != (expected["light"], expected["light_reason"]):
                        bad += 1
                        print(f"  report {report.pk}: {report.light} ≠ {expected['light']}")
            raise Rollback
    except Rollback:
        pass
    return bad


if __name__ == "__main__":
    sys.exit(main())
