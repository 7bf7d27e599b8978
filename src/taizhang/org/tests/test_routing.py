"""Routing points to areas, on hand-drawn shapes and on the demo district's real map."""

import math

import pytest

from taizhang.org import routing, services
from taizhang.org.models import Unit

pytestmark = pytest.mark.usefixtures("audit")

# A grid cell near the Erqi Memorial Tower, a road along its southern edge, and the community around both.
GRID = {
    "type": "Polygon",
    "coordinates": [[[113.660, 34.750], [113.666, 34.750], [113.666, 34.755], [113.660, 34.755], [113.660, 34.750]]],
}
COMMUNITY = {
    "type": "Polygon",
    "coordinates": [[[113.650, 34.745], [113.675, 34.745], [113.675, 34.760], [113.650, 34.760], [113.650, 34.745]]],
}
ROAD = {"type": "LineString", "coordinates": [[113.650, 34.7500], [113.675, 34.7500]]}
M_PER_DEG_LAT = 111_320


@pytest.fixture
def shapes(world):
    routing.invalidate()
    community = services.area_create(
        actor=world.admin, code="C1", name="社区", kind="community", geometry=COMMUNITY, responsible_unit=world.unit_a
    )
    grid = services.area_create(
        actor=world.admin,
        code="G1",
        name="网格",
        kind="grid",
        geometry=GRID,
        responsible_unit=world.units["A1"],
        parent=community,
        chief=world.people["A1"],
    )
    road = services.area_create(
        actor=world.admin,
        code="R1",
        name="路段",
        kind="road",
        geometry=ROAD,
        responsible_unit=world.unit_b,
        chief=world.people["B"],
    )
    routing.invalidate()
    return {"community": community, "grid": grid, "road": road}


def test_a_point_inside_a_grid_goes_to_the_grid_then_the_community(world, shapes):
    route = routing.route_point(113.663, 34.753)
    assert [h.code for h in route.hits] == ["G1", "C1"]
    assert route.unit_id == world.units["A1"].pk
    assert route.chief_id == world.people["A1"].pk
    assert not route.fallback


@pytest.mark.parametrize(("metres", "on_road"), [(0, True), (12, True), (29, True), (31, False), (80, False)])
def test_a_point_near_a_road_goes_to_the_road_segment_within_the_tolerance(world, shapes, metres, on_road):
    lat = 34.75 + metres / M_PER_DEG_LAT
    route = routing.route_point(113.663, lat)
    assert (route.primary.code == "R1") is on_road
    if on_road:
        assert route.unit_id == world.unit_b.pk
        assert math.isclose(route.primary.distance_m, metres, abs_tol=0.5)
        assert {h.code for h in route.hits} >= {"G1", "C1"} if metres else True


def test_the_tolerance_can_be_given_per_call(shapes):
    lat = 34.75 + 50 / M_PER_DEG_LAT
    assert routing.route_point(113.663, lat).primary.code == "G1"
    assert routing.route_point(113.663, lat, tolerance_m=60).primary.code == "R1"


def test_a_point_outside_every_area_goes_to_the_default_unit_and_says_so(world, shapes, settings):
    services.unit_create(actor=world.admin, code="CGJ", name="城管局", kind="department")
    route = routing.route_point(113.90, 34.90)
    assert route.fallback
    assert route.hits == ()
    assert route.unit_id == Unit.objects.get(code="CGJ").pk
    assert "outside every responsibility area" in route.message


def test_with_no_default_unit_configured_the_fallback_has_no_unit(shapes, settings):
    settings.TAIZHANG = {**settings.TAIZHANG, "DEFAULT_ROUTING_UNIT": "NOPE"}
    route = routing.route_point(113.90, 34.90)
    assert route.fallback and route.unit_id is None


@pytest.mark.parametrize("point", [("abc", 34.7), (113.6, None), (181, 34.7), (113.6, -91), (float("nan"), 34.7)])
def test_points_that_are_not_degrees_are_refused(shapes, point):
    with pytest.raises(routing.InvalidPoint):
        routing.route_point(*point)


def test_the_index_is_rebuilt_when_the_generation_changes(world, shapes):
    first = routing.get_index()
    assert routing.get_index() is first
    routing.invalidate()
    assert routing.get_index() is not first
