"""The five personas every scoping test uses, in a small world of units.

``reporter_a`` reports for unit A (which has a sub-unit A1); ``reporter_b`` for unit B; ``supervisor`` and
``leader`` are district-wide; ``outsider`` is signed in but belongs to no unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from taizhang.core.audit import Source, audit_context
from taizhang.core.roles import Role

PASSWORD = "walk-the-scope-2026"  # noqa: S105  (test personas only)


@dataclass
class World:
    admin: Any
    units: dict[str, Any]
    users: dict[str, Any]
    people: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def unit_a(self) -> Any:
        return self.units["A"]

    @property
    def unit_b(self) -> Any:
        return self.units["B"]


PERSONA_ROLES: dict[str, tuple[str | None, str | None]] = {
    "reporter_a": ("A", Role.REPORTER),
    "reporter_b": ("B", Role.REPORTER),
    "supervisor": ("SUP", Role.SUPERVISOR),
    "leader": ("GOV", Role.LEADER),
    "outsider": (None, None),
}


def make_world() -> World:
    from taizhang.org import services
    from taizhang.org.choices import UnitKind

    with audit_context(None, Source.SYSTEM):
        admin = services.user_create(actor=None, username="walk_admin", password=PASSWORD, is_superuser=True)
        units = {
            "GOV": services.unit_create(actor=admin, code="GOV", name="区政府办公室", kind=UnitKind.DEPARTMENT),
            "SUP": services.unit_create(actor=admin, code="SUP", name="督查室", kind=UnitKind.DEPARTMENT),
            "A": services.unit_create(
                actor=admin, code="UA", name="甲街道", kind=UnitKind.SUBDISTRICT, division_code="410102001000"
            ),
            "B": services.unit_create(
                actor=admin, code="UB", name="乙街道", kind=UnitKind.SUBDISTRICT, division_code="410102002000"
            ),
        }
        units["A1"] = services.unit_create(
            actor=admin, code="UA1", name="甲一社区", kind=UnitKind.OTHER, parent=units["A"]
        )
        users: dict[str, Any] = {"admin": admin}
        for name, (unit_key, role) in PERSONA_ROLES.items():
            user = services.user_create(actor=admin, username=name, password=PASSWORD)
            if unit_key is not None and role is not None:
                services.membership_create(actor=admin, user=user, unit=units[unit_key], role=role)
            users[name] = user
        people = {
            key: services.person_create(actor=admin, name=f"{key}人员", title="科员", unit=units[key])
            for key in ("A", "A1", "B")
        }
        world = World(admin=admin, units=units, users=users, people=people)
        from taizhang.core.testing.world import run_setups

        run_setups(world)
    return world
