"""Every read of organisation data that a user sees. The first argument is always the acting user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from taizhang.core.scoping import get_in_scope, scope_for
from taizhang.org import routing
from taizhang.org.models import Area, Membership, Person, Unit, User


def unit_list(user: User | Any) -> QuerySet[Unit]:
    scope = scope_for(user)
    qs = (
        Unit.objects.live()
        .select_related("parent")
        .annotate(people_count=Count("people", filter=Q(people__voided_at__isnull=True), distinct=True))
        .order_by("sort_order", "code")  # Meta.ordering does not apply to aggregated queries
    )
    return scope.filter(qs, *Unit.scope_fields)


def unit_get(user: User | Any, pk: int) -> Unit:
    return get_in_scope(unit_list(user), pk=pk)


def unit_choices(user: User | Any) -> QuerySet[Unit]:
    """Units the user may pick in forms and filters: the ones in scope, active."""
    return (
        scope_for(user)
        .filter(Unit.objects.live().filter(is_active=True), "id")
        .only("id", "name", "short_name", "code", "sort_order", "path")
    )


def unit_references(user: User | Any) -> QuerySet[Unit]:
    """Units in scope that a form or the API accepts by id, inactive and voided ones included.

    Choice lists offer :func:`unit_choices`; accepting the others too lets the service say why one cannot be
    used ("X is inactive") instead of a bare "not a valid choice" (a form loaded before the unit was closed).
    """
    return scope_for(user).filter(Unit.objects.all(), "id").only("id", "name", "short_name", "code", "is_active")


def unit_directory(user: User | Any) -> QuerySet[Unit]:
    """Every active unit, by name only: for naming cooperating units and routing targets across scope.

    Names of units are public knowledge inside the district; their records are not.
    """
    if not user.is_authenticated:
        return Unit.objects.none()
    return Unit.objects.live().filter(is_active=True).only("id", "name", "short_name", "code", "sort_order")


def person_list(user: User | Any) -> QuerySet[Person]:
    qs = Person.objects.live().select_related("unit", "user")
    return scope_for(user).filter(qs, *Person.scope_fields)


def person_get(user: User | Any, pk: int) -> Person:
    return get_in_scope(person_list(user), pk=pk)


def leader_list(user: User | Any) -> QuerySet[Person]:
    """District leaders. Their names are on every ledger, so every signed-in user may read them."""
    if not user.is_authenticated:
        return Person.objects.none()
    return Person.objects.live().filter(is_leader=True).select_related("unit")


def membership_list(user: User | Any) -> QuerySet[Membership]:
    qs = Membership.objects.live().select_related("user", "unit")
    return scope_for(user).filter(qs, *Membership.scope_fields)


def membership_get(user: User | Any, pk: int) -> Membership:
    return get_in_scope(membership_list(user), pk=pk)


def area_list(user: User | Any) -> QuerySet[Area]:
    qs = Area.objects.live().select_related("responsible_unit", "chief", "parent")
    return scope_for(user).filter(qs, *Area.scope_fields)


def area_get(user: User | Any, pk: int) -> Area:
    return get_in_scope(area_list(user), pk=pk)


def area_geojson(user: User | Any, **filters: Any) -> dict[str, Any]:
    """The areas in scope as a GeoJSON FeatureCollection, for the map page."""
    features = []
    for area in area_list(user).filter(**filters):
        features.append(
            {
                "type": "Feature",
                "id": area.pk,
                "geometry": area.geometry,
                "properties": {
                    "code": area.code,
                    "name": area.name,
                    "kind": area.kind,
                    "kind_label": str(area.get_kind_display()),
                    "unit": area.responsible_unit.name,
                    "chief": area.chief.name if area.chief else "",
                    "phone": area.chief.phone if area.chief else "",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


@dataclass(frozen=True)
class VisibleRoute:
    """A routed point as one user may see it (see :func:`point_route`)."""

    longitude: float
    latitude: float
    hits: tuple[routing.AreaHit, ...]
    unit: dict[str, Any] | None
    chief_id: int | None
    fallback: bool
    message: str
    district_wide: bool


def point_route(user: User | Any, longitude: Any, latitude: Any, *, tolerance_m: float | None = None) -> VisibleRoute:
    """Route a point among the areas ``user`` may see: the areas the area list and the map page show them.

    A district-wide user routes over every area and, outside all of them, is told the default unit. Anyone
    else is answered from their own scope's areas only: a point covered by none of them gets the same answer
    whether another unit's area covers it or no area does, so the answer gives away no other unit's areas
    (areas are scoped like every ledger record; the routing itself, done when an issue is registered, still
    uses every area). Raises :class:`routing.InvalidPoint` for coordinates that are not degrees.
    """
    route = routing.route_point(longitude, latitude, tolerance_m=tolerance_m)
    scope = scope_for(user)
    visible = set(area_list(user).filter(pk__in=[h.area_id for h in route.hits]).values_list("pk", flat=True))
    hits = tuple(h for h in route.hits if h.area_id in visible)
    if scope.district_read:
        unit_id, chief_id, fallback, message = route.unit_id, route.chief_id, route.fallback, route.message
    elif hits:
        unit_id, chief_id, fallback = hits[0].unit_id, hits[0].chief_id, False
        message = _("Routed to %(area)s.") % {"area": hits[0].name}
    else:
        unit_id, chief_id, fallback = None, None, False
        message = _("None of the responsibility areas you can see contains this point.")
    if chief_id is not None and not person_list(user).filter(pk=chief_id).exists():
        chief_id = None
    units = scope.filter(Unit.objects.live(), *Unit.scope_fields)
    unit = units.filter(pk=unit_id).values("id", "code", "name").first() if unit_id else None
    return VisibleRoute(
        route.longitude, route.latitude, hits, unit, chief_id, fallback, message, district_wide=scope.district_read
    )
