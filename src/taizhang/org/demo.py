"""Demo step: the district's units, people, users for every role, and its responsibility areas on one map."""

from __future__ import annotations

import random
from typing import Any

import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon, box, mapping

from taizhang.core.demo import DEMO_PASSWORD, DemoContext, DemoStep, register
from taizhang.core.roles import Role
from taizhang.org import services
from taizhang.org.choices import AreaKind, UnitKind
from taizhang.org.data import district as d
from taizhang.org.models import Person, Unit, User

GRID_DEG = 0.0065  # about 600 m east-west, 720 m north-south at this latitude


def _name(rng: random.Random) -> str:
    return rng.choice(d.SURNAMES) + rng.choice(d.GIVEN)


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def _division(segment: int) -> str:
    return f"{d.DISTRICT_DIVISION}{segment:03d}000"


def _geojson(geom: Any) -> dict[str, Any]:
    geom = shapely.set_precision(geom, 1e-6)
    return dict(mapping(geom))


def _polygons(geom: Any) -> list[Polygon]:
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]


def _largest(geom: Any) -> Polygon:
    return max(_polygons(geom), key=lambda p: p.area)


def _voronoi(region: Polygon, seeds: list[tuple[float, float]]) -> list[Polygon]:
    """Split ``region`` into one cell per seed, in seed order."""
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=region.envelope.buffer(0.05))
    result = []
    for seed in seeds:
        cell = next(c for c in cells.geoms if c.contains(Point(seed)) or c.touches(Point(seed)))
        result.append(_largest(cell.intersection(region)))
    return result


def _seeds_inside(poly: Polygon, count: int, rng: random.Random) -> list[tuple[float, float]]:
    min_x, min_y, max_x, max_y = poly.bounds
    seeds: list[tuple[float, float]] = []
    tries = 0
    while len(seeds) < count and tries < 1000:
        tries += 1
        p = (rng.uniform(min_x, max_x), rng.uniform(min_y, max_y))
        if poly.contains(Point(p)) and all(Point(p).distance(Point(s)) > 0.002 for s in seeds):
            seeds.append(p)
    if len(seeds) < count:  # a thin polygon: fall back to points along its representative axis
        rp = poly.representative_point()
        seeds += [(rp.x + 0.0001 * i, rp.y) for i in range(count - len(seeds))]
    return seeds


def build(ctx: DemoContext) -> None:
    rng = random.Random(2017)
    admin = services.user_create(
        actor=None, username="admin", password=DEMO_PASSWORD, first_name="管理员", last_name="系统", is_superuser=True
    )
    units: dict[str, Unit] = {}
    for order, (code, name, short, _kind_) in enumerate(
        [(c, n, s, UnitKind.DEPARTMENT) for c, n, s in d.DEPARTMENTS], start=100
    ):
        units[code] = services.unit_create(
            actor=admin, code=code, name=name, short_name=short, kind=_kind_, sort_order=order
        )
    communities: dict[str, list[Unit]] = {}
    for order, (code, name, short, kind, segment, community_names) in enumerate(d.LOCAL_UNITS, start=1):
        unit = services.unit_create(
            actor=admin,
            code=code,
            name=name,
            short_name=short,
            kind=kind,
            division_code=_division(segment),
            sort_order=order,
        )
        units[code] = unit
        communities[code] = []
        for i, cname in enumerate(community_names, start=1):
            suffix = "居委会" if cname.endswith("社区") else "村委会"
            communities[code].append(
                services.unit_create(
                    actor=admin,
                    code=f"{code}-{i:02d}",
                    name=f"{short}{cname}{suffix}",
                    short_name=cname,
                    kind=UnitKind.OTHER,
                    parent=unit,
                    division_code=f"{_division(segment)[:9]}{i:03d}",
                    sort_order=order * 100 + i,
                )
            )
    ctx.write(f"{len(units)} units and {sum(len(v) for v in communities.values())} communities")

    leaders = [
        services.person_create(
            actor=admin,
            name=name,
            title=title,
            unit=units["QWB" if i in (0, 2) else "QZFB"],
            is_leader=True,
            phone=_phone(rng),
            sort_order=i,
        )
        for i, (name, title) in enumerate(d.LEADERS)
    ]
    heads: dict[str, Person] = {}
    staff: dict[str, Person] = {}
    for code, unit in units.items():
        head_title = (
            "主任"
            if unit.kind in (UnitKind.SUBDISTRICT, UnitKind.MANAGEMENT_COMMITTEE)
            else ("镇长" if unit.kind == UnitKind.TOWN else "乡长" if unit.kind == UnitKind.TOWNSHIP else "负责人")
        )
        heads[code] = services.person_create(
            actor=admin, name=_name(rng), title=head_title, unit=unit, phone=_phone(rng), sort_order=1
        )
        staff[code] = services.person_create(
            actor=admin, name=_name(rng), title="科员", unit=unit, phone=_phone(rng), sort_order=5
        )
    community_chiefs: dict[int, Person] = {}
    for members in communities.values():
        for c in members:
            community_chiefs[c.pk] = services.person_create(
                actor=admin, name=_name(rng), title="网格长", unit=c, phone=_phone(rng), sort_order=1
            )
    ctx.write(f"{Person.objects.count()} people, {len(leaders)} of them district leaders")

    _users(admin, units, heads, staff, leaders, ctx)
    _areas(admin, units, communities, heads, community_chiefs, rng, ctx)
    ctx.data["org_units"] = units


