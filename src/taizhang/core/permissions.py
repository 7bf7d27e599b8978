"""Permission predicates (django-rules) shared by the apps' ``rules.py`` registrations.

Visibility is the selectors' business; these answer "may this user do X to this visible object".
"""

from __future__ import annotations

from typing import Any

import rules
from django.db.models import Model

from taizhang.core.errors import PermissionDenied
from taizhang.core.roles import Role
from taizhang.core.scoping import scope_for


def unit_id_of(obj: Any) -> int | None:
    """The unit that owns ``obj``, following the model's first ``scope_fields`` path."""
    fields = getattr(type(obj), "scope_fields", ())
    if not fields:
        return None
    path = fields[0]
    if path in ("id", "pk"):
        return obj.pk
    value: Any = obj
    parts = path.split("__")
    for i, part in enumerate(parts):
        if i == len(parts) - 1:
            return getattr(value, f"{part}_id", None)
        value = getattr(value, part, None)
        if value is None:
            return None
    return None


@rules.predicate
def is_admin(user: Any) -> bool:
    return Role.ADMIN in scope_for(user).roles


@rules.predicate
def is_district_writer(user: Any) -> bool:
    return scope_for(user).district_write


@rules.predicate
def is_supervisor(user: Any) -> bool:
    return Role.SUPERVISOR in scope_for(user).roles


@rules.predicate
def is_leader(user: Any) -> bool:
    return Role.LEADER in scope_for(user).roles


def has_unit_role(*roles: str) -> Any:
    """Predicate: the user holds one of ``roles`` in the object's unit (or above it)."""

    @rules.predicate(name=f"has_unit_role({','.join(roles)})")
    def predicate(user: Any, obj: Any = None) -> bool:
        scope = scope_for(user)
        if obj is None:
            return any(scope.roles_in(uid) & set(roles) for uid in scope.unit_ids)
        return scope.has_role(*roles, unit_id=unit_id_of(obj))

    return predicate


def ensure(user: Any, perm: str, obj: Model | None = None) -> None:
    """Services re-check permissions with this, so the UI cannot be the only guard."""
    if not user.has_perm(perm, obj):
        raise PermissionDenied


# --- core's own permissions -------------------------------------------------------------------------------
rules.add_perm("core.add_instruction", is_admin | is_supervisor | is_leader)
rules.add_perm(
    "core.reply_instruction",
    is_district_writer | has_unit_role(Role.UNIT_HEAD, Role.REPORTER, Role.INSPECTOR),
)


# The workday calendar's override table is district-wide configuration: system administrators keep it.
rules.add_perm("core.add_workdayoverride", is_admin)
rules.add_perm("core.change_workdayoverride", is_admin)
rules.add_perm("core.void_workdayoverride", is_admin)
