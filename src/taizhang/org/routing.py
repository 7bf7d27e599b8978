"""Route a point to the responsibility areas that own it.

A point (WGS-84 / CGCS2000 longitude, latitude) belongs to every grid cell and community polygon containing
it, and to the nearest road segment within a tolerance (metres). Road segments are the most specific, then
grid cells, then communities: the first match's unit is responsible. A point outside every area goes to the
configured default unit, and the result says so.

The index (shapely STRtrees over geometries projected to local metres) is built once per process and
rebuilt when an area changes: area services bump a generation number in the shared cache.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from taizhang.org.choices import AreaKind

GENERATION_KEY = "taizhang:routing:generation"
_EARTH_M_PER_DEG = 111_320.0
_SPECIFICITY: dict[str, int] = {AreaKind.ROAD: 0, AreaKind.GRID: 1, AreaKind.COMMUNITY: 2}


@dataclass(frozen=True)
class AreaHit:
    area_id: int
    code: str
    name: str
    kind: str
    unit_id: int
    chief_id: int | None
    distance_m: float = 0.0


@dataclass(frozen=True)
class Route:
    longitude: float
    latitude: float
    hits: tuple[AreaHit, ...]
    unit_id: int | None
    chief_id: int | None
    fallback: bool
    message: str = ""
    areas: tuple[int, ...] = field(default=())

    @property
    def primary(self) -> AreaHit | None:
        return self.hits[0] if self.hits else None


class InvalidPoint(ValueError):
    pass


def check_point(longitude: Any, latitude: Any) -> tuple[float, float]:
    try:
        lon, lat = float(longitude), float(latitude)
    except (TypeError, ValueError) as exc:
        raise InvalidPoint(_("Longitude and latitude must be numbers.")) from exc
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidPoint(
            _("(%(lon)s, %(lat)s) is not a longitude/latitude pair in degrees.") % {"lon": longitude, "lat": latitude}
        )
    return lon, lat


class _Projection:
    """Equirectangular projection around a reference latitude: metres, accurate to <0.5% across a city."""

    def __init__(self, ref_lat: float) -> None:
        self.kx = _EARTH_M_PER_DEG * math.cos(math.radians(ref_lat))
        self.ky = _EARTH_M_PER_DEG

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        return x * self.kx, y * self.ky

    def geometry(self, geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, lambda coords: coords * (self.kx, self.ky))


class RoutingIndex:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        lats = [r["lat"] for r in rows] or [34.7]
        self.projection = _Projection(sum(lats) / len(lats))
        self.polygons: list[tuple[AreaHit, BaseGeometry]] = []
        self.roads: list[tuple[AreaHit, BaseGeometry]] = []
        for row in rows:
            hit = AreaHit(row["id"], row["code"], row["name"], row["kind"], row["unit_id"], row["chief_id"])
            geom = self.projection.geometry(row["geometry"])
            (self.roads if row["kind"] == AreaKind.ROAD else self.polygons).append((hit, geom))
        self.polygon_tree = STRtree([g for _h, g in self.polygons]) if self.polygons else None
        self.road_tree = STRtree([g for _h, g in self.roads]) if self.roads else None

    def route(self, lon: float, lat: float, tolerance_m: float) -> list[AreaHit]:
        x, y = self.projection(lon, lat)
        point = Point(x, y)
        hits: list[AreaHit] = []
        if self.road_tree is not None and tolerance_m > 0:
            idx = self.road_tree.query_nearest(point, max_distance=tolerance_m, return_distance=True)
            indices, distances = idx
            best = sorted(zip(distances, indices, strict=True), key=lambda pair: (pair[0], self.roads[pair[1]][0].code))
            if best:
                distance, i = best[0]
                hit = self.roads[int(i)][0]
                hits.append(
                    AreaHit(
                        hit.area_id, hit.code, hit.name, hit.kind, hit.unit_id, hit.chief_id, round(float(distance), 1)
                    )
                )
        if self.polygon_tree is not None:
            for i in self.polygon_tree.query(point, predicate="intersects"):
                hits.append(self.polygons[int(i)][0])
        hits.sort(key=lambda h: (_SPECIFICITY.get(h.kind, 9), h.distance_m, h.code))
        return hits


class _IndexHolder:
    """The process's routing index and the generation it was built for."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index: RoutingIndex | None = None
        self.generation: int | None = None

    def get(self) -> RoutingIndex:
        generation = _generation()
        index = self.index
        if index is not None and self.generation == generation:
            return index
        with self.lock:
            if self.index is None or self.generation != generation:
                self.index = build_index()
                self.generation = generation
            return self.index


_holder = _IndexHolder()


def invalidate() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, timeout=None)
    _holder.index = None


def _generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return int(value)


def build_index() -> RoutingIndex:
    from taizhang.org.models import Area

    rows = []
    for area in (
        Area.objects.live()
        .filter(is_active=True)
        .values("id", "code", "name", "kind", "geometry", "responsible_unit_id", "chief_id")
    ):
        geom = shape(area["geometry"])
        rows.append(
            {
                "id": area["id"],
                "code": area["code"],
                "name": area["name"],
                "kind": area["kind"],
                "unit_id": area["responsible_unit_id"],
                "chief_id": area["chief_id"],
                "geometry": geom,
                "lat": geom.centroid.y,
            }
        )
    return RoutingIndex(rows)


def get_index() -> RoutingIndex:
    return _holder.get()


def default_unit_id() -> int | None:
    from taizhang.org.models import Unit

    code = settings.TAIZHANG["DEFAULT_ROUTING_UNIT"]
    return Unit.objects.live().filter(code=code).values_list("id", flat=True).first()


def route_point(longitude: Any, latitude: Any, *, tolerance_m: float | None = None) -> Route:
    """Route a point; raises :class:`InvalidPoint` for coordinates that are not degrees."""
    lon, lat = check_point(longitude, latitude)
    tolerance = float(str(settings.TAIZHANG["ROAD_TOLERANCE_M"])) if tolerance_m is None else tolerance_m
    hits = get_index().route(lon, lat, tolerance)
    if hits:
        first = hits[0]
        message = _("Routed to %(area)s.") % {"area": first.name}
        areas = tuple(h.area_id for h in hits)
        return Route(lon, lat, tuple(hits), first.unit_id, first.chief_id, False, message, areas)
    return Route(
        lon,
        lat,
        (),
        default_unit_id(),
        None,
        True,
        _("The point lies outside every responsibility area; it was routed to the default unit."),
    )
