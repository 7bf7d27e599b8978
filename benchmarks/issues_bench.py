"""Time the issue ledger on a generated dataset (see issues_generate.py), on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/taizhang_issues_bench \\
        .venv/bin/python benchmarks/issues_bench.py --runs 30 --open311-seconds 20

Measures, through the whole Django stack (middleware, scope, templates), as the users the generator made:

- a unit's work queue (``bench_reporter``: a sub-district with its communities), p50 / p95;
- the ledger list with filters (status, light, unit, category and dates, search) as the supervision office and as
  the reporter, p50 / p95;
- the statistics page (this month; this year by unit, week, category and area);
- routing a point with every grid cell loaded (mean and p95 per point, after the index is built);
- Open311 POST through ``taizhang serve`` (gunicorn, two workers, port 8102) with keep-alive clients: requests/s.

Goals (issue 4): queue and list p95 ≤ 150 ms; statistics ≤ 500 ms; routing ≤ 1 ms; Open311 POST ≥ 150 req/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taizhang.settings")

PORT = 8102


class CpuMeter:
    """CPU time a page costs, whatever else the machine is doing: this process's CPU (Django) plus its PostgreSQL
    backend's (read from /proc; PostgreSQL must run on this machine). On an idle core a page takes about this long.
    Clock ticks are 10 ms: it is a mean over the runs, not a percentile."""

    def __init__(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.backend = int(cursor.fetchone()[0])
        self.tick = os.sysconf("SC_CLK_TCK")
        self.readable = self.backend_cpu() is not None

    def backend_cpu(self) -> float | None:
        try:
            with open(f"/proc/{self.backend}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / self.tick

    def now(self) -> float:
        return time.process_time() + (self.backend_cpu() or 0.0)


METERS: list[CpuMeter] = []  # one when --cpu is given
CPU: dict[int, float] = {}  # id(times) -> mean CPU ms of those runs


def timed(func: Callable[[], Any], runs: int) -> list[float]:
    func()  # warm the caches and the connection
    times = []
    cpu_start = METERS[0].now() if METERS else 0.0
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    if METERS:
        CPU[id(times)] = (METERS[0].now() - cpu_start) * 1000 / runs
    return times


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def line(label: str, times: list[float], goal: float | None, unit: str = "ms") -> str:
    verdict = "" if goal is None else ("  ok" if p95(times) <= goal else f"  MISSES the goal of {goal:g} {unit}")
    cpu = f"  cpu {CPU[id(times)]:6.1f} {unit}" if id(times) in CPU else ""
    return f"{label:<58} p50 {statistics.median(times):8.1f} {unit}  p95 {p95(times):8.1f} {unit}{cpu}{verdict}"


def open311_rate(key: str, codes: list[str], seconds: float, clients: int) -> tuple[float, int, int]:
    """POST service requests for ``seconds`` from ``clients`` keep-alive connections: (req/s, ok, failed)."""
    rng = random.Random(311)
    ok = failed = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run() -> None:
        nonlocal ok, failed
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        while time.perf_counter() < deadline:
            body = urllib.parse.urlencode(
                {
                    "api_key": key,
                    "service_code": rng.choice(codes),
                    "lat": f"{rng.uniform(34.63, 34.76):.6f}",
                    "long": f"{rng.uniform(113.53, 113.71):.6f}",
                    "description": "市民反映：路边垃圾堆放",
                }
            )
            try:
                conn.request(
                    "POST", "/open311/v2/requests.json", body, {"Content-Type": "application/x-www-form-urlencoded"}
                )
                response = conn.getresponse()
                response.read()
                good = response.status == 201
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                good = False
            with lock:
                if good:
                    ok += 1
                else:
                    failed += 1
        conn.close()

    threads = [threading.Thread(target=run) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ok / (time.perf_counter() - started), ok, failed


WRK_SCRIPT = """
-- Open311 POSTs for wrk: a random service code and a random point in the district per request.
math.randomseed(311)
local codes = {%(codes)s}
local key = "%(key)s"
local description = "%(description)s"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
  local body = "api_key=" .. key .. "&service_code=" .. codes[math.random(#codes)]
    .. string.format("&lat=%%.6f&long=%%.6f", 34.63 + math.random() * 0.13, 113.53 + math.random() * 0.18)
    .. "&description=" .. description
  return wrk.format(nil, nil, nil, body)
end
"""


def wrk_rate(key: str, codes: list[str], seconds: float, connections: int) -> tuple[float, int, int]:
    """POST service requests with wrk (one thread, ``connections`` keep-alive connections): (req/s, ok, failed).

    wrk is a C program: the load generator takes a few percent of a core, not the Python clients' share."""
    import re
    import tempfile

    script = WRK_SCRIPT % {
        "codes": ", ".join(f'"{c}"' for c in codes),
        "key": key,
        "description": urllib.parse.quote("市民反映：路边垃圾堆放"),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    url = f"http://127.0.0.1:{PORT}/open311/v2/requests.json"
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "30s", "-s", handle.name, url]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    os.unlink(handle.name)
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = (int(bad.group(1)) if bad else 0) + (sum(int(g) for g in errors.groups()) if errors else 0)
    return rate * (total - failed) / total if total else 0.0, total - failed, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--points", type=int, default=10_000, help="points to route")
    parser.add_argument("--open311-seconds", type=float, default=20)
    parser.add_argument("--open311-clients", type=int, default=6, help="keep-alive connections posting at once")
    parser.add_argument(
        "--open311-client",
        choices=["wrk", "python"],
        default="wrk" if shutil.which("wrk") else "python",
        help="load generator: wrk (Debian package; default when installed) or Python threads",
    )
    parser.add_argument("--threads", type=int, default=None, help="threads per gunicorn worker (serve's default)")
    parser.add_argument("--skip-open311", action="store_true")
    parser.add_argument("--skip-pages", action="store_true", help="only route points and post Open311 requests")
    parser.add_argument(
        "--only",
        metavar="TEXT",
        help="time only the pages whose label contains TEXT (e.g. 'statistics', 'by week'); implies --skip-open311",
    )
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="also report each page's mean CPU time (Django + its PostgreSQL backend, parallel query off): "
        "what it costs on an idle machine when others load this one",
    )
    args = parser.parse_args(argv)
    if args.only:
        args.skip_open311 = True

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from taizhang.issues.models import Issue
    from taizhang.org.models import Area, Unit, User

    if connection.vendor != "postgresql":
        print("Set DATABASE_URL to a PostgreSQL database: the benchmark measures PostgreSQL.", file=sys.stderr)
        return 2
    issues = Issue.objects.count()
    areas = Area.objects.count()
    units = Unit.objects.count()
    print(f"dataset: {issues:,} issues, {units:,} units, {areas:,} areas; PostgreSQL {connection.pg_version}")
    print("load average at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))

    def client_for(username: str) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(User.objects.get(username=username))
        return client

    def get(client: Client, url: str) -> Callable[[], Any]:
        def fetch() -> Any:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return fetch

    if not args.skip_pages:
        if args.cpu:
            with connection.cursor() as cursor:
                cursor.execute("SET max_parallel_workers_per_gather = 0")  # all of a query's work in the backend
            meter = CpuMeter()
            if meter.readable:
                METERS.append(meter)
            else:
                print("cannot read the PostgreSQL backend's CPU time (another machine?): no cpu column")
        pages(args, client_for, get)
    if not args.only:
        route(args, areas)
    if not args.skip_open311:
        post_open311(args)
    print("load average at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return 0


def pages(args: Any, client_for: Callable[[str], Any], get: Callable[..., Any]) -> None:
    from django.utils import timezone

    from taizhang.issues.models import IssueCategory
    from taizhang.org.models import Unit

    reporter, office = client_for("bench_reporter"), client_for("bench_supervisor")
    top = Unit.objects.filter(parent__isnull=True).order_by("sort_order").values_list("pk", flat=True)[2]
    category = IssueCategory.objects.get(code="sr")
    this_year = timezone.localdate().replace(month=1, day=1).isoformat()
    print()

    def wanted(label: str) -> bool:
        return not args.only or args.only in label

    if wanted("work queue (a sub-district's reporter)"):
        print(line("work queue (a sub-district's reporter)", timed(get(reporter, "/issues/queue/"), args.runs), 150))
    for label, url in (
        ("list, reporter: everything in scope", "/issues/"),
        ("list, reporter: red lights", "/issues/?light=red"),
        ("list, office: everything", "/issues/"),
        ("list, office: status dispatched", "/issues/?status=dispatched"),
        ("list, office: red lights", "/issues/?light=red"),
        ("list, office: one unit and its sub-units", f"/issues/?unit={top}"),
        ("list, office: category tree and dates", f"/issues/?category={category.pk}&registered_from={this_year}"),
        ("list, office: search 淮河路", "/issues/?q=%E6%B7%AE%E6%B2%B3%E8%B7%AF"),
    ):
        if wanted(label):
            print(line(label, timed(get(reporter if "reporter" in label else office, url), args.runs), 150))
    today = timezone.localdate().isoformat()
    year = f"start={this_year}&end={today}"
    for label, url in (
        ("statistics, office: this month by unit (the default)", "/issues/statistics/"),
        ("statistics, office: this month by category", "/issues/statistics/?by=category"),
        ("statistics, office: this year by unit", f"/issues/statistics/?by=unit&{year}"),
        ("statistics, office: this year by week", f"/issues/statistics/?by=week&{year}"),
        ("statistics, office: this year by category", f"/issues/statistics/?by=category&{year}"),
        ("statistics, office: this year by area (10,000 areas)", f"/issues/statistics/?by=area&{year}"),
        ("statistics, reporter: this year by unit", f"/issues/statistics/?by=unit&{year}"),
    ):
        if wanted(label):
            runs = max(5, args.runs // 3)
            print(line(label, timed(get(reporter if "reporter" in label else office, url), runs), 500))

    print("load average after the pages: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def route(args: Any, areas: int) -> None:
    from taizhang.org import routing

    started = time.perf_counter()
    routing.invalidate()
    routing.get_index()
    built = (time.perf_counter() - started) * 1000
    rng = random.Random(7)
    points = [(rng.uniform(113.52, 113.72), rng.uniform(34.62, 34.77)) for _ in range(args.points)]
    times = []
    for lon, lat in points:
        start = time.perf_counter()
        routing.route_point(lon, lat)
        times.append((time.perf_counter() - start) * 1000)
    print(f"routing index of {areas:,} areas built in {built:.0f} ms")
    print(line(f"route a point ({args.points:,} points)", times, 1.0) + f"  mean {statistics.mean(times):.3f} ms")


def post_open311(args: Any) -> None:
    from taizhang.core.audit import Source, audit_context
    from taizhang.issues import services
    from taizhang.issues.models import Issue, IssueCategory, IssueSource
    from taizhang.org.models import User

    with audit_context(None, Source.COMMAND):
        admin = User.objects.get(username="bench_admin")
        hotline = User.objects.get(username="bench_hotline")
        client, key = services.open311_client_create(
            actor=admin,
            name=f"bench {dt.datetime.now():%H%M%S}",
            user=hotline,
            source=IssueSource.objects.get(code="hotline"),
        )
    codes = list(IssueCategory.objects.filter(parent__isnull=False).values_list("code", flat=True))
    env = {**os.environ, "TAIZHANG_BIND": f"127.0.0.1:{PORT}"}
    threads = [] if args.threads is None else ["--threads", str(args.threads)]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "taizhang",
            "serve",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            *threads,
            "--no-jobs",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(60):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=2).request("GET", "/login/")
                break
            except OSError:
                time.sleep(0.5)
        post = wrk_rate if args.open311_client == "wrk" else open311_rate
        post(key, codes, 3, args.open311_clients)  # warm both workers
        load = os.getloadavg()[0]
        rate, ok, failed = post(key, codes, args.open311_seconds, args.open311_clients)
        load = max(load, os.getloadavg()[0])
    finally:
        server.terminate()
        server.wait(timeout=30)
    verdict = "ok" if rate >= 150 else "MISSES the goal of 150 req/s"
    print(
        f"Open311 POST, 2 gunicorn workers, {args.open311_clients} connections ({args.open311_client}): "
        f"{rate:.0f} req/s ({ok} registered, {failed} failed)  {verdict}  [load average {load:.1f}]"
    )
    stored = Issue.objects.filter(open311_client=client).count()
    print(f"  issues registered through Open311 in the run: {stored:,}")


if __name__ == "__main__":
    sys.exit(main())
