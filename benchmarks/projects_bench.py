"""Time the key-project ledger on a generated dataset (see projects_generate.py), on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/taizhang_bench_projects \\
        nice -n 10 .venv/bin/python benchmarks/projects_bench.py --runs 30

Measures, as the users the generator made (``bench_supervisor`` district-wide, ``bench_head`` a sub-district
with its communities, ``bench_reporter`` the unit with the most projects), p50 / p95 over ``--runs`` runs:

- the year's ledger list with filters, its count and its totals row;
- the district summary (by category, unit, stage and programme);
- a unit's reporting page for the month being reported;
- the ORM summary (``selectors.summary`` of the summary month) against one hand-written SQL statement for the
  same figures, run in turn in the same loop; the two must give identical figures or the benchmark fails.

Each page is timed through the whole Django stack (test client: middleware, scope, template) once its URL
(``projects:plan_list``, ``projects:summary``, ``projects:reporting``) exists; the selector path under it
(selector, filterset, count, one page of rows, totals; ``selectors.summary``; ``selectors.reporting_rows``) is
always timed too, so a page's cost splits into database work and rendering.

Goals (issue 3): list p95 ≤ 150 ms; summary ≤ 300 ms; reporting page ≤ 200 ms; ORM summary ≤ 1.5× the SQL.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taizhang.settings")

# The summary's figures for the whole district in one statement: the plans of the year with their effective
# report of the month (at most one: is_effective is unique per project and month), grouped by category, unit
# and stage and in all; the same rows joined to their programme links, by programme and by programme category.
# %(started)s is the list of stages that count as started. Which month a summary opens on is the selectors'
# business (summary_month); both sides are given the same month.
SUMMARY_SQL = """
WITH plans AS (
    SELECT yp.project_id, p.category_id, p.responsible_unit_id, p.stage, p.total_investment,
           yp.planned_investment, yp.plan_start, yp.plan_start AND p.stage = ANY(%(started)s) AS started,
           r.ytd_investment AS ytd, r.light = 'red' AS red
    FROM projects_yearplan yp
    JOIN projects_project p ON p.id = yp.project_id
    LEFT JOIN projects_monthlyreport r
        ON r.plan_id = yp.id AND r.is_effective AND r.voided_at IS NULL AND r.project_id = yp.project_id
        AND r.year = yp.year AND r.month = %(month)s
    WHERE yp.year = %(year)s AND yp.voided_at IS NULL AND p.voided_at IS NULL
)
SELECT CASE GROUPING(category_id, responsible_unit_id, stage)
           WHEN 3 THEN 'category' WHEN 5 THEN 'unit' WHEN 6 THEN 'stage' ELSE 'total' END,
       COALESCE(category_id::text, responsible_unit_id::text, stage),
       COUNT(*), SUM(total_investment), SUM(planned_investment), COALESCE(SUM(ytd), 0),
       COUNT(*) FILTER (WHERE plan_start), COUNT(*) FILTER (WHERE started), COUNT(*) FILTER (WHERE red)
FROM plans GROUP BY GROUPING SETS ((category_id), (responsible_unit_id), (stage), ())
UNION ALL
SELECT CASE GROUPING(l.programme_id, l.category_id) WHEN 1 THEN 'programme' ELSE 'programme_category' END,
       COALESCE(l.programme_id, l.category_id)::text,
       COUNT(*), SUM(total_investment), SUM(planned_investment), COALESCE(SUM(ytd), 0),
       COUNT(*) FILTER (WHERE plan_start), COUNT(*) FILTER (WHERE started), COUNT(*) FILTER (WHERE red)
