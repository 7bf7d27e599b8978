"""World factories for the scoping walk: one record of each org model owned by a given unit."""

from __future__ import annotations

from taizhang.core.roles import Role
from taizhang.core.testing.personas import PASSWORD, World
from taizhang.core.testing.world import register
from taizhang.org import services
from taizhang.org.choices import UnitKind
from taizhang.org.models import Area, Membership, Person, Unit, User

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[113.60, 34.70], [113.61, 34.70], [113.61, 34.71], [113.60, 34.71], [113.60, 34.70]]],
}


@register(Unit)
def make_unit(world: World, unit: Unit, marker: str) -> Unit:
    """A new sub-unit of ``unit``: a unit list that leaks shows it (the world's own units are there before)."""
    return services.unit_create(
        actor=world.admin,
        code=f"{marker}-{unit.code}",
        name=f"{marker}{unit.name}分中心",
        kind=UnitKind.OTHER,
        parent=unit,
    )


@register(Person)
def make_person(world: World, unit: Unit, marker: str) -> Person:
    return services.person_create(
        actor=world.admin, name=f"{marker}人员", title=f"{marker}科员", unit=unit, phone="13800000000"
    )


@register(User)
def make_user(world: World, unit: Unit, marker: str) -> User:
    return services.user_create(actor=world.admin, username=f"{marker.lower()}_{unit.code.lower()}", password=PASSWORD)


@register(Membership)
def make_membership(world: World, unit: Unit, marker: str) -> Membership:
    user = make_user(world, unit, f"{marker}m")
    return services.membership_create(actor=world.admin, user=user, unit=unit, role=Role.REPORTER)


@register(Area)
def make_area(world: World, unit: Unit, marker: str) -> Area:
    chief = services.person_create(actor=world.admin, name=f"{marker}网格长", unit=unit)
    return services.area_create(
        actor=world.admin,
        code=f"{marker}-{unit.code}",
        name=f"{marker}网格",
        kind="grid",
        geometry=SQUARE,
        responsible_unit=unit,
        chief=chief,
    )