# (username, role, unit code, person key) — person key: "head", "staff", or a leader index
DEMO_USERS: list[tuple[str, str, str, Any]] = [
    ("supervisor", Role.SUPERVISOR, "DCS", "staff"),
    ("target_office", Role.SUPERVISOR, "MBB", "staff"),
    ("leader", Role.LEADER, "QZFB", 1),
    ("head_huaihe", Role.UNIT_HEAD, "HHL", "head"),
    ("reporter_huaihe", Role.REPORTER, "HHL", "staff"),
    ("reporter_dxl", Role.REPORTER, "DXL", "staff"),
    ("head_cgj", Role.UNIT_HEAD, "CGJ", "head"),
    ("reporter_cgj", Role.REPORTER, "CGJ", "staff"),
    ("reporter_fgw", Role.REPORTER, "FGW", "staff"),
    ("reporter_zjj", Role.REPORTER, "ZJJ", "staff"),
    ("inspector_wang", Role.INSPECTOR, "CGJ", None),
    ("inspector_li", Role.INSPECTOR, "DCS", None),
]


def _users(
    admin: User,
    units: dict[str, Unit],
    heads: dict[str, Person],
    staff: dict[str, Person],
    leaders: list[Person],
    ctx: DemoContext,
) -> None:
    services.membership_create(actor=admin, user=admin, unit=units["DSJ"], role=Role.ADMIN)
    for username, role, code, person_key in DEMO_USERS:
        if isinstance(person_key, int):
            person = leaders[person_key]
        elif person_key == "head":
            person = heads[code]
        elif person_key == "staff":
            person = staff[code]
        else:
            name = {"inspector_wang": "王振华", "inspector_li": "李晓峰"}[username]
            person = services.person_create(actor=admin, name=name, title="核查员", unit=units[code])
        user = services.user_create(
            actor=admin,
            username=username,
            password=DEMO_PASSWORD,
            last_name=person.name[:1],
            first_name=person.name[1:],
        )
        services.person_update(actor=admin, person=person, values={"user": user})
        services.membership_create(actor=admin, user=user, unit=units[code], role=role)
    ctx.write(f"{len(DEMO_USERS) + 1} users")


def _areas(
    admin: User,
    units: dict[str, Unit],
    communities: dict[str, list[Unit]],
    heads: dict[str, Person],
    community_chiefs: dict[int, Person],
    rng: random.Random,
    ctx: DemoContext,
) -> None:
    boundary = Polygon(d.BOUNDARY)
    local_codes = [row[0] for row in d.LOCAL_UNITS]
    unit_polys = dict(zip(local_codes, _voronoi(boundary, d.UNIT_SEEDS), strict=True))
    grid_count = 0
    for code, poly in unit_polys.items():
        members = communities[code]
        cells = _voronoi(poly, _seeds_inside(poly, len(members), rng)) if len(members) > 1 else [poly]
        for i, (community, cell) in enumerate(zip(members, cells, strict=True), start=1):
            chief = community_chiefs[community.pk]
            community_area = services.area_create(
                actor=admin,
                code=f"SQ-{code}-{i:02d}",
                name=community.short_name,
                kind=AreaKind.COMMUNITY,
                geometry=_geojson(cell),
                responsible_unit=community,
                chief=chief,
            )
            min_x, min_y, max_x, max_y = cell.bounds
            n = 0
            y = min_y
            while y < max_y:
                x = min_x
                while x < max_x:
                    for part in _polygons(cell.intersection(box(x, y, x + GRID_DEG, y + GRID_DEG))):
                        if part.area < (GRID_DEG**2) * 0.15:
                            continue
                        n += 1
                        services.area_create(
                            actor=admin,
                            code=f"WG-{code}-{i:02d}-{n:02d}",
                            name=f"{community.short_name}第{n}网格",
                            kind=AreaKind.GRID,
                            geometry=_geojson(part),
                            responsible_unit=community,
                            chief=chief,
                            parent=community_area,
                        )
                    x += GRID_DEG
                y += GRID_DEG
            grid_count += n
    road_count = 0
    for road_name, points in d.ROADS:
        line = LineString(points).intersection(boundary)
        for code, poly in unit_polys.items():
            piece = line.intersection(poly)
            parts = [g for g in getattr(piece, "geoms", [piece]) if isinstance(g, LineString) and g.length > 0.001]
            for j, part in enumerate(parts, start=1):
                road_count += 1
                suffix = f"（{units[code].short_name}段）" if len(parts) == 1 else f"（{units[code].short_name}段{j}）"
                services.area_create(
                    actor=admin,
                    code=f"LD-{road_count:03d}",
                    name=f"{road_name}{suffix}",
                    kind=AreaKind.ROAD,
                    geometry=_geojson(part),
                    responsible_unit=units[code],
                    chief=heads[code],
                )
    ctx.write(f"{grid_count} grid cells, {road_count} road segments")


def demo_logins() -> list[tuple[str, str, str]]:
    """Every demo login with its role and unit, for printing."""
    rows = []
    for user in User.objects.filter(username__in=["admin", *[u for u, *_ in DEMO_USERS]]).order_by("pk"):
        for m in user.memberships.live().select_related("unit"):
            rows.append((user.username, str(m.get_role_display()), m.unit.name))
    return rows


register(DemoStep(name="org", order=10, build=build))
