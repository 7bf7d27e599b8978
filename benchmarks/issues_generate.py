"""Generate a city-scale issue ledger on PostgreSQL for benchmarks/issues_bench.py.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/taizhang_issues_bench \\
        .venv/bin/python benchmarks/issues_generate.py --units 2000 --issues 2000000 --areas 10000 --years 3

makes a two-level unit tree (sub-districts and departments with their communities), ``--areas`` grid cells
tiling the district and shared out among the units, a category tree and sources, and ``--issues`` issues spread
over ``--years`` years ending now: old ones mostly closed (some late, reworked, reopened), recent ones in every
open state, 5% with a cooperating unit. It also makes the users the benchmark acts as: ``bench_supervisor``
(district-wide), ``bench_reporter`` (a sub-district with its communities) and ``bench_hotline`` (an Open311
client's account).

Issues, areas and units are written with COPY: this builds a dataset to read, not a write path of the application
(no history rows; every write path is tested by the suite, and the Open311 benchmark registers through the
services). The database is emptied first (``--keep`` adds to it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taizhang.settings")

BENCH_PASSWORD = "bench-Pass-2026"  # noqa: S105  (benchmark users on a throwaway database)
BOX = (113.52, 34.62, 113.72, 34.77)  # the district's bounding box, lon/lat
TITLES = ["乱堆乱放", "占道经营", "道路破损", "井盖缺失", "路灯不亮", "绿地损毁", "垃圾清运不及时", "违法建设"]
ROADS = ["京广路", "大学路", "嵩山路", "航海路", "陇海路", "淮河路", "长江路", "解放路", "南三环", "铭功路"]


def copy_rows(cursor: Any, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def grid(count: int) -> Iterator[tuple[float, float, float, float]]:
    """``count`` cells tiling BOX row by row: (min_lon, min_lat, max_lon, max_lat)."""
    side = int(count**0.5 + 0.999)
    width, height = (BOX[2] - BOX[0]) / side, (BOX[3] - BOX[1]) / side
    for i in range(count):
        row, col = divmod(i, side)
        x, y = BOX[0] + col * width, BOX[1] + row * height
        yield round(x, 6), round(y, 6), round(x + width, 6), round(y + height, 6)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=2000, help="units in all (100 top units, the rest below them)")
    parser.add_argument("--issues", type=int, default=2_000_000)
    parser.add_argument("--areas", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="do not empty the database first")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from taizhang.core.audit import Source, audit_context
    from taizhang.core.roles import Role
    from taizhang.issues import services as issue_services
    from taizhang.issues.models import Issue
    from taizhang.org import services as org_services
    from taizhang.org.models import Unit

    if connection.vendor != "postgresql":
        print("Set DATABASE_URL to a PostgreSQL database: the benchmark measures PostgreSQL.", file=sys.stderr)
        return 2
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if not args.keep:
        call_command("flush", interactive=False, verbosity=0)
    rng = random.Random(args.seed)
    now = timezone.now()
    ledger = ["created_at", "updated_at", "version", "voided_at", "voided_by_id", "void_reason", "search_text"]

    with audit_context(None, Source.COMMAND):
        admin = org_services.user_create(actor=None, username="bench_admin", password=BENCH_PASSWORD, is_superuser=True)
    tops = min(100, args.units)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM org_unit")
        first = cursor.fetchone()[0] + 1
        top_ids = list(range(first, first + tops))
        child_ids = list(range(first + tops, first + args.units))
        parent_of = {cid: top_ids[i % tops] for i, cid in enumerate(child_ids)}

        def unit_rows() -> Iterator[tuple[Any, ...]]:
            for i, uid in enumerate(top_ids):
                kind = "subdistrict" if i < 20 else "department"
                yield (
                    uid,
                    now,
                    now,
                    1,
                    None,
                    None,
                    "",
                    "",
                    f"T{uid}",
                    f"单位{uid:05d}",
                    f"单位{uid:05d}",
                    kind,
                    None,
                    "",
                    i,
                    True,
                    f"/{uid}/",
                )
            for i, uid in enumerate(child_ids):
                parent = parent_of[uid]
                yield (
                    uid,
                    now,
                    now,
                    1,
                    None,
                    None,
                    "",
                    "",
                    f"C{uid}",
                    f"社区{uid:05d}",
                    f"社区{uid:05d}",
                    "other",
                    parent,
                    "",
                    1000 + i,
                    True,
                    f"/{parent}/{uid}/",
                )

        copy_rows(
            raw,
            "org_unit",
            [
                "id",
                *ledger,
                "code",
                "name",
                "short_name",
                "kind",
                "parent_id",
                "division_code",
                "sort_order",
                "is_active",
                "path",
            ],
            unit_rows(),
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('org_unit', 'id'), %s)", [first + args.units - 1])
        owners = child_ids or top_ids
        print(f"{args.units} units ({tops} top units)", flush=True)

        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM org_area")
        first_area = cursor.fetchone()[0] + 1
        area_unit: dict[int, int] = {}

        def area_rows() -> Iterator[tuple[Any, ...]]:
            for i, (x0, y0, x1, y1) in enumerate(grid(args.areas)):
                aid = first_area + i
                unit = owners[i % len(owners)]
                area_unit[aid] = unit
                geometry = {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}
                yield (
                    aid,
                    now,
                    now,
                    1,
                    None,
                    None,
                    "",
                    "",
                    f"WG{aid}",
                    f"网格{aid}",
                    "grid",
                    json.dumps(geometry),
                    unit,
                    None,
                    None,
                    True,
                )

        copy_rows(
            raw,
            "org_area",
            [
                "id",
                *ledger,
                "code",
                "name",
                "kind",
                "geometry",
                "responsible_unit_id",
                "chief_id",
                "parent_id",
                "is_active",
            ],
            area_rows(),
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('org_area', 'id'), %s)", [first_area + args.areas - 1])
        print(f"{args.areas} grid cells", flush=True)

    with audit_context(admin, Source.COMMAND):
        from taizhang.issues import data

        sources = {
            code: issue_services.source_create(actor=admin, code=code, name=name, auto_dispatch=auto)
            for code, name, auto in data.SOURCES
        }
        categories: dict[str, Any] = {}
        for code, name, parent, limit, unit, lead, severity in data.CATEGORIES:
            categories[code] = issue_services.category_create(
                actor=admin,
                code=code,
                name=name,
                parent=categories.get(parent),
                time_limit=limit,
                time_unit=unit,
                yellow_lead=lead,
                severity=severity,
            )
        for username, role, unit_id in (
            ("bench_supervisor", Role.SUPERVISOR, top_ids[0]),
            ("bench_reporter", Role.REPORTER, top_ids[1]),
            ("bench_inspector", Role.INSPECTOR, top_ids[0]),
            ("bench_hotline", Role.REPORTER, top_ids[0]),
        ):
            user = org_services.user_create(actor=admin, username=username, password=BENCH_PASSWORD)
            org_services.membership_create(actor=admin, user=user, unit=Unit.objects.get(pk=unit_id), role=role)
    leaves = [c for c in categories.values() if c.parent_id is not None]
    source_ids = [s.pk for code, s in sources.items() if code in ("patrol", "checklist", "hotline", "tour")]

    columns = [f.attname for f in Issue._meta.concrete_fields if f.attname != "id"]
    start_of_ledger = now - dt.timedelta(days=365 * args.years)
    span = (now - start_of_ledger).total_seconds()
    areas = list(area_unit.items())

    counters: dict[int, int] = {}

    def issue_rows() -> Iterator[tuple[Any, ...]]:
        moments = sorted(start_of_ledger + dt.timedelta(seconds=rng.random() * span) for _ in range(args.issues))
        for registered in moments:
            year = timezone.localtime(registered).year
            counters[year] = counters.get(year, 0) + 1
            seq = counters[year]
            area_id, unit_id = areas[rng.randrange(len(areas))]
            category = leaves[rng.randrange(len(leaves))]
            days = category.time_limit * 1.4 if category.time_unit == "workdays" else 0.3
            deadline = registered + dt.timedelta(days=max(days, 0.2))
            yellow = deadline - dt.timedelta(days=1 if category.yellow_lead else 0)
            age = (now - registered).days
            r = rng.random()
            if age > 30:
                status = "closed" if r < 0.93 else "shelved" if r < 0.95 else "rectifying"
            else:
                status = ["dispatched", "acknowledged", "rectifying", "closure_requested", "closed", "registered"][
                    int(r * 6)
                ]
            closed = status == "closed"
            requested = registered + dt.timedelta(days=rng.uniform(0.3, days * 1.3)) if closed else None
            closed_at = requested + dt.timedelta(hours=rng.uniform(2, 30)) if requested else None
            if closed_at is not None and closed_at > now:  # not checked yet
                closed_at, status = None, "closure_requested"
                closed = False
            on_time = (requested <= deadline) if closed and requested else None
            if not closed:
                requested = requested if status == "closure_requested" else None
            title = rng.choice(TITLES)
            road = rng.choice(ROADS)
            lon = rng.uniform(BOX[0], BOX[2])
            lat = rng.uniform(BOX[1], BOX[3])
            row = {
                "created_at": registered,
                "updated_at": closed_at or registered,
                "version": 1,
                "voided_at": None,
                "voided_by_id": None,
                "void_reason": "",
                "search_text": f"{year}{seq:06d} {title} {road}",
                "year": year,
                "sequence": seq,
                "number": f"{year}-{seq:06d}",
                "title": f"{road}{title}",
                "description": "",
                "source_id": source_ids[rng.randrange(len(source_ids))],
                "category_id": category.pk,
                "severity": category.severity,
                "address": f"{road}附近",
                "longitude": round(lon, 6),
                "latitude": round(lat, 6),
                "reported_longitude": round(lon, 6),
                "reported_latitude": round(lat, 6),
                "reported_crs": "wgs84",
                "area_id": area_id,
                "routing_fallback": False,
                "routing_note": "",
                "responsible_unit_id": unit_id,
                "chief_id": None,
                "routed_unit_id": unit_id,
                "override_reason": "",
                "reported_by_id": admin.pk,
                "rectified_by_id": None,
                "verified_by_id": None,
                "open311_client_id": None,
                "found_at": registered,
                "registered_at": registered,
                "deadline": deadline,
                "deadline_explicit": False,
                "yellow_at": yellow,
                "dispatched_at": registered if status != "registered" else None,
                "acknowledged_at": registered + dt.timedelta(hours=2)
                if status not in ("registered", "dispatched")
                else None,
                "closure_requested_at": requested,
                "closed_at": closed_at,
                "closed_on_time": on_time,
                "shelved_at": registered + dt.timedelta(days=2) if status == "shelved" else None,
                "shelve_review_date": (registered + dt.timedelta(days=200)).date() if status == "shelved" else None,
                "yellow_notified_at": None,
                "overdue_notified_at": None,
                "review_notified_at": None,
                "status": status,
                "pending_request": "",
                "requested_deadline": None,
                "requested_review_date": None,
                "pending_reason": "",
                "measures": "",
                "void_kind": "",
                "rework_count": 1 if closed and rng.random() < 0.08 else 0,
                "extension_count": 1 if rng.random() < 0.04 else 0,
                "reassignment_count": 1 if rng.random() < 0.03 else 0,
                "recurrence_count": 1 if closed and rng.random() < 0.02 else 0,
            }
            yield tuple(row[c] for c in columns)

    with connection.cursor() as cursor:
        count = copy_rows(cursor.cursor, "issues_issue", columns, issue_rows())
        print(f"{count} issues", flush=True)
        for year, last in counters.items():
            cursor.execute(
                "INSERT INTO issues_issuecounter (year, last) VALUES (%s, %s) "
                "ON CONFLICT (year) DO UPDATE SET last = EXCLUDED.last",
                [year, last],
            )
        cursor.execute("SELECT MIN(id), MAX(id) FROM issues_issue")
        low, high = cursor.fetchone()
        sample = rng.sample(range(low, high + 1), k=max(1, (high - low + 1) // 20))
        copy_rows(
            cursor.cursor,
            "issues_issue_cooperating_units",
            ["issue_id", "unit_id"],
            ((pk, owners[rng.randrange(len(owners))]) for pk in sample),
        )
        print(f"{len(sample)} cooperating units", flush=True)
        # VACUUM sets the visibility map that index-only scans need (autovacuum would, some time later).
        cursor.execute("VACUUM ANALYZE issues_issue")
        cursor.execute("ANALYZE")
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
