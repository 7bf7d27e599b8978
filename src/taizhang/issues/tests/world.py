"""World factories for the scoping walk, and the issue configuration every world has."""

from __future__ import annotations

from typing import Any

from taizhang.core.roles import Role
from taizhang.core.testing.personas import World
from taizhang.core.testing.world import register, register_setup
from taizhang.issues import services
from taizhang.issues.models import Evidence, Issue, IssueCategory, IssueSource, Open311Client, RoutingRule
from taizhang.issues.sample_photos import photo
from taizhang.org import routing as org_routing
from taizhang.org import services as org_services
from taizhang.org.models import Area


@register_setup
def issue_configuration(world: World) -> None:
    """Two sources and a small category tree: district-wide configuration, present before the walk starts."""
    admin = world.admin
    sources = {
        "patrol": services.source_create(actor=admin, code="patrol", name="日常巡查", auto_dispatch=True),
        "hotline": services.source_create(actor=admin, code="hotline", name="12345热线", auto_dispatch=False),
    }
    top = services.category_create(actor=admin, code="sr", name="市容环境", time_limit=3, yellow_lead=1)
    categories = {
        "sr": top,
        "dump": services.category_create(
            actor=admin, code="sr-dump", name="乱堆乱放", parent=top, time_limit=2, yellow_lead=1
        ),
        "manhole": services.category_create(
            actor=admin, code="dl-manhole", name="井盖缺失", time_limit=2, time_unit="hours", yellow_lead=1
        ),
    }
    world.data["sources"] = sources
    world.data["categories"] = categories


def grid_of(world: World, unit: Any) -> Area:
    """A grid cell of ``unit``, its own square on the map (one per unit, made on first use)."""
    grids = world.data.setdefault("grids", {})
    if unit.pk not in grids:
        n = len(grids)
        x, y = 113.60 + 0.02 * n, 34.70
        square = [[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]
        chief = org_services.person_create(actor=world.admin, name=f"{unit.name}网格长", unit=unit)
        grids[unit.pk] = org_services.area_create(
            actor=world.admin,
            code=f"G-{unit.code}",
            name=f"{unit.name}网格",
            kind="grid",
            geometry={"type": "Polygon", "coordinates": [square]},
            responsible_unit=unit,
            chief=chief,
        )
        # area_create rebuilds the routing index on commit; a test's transaction never commits.
        org_routing.invalidate()
    return grids[unit.pk]


def point_in(area: Area) -> tuple[float, float]:
    x, y = area.geometry["coordinates"][0][0]
    return round(x + 0.005, 6), round(y + 0.005, 6)


def make_issue_in(world: World, unit: Any, marker: str = "", **values: Any) -> Issue:
    """An issue routed to ``unit`` by a point in its grid cell (dispatched at once: patrols auto-dispatch)."""
    lon, lat = point_in(grid_of(world, unit))
    defaults: dict[str, Any] = {
        "category": world.data["categories"]["dump"],
        "source": world.data["sources"]["patrol"],
        "title": f"{marker}问题",
        "description": f"{marker}描述",
        "longitude": lon,
        "latitude": lat,
    }
    defaults.update(values)
    actor = defaults.pop("actor", world.admin)
    return services.issue_register(actor=actor, **defaults)


@register(Issue)
def make_issue(world: World, unit: Any, marker: str) -> Issue:
    return make_issue_in(world, unit, marker)


@register(Evidence)
def make_evidence(world: World, unit: Any, marker: str) -> Evidence:
    issue = Issue.objects.filter(responsible_unit=unit, title__startswith=marker).first() or make_issue(
        world, unit, marker
    )
    return services.evidence_add(actor=world.admin, issue=issue, kind="before", file=photo(f"{marker}.jpg"))


@register(RoutingRule)
def make_routing_rule(world: World, unit: Any, marker: str) -> RoutingRule:
    """A rule sending one category of the unit's grid cell to the unit (a category its cell has no rule for yet)."""
    area = grid_of(world, unit)
    taken = set(RoutingRule.objects.live().filter(area=area).values_list("category_id", flat=True))
    category = next(c for c in world.data["categories"].values() if c.pk not in taken)
    return services.routing_rule_create(actor=world.admin, area=area, category=category, unit=unit, note=marker)


@register(Open311Client)
def make_open311_client(world: World, unit: Any, marker: str) -> Open311Client:
    """A client registering issues as a reporter of the unit (its hotline account)."""
    from taizhang.org.tests.world import make_user

    account = make_user(world, unit, f"{marker}o")
    org_services.membership_create(actor=world.admin, user=account, unit=unit, role=Role.REPORTER)
    client, _key = services.open311_client_create(
        actor=world.admin, name=f"{marker}{unit.code}热线", user=account, source=world.data["sources"]["hotline"]
    )
    return client


__all__ = ["IssueCategory", "IssueSource", "make_issue", "make_issue_in"]