FROM plans JOIN projects_projectprogramme l ON l.project_id = plans.project_id
GROUP BY GROUPING SETS ((l.programme_id), (l.category_id))
"""

Figures = dict[tuple[str, str], tuple[int, Decimal, Decimal, Decimal, int, int, int]]


def timed(func: Callable[[], Any], runs: int) -> list[float]:
    func()  # warm the caches and the connection
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return times


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


RESULTS: list[dict[str, Any]] = []


def line(label: str, times: list[float], goal: float | None, note: str = "") -> str:
    verdict = "" if goal is None else ("  ok" if p95(times) <= goal else f"  MISSES the goal of {goal:g} ms")
    RESULTS.append(
        {"what": label, "p50": round(statistics.median(times), 1), "p95": round(p95(times), 1), "goal": goal}
    )
    return f"{label:<62} p50 {statistics.median(times):7.1f} ms  p95 {p95(times):7.1f} ms{verdict}{note}"


def orm_figures(summary: Any) -> Figures:
    def pack(row: Any) -> tuple[int, Decimal, Decimal, Decimal, int, int, int]:
        return (row.count, row.total_investment, row.planned, row.ytd, row.to_start, row.started, row.red)

    figures: Figures = {("total", ""): pack(summary.total)}
    for dimension, dimension_rows in (
        ("category", summary.by_category),
        ("unit", summary.by_unit),
        ("stage", summary.by_stage),
        ("programme", summary.by_programme),
        ("programme_category", [r for rows in summary.by_programme_category.values() for r in rows]),
    ):
        for row in dimension_rows:
            figures[(dimension, str(row.key))] = pack(row)
    return figures


def sql_figures(year: int, month: int) -> Figures:
    from django.db import connection

    from taizhang.projects.choices import STARTED_STAGES

    with connection.cursor() as cursor:
        cursor.execute(SUMMARY_SQL, {"year": year, "month": month, "started": sorted(str(s) for s in STARTED_STAGES)})
        rows = cursor.fetchall()
    figures: Figures = {}
    for dimension, key, n, total, planned, ytd, to_start, started, red in rows:
        if key is None and dimension != "total":
            continue  # plans linked to a programme without a programme category
        figures[(dimension, key or "")] = (n, total, planned, ytd, to_start, started, red)
    return figures


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0912
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count, Sum
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse
    from django.utils.http import urlencode

    from taizhang.org.models import Unit, User
    from taizhang.projects import selectors
    from taizhang.projects.filtersets import PlanFilterSet
    from taizhang.projects.models import MonthlyReport, Project, ProjectCategory, YearPlan
    from taizhang.projects.services import today

    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # a failing page is reported in one line
    if connection.vendor != "postgresql":
        print("Set DATABASE_URL to a PostgreSQL database: the benchmark measures PostgreSQL.", file=sys.stderr)
        return 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    counts = {
        "units": Unit.objects.count(),
        "projects": Project.objects.count(),
        "plans": YearPlan.objects.count(),
        "reports": MonthlyReport.objects.count(),
    }
    print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(
        f"dataset: {counts['units']:,} units, {counts['projects']:,} projects, {counts['plans']:,} year plans, "
        f"{counts['reports']:,} monthly reports; database {size / 2**20:,.0f} MiB; PostgreSQL {connection.pg_version}"
    )

    users = {name: User.objects.get(username=f"bench_{name}") for name in ("supervisor", "head", "reporter")}
    office, head, reporter = users["supervisor"], users["head"], users["reporter"]
    year = selectors.current_year(office)
    month = selectors.summary_month(office, year)
    reporting_unit = selectors.reporting_units(reporter).first()
    day = today()
    reporting_month = day.month - 1 if year == day.year and day.month > 1 else 12  # the month being reported
    rows_in_year = YearPlan.objects.filter(year=year).count()
    print(f"year {year} ({rows_in_year:,} plans), summary month {month}, reporting month {reporting_month}")

    def url(name: str) -> str | None:
        try:
            return reverse(name)
        except NoReverseMatch:
            return None

    def client_for(user: Any) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        return client

    def get(client: Client, address: str) -> Callable[[], Any]:
        def fetch() -> Any:
            response = client.get(address)
            assert response.status_code == 200, (address, response.status_code)
            return response

        return fetch

    def page(label: str, fetch: Callable[[], Any], goal: float) -> None:
        """Time a page; a page that fails (they are being built) is reported, not fatal."""
        try:
            fetch()
        except Exception as exc:
            print(f"{label:<62} FAILED: {type(exc).__name__}: {str(exc)[:120]}")
            return
        print(line(label, timed(fetch, args.runs), goal, f"  {queries(fetch)} queries"))

    def queries(func: Callable[[], Any]) -> int:
        with CaptureQueriesContext(connection) as captured:
            func()
        return len(captured.captured_queries)

    # --- the ledger list ------------------------------------------------------------------------------
    factory = RequestFactory()

    def list_path(user: Any, params: dict[str, Any]) -> Callable[[], Any]:
        """What the list page asks the database: the years, the filtered rows' count with their totals in one
        query, then one page: its primary keys in order, and those rows with their related objects."""

        def run() -> Any:
            request = factory.get("/", params)
            request.user = user
            chosen = params.get("year") or selectors.opening_year(selectors.plan_years(user))
            filterset = PlanFilterSet(
                request.GET or None, queryset=selectors.plan_list(user, int(chosen)), request=request
            )
            assert not filterset.is_bound or filterset.is_valid(), filterset.errors
            qs = filterset.qs.order_by("project__category__sort_order", "project__code", "pk")
            figures = qs.order_by().aggregate(
                n=Count("pk"),
                total=Sum("project__total_investment"),
                before=Sum("completed_before"),
                planned=Sum("planned_investment"),
                ytd=Sum("ytd_investment"),
            )
            keys = list(qs.values_list("pk", flat=True)[:50])
            found = qs.order_by().in_bulk(keys)
            return figures["n"], [found[k] for k in keys], figures

        return run

    top = Unit.objects.filter(parent__isnull=True).order_by("sort_order").values_list("pk", flat=True)[2]
    category = ProjectCategory.objects.order_by("sort_order").first()
    assert category is not None
    list_cases = [
        ("office: this year's ledger", office, {}),
        ("office: red lights", office, {"light": "red"}),
        ("office: a category", office, {"category": category.pk}),
        ("office: a unit and its sub-units", office, {"unit": top}),
        ("office: stage and importance", office, {"stage": "under_construction", "importance": "city"}),
        ("office: a programme", office, {"programme": selectors.programme_choices(office).first().pk}),
        ("office: search 京广路", office, {"q": "京广路"}),
        ("office: search by initials jgl", office, {"q": "jgl"}),
        ("sub-district head: everything in scope", head, {}),
        ("reporter: everything in scope, yellow lights", reporter, {"light": "yellow"}),
    ]
    print()
    for label, user, params in list_cases:
        run = list_path(user, params)
        count = run()[0]
        print(line(f"list (queries): {label}", timed(run, args.runs), 150, f"  {count:,} rows, {queries(run)} queries"))
    address = url("projects:plan_list")
    if address is None:
        print("  the page projects:plan_list does not exist yet: only its queries are timed")
    else:
        clients = {id(u): client_for(u) for u in (office, head, reporter)}
        for label, user, params in list_cases:
            fetch = get(clients[id(user)], f"{address}?{urlencode(params)}" if params else address)
            page(f"list page: {label}", fetch, 150)

    # --- the district summary -------------------------------------------------------------------------
    print()
    for label, user in (("office", office), ("sub-district head", head)):
        run = lambda user=user: selectors.summary(user, year)  # noqa: E731
        print(line(f"summary (selector): {label}", timed(run, args.runs), 300, f"  {queries(run)} queries"))
    address = url("projects:summary")
    if address is None:
        print("  the page projects:summary does not exist yet: only selectors.summary is timed")
    else:
        for label, user in (("office", office), ("sub-district head", head)):
            page(f"summary page: {label}", get(client_for(user), address), 300)
        opened = f"{address}?{urlencode({'year': year, 'unit': top})}"
        page("summary page: office, a top unit's sub-units", get(client_for(office), opened), 300)

    # --- the reporting page ---------------------------------------------------------------------------
    print()
    typical = (
        YearPlan.objects.filter(year=year, project__responsible_unit__parent__isnull=True)
        .values("project__responsible_unit")
        .annotate(n=Count("pk"))
        .order_by("n", "project__responsible_unit")
    )
    middle = typical[len(typical) // 2]["project__responsible_unit"] if typical else reporting_unit.pk
    reporting_cases = [
        ("the unit with the most projects", reporting_unit),
        ("a typical top unit", Unit.objects.get(pk=middle)),
    ]
    admin = User.objects.get(username="bench_admin")  # reports for every unit
    for label, unit in reporting_cases:
        reporter_of = reporter if unit == reporting_unit else admin
        run = lambda unit=unit, user=reporter_of: selectors.reporting_rows(user, unit, year, reporting_month)  # noqa: E731
        note = f"  {len(run())} projects, {queries(run)} queries"
        print(line(f"reporting rows (selector): {label}", timed(run, args.runs), 200, note))
    address = url("projects:reporting")
    if address is None:
        print("  the page projects:reporting does not exist yet: only selectors.reporting_rows is timed")
    else:
        for label, unit in reporting_cases:
            reporter_of = reporter if unit == reporting_unit else admin
            params = {"unit": unit.pk, "month": f"{year}-{reporting_month:02d}"}
            page(f"reporting page: {label}", get(client_for(reporter_of), f"{address}?{urlencode(params)}"), 200)

    # --- ORM summary against hand-written SQL, in turn ---------------------------------------------------
    print()
    orm = orm_figures(selectors.summary(office, year, month))
    sql = sql_figures(year, month)
    if orm != sql:
        for key in sorted(set(orm) | set(sql)):
            if orm.get(key) != sql.get(key):
                print(f"  {key}: ORM {orm.get(key)}  SQL {sql.get(key)}", file=sys.stderr)
        print("FIGURES DIFFER", file=sys.stderr)
        return 1
    print(f"ORM and SQL give identical figures: {len(orm)} rows (month {month})")
    orm_times, sql_times, ratios = [], [], []
    selectors.summary(office, year, month)
    sql_figures(year, month)
    for _ in range(args.runs):
        start = time.perf_counter()
        selectors.summary(office, year, month)
        orm_times.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        sql_figures(year, month)
        sql_times.append((time.perf_counter() - start) * 1000)
        ratios.append(orm_times[-1] / sql_times[-1])
    print(line("summary, ORM (selectors.summary)", orm_times, None))
    print(line("summary, hand-written SQL", sql_times, None))
    ratio = statistics.median(ratios)
    verdict = "ok" if ratio <= 1.5 else "MISSES the goal of 1.5×"
    print(f"ORM ÷ SQL, median of {args.runs} pairs: {ratio:.2f}×  {verdict}")
    RESULTS.append({"what": "ORM ÷ SQL summary", "ratio": round(ratio, 2), "goal": 1.5})
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")

    if args.json:
        args.json.write_text(
            json.dumps({"counts": counts, "database_bytes": size, "results": RESULTS}, ensure_ascii=False, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
